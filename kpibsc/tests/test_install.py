"""The app as installed on a real site: hooks resolved, roles present, install steps repeatable.

Nothing here deletes site data or commits: install steps that create custom fields (DDL, which
commits in MariaDB) and the uninstall run on a throw-away site in `test_lifecycle`. Each test
rolls back to a savepoint (KPITestCase).
"""

import frappe

from kpibsc.kpibsc.services.pay import COMPONENTS
from kpibsc.setup import install, workflow
from kpibsc.tests.factories import KPITestCase, make_company, make_department, make_kpi_employee


class TestInstall(KPITestCase):
	def tearDown(self):
		super().tearDown()
		# the rollback does not reach the caches
		frappe.clear_document_cache(install.SETTINGS, install.SETTINGS)
		frappe.clear_cache(doctype=install.DEPARTMENT)

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

	def test_custom_fields_are_as_defined(self):
		for doctype, fields in install.get_custom_fields().items():
			for field in fields:
				saved = frappe.db.get_value(
					"Custom Field",
					{"dt": doctype, "fieldname": field["fieldname"]},
					["fieldtype", "options", "permlevel"],
					as_dict=True,
				)
				self.assertIsNotNone(saved, f"{doctype}.{field['fieldname']}")
				self.assertEqual(saved.fieldtype, field["fieldtype"])
				self.assertEqual(saved.options or None, field.get("options"))
				self.assertEqual(saved.permlevel, field.get("permlevel", 0))

	def test_install_steps_without_ddl_are_repeatable(self):
		"""Every step but the custom fields (DDL commits) twice: nothing is added the second time."""

		def counts():
			return {
				doctype: frappe.db.count(doctype)
				for doctype in ("Role", "Custom DocPerm", "Workflow State", "Workflow Action Master")
			} | {
				"components": frappe.db.count(
					"Salary Component", {"name": ("in", [c[1] for c in COMPONENTS])}
				),
				"transitions": frappe.db.count("Workflow Transition", {"parent": workflow.WORKFLOW}),
				"bands": len(frappe.get_single(install.SETTINGS).rank_bands),
			}

		steps = [step for step in install.INSTALL_STEPS if step is not install.create_kpi_custom_fields]
		for step in steps:
			step()
		first = counts()
		for step in steps:
			step()
		self.assertEqual(counts(), first)
		self.assertEqual(first["components"], len(COMPONENTS))
		self.assertEqual(first["transitions"], len(workflow.TRANSITIONS))

	def test_settings_left_by_an_earlier_install_are_repaired(self):
		"""Issue #21: the settings survived an uninstall, the components they named did not."""
		frappe.db.set_single_value(install.SETTINGS, "p1_component", "A component that is gone")
		frappe.db.set_single_value(install.SETTINGS, "no_scorecard_policy", "An option that is gone")
		frappe.clear_document_cache(install.SETTINGS, install.SETTINGS)
		install.repair_settings()
		install.create_salary_components()
		settings = frappe.get_single(install.SETTINGS)
		self.assertEqual(settings.p1_component, COMPONENTS[0][1])
		self.assertEqual(settings.no_scorecard_policy, "Refuse")

	def test_department_head_is_set_only_by_kpi_hr_and_system_managers(self):
		"""KPI Department Head is at permlevel 1: an HR User may edit the department (level 0)
		but the head stays as it was; a KPI Manager may set it."""
		make_company()
		department = make_department("_Test Head Rights")
		head = make_kpi_employee("head.rights@kpibsc.test", department)
		hr_user = self.make_user("hr.rights@kpibsc.test", ("HR User", "Employee"))
		kpi_manager = self.make_user("kpi.rights@kpibsc.test", ("HR User", "KPI Manager"))

		frappe.set_user(hr_user)
		doc = frappe.get_doc("Department", department)
		doc.kpi_department_head = head
		doc.save()
		self.assertFalse(frappe.db.get_value("Department", department, "kpi_department_head"))

		frappe.set_user(kpi_manager)
		doc = frappe.get_doc("Department", department)
		doc.kpi_department_head = head
		doc.save()
		self.assertEqual(frappe.db.get_value("Department", department, "kpi_department_head"), head)

	def test_department_head_permission_rows(self):
		rows = frappe.get_all(
			"Custom DocPerm",
			filters={"parent": "Department", "permlevel": 1},
			fields=["role", "read", "write"],
		)
		self.assertEqual(
			{row.role: (row.read, row.write) for row in rows},
			{role: (1, write) for role, write in install.DEPARTMENT_HEAD_PERMISSIONS},
		)

	@staticmethod
	def make_user(email: str, roles: tuple[str, ...]) -> str:
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": email.split("@")[0],
					"send_welcome_email": 0,
					"roles": [{"role": role} for role in roles],
				}
			).insert(ignore_permissions=True)
		return email
