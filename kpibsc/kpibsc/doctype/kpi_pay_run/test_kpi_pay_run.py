"""KPI pay through real HRMS payroll: salary structure and assignment, approved reviews, the
pay run, Payroll Entry making the salary slips with exactly P1/P2/P3; cancel and amend,
no double pay, a mid-month joiner, every bad input and who may see pay."""

from unittest.mock import patch

import frappe
from frappe.model.workflow import apply_workflow
from frappe.utils import flt, getdate

from kpibsc.engine import FIVE_BANDS
from kpibsc.kpibsc.report.kpi_pay_register.kpi_pay_register import execute as pay_register
from kpibsc.kpibsc.services.pay import PayPolicyError, PayRunError, components
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi_employee,
)

JAN = (getdate("2025-01-01"), getdate("2025-01-31"))
STRUCTURE = "_Test KPI Pay Structure"
ENGINEER, CLERK = "_Test KPI Engineer", "_Test KPI Clerk"
POSITION = {ENGINEER: 10_000_000, CLERK: 6_000_000}
P2_BASE, P3_BASE = 2_000_000, 3_000_000
PEOPLE = {
	# email: designation, joining date, competency ratings of the January review (None: no review)
	"kpi.pay.an@example.com": (ENGINEER, "2015-03-01", (5, 5)),
	"kpi.pay.binh@example.com": (CLERK, "2023-06-01", (3, 3)),
	"kpi.pay.cuong@example.com": (ENGINEER, "2025-01-16", None),  # joins mid-January
}
NO_STRUCTURE = "kpi.pay.dung@example.com"


