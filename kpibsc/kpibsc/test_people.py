"""What people meet without extra setup: a KPI User sees their review without HRMS's Employee
role, a review made before its employee had a user picks the user up, and a to-do is written
in its recipient's language."""

import frappe
from frappe.model.workflow import get_transitions
from frappe.utils import getdate

from kpibsc.tests.factories import (
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)
from kpibsc.tests.http import call, resource

HEAD = "kpi.people.head@example.com"
SELLER = "kpi.people.seller@example.com"
LATE = "kpi.people.late@example.com"


class TestPeople(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("PPL-REV", aggregation="Sum")
		cls.department = make_department("KPI People Sales")
		cls.head = make_kpi_employee(HEAD, cls.department)
		cls.seller = make_kpi_employee(SELLER, cls.department)
		frappe.db.set_value("Department", cls.department, "kpi_department_head", cls.head)
		for email in (HEAD, SELLER):
			user = frappe.get_doc("User", email)
			user.add_roles("KPI User")
			user.remove_roles("Employee")  # only kpibsc's role
		frappe.db.set_value("User", HEAD, "language", "vi")
		frappe.db.set_value("User", SELLER, "language", "en")

	def review_of(self, employee: str) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Performance Review",
					"employee": employee,
					"period_type": "Quarter",
					"from_date": "2025-01-01",
					"to_date": "2025-03-31",
					"review_mode": "Competencies Only",
				}
			)
			.insert()
			.name
		)

	def test_kpi_user_sees_and_rates_their_review_without_the_employee_role(self):
		self.assertNotIn("Employee", frappe.get_roles(SELLER))
		review = self.review_of(self.seller)
		reply = call(SELLER, "GET", resource("Performance Review", review))
		self.assertEqual(reply.status, 200, reply.text[:300])
		self.assertEqual(reply.data["employee"], self.seller)
		reply = call(SELLER, "PUT", resource("Performance Review", review), {"self_comments": "mine"})
		self.assertEqual(reply.status, 200, reply.text[:300])
		self.assertEqual(frappe.db.get_value("Performance Review", review, "self_comments"), "mine")
		listed = call(SELLER, "GET", resource("Performance Review"), query={"limit_page_length": 0})
		self.assertIn(review, {row["name"] for row in listed.data})

	def test_review_picks_up_a_user_linked_later(self):
		employee = frappe.get_doc("Employee", make_kpi_employee(LATE, self.department))
		employee.user_id = None
		employee.save()
		review = self.review_of(employee.name)
		self.assertFalse(frappe.db.get_value("Performance Review", review, "employee_user"))
		employee.reload()
		employee.user_id = LATE
		employee.save()
		self.assertEqual(frappe.db.get_value("Performance Review", review, "employee_user"), LATE)
		frappe.set_user(LATE)
		actions = {row.action for row in get_transitions(frappe.get_doc("Performance Review", review))}
		self.assertIn("Submit for Review", actions)

	def test_approval_to_do_is_in_the_approvers_language(self):
		card = scorecard_doc(
			[{"kpi": "PPL-REV", "weight": 100, "target": 12}], scorecard_for="Employee", employee=self.seller
		).insert()
		measurement = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": card.name, "period_start": getdate("2025-01-01")}
		)
		measurement.fill_items()
		frappe.set_user(SELLER)
		frappe.local.lang = "en"
		measurement.insert()
		frappe.set_user("Administrator")
		description = frappe.db.get_value(
			"ToDo",
			{"reference_type": "KPI Measurement", "reference_name": measurement.name, "allocated_to": HEAD},
			"description",
		)
		self.assertTrue(description, "the head got no to-do")
		self.assertTrue(description.startswith("Duyệt số thực tế của"), description)

	def test_saving_a_draft_again_does_not_assign_the_head_twice(self):
		card = scorecard_doc(
			[{"kpi": "PPL-REV", "weight": 100, "target": 12}],
			scorecard_for="Employee",
			employee=self.seller,
			from_date="2024-01-01",
			to_date="2024-12-31",
		).insert()
		measurement = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": card.name, "period_start": getdate("2024-01-01")}
		)
		measurement.fill_items()
		frappe.set_user(SELLER)
		measurement.insert()
		frappe.local.message_log = []
		measurement.items[0].actual = "3"
		measurement.save()
		self.assertFalse(frappe.local.message_log, "saving again told the employee something")
		frappe.set_user("Administrator")
		todos = frappe.get_all(
			"ToDo",
			filters={
				"reference_type": "KPI Measurement",
				"reference_name": measurement.name,
				"allocated_to": HEAD,
			},
		)
		self.assertEqual(len(todos), 1)
