"""A scorecard reviewed on a schedule (#18, "each KPI (and each scorecard) has a review frequency
and next review date; due reviews create a to-do"): the first date from the frequency, one
to-do for the department head when the date comes, Mark Reviewed with a note moves it on and
closes that to-do; only who may edit the scorecard reviews it, and the record is the server's."""

from datetime import date

import frappe
from frappe.utils import add_months, getdate, nowdate

from kpibsc.kpibsc.services.scorecard_review import mark_reviewed, remind_due_reviews
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

KPI = "_T-REVIEW-SALES"
EMPLOYEE_USER = "kpi.review.seller@example.com"
HEAD_USER = "kpi.review.head@example.com"
DUE = date(2025, 3, 1)


class TestScorecardReview(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi(KPI, aggregation="Sum")
		department = make_department("KPI Review Desk")
		cls.employee = make_kpi_employee(EMPLOYEE_USER, department)
		head = make_kpi_employee(HEAD_USER, department)
		make_department("KPI Review Desk", head=head)
		for user in (EMPLOYEE_USER, HEAD_USER):
			user_with_roles(user, "Employee", "KPI User")

	def setUp(self):
		super().setUp()
		self.card = scorecard_doc(
			[{"kpi": KPI, "weight": 100, "target": 1200}],
			scorecard_for="Employee",
			employee=self.employee,
			review_frequency="Quarterly",
		).insert()
		self.card.db_set({"status": "Active", "next_review": DUE})

	def todos(self, status="Open"):
		return frappe.get_all(
			"ToDo",
			filters={"reference_type": "KPI Scorecard", "reference_name": self.card.name, "status": status},
			fields=["allocated_to", "date"],
		)

	def test_first_date_from_the_frequency(self):
		# a 2028 scorecard reviewed quarterly: first review a quarter after it starts
		card = scorecard_doc(
			[{"kpi": KPI, "weight": 100, "target": 10}],
			scorecard_for="Employee",
			employee=self.employee,
			from_date="2028-01-01",
			to_date="2028-12-31",
			review_frequency="Quarterly",
		).insert()
		self.assertEqual(getdate(card.next_review), date(2028, 4, 1))

	def test_due_review_goes_on_the_heads_list_once(self):
		self.assertEqual(self.todos(), [])
		remind_due_reviews(date(2025, 2, 28))  # the day before: nothing
		self.assertEqual(self.todos(), [])
		remind_due_reviews(DUE)
		remind_due_reviews(date(2025, 3, 2))  # while it is open: not again
		todos = self.todos()
		self.assertEqual([(row.allocated_to, getdate(row.date)) for row in todos], [(HEAD_USER, DUE)])

	def test_mark_reviewed_moves_the_date_and_closes_the_todo(self):
		remind_due_reviews(DUE)
		frappe.set_user(HEAD_USER)
		with self.assertRaises(frappe.MandatoryError):
			mark_reviewed(self.card.name, "  ")
		self.assertEqual(getdate(frappe.db.get_value("KPI Scorecard", self.card.name, "next_review")), DUE)
		mark_reviewed(self.card.name, "Chỉ tiêu vẫn phù hợp")
		frappe.set_user("Administrator")
		stored = frappe.db.get_value(
			"KPI Scorecard",
			self.card.name,
			["last_reviewed", "last_review_note", "next_review"],
			as_dict=True,
		)
		today = getdate(nowdate())
		self.assertEqual(
			(stored.last_reviewed, stored.last_review_note, stored.next_review),
			(today, "Chỉ tiêu vẫn phù hợp", getdate(add_months(today, 3))),
		)
		self.assertEqual(self.todos(), [])
		self.assertEqual([row.allocated_to for row in self.todos("Closed")], [HEAD_USER])

	def test_only_who_may_edit_reviews_and_the_record_is_the_servers(self):
		path = "/api/method/kpibsc.kpibsc.services.scorecard_review.mark_reviewed"
		reply = call(EMPLOYEE_USER, "POST", path, {"scorecard": self.card.name, "note": "tự duyệt"})
		self.assertEqual(reply.status, 403, reply.text)
		reply = call(HEAD_USER, "GET", path, query={"scorecard": self.card.name, "note": "qua GET"})
		self.assertEqual(reply.status, 403, reply.text)
		self.assertEqual(
			frappe.db.get_value("KPI Scorecard", self.card.name, ["last_reviewed", "next_review"]),
			(None, DUE),
		)
		card = frappe.get_doc("KPI Scorecard", self.card.name)
		card.last_reviewed, card.last_review_note = "2025-02-01", "forged"
		card.save()
		self.assertEqual(
			frappe.db.get_value("KPI Scorecard", self.card.name, ["last_reviewed", "last_review_note"]),
			(None, None),
		)
