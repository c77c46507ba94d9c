"""The demo command builds the whole flow, and a second run adds nothing."""

import frappe

from kpibsc import demo
from kpibsc.tests.factories import KPITestCase

YEAR = 2030


class TestDemo(KPITestCase):
	def counts(self) -> dict:
		scorecards = frappe.get_all(
			"KPI Scorecard",
			filters={"company": demo.COMPANY, "from_date": f"{YEAR}-01-01"},
			fields=["scorecard_for", "count(name) as count", "sum(total_weight) as weight"],
			group_by="scorecard_for",
		)
		return {
			"scorecards": {row.scorecard_for: (row.count, row.weight) for row in scorecards},
			"objectives": frappe.db.count("Strategic Objective", {"strategy": f"KPI Demo Strategy {YEAR}"}),
			"employees": frappe.db.count("Employee", {"company": demo.COMPANY}),
			"reviews": demo.review_states(f"KPI Demo H1 {YEAR}"),
			"initiatives": frappe.db.count(
				"Project", {"company": demo.COMPANY, "is_strategic_initiative": 1}
			),
			"pay": frappe.db.count(
				"Additional Salary",
				{
					"company": demo.COMPANY,
					"ref_doctype": "KPI Pay Run",
					"docstatus": 1,
					# this year's: a site may hold the demo of another year
					"payroll_date": ("between", [f"{YEAR}-01-01", f"{YEAR}-12-31"]),
				},
			),
		}

	def test_demo_builds_company_departments_people_and_is_rerunnable(self):
		demo.setup(YEAR)
		first = self.counts()
		self.assertEqual(first["scorecards"]["Company"], (1, 100))
		self.assertEqual(first["scorecards"]["Department"], (4, 400))
		self.assertEqual(first["scorecards"]["Employee"], (20, 2000))
		self.assertEqual(first["objectives"], len(demo.OBJECTIVES))
		self.assertEqual(first["employees"], 20)
		# a review per person, at every step of the workflow (5 people per department)
		self.assertEqual(
			sorted(first["reviews"].split(", ")),
			["5 Approved", "5 HR Calibration", "5 Manager Review", "5 Self Assessment"],
		)
		self.assertEqual(first["initiatives"], len(demo.INITIATIVES))
		# June's pay run: P1 and P2 for 20 people, P3 for the 5 approved Sales reviews
		self.assertEqual(first["pay"], 45)
		perspectives = frappe.get_all(
			"Strategic Objective",
			filters={"strategy": f"KPI Demo Strategy {YEAR}"},
			pluck="perspective",
			distinct=True,
		)
		self.assertEqual(len(set(perspectives)), 4)
		seller = frappe.get_all(
			"KPI Scorecard",
			filters={
				"scorecard_for": "Employee",
				"from_date": f"{YEAR}-01-01",
				"employee_name": "Trần Thị Bích",
			},
			pluck="name",
		)
		self.assertEqual(len(seller), 1)

		demo.setup(YEAR)
		self.assertEqual(self.counts(), first)
		self.check_logins()

	def check_logins(self):
		"""Everyone in the demo can log in with the documented password, as their role, on the
		demo company; Administrator's default company is the demo's too."""
		from frappe.utils.password import check_password

		# defaults are cached in redis: the rollback after the test must not leave them there
		self.addCleanup(frappe.clear_cache)
		head = demo.demo_email("Nguyễn Văn An")
		employee = demo.demo_email("Trần Thị Bích")
		hr = demo.demo_email("Ngô Thị Mai")
		self.assertEqual((head, employee), ("an.nguyen@kpidemo.example", "bich.tran@kpidemo.example"))
		self.assertEqual(demo.demo_email("Đỗ Văn Khánh"), "khanh.do@kpidemo.example")
		for user, role in (
			(demo.CEO_USER, "KPI Manager"),
			(head, "KPI User"),
			(employee, "KPI User"),
			(hr, "HR Manager"),
		):
			self.assertEqual(check_password(user, demo.DEMO_PASSWORD), user)
			self.assertIn(role, frappe.get_roles(user))
			self.assertEqual(frappe.defaults.get_user_default("Company", user), demo.COMPANY)
		self.assertEqual(frappe.defaults.get_user_default("Company", "Administrator"), demo.COMPANY)
		self.assertNotIn("KPI Manager", frappe.get_roles(employee))
		self.assertEqual(
			frappe.db.get_value("Employee", {"user_id": head, "company": demo.COMPANY}, "employee_name"),
			"Nguyễn Văn An",
		)
		self.assertEqual(frappe.db.count("Employee", {"company": demo.COMPANY, "user_id": ("is", "set")}), 20)
