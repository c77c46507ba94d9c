"""The scorecard form offers each user only the actions their permissions allow."""

import frappe
from frappe.desk.form.load import run_onload

from kpibsc.tests.factories import (
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)

HEAD = "kpi.actions.head@example.com"
SELLER = "kpi.actions.seller@example.com"


class TestFormActions(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("FA-REV", aggregation="Sum")
		cls.department = make_department("KPI Actions Sales")
		head = make_kpi_employee(HEAD, cls.department)
		cls.seller = make_kpi_employee(SELLER, cls.department)
		frappe.db.set_value("Department", cls.department, "kpi_department_head", head)
		for email in (HEAD, SELLER):
			frappe.get_doc("User", email).add_roles("KPI User")
		items = [{"kpi": "FA-REV", "weight": 100, "target": 1200, "cascade_mode": "Split Target"}]
		cls.department_card = scorecard_doc(
			items, scorecard_for="Department", department=cls.department
		).insert()
		cls.seller_card = scorecard_doc(items, scorecard_for="Employee", employee=cls.seller).insert()

	def actions(self, user: str, scorecard: str) -> dict:
		frappe.set_user(user)
		frappe.local.message_log = []
		doc = frappe.get_doc("KPI Scorecard", scorecard)
		run_onload(doc)
		self.assertEqual(frappe.local.message_log, [], user)  # asked quietly, no "Not allowed" pop-up
		return doc.get("__onload").actions

	def test_employee_reads_their_own_scorecard(self):
		actions = self.actions(SELLER, self.seller_card.name)
		self.assertFalse(actions["can_write"])  # no Save
		self.assertFalse(actions["can_cascade"])
		self.assertTrue(actions["can_recompute"])  # scores are derived: reading is enough
		self.assertTrue(actions["can_fetch_actuals"])  # they enter their own actuals

	def test_head_edits_the_team_and_cascades_the_department(self):
		seller = self.actions(HEAD, self.seller_card.name)
		self.assertTrue(seller["can_write"])
		department = self.actions(HEAD, self.department_card.name)
		self.assertFalse(department["can_write"])  # planned above the head
		self.assertTrue(department["can_cascade"])  # but cascaded to the team by them

	def test_kpi_manager_may_do_everything_but_not_on_a_closed_scorecard(self):
		actions = self.actions("Administrator", self.department_card.name)
		self.assertTrue(all(actions.values()))
		frappe.db.set_value("KPI Scorecard", self.department_card.name, "status", "Closed")
		closed = self.actions("Administrator", self.department_card.name)
		self.assertFalse(closed["can_cascade"] or closed["can_fetch_actuals"])
