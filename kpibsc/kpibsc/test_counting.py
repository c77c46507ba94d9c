"""Counting over REST tells nothing the list would not (kpibsc/kpibsc/counting.py): a colleague
counting another employee's scorecards or results by target gets 0, as their list shows, where
Frappe's own frappe.client.get_count would have answered from every row; other DocTypes are
counted as Frappe counts them."""

import frappe

from kpibsc.tests.factories import (
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
	user_with_roles,
)
from kpibsc.tests.http import call

KPI = "_T-COUNT-SALES"
OWNER_USER = "kpi.count.owner@example.com"
COLLEAGUE = "kpi.count.colleague@example.com"
PATH = "/api/method/frappe.client.get_count"


class TestCounting(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi(KPI, aggregation="Sum")
		department = make_department("KPI Counting Desk")
		cls.employee = make_kpi_employee(OWNER_USER, department)
		make_kpi_employee(COLLEAGUE, department)
		for user in (OWNER_USER, COLLEAGUE):
			user_with_roles(user, "Employee", "KPI User")
		cls.card = scorecard_doc(
			[{"kpi": KPI, "weight": 100, "target": 987654}], scorecard_for="Employee", employee=cls.employee
		).insert()

	def count(self, user, doctype, filters):
		reply = call(user, "GET", PATH, query={"doctype": doctype, "filters": frappe.as_json(filters)})
		self.assertEqual(reply.status, 200, reply.text)
		return reply.message

	def test_a_colleague_counts_what_their_list_shows(self):
		by_employee = {"employee": self.employee}
		self.assertEqual(frappe.db.count("KPI Scorecard", by_employee), 1)  # the row is there
		self.assertEqual(self.count(OWNER_USER, "KPI Scorecard", by_employee), 1)  # their own
		self.assertEqual(self.count(COLLEAGUE, "KPI Scorecard", by_employee), 0)
		self.assertEqual(self.count(COLLEAGUE, "KPI Scorecard", {"name": self.card.name}), 0)

	def test_child_tables_are_not_counted_around_their_parent(self):
		reply = call(
			COLLEAGUE,
			"GET",
			PATH,
			query={"doctype": "KPI Scorecard Item", "filters": frappe.as_json({"target": 987654})},
		)
		self.assertEqual(reply.status, 403, reply.text)

	def test_other_doctypes_are_counted_as_frappe_counts_them(self):
		filters = {"name": COLLEAGUE}
		self.assertEqual(self.count(COLLEAGUE, "User", filters), frappe.db.count("User", filters))
