"""Scorecards as each role sees them, through the same list API the desk and REST use."""

import frappe
from frappe.tests.utils import FrappeTestCase

from kpibsc.tests.factories import (
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
	user_with_roles,
)


class TestScorecardPermissions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("T-PERM")
		cls.sales = make_department("KPI Perm Sales")
		cls.ops = make_department("KPI Perm Ops")
		cls.head = make_kpi_employee("kpi.head@example.com", cls.sales)
		cls.seller = make_kpi_employee("kpi.seller2@example.com", cls.sales)
		cls.operator = make_kpi_employee("kpi.operator@example.com", cls.ops)
		frappe.db.set_value("Department", cls.sales, "kpi_department_head", cls.head)
		for email in ("kpi.head@example.com", "kpi.seller2@example.com", "kpi.operator@example.com"):
			frappe.get_doc("User", email).add_roles("KPI User")
		# exactly the role the test is about, whatever roles the user had on this site
		user_with_roles("kpi.manager@example.com", "KPI Manager")

		item = [{"kpi": "T-PERM", "weight": 100, "target": 10}]
		cls.sales_card = scorecard_doc(item, scorecard_for="Department", department=cls.sales).insert().name
		cls.seller_card = scorecard_doc(item, scorecard_for="Employee", employee=cls.seller).insert().name
		cls.operator_card = scorecard_doc(item, scorecard_for="Employee", employee=cls.operator).insert().name

	def tearDown(self):
		frappe.set_user("Administrator")

	def visible(self, user: str) -> set[str]:
		frappe.set_user(user)
		return set(frappe.get_list("KPI Scorecard", pluck="name"))

	def test_employee_sees_only_their_own(self):
		visible = self.visible("kpi.seller2@example.com")
		self.assertIn(self.seller_card, visible)
		self.assertNotIn(self.operator_card, visible)
		self.assertNotIn(self.sales_card, visible)

	def test_employee_cannot_change_their_scorecard(self):
		frappe.set_user("kpi.seller2@example.com")
		doc = frappe.get_doc("KPI Scorecard", self.seller_card)
		self.assertTrue(doc.has_permission("read"))
		self.assertFalse(doc.has_permission("write"))
		self.assertFalse(frappe.get_doc("KPI Scorecard", self.operator_card).has_permission("read"))

	def test_department_head_sees_the_department(self):
		visible = self.visible("kpi.head@example.com")
		self.assertTrue({self.sales_card, self.seller_card} <= visible)
		self.assertNotIn(self.operator_card, visible)
		frappe.set_user("kpi.head@example.com")
		self.assertTrue(frappe.get_doc("KPI Scorecard", self.seller_card).has_permission("write"))

	def test_manager_sees_all(self):
		self.assertTrue(
			{self.sales_card, self.seller_card, self.operator_card} <= self.visible("kpi.manager@example.com")
		)
