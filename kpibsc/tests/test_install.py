"""The app as installed on a real site: hooks resolved, roles present, install steps repeatable."""

import frappe
from frappe.tests.utils import FrappeTestCase

from kpibsc.setup import install


class TestInstall(FrappeTestCase):
	def test_installed_after_erpnext_and_hrms(self):
		apps = frappe.get_installed_apps()
		self.assertIn("kpibsc", apps)
		self.assertLess(apps.index("hrms"), apps.index("kpibsc"))
		self.assertLess(apps.index("erpnext"), apps.index("kpibsc"))

	def test_module_belongs_to_the_app(self):
		self.assertEqual(frappe.db.get_value("Module Def", "KPIBSC", "app_name"), "kpibsc")

	def test_hooks_are_registered(self):
		self.assertIn(
			"kpibsc.setup.install.after_install", frappe.get_hooks("after_install", app_name="kpibsc")
		)
		self.assertEqual(
			frappe.get_hooks("required_apps", app_name="kpibsc"), ["frappe/erpnext", "frappe/hrms"]
		)
		for hook in ("after_install", "before_uninstall", "before_tests"):
			for path in frappe.get_hooks(hook, app_name="kpibsc"):
				self.assertTrue(callable(frappe.get_attr(path)), path)

	def test_roles_exist_with_desk_access(self):
		for role in install.ROLES:
			self.assertEqual(frappe.db.get_value("Role", role, "desk_access"), 1, role)

	def test_after_install_is_repeatable(self):
		install.after_install()
		install.after_install()
		self.assertEqual(frappe.db.count("Role", {"name": ("in", install.ROLES)}), len(install.ROLES))

	def test_uninstall_steps_remove_roles_and_custom_fields(self):
		user = frappe.get_doc("User", "Administrator")
		user.add_roles("KPI Manager")
		# before_uninstall also drops the columns (DDL commits): run the steps that don't
		install.delete_custom_fields(install.get_custom_fields())
		install.delete_roles()
		self.assertFalse(frappe.db.exists("Role", "KPI Manager"))
		self.assertFalse(frappe.db.exists("Has Role", {"role": "KPI Manager"}))
		for doctype, fields in install.get_custom_fields().items():
			for field in fields:
				self.assertFalse(
					frappe.db.exists("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
				)
		install.after_install()
		self.assertTrue(frappe.db.exists("Role", "KPI Manager"))