class TestKPIPayRun(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		cls.department = make_department("KPI Pay Delivery")
		cls.other_department = make_department("KPI Pay Unassigned")
		holidays = "_Test KPI Pay Holidays"
		if not frappe.db.exists("Holiday List", holidays):
			frappe.get_doc(
				{
					"doctype": "Holiday List",
					"holiday_list_name": holidays,
					"from_date": "2024-01-01",
					"to_date": "2026-12-31",
				}
			).insert()
		frappe.db.set_value("Company", TEST_COMPANY, "default_holiday_list", holidays)
		for designation in (ENGINEER, CLERK):
			if not frappe.db.exists("Designation", designation):
				frappe.get_doc({"doctype": "Designation", "designation_name": designation}).insert()
		cls.people = {}
		for email, (designation, joined, _ratings) in PEOPLE.items():
			employee = frappe.get_doc("Employee", make_kpi_employee(email, cls.department))
			employee.designation = designation
			employee.date_of_joining = joined
			employee.save()
			cls.people[email] = employee.name
		cls.unassigned = make_kpi_employee(NO_STRUCTURE, cls.other_department)
		frappe.db.set_value("Employee", cls.unassigned, "designation", CLERK)
		cls.make_structure()
		for employee in cls.people.values():
			cls.assign(employee)
		cls.make_reviews()
		cls.policy = make_policy("_Test KPI Pay Policy 2025", "2025-01-01")

	@classmethod
	def make_structure(cls):
		if not frappe.db.exists("Salary Component", "_Test KPI Basic"):
			frappe.get_doc(
				{
					"doctype": "Salary Component",
					"salary_component": "_Test KPI Basic",
					"salary_component_abbr": "TKB",
					"type": "Earning",
				}
			).insert()
		if not frappe.db.exists("Salary Structure", STRUCTURE):
			frappe.get_doc(
				{
					"doctype": "Salary Structure",
					"name": STRUCTURE,
					"company": TEST_COMPANY,
					"payroll_frequency": "Monthly",
					"currency": "VND",
					"earnings": [
						{
							"salary_component": "_Test KPI Basic",
							"abbr": "TKB",
							"amount_based_on_formula": 1,
							"formula": "base",
						}
					],
				}
			).insert().submit()

	@classmethod
	def assign(cls, employee):
		frappe.get_doc(
			{
				"doctype": "Salary Structure Assignment",
				"employee": employee,
				"salary_structure": STRUCTURE,
				"company": TEST_COMPANY,
				"currency": "VND",
				"from_date": max(
					getdate("2024-12-01"),
					getdate(frappe.db.get_value("Employee", employee, "date_of_joining")),
				),
				"base": 8_000_000,
				"payroll_payable_account": frappe.db.get_value(
					"Company", TEST_COMPANY, "default_payroll_payable_account"
				),
			}
		).insert().submit()

	@classmethod
	def make_reviews(cls):
		if not frappe.db.exists("Competency", "Teamwork"):
			frappe.get_doc({"doctype": "Competency", "competency_name": "Teamwork"}).insert()
		for email, (_designation, _joined, ratings) in PEOPLE.items():
			if not ratings:
				continue
			review = frappe.get_doc(
				{
					"doctype": "Performance Review",
					"employee": cls.people[email],
					"period_type": "Month",
					"from_date": JAN[0],
					"to_date": JAN[1],
					"review_mode": "Competencies Only",
					"competencies": [{"competency": "Teamwork", "weight": 1, "self_rating": ratings[0]}],
				}
			).insert()
			for action in ("Submit for Review", "Submit to HR"):
				apply_workflow(review, action)
				review.reload()
			review.competencies[0].manager_rating = ratings[1]
			review.save()
			apply_workflow(review, "Approve")

	def make_run(self, department=None, **values):
		run = frappe.get_doc(
			{
				"doctype": "KPI Pay Run",
				"company": TEST_COMPANY,
				"from_date": JAN[0],
				"to_date": JAN[1],
				"department": department or self.department,
				**values,
			}
		).insert()
		run.get_employees()
		return run

	def payroll_slips(self) -> dict:
		"""Payroll Entry for January as HR runs it: employees, submit, salary slips."""
		entry = frappe.get_doc(
			{
				"doctype": "Payroll Entry",
				"company": TEST_COMPANY,
				"posting_date": JAN[1],
				"payroll_frequency": "Monthly",
				"salary_slip_based_on_timesheet": 0,
				"start_date": JAN[0],
				"end_date": JAN[1],
				"department": self.department,
				"currency": "VND",
				"exchange_rate": 1,
				"payroll_payable_account": frappe.db.get_value(
					"Company", TEST_COMPANY, "default_payroll_payable_account"
				),
				"cost_center": frappe.db.get_value("Company", TEST_COMPANY, "cost_center"),
				"payment_account": frappe.db.get_value(
					"Account", {"company": TEST_COMPANY, "account_type": "Cash", "is_group": 0}
				),
			}
		)
		entry.fill_employee_details()
		entry.insert()
		# HRMS commits after making the slips (for its background job); the test keeps its
		# own transaction so everything is rolled back afterwards
		with patch.object(frappe.db, "commit", lambda *args, **kwargs: None):
			entry.submit()
		slips = frappe.get_all("Salary Slip", filters={"payroll_entry": entry.name}, pluck="name")
		self.assertTrue(slips, entry.error_message)
		kpi_components = set(components().values())
		result = {}
		for name in slips:
			slip = frappe.get_doc("Salary Slip", name)
			result[slip.employee] = {
				row.salary_component: flt(row.amount)
				for row in slip.earnings
				if row.salary_component in kpi_components
			}
		return result

	# -- the whole path --------------------------------------------------------------------

	def test_pay_run_to_salary_slips(self):
		run = self.make_run()
		register = {row.employee: row for row in run.employees}
		self.assertEqual(set(register), set(self.people.values()))
		an, binh, cuong = (register[self.people[email]] for email in PEOPLE)

		# P1 by designation; P2 = base × seniority coefficient; P3 = base × band coefficient
		an_band = FIVE_BANDS.assign([100.0])[0]  # competencies only, 5 of 5: 100
		self.assertEqual(
			(an.p1, an.p2, an.p3),
			(10_000_000, P2_BASE * 1.2, P3_BASE * FIVE_BANDS.coefficients([an_band])[0]),
		)
		binh_band = FIVE_BANDS.assign([60.0])[0]  # 3 of 5
		self.assertEqual(binh.rank_band, binh_band)
		self.assertEqual(
			(binh.p1, binh.p2, binh.p3),
			(6_000_000, P2_BASE * 1.0, P3_BASE * FIVE_BANDS.coefficients([binh_band])[0]),
		)
		# the joiner: 16 of 31 days of P1 and P2, no review so no P3 (the policy says zero)
		self.assertEqual((cuong.payment_days, cuong.working_days), (16, 31))
		self.assertEqual(cuong.p1, round(10_000_000 * 16 / 31))
		self.assertEqual(cuong.p2, round(P2_BASE * 16 / 31))
		self.assertEqual(cuong.p3, 0)
		self.assertIn("P3", cuong.note)
		for row in run.employees:  # VND: whole dong
			self.assertEqual(row.total, round(row.total))
		self.assertEqual(run.total, sum(row.total for row in run.employees))

		run.submit()
		additional = frappe.get_all(
			"Additional Salary",
			filters={"ref_doctype": "KPI Pay Run", "ref_docname": run.name, "docstatus": 1},
			fields=["employee", "salary_component", "amount"],
		)
		self.assertEqual(len(additional), 8)  # three each, but the joiner has no P3

		slips = self.payroll_slips()
		names = components()
		for row in run.employees:
			expected = {names[key]: row.get(key) for key in ("p1", "p2", "p3") if row.get(key)}
			self.assertEqual(slips[row.employee], expected, row.employee)

		_columns, rows, *_rest = pay_register(
			{"company": TEST_COMPANY, "from_date": JAN[0], "to_date": JAN[1]}
		)
		department_row = next(row for row in rows if row["indent"] == 0)
		self.assertEqual(department_row["total"], run.total)

	def test_no_double_pay_cancel_and_amend(self):
		run = self.make_run()
		run.submit()
		with self.assertRaises(PayRunError):  # the same people and period again
			frappe.get_doc(
				{
					"doctype": "KPI Pay Run",
					"company": TEST_COMPANY,
					"from_date": JAN[0],
					"to_date": JAN[1],
					"employees": [{"employee": self.people["kpi.pay.an@example.com"]}],
				}
			).insert()
		# get_employees leaves out whoever is paid already
		again = frappe.get_doc(
			{
				"doctype": "KPI Pay Run",
				"company": TEST_COMPANY,
				"from_date": JAN[0],
				"to_date": JAN[1],
				"department": self.department,
			}
		).insert()
		self.assertEqual(again.get_employees(), 0)

		run.cancel()
		self.assertFalse(
			frappe.db.exists("Additional Salary", {"ref_docname": run.name, "docstatus": 1}),
		)
		amended = frappe.copy_doc(run)
		amended.amended_from = run.name
		amended.docstatus = 0
		amended.insert()
		amended.submit()
		self.assertEqual(
			frappe.db.count("Additional Salary", {"ref_docname": amended.name, "docstatus": 1}), 8
		)
		slips = self.payroll_slips()
		an = self.people["kpi.pay.an@example.com"]
		self.assertEqual(
			sum(slips[an].values()), next(row.total for row in amended.employees if row.employee == an)
		)

	def test_slip_waits_for_a_draft_pay_run(self):
		frappe.db.set_single_value("Payroll Settings", "email_salary_slip_to_employee", 0)
		run = self.make_run()  # still a draft
		an = self.people["kpi.pay.an@example.com"]
		self.assertEqual(self.payroll_slips()[an], {})
		slip = frappe.get_doc("Salary Slip", {"employee": an, "start_date": JAN[0]})
		with self.assertRaises(PayRunError):  # submitting now would lose the KPI pay
			slip.submit()
		run.submit()
		slip.reload()
		slip.save()  # HRMS reads the Additional Salaries again
		names = components()
		paid = {
			row.salary_component: flt(row.amount)
			for row in slip.earnings
			if row.salary_component in names.values()
		}
		register = next(row for row in run.employees if row.employee == an)
		self.assertEqual(paid, {names[key]: register.get(key) for key in ("p1", "p2", "p3")})
		slip.submit()

	def test_submitted_slip_refuses_the_pay_run(self):
		frappe.db.set_single_value("Payroll Settings", "email_salary_slip_to_employee", 0)
		self.payroll_slips()
		an = self.people["kpi.pay.an@example.com"]
		frappe.get_doc("Salary Slip", {"employee": an, "start_date": JAN[0]}).submit()
		with self.assertRaises(PayRunError):
			self.make_run()

	def test_leaver_is_prorated(self):
		binh = self.people["kpi.pay.binh@example.com"]
		frappe.db.set_value("Employee", binh, "relieving_date", "2025-01-20")
		row = next(row for row in self.make_run().employees if row.employee == binh)
		self.assertEqual((row.payment_days, row.working_days), (20, 31))
		self.assertEqual(row.p1, round(6_000_000 * 20 / 31))
		self.assertEqual(row.p2, round(P2_BASE * 20 / 31))
		self.assertEqual(row.p3, P3_BASE * FIVE_BANDS.coefficients([row.rank_band])[0])  # P3 not prorated

	# -- policies for missing performance --------------------------------------------------

	def test_last_known_band_and_block(self):
		frappe.db.set_value("KPI Pay Policy", self.policy, "missing_performance", "Last Known Band")
		# a December review for the joiner? they had none: still zero, and said so
		december = frappe.get_doc(
			{
				"doctype": "Performance Review",
				"employee": self.people["kpi.pay.binh@example.com"],
				"period_type": "Month",
				"from_date": "2024-12-01",
				"to_date": "2024-12-31",
				"review_mode": "Competencies Only",
				"competencies": [{"competency": "Teamwork", "weight": 1, "self_rating": 5}],
			}
		).insert()
		for action in ("Submit for Review", "Submit to HR", "Approve"):
			apply_workflow(december, action)
			december.reload()
		february = frappe.get_doc(
			{
				"doctype": "KPI Pay Run",
				"company": TEST_COMPANY,
				"from_date": "2025-02-01",
				"to_date": "2025-02-28",
				"department": self.department,
			}
		).insert()
		february.get_employees()
		binh = next(
			row for row in february.employees if row.employee == self.people["kpi.pay.binh@example.com"]
		)
		# January's approved review (band D) is the last known one for February
		self.assertEqual(binh.rank_band, FIVE_BANDS.assign([60.0])[0])
		self.assertIn(binh.rank_band, binh.note)

		frappe.db.set_value("KPI Pay Policy", self.policy, "missing_performance", "Block")
		with self.assertRaises(PayRunError):
			february.save()

	# -- bad input -------------------------------------------------------------------------

	def test_employee_without_salary_structure_is_refused(self):
		with self.assertRaises(PayRunError):
			self.make_run(department=self.other_department)
		self.assertFalse(frappe.db.exists("Additional Salary", {"employee": self.unassigned}))

	def test_overlapping_policies_are_refused(self):
		with self.assertRaises(PayPolicyError):
			make_policy("_Test KPI Pay Policy clash", "2025-01-01")
		bounded = make_policy("_Test KPI Pay Policy 2026", "2026-01-01", effective_to="2026-12-31")
		with self.assertRaises(PayPolicyError):
			make_policy("_Test KPI Pay Policy mid 2026", "2026-06-01")
		self.assertTrue(bounded)
		with self.assertRaises(PayPolicyError):
			make_policy("_Test KPI Pay Policy negative", "2027-01-01", p2_base=-1)

	def test_period_without_policy_is_refused(self):
		with self.assertRaises(PayPolicyError):
			frappe.get_doc(
				{
					"doctype": "KPI Pay Run",
					"company": TEST_COMPANY,
					"from_date": "2024-06-01",
					"to_date": "2024-06-30",
				}
			).insert()

	def test_only_hr_sees_pay(self):
		run = self.make_run()
		frappe.set_user("kpi.pay.an@example.com")
		self.assertFalse(frappe.has_permission("KPI Pay Run", "read", doc=run))
		self.assertFalse(frappe.has_permission("KPI Pay Policy", "read"))
		with self.assertRaises(frappe.PermissionError):
			pay_register({"company": TEST_COMPANY, "from_date": JAN[0], "to_date": JAN[1]})
		frappe.set_user("Administrator")
		if not frappe.db.exists("User", "kpi.pay.hr@example.com"):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": "kpi.pay.hr@example.com",
					"first_name": "Pay HR",
					"send_welcome_email": 0,
				}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", "kpi.pay.hr@example.com").add_roles("HR User")
		frappe.set_user("kpi.pay.hr@example.com")
		self.assertTrue(frappe.has_permission("KPI Pay Run", "read", doc=run))


def make_policy(name: str, effective_from: str, **values) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "KPI Pay Policy",
				"policy_name": name,
				"company": TEST_COMPANY,
				"effective_from": effective_from,
				"p1_method": "Fixed Amount",
				"position_rates": [
					{"designation": designation, "amount": amount} for designation, amount in POSITION.items()
				],
				"p2_base": values.pop("p2_base", P2_BASE),
				"person_factors": [
					{"factor": "Seniority Years", "threshold": 0, "coefficient": 1.0},
					{"factor": "Seniority Years", "threshold": 5, "coefficient": 1.2},
				],
				"p3_mode": "Band Coefficient",
				"p3_basis": "Performance Review",
				"p3_base": P3_BASE,
				"missing_performance": "Zero P3",
				**values,
			}
		)
		.insert()
		.name
	)
