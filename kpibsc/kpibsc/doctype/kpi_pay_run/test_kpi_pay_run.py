"""KPI pay through real HRMS payroll: salary structure and assignment, approved reviews, the
pay run, Payroll Entry making the salary slips with exactly P1/P2/P3; cancel and amend,
no double pay, a mid-month joiner, every bad input and who may see pay."""

from unittest.mock import patch

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow
from frappe.utils import flt, getdate

from erpnext.setup.doctype.employee.test_employee import make_employee

from hrms.payroll.doctype.salary_slip.test_salary_slip import make_leave_application

from kpibsc.engine import FIVE_BANDS
from kpibsc.kpibsc.doctype.kpi_pay_run.kpi_pay_run import run_additional_salaries
from kpibsc.kpibsc.report.kpi_pay_cost_simulation.kpi_pay_cost_simulation import execute as pay_cost_report
from kpibsc.kpibsc.report.kpi_pay_register.kpi_pay_register import execute as pay_register
from kpibsc.kpibsc.services import pay as pay_service
from kpibsc.kpibsc.services import pay_cost as pay_cost_service
from kpibsc.kpibsc.services.pay import PayPolicyError, PayRunError, components
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi_employee,
)
from kpibsc.tests.http import call, method

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
		# HRMS emails each submitted slip as a PDF, which needs a web server to fetch the print
		# styles from: these tests are about what the slips pay, not about mail
		frappe.db.set_single_value("Payroll Settings", "email_salary_slip_to_employee", 0)
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
		# own transaction so everything is rolled back afterwards. When a slip fails, HRMS
		# rolls back everything (this test's data too) before it commits the failure: stop
		# there instead, and report HRMS's reason rather than the savepoint errors that follow
		with (
			patch.object(frappe.db, "commit", lambda *args, **kwargs: None),
			patch.object(frappe.db, "rollback", refuse_full_rollback(frappe.db.rollback)),
		):
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

	def test_payroll_entry_failure_is_reported(self):
		run = self.make_run()
		run.submit()
		refusal = frappe.ValidationError("no salary slip today")
		with (
			patch("hrms.payroll.doctype.salary_slip.salary_slip.SalarySlip.validate", side_effect=refusal),
			self.assertRaises(AssertionError) as raised,
		):
			self.payroll_slips()
		self.assertIn("no salary slip today", str(raised.exception))
		# nothing was rolled back under the test: its run and people are still there
		self.assertTrue(frappe.db.exists("KPI Pay Run", run.name))
		self.assertTrue(frappe.db.exists("Employee", self.people["kpi.pay.an@example.com"]))

	def test_pay_run_to_salary_slips(self):
		run = self.make_run()
		register = {row.employee: row for row in run.employees}
		self.assertEqual(set(register), set(self.people.values()))
		an, binh, cuong = (register[self.people[email]] for email in PEOPLE)

		# P1 by designation; P2 = base × seniority coefficient; P3 = base × band coefficient
		# An: engineer, 10 years: P2 2,000,000 x 1.2; competencies 5 of 5 = 100, band A (90 and
		# up), P3 3,000,000 x 1.4
		self.assertEqual((an.rank_band, an.p1, an.p2, an.p3), ("A", 10_000_000, 2_400_000, 4_200_000))
		# Binh: clerk, under 5 years: x 1.0; 3 of 5 = 60, band D (50 to 70), x 0.8
		self.assertEqual((binh.rank_band, binh.p1, binh.p2, binh.p3), ("D", 6_000_000, 2_000_000, 2_400_000))
		# the joiner: 16 of 31 days of P1 and P2, no review so no P3 (the policy says zero):
		# 10,000,000 x 16 / 31 = 5,161,290.32 and 2,000,000 x 16 / 31 = 1,032,258.06
		self.assertEqual((cuong.payment_days, cuong.working_days), (16, 31))
		self.assertEqual((cuong.p1, cuong.p2, cuong.p3), (5_161_290, 1_032_258, 0))
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
		# 6,000,000 x 20 / 31 = 3,870,967.74; 2,000,000 x 20 / 31 = 1,290,322.58; P3 is not
		# prorated: band D, 3,000,000 x 0.8
		self.assertEqual((row.p1, row.p2, row.p3), (3_870_968, 1_290_323, 2_400_000))

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
		self.assertEqual((binh.rank_band, binh.p3), ("D", 2_400_000))
		self.assertIn(binh.rank_band, binh.note)
		# the joiner has no review at all, so no last known band either: still zero, and said so
		cuong = next(
			row for row in february.employees if row.employee == self.people["kpi.pay.cuong@example.com"]
		)
		self.assertEqual((cuong.rank_band or None, cuong.p3), (None, 0))
		self.assertIn("P3", cuong.note)

		frappe.db.set_value("KPI Pay Policy", self.policy, "missing_performance", "Block")
		with self.assertRaises(PayRunError):
			february.save()

	# -- bad input -------------------------------------------------------------------------

	def test_employee_without_salary_structure_is_refused(self):
		with self.assertRaises(PayRunError):
			self.make_run(department=self.other_department)

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

	# -- payment days as HRMS counts them (#14) ---------------------------------------------
	# January 2025: 31 days, Wednesday the 1st, Sundays the 5th, 12th, 19th and 26th. Each
	# case works its days and pay out by hand and then checks them against the Salary Slip
	# HRMS makes for the same employee and month.

	def days_setup(self, holidays: list[str], include_holidays: int = 0) -> str:
		"""A department of its own (so runs pick only these people), a holiday list with
		`holidays`, and the Payroll Settings HRMS counts by."""
		frappe.db.set_single_value(
			"Payroll Settings",
			{
				"payroll_based_on": "Leave",
				"include_holidays_in_total_working_days": include_holidays,
				"daily_wages_fraction_for_half_day": 0.5,
				"email_salary_slip_to_employee": 0,
			},
		)
		# the settings are cached outside the transaction the test rolls back
		self.addCleanup(frappe.clear_document_cache, "Payroll Settings", "Payroll Settings")
		self.days_department = make_department("KPI Pay Days")
		self.holiday_list = frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": f"_Test KPI Days {len(holidays)}",
				"from_date": "2025-01-01",
				"to_date": "2025-12-31",
				"holidays": [
					{"holiday_date": day, "description": day, "weekly_off": getdate(day).weekday() == 6}
					for day in holidays
				],
			}
		).insert()
		return self.holiday_list.name

	def days_person(self, email: str, designation: str, joined: str, relieved: str | None = None) -> str:
		employee = make_employee(
			email,
			company=TEST_COMPANY,
			department=self.days_department,
			designation=designation,
			date_of_joining=joined,
			relieving_date=relieved,
			holiday_list=self.holiday_list.name,
		)
		self.assign(employee)
		return employee

	def days_run(self) -> tuple:
		run = self.make_run(department=self.days_department)
		return run, {row.employee: row for row in run.employees}

	def hrms_slip(self, employee: str):
		"""The Salary Slip HRMS makes for January, as Payroll Entry makes it."""
		return frappe.get_doc(
			{
				"doctype": "Salary Slip",
				"employee": employee,
				"company": TEST_COMPANY,
				"payroll_frequency": "Monthly",
				"start_date": JAN[0],
				"end_date": JAN[1],
				"posting_date": JAN[1],
				"currency": "VND",
				"exchange_rate": 1,
				"salary_slip_based_on_timesheet": 0,
			}
		).insert()

	def assert_days_match_slip(self, row, slip):
		self.assertEqual(
			(row.payment_days, row.working_days),
			(flt(slip.payment_days), flt(slip.total_working_days)),
			row.employee,
		)

	def test_payment_days_of_joiner_leaver_and_leave_without_pay_are_the_slips(self):
		self.days_setup(["2025-01-05", "2025-01-12", "2025-01-19", "2025-01-26"])  # Sundays
		joiner = self.days_person("kpi.days.joiner@example.com", CLERK, "2025-01-11")
		leaver = self.days_person(
			"kpi.days.leaver@example.com", ENGINEER, "2015-03-01", relieved="2025-01-20"
		)
		lwp = self.days_person("kpi.days.lwp@example.com", ENGINEER, "2015-03-01")
		leave_type = frappe.get_doc(
			{
				"doctype": "Leave Type",
				"leave_type_name": "_Test KPI Leave Without Pay",
				"is_lwp": 1,
				"include_holiday": 0,
			}
		).insert()
		# Friday 10th to Monday 13th (Sunday the 12th is a holiday: 3 days), half of Monday 20th
		make_leave_application(lwp, "2025-01-10", "2025-01-13", leave_type.name, TEST_COMPANY)
		make_leave_application(
			lwp, "2025-01-20", "2025-01-20", leave_type.name, TEST_COMPANY, True, "2025-01-20"
		)
		run, rows = self.days_run()

		# working days: 31 less 4 Sundays = 27 for everyone
		# joiner from Saturday the 11th: 21 days less the Sundays 12, 19, 26 = 18 of 27
		# P1 6,000,000 × 18/27 = 4,000,000; P2 2,000,000 × 1.0 × 18/27 = 1,333,333.33 → 1,333,333
		self.assertEqual((rows[joiner].payment_days, rows[joiner].working_days), (18, 27))
		self.assertEqual((rows[joiner].p1, rows[joiner].p2, rows[joiner].p3), (4_000_000, 1_333_333, 0))
		# leaver to Monday the 20th: 20 days less the Sundays 5, 12, 19 = 17 of 27
		# P1 10,000,000 × 17/27 = 6,296,296.30 → 6,296,296; P2 2,400,000 × 17/27 = 1,511,111.11
		self.assertEqual((rows[leaver].payment_days, rows[leaver].working_days), (17, 27))
		self.assertEqual((rows[leaver].p1, rows[leaver].p2), (6_296_296, 1_511_111))
		# leave without pay 3 + 0.5 days: 27 − 3.5 = 23.5 of 27
		# P1 10,000,000 × 23.5/27 = 8,703,703.70 → 8,703,704; P2 2,400,000 × 23.5/27 → 2,088,889
		self.assertEqual((rows[lwp].payment_days, rows[lwp].working_days), (23.5, 27))
		self.assertEqual((rows[lwp].p1, rows[lwp].p2), (8_703_704, 2_088_889))
		self.assertRegex(rows[lwp].note, r"\b3[.,]5\b")  # in the site's format: test_number_format

		run.submit()
		names = components()
		for employee, row in rows.items():
			slip = self.hrms_slip(employee)
			self.assert_days_match_slip(row, slip)
			paid = {line.salary_component: flt(line.amount) for line in slip.earnings}
			self.assertEqual(paid.get(names["p1"]), row.p1, employee)
			self.assertEqual(paid.get(names["p2"]), row.p2, employee)
		self.assertEqual(flt(slip.leave_without_pay), 3.5)

	def test_payment_days_in_a_holiday_heavy_month_are_the_slips(self):
		# Sundays, New Year's Day and Tết (Monday 27th to Friday 31st): 10 holidays
		sundays = ["2025-01-05", "2025-01-12", "2025-01-19", "2025-01-26"]
		tet = ["2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"]
		self.days_setup(["2025-01-01", *sundays, *tet])
		stayer = self.days_person("kpi.days.stayer@example.com", CLERK, "2023-06-01")
		joiner = self.days_person("kpi.days.tet@example.com", CLERK, "2025-01-11")
		run, rows = self.days_run()
		# holidays not counted: 31 − 10 = 21 working days; a full month is paid in full
		self.assertEqual((rows[stayer].payment_days, rows[stayer].working_days), (21, 21))
		self.assertEqual((rows[stayer].p1, rows[stayer].p2), (6_000_000, 2_000_000))
		# joiner from the 11th: 21 days less 12, 19, 26 and Tết's five = 13 of 21
		# P1 6,000,000 × 13/21 = 3,714,285.71 → 3,714,286; P2 2,000,000 × 13/21 → 1,238,095
		self.assertEqual((rows[joiner].payment_days, rows[joiner].working_days), (13, 21))
		self.assertEqual((rows[joiner].p1, rows[joiner].p2), (3_714_286, 1_238_095))
		for employee, row in rows.items():
			self.assert_days_match_slip(row, self.hrms_slip(employee))

		# Payroll Settings: include holidays in total working days. Every day counts: 31
		# working days, the joiner is paid 21 of them (11th to 31st)
		frappe.db.set_single_value("Payroll Settings", "include_holidays_in_total_working_days", 1)
		frappe.db.delete("Salary Slip", {"employee": ("in", list(rows))})
		run.save()
		rows = {row.employee: row for row in run.employees}
		self.assertEqual((rows[stayer].payment_days, rows[stayer].working_days), (31, 31))
		# P1 6,000,000 × 21/31 = 4,064,516.13 → 4,064,516; P2 2,000,000 × 21/31 → 1,354,839
		self.assertEqual((rows[joiner].payment_days, rows[joiner].working_days), (21, 31))
		self.assertEqual((rows[joiner].p1, rows[joiner].p2), (4_064_516, 1_354_839))
		for employee, row in rows.items():
			self.assert_days_match_slip(row, self.hrms_slip(employee))

	def test_no_holiday_list_is_refused_by_name(self):
		self.days_setup([])
		person = self.days_person("kpi.days.nolist@example.com", CLERK, "2023-06-01")
		frappe.db.set_value("Employee", person, "holiday_list", None)
		frappe.db.set_value("Company", TEST_COMPANY, "default_holiday_list", None)
		self.addCleanup(frappe.clear_document_cache, "Company", TEST_COMPANY)
		with self.assertRaisesRegex(PayRunError, person):
			self.days_run()

	def test_payment_days_based_on_attendance_are_the_slips(self):
		self.days_setup(["2025-01-05", "2025-01-12", "2025-01-19", "2025-01-26"])  # Sundays
		frappe.db.set_single_value(
			"Payroll Settings",
			{"payroll_based_on": "Attendance", "consider_unmarked_attendance_as": "Present"},
		)
		person = self.days_person("kpi.days.absent@example.com", CLERK, "2023-06-01")
		for day, status in (("2025-01-07", "Absent"), ("2025-01-12", "Absent")):  # the 12th: Sunday
			frappe.get_doc(
				{
					"doctype": "Attendance",
					"employee": person,
					"attendance_date": day,
					"status": status,
					"company": TEST_COMPANY,
				}
			).insert().submit()
		_run, rows = self.days_run()
		# absent on Tuesday the 7th; an absence on a holiday does not count: 27 − 1 = 26 of 27
		# P1 6,000,000 × 26/27 = 5,777,777.78 → 5,777,778; P2 2,000,000 × 26/27 → 1,925,926
		self.assertEqual((rows[person].payment_days, rows[person].working_days), (26, 27))
		self.assertEqual((rows[person].p1, rows[person].p2), (5_777_778, 1_925_926))
		self.assertIn(_("Days absent: {0}").format(1), rows[person].note)
		self.assert_days_match_slip(rows[person], self.hrms_slip(person))

	# -- a failed run is retried: only what is missing, never twice (#14) -------------------

	def clash(self, employee: str) -> str:
		"""An Additional Salary HR typed by hand for January's P1 of `employee`: HRMS refuses a
		second one that overwrites the structure amount on the same date."""
		clash = frappe.get_doc(
			{
				"doctype": "Additional Salary",
				"employee": employee,
				"company": TEST_COMPANY,
				"currency": "VND",
				"salary_component": components()["p1"],
				"amount": 1,
				"payroll_date": JAN[1],
				"overwrite_salary_structure_amount": 1,
			}
		).insert()
		clash.submit()
		return clash.name

	def made_for(self, run) -> list[tuple[str, str]]:
		return sorted(
			frappe.get_all(
				"Additional Salary",
				filters={"ref_doctype": "KPI Pay Run", "ref_docname": run.name, "docstatus": 1},
				fields=["employee", "salary_component"],
				as_list=True,
			)
		)

	def test_failed_run_names_who_and_why_and_retry_makes_only_the_missing(self):
		an, binh, _cuong = (self.people[email] for email in PEOPLE)
		clash = self.clash(an)
		run = self.make_run()
		# submitted as a large run is: the Additional Salaries are left to the background job
		with patch.object(pay_service, "make_additional_salaries", return_value=pay_service.Payout()):
			run.submit()
		run_additional_salaries(run.name)  # the job
		run.reload()
		self.assertEqual(run.status, "Failed")
		# who (only An) and why (HRMS's own reason), and what to do
		self.assertIn("1 of 3", run.error_message)
		self.assertIn(an, run.error_message)
		self.assertIn("already exists", run.error_message)
		self.assertNotIn(binh, run.error_message)
		# the others are paid: Binh three components, Cuong two (no P3); none for An
		made = self.made_for(run)
		self.assertEqual(len(made), 5)
		self.assertNotIn(an, {employee for employee, _component in made})
		# the register counts what was paid: An nothing (and says so), the others in full
		register = self.register_rows()
		self.assertEqual(register[an]["total"], 0)
		self.assertIn("Not paid yet", register[an]["note"])
		self.assertIn("Failed", register[an]["note"])
		self.assertEqual(register[binh]["total"], next(r.total for r in run.employees if r.employee == binh))

		# retrying before the cause is fixed makes nothing and still says why
		self.assertEqual(run.retry(), {"created": 0, "failed": 1})
		self.assertEqual(run.status, "Failed")
		self.assertEqual(len(self.made_for(run)), 5)

		# HR cancels the hand-typed one and retries: An's three are made, nobody else's twice
		# (a draft of the run's P2 for An, left by an interrupted attempt, is submitted, not doubled)
		frappe.get_doc("Additional Salary", clash).cancel()
		an_row = next(row for row in run.employees if row.employee == an)
		frappe.get_doc(
			{
				"doctype": "Additional Salary",
				"employee": an,
				"company": TEST_COMPANY,
				"currency": "VND",
				"salary_component": components()["p2"],
				"amount": an_row.p2,
				"payroll_date": JAN[1],
				"overwrite_salary_structure_amount": 1,
				"ref_doctype": "KPI Pay Run",
				"ref_docname": run.name,
			}
		).insert()
		self.assertEqual(run.retry(), {"created": 3, "failed": 0})
		self.assertEqual((run.status, run.error_message), ("Submitted", None))
		made = self.made_for(run)
		self.assertEqual(len(made), 8)
		self.assertEqual(len(set(made)), 8)  # one per employee and component
		self.assertFalse(frappe.db.exists("Additional Salary", {"ref_docname": run.name, "docstatus": 0}))
		self.assertEqual(pay_service.make_additional_salaries(run.name).created, 0)  # idempotent
		register = self.register_rows()
		self.assertEqual(register[an]["total"], an_row.total)
		self.assertEqual(sum(register[row.employee]["total"] for row in run.employees), run.total)
		with self.assertRaises(PayRunError):  # nothing left to retry
			run.retry()

		# the slips pay exactly the register
		slips = self.payroll_slips()
		names = components()
		for row in run.employees:
			expected = {names[key]: row.get(key) for key in ("p1", "p2", "p3") if row.get(key)}
			self.assertEqual(slips[row.employee], expected, row.employee)

	def register_rows(self) -> dict:
		"""Employee -> their row of the KPI Pay Register for January."""
		_columns, rows, *_rest = pay_register(
			{"company": TEST_COMPANY, "from_date": JAN[0], "to_date": JAN[1]}
		)
		return {row["employee"]: row for row in rows if row.get("indent") == 1}

	def test_small_run_refused_by_hrms_is_not_submitted(self):
		an = self.people["kpi.pay.an@example.com"]
		self.clash(an)
		run = self.make_run()
		with self.assertRaisesRegex(PayRunError, an):
			run.submit()

	def test_only_who_may_submit_retries(self):
		run = self.make_run()
		run.submit()
		frappe.db.set_value("KPI Pay Run", run.name, "status", "Failed")
		frappe.set_user("kpi.pay.an@example.com")
		with self.assertRaises(frappe.PermissionError):
			run.retry()

	# -- Additional Salaries in bulk, as HRMS's document makes them (#19) ----------------------

	def submitted_unpaid_run(self):
		"""A submitted run whose Additional Salaries are not made yet (left to the job)."""
		run = self.make_run()
		with patch.object(pay_service, "make_additional_salaries", return_value=pay_service.Payout()):
			run.submit()
		return run

	def paid_rows(self, run) -> dict:
		"""(employee, component) -> every column of the run's Additional Salary, and its Versions."""
		rows = frappe.db.sql(
			"select * from `tabAdditional Salary` where ref_doctype = 'KPI Pay Run' and ref_docname = %s",
			run.name,
			as_dict=True,
		)
		versions = frappe.get_all(
			"Version",
			filters={
				"ref_doctype": "Additional Salary",
				"docname": ("in", [row.name for row in rows] or [""]),
			},
			fields=["docname", "data", "owner"],
			order_by="creation",
		)
		return {
			(row.employee, row.salary_component): {
				**row,
				"versions": [(v.data, v.owner) for v in versions if v.docname == row.name],
			}
			for row in rows
		}

	def payout_by(self, run, bulk: bool, action=None) -> dict:
		"""The run's Additional Salaries made (and `action`ed) by one path, then rolled back."""
		frappe.db.savepoint("kpibsc_path")
		try:
			with (
				patch.object(pay_service.additional_salary, "bulk_allowed", return_value=bulk),
				# Frappe writes no Version rows under tests; here the document path must, as it
				# does on a site, so that the bulk path's Versions are compared too
				patch.dict(frappe.flags, {"in_test": False}),
			):
				payout = pay_service.make_additional_salaries(run.name)
				self.assertEqual((payout.created, payout.failed), (8, []))
				if action:
					action()
			return self.paid_rows(run)
		finally:
			frappe.db.rollback(save_point="kpibsc_path")

	def assert_same_rows(self, documents: dict, bulk: dict):
		self.assertEqual(set(documents), set(bulk))
		self.assertEqual(len(documents), 8)
		for key, document in documents.items():
			bulk_row = bulk[key]
			for field in ("name", "creation", "modified"):
				document.pop(field)
				bulk_row.pop(field)
			self.assertEqual(bulk_row, document, key)

	def test_bulk_additional_salaries_equal_hrms_documents(self):
		self.assertTrue(pay_service.additional_salary.bulk_allowed())  # nothing else listens here
		run = self.submitted_unpaid_run()
		documents = self.payout_by(run, bulk=False)
		bulk = self.payout_by(run, bulk=True)
		# same names from the same series (the counter is rolled back with the rows)
		self.assertEqual(
			sorted(row["name"] for row in documents.values()), sorted(row["name"] for row in bulk.values())
		)
		an = self.people["kpi.pay.an@example.com"]
		p1 = documents[(an, components()["p1"])]
		self.assertEqual(
			(p1["docstatus"], p1["naming_series"], p1["type"]), (1, "HR-ADS-.YY.-.MM.-", "Earning")
		)
		self.assertEqual(
			p1["versions"],
			[
				(
					'{"added":[],"changed":[["docstatus",0,1]],"data_import":null,"removed":[],"row_changed":[],"updater_reference":null}',
					"Administrator",
				)
			],
		)
		# every column but name, creation and modified, and the Version rows
		self.assert_same_rows(documents, bulk)

		# cancelled: docstatus 2 and a second Version, as HRMS's cancel leaves them
		cancel = lambda: pay_service.cancel_additional_salaries(run.name)  # noqa: E731
		cancelled = self.payout_by(run, bulk=False, action=cancel)
		self.assertEqual({row["docstatus"] for row in cancelled.values()}, {2})
		self.assert_same_rows(cancelled, self.payout_by(run, bulk=True, action=cancel))

		# the bulk rows on Payroll Entry's slips: exactly the register
		with self.assertQueryCount(30):  # a fixed number of queries, not per employee
			payout = pay_service.make_additional_salaries(run.name)
		self.assertEqual(payout.created, 8)
		slips = self.payroll_slips()
		names = components()
		for row in run.employees:
			expected = {names[key]: row.get(key) for key in ("p1", "p2", "p3") if row.get(key)}
			self.assertEqual(slips[row.employee], expected, row.employee)

		# a submitted slip pays them: cancelling the run is refused, as HRMS refuses it
		slip = frappe.get_doc("Salary Slip", {"employee": an, "start_date": JAN[0]})
		slip.submit()
		run.reload()
		frappe.db.savepoint("kpibsc_cancel")  # what the request's rollback does
		with self.assertRaises(frappe.LinkExistsError):
			run.cancel()
		frappe.db.rollback(save_point="kpibsc_cancel")
		self.assertEqual(frappe.db.count("Additional Salary", {"ref_docname": run.name, "docstatus": 1}), 8)
		slip.reload()
		slip.cancel()
		run.reload()
		run.cancel()
		self.assertEqual(frappe.db.count("Additional Salary", {"ref_docname": run.name, "docstatus": 1}), 0)
		# and the duplicate rule sees cancelled ones as HRMS does: the amended run pays again
		amended = frappe.copy_doc(run)
		amended.amended_from = run.name
		amended.docstatus = 0
		amended.insert()
		amended.submit()
		self.assertEqual(
			frappe.db.count("Additional Salary", {"ref_docname": amended.name, "docstatus": 1}), 8
		)

	def hrms_refusal(self, row: dict) -> str | None:
		"""What HRMS's document says to `row` (inserted and submitted, then rolled back)."""
		frappe.db.savepoint("kpibsc_hrms_says")
		messages = len(frappe.local.message_log)
		try:
			frappe.get_doc({"doctype": "Additional Salary", **row}).insert().submit()
		except Exception as error:
			return pay_service.reason(error)
		finally:
			frappe.db.rollback(save_point="kpibsc_hrms_says")
			del frappe.local.message_log[messages:]
		return None

	def test_bulk_refuses_what_hrms_refuses(self):
		an, binh, cuong = (self.people[email] for email in PEOPLE)
		names = components()
		row = {
			"employee": an,
			"company": TEST_COMPANY,
			"currency": "VND",
			"salary_component": names["p1"],
			"amount": 1_000,
			"payroll_date": JAN[1],
			"overwrite_salary_structure_amount": 1,
			"ref_doctype": "KPI Pay Run",
			"ref_docname": self.submitted_unpaid_run().name,
		}
		inactive = make_kpi_employee("kpi.pay.inactive@example.com", self.department)
		self.assign(inactive)
		frappe.db.set_value("Employee", inactive, "status", "Inactive")
		frappe.db.set_value("Employee", binh, "relieving_date", "2025-01-20")
		self.clash(an)  # January's P1 of An, overwriting, typed by hand
		frappe.get_doc(  # a recurring P3 of An over the first quarter, overwriting
			{
				"doctype": "Additional Salary",
				"employee": an,
				"company": TEST_COMPANY,
				"currency": "VND",
				"salary_component": names["p3"],
				"amount": 5,
				"is_recurring": 1,
				"from_date": "2025-01-01",
				"to_date": "2025-03-31",
				"overwrite_salary_structure_amount": 1,
			}
		).insert().submit()
		elsewhere = "_Test KPI Other Company Pay"
		if not frappe.db.exists("Salary Component", elsewhere):
			frappe.get_doc(  # accounts only for another company, made here (no site has it)
				{
					"doctype": "Salary Component",
					"salary_component": elsewhere,
					"salary_component_abbr": "TKOC",
					"type": "Deduction",
					"accounts": [{"company": make_company("_Test KPI Other Company", "_TKOC")}],
				}
			).insert()
		cases = {
			# case: (changes to the row, refused?)
			"a good row": ({"salary_component": names["p2"]}, False),
			"inactive employee": ({"employee": inactive}, True),
			"payroll date before joining": ({"employee": cuong, "payroll_date": "2025-01-10"}, True),
			"payroll date after relieving": ({"employee": binh, "payroll_date": JAN[1]}, True),
			"no salary structure": ({"employee": self.unassigned}, True),
			"an overwrite of the component on that date exists": ({}, True),
			"a recurring overwrite covers the date": ({"salary_component": names["p3"]}, True),
			"no overwrite, so no duplicate rule": ({"overwrite_salary_structure_amount": 0}, False),
			"a component of another company (HRMS does not check)": (
				{"salary_component": elsewhere},
				False,
			),
			# Frappe's link check lets a missing link through when fields are fetched from it
			"no such component (Frappe does not check)": (
				{"salary_component": "_Test KPI No Such Component"},
				False,
			),
			"no such currency": ({"currency": "_Test KPI No Such Currency"}, True),
			"negative amount": ({"salary_component": names["p2"], "amount": -1}, True),
		}
		for case, (changes, refused) in cases.items():
			bad = {**row, **changes}
			expected = self.hrms_refusal(bad)
			self.assertEqual(bool(expected), refused, f"{case}: {expected}")
			self.assertEqual(pay_service.additional_salary.refusals([bad]), [expected], case)
		# all at once, as a run checks them: the same answers, in a fixed number of queries
		rows = [{**row, **changes} for changes, _refused in cases.values()]
		with self.assertQueryCount(8):
			together = pay_service.additional_salary.refusals(rows)
		self.assertEqual([bool(why) for why in together], [refused for _changes, refused in cases.values()])

	def test_interrupted_payout_leaves_none_and_is_resumed(self):
		run = self.submitted_unpaid_run()
		frappe.db.savepoint("kpibsc_before_job")
		rollback = frappe.db.rollback

		def job_rollback(*args, save_point=None, **kwargs):  # the job's rollback, inside the test's
			return rollback(save_point=save_point or "kpibsc_before_job")

		# the job dies after writing the Additional Salaries, before their Versions
		with (
			patch.object(
				pay_service.additional_salary, "insert_versions", side_effect=RuntimeError("worker lost")
			),
			patch.object(frappe.db, "rollback", job_rollback),
		):
			run_additional_salaries(run.name)
		run.reload()
		self.assertEqual(run.status, "Failed")
		self.assertIn("worker lost", run.error_message)
		self.assertFalse(frappe.db.exists("Additional Salary", {"ref_docname": run.name}))
		self.assertEqual(run.retry(), {"created": 8, "failed": 0})
		self.assertEqual(len(set(self.made_for(run))), 8)

		# a worker killed outright runs no handler: its transaction is never committed, so the
		# run stays Queued with nothing made. Retry waits while the job lives, then resumes
		frappe.db.rollback(save_point="kpibsc_before_job")
		run.reload()
		run.db_set("status", "Queued")
		with patch("kpibsc.kpibsc.doctype.kpi_pay_run.kpi_pay_run.is_job_enqueued", return_value=True):
			with self.assertRaises(PayRunError):
				run.retry()
		self.assertFalse(frappe.db.exists("Additional Salary", {"ref_docname": run.name}))
		with patch("kpibsc.kpibsc.doctype.kpi_pay_run.kpi_pay_run.is_job_enqueued", return_value=False):
			self.assertEqual(run.retry(), {"created": 8, "failed": 0})
		self.assertEqual((run.status, len(set(self.made_for(run)))), ("Submitted", 8))

	# -- pay-cost simulation before paying (#19) -------------------------------------------
	# The department's three people, worked by hand (see test_pay_run_to_salary_slips):
	#   An    P1 10,000,000  P2 2,400,000  score 100 (A)  P3 4,200,000
	#   Binh  P1  6,000,000  P2 2,000,000  score  60 (D)  P3 2,400,000
	#   Cuong P1  5,161,290  P2 1,032,258  no review      P3 0 (Zero P3)
	# P1 21,161,290 and P2 5,432,258 in every scenario.

	def simulation_filters(self, **values) -> dict:
		return {
			"company": TEST_COMPANY,
			"from_date": JAN[0],
			"to_date": JAN[1],
			"department": self.department,
			**values,
		}

	def simulated(self, **values) -> dict:
		"""The report's department row and total row."""
		_columns, rows, *_rest = pay_cost_report(self.simulation_filters(**values))
		self.assertEqual(len(rows), 2, rows)
		return {"department": rows[0], "total": rows[1]}

	def test_simulated_cost_is_what_the_run_pays(self):
		run = self.make_run()
		budget = make_pay_budget(self.department, 35_000_000)
		result = run.simulate_cost("Current Scores", budget=budget)
		department, total = result["rows"]
		# P3 4,200,000 + 2,400,000 + 0; total 21,161,290 + 5,432,258 + 6,600,000
		self.assertEqual(
			[department[key] for key in ("headcount", "p1", "p2", "p3", "total")],
			[3, 21_161_290, 5_432_258, 6_600_000, 33_193_548],
		)
		# budget minus cost: 35,000,000 - 33,193,548
		self.assertEqual((department["budget"], department["variance"]), (35_000_000, 1_806_452))
		self.assertEqual(total["total"], department["total"])
		for key in ("p1", "p2", "p3", "total"):
			self.assertEqual(department[key], sum(row.get(key) for row in run.employees), key)
		# the report of the same period and department shows the same figures
		report = self.simulated(pay_budget=budget)
		self.assertEqual(report["department"]["total"], 33_193_548)
		self.assertEqual(report["department"]["variance"], 1_806_452)
		# its chart tooltips in whole dong, as the site writes numbers (kpibsc_charts.js)
		chart = pay_cost_report(self.simulation_filters(pay_budget=budget))[3]
		self.assertEqual((chart["fieldtype"], chart["options"], chart["precision"]), ("Currency", "VND", 0))
		self.assertEqual(chart["data"]["datasets"][0]["values"], [33_193_548])

		run.submit()  # and then pays exactly that
		paid = frappe.get_all(
			"Additional Salary",
			filters={"ref_doctype": "KPI Pay Run", "ref_docname": run.name, "docstatus": 1},
			pluck="amount",
		)
		self.assertEqual(sum(paid), 33_193_548)

	def test_simulated_cost_under_forced_distribution_and_what_if_shares(self):
		self.set_distribution({"A": 50, "B": 0, "C": 0, "D": 0, "E": 50})
		# forced, per department, among the two with a score: An (100) the top half, A (x 1.4);
		# Binh the bottom half, E (x 0.6); Cuong has no score and no band:
		# P3 3,000,000 x 1.4 + 3,000,000 x 0.6 = 6,000,000
		forced = self.simulated(scenario="Forced Distribution")["department"]
		self.assertEqual(
			[forced[key] for key in ("p1", "p2", "p3", "total")],
			[21_161_290, 5_432_258, 6_000_000, 32_593_548],
		)
		# what-if A 10% / B 60% / C 30%: each of the three costs the expected coefficient
		# 0.1 x 1.4 + 0.6 x 1.2 + 0.3 x 1.0 = 1.16 of 3,000,000 = 3,480,000; P3 10,440,000
		what_if = self.simulated(
			scenario="What-if Shares", what_if_shares="A=10, B=60, C=30", total_budget=36_000_000
		)
		self.assertEqual(what_if["department"]["p3"], 10_440_000)
		self.assertEqual(what_if["total"]["total"], 37_033_548)
		self.assertEqual(what_if["total"]["variance"], 36_000_000 - 37_033_548)
		with self.assertRaises(pay_cost_service.PayCostError):
			self.simulated(scenario="What-if Shares", what_if_shares="A=ten")
		with self.assertRaises(frappe.ValidationError):  # 10 + 60 is not 100
			self.simulated(scenario="What-if Shares", what_if_shares="A=10, B=60")

	def set_distribution(self, percents: dict):
		settings = frappe.get_single("KPI BSC Settings")
		before = {row.band: row.distribution_percent for row in settings.rank_bands}

		def restore():  # the settings are cached outside the transaction the class rolls back
			settings.reload()
			for row in settings.rank_bands:
				row.distribution_percent = before[row.band]
			settings.save()

		for row in settings.rank_bands:
			row.distribution_percent = percents[row.band]
		settings.save()
		self.addCleanup(restore)

	def test_only_hr_simulates_pay(self):
		run = self.make_run()
		employee = "kpi.pay.an@example.com"
		frappe.set_user(employee)
		with self.assertRaises(frappe.PermissionError):
			pay_cost_report(self.simulation_filters())
		with self.assertRaises(frappe.PermissionError):
			run.simulate_cost()
		frappe.set_user("Administrator")
		# over HTTP, as a browser sends it: the report and the run's method are refused
		reply = call(
			employee,
			"POST",
			method("frappe.desk.query_report.run"),
			{"report_name": "KPI Pay Cost Simulation", "filters": frappe.as_json(self.simulation_filters())},
		)
		self.assertEqual(reply.status, 403, reply.text[:300])
		self.assertNotIn("21161290", reply.text)
		reply = call(
			employee,
			"POST",
			method("run_doc_method"),
			{"dt": "KPI Pay Run", "dn": run.name, "method": "simulate_cost", "args": "{}"},
		)
		self.assertEqual(reply.status, 403, reply.text[:300])
		self.assertNotIn("21161290", reply.text)


def refuse_full_rollback(rollback):
	"""frappe.db.rollback for the Payroll Entry submit: a rollback to a savepoint goes through,
	a full one (HRMS's after a failed slip) fails the test with the error being handled."""

	def refuse(*args, save_point=None, **kwargs):
		if save_point:
			return rollback(*args, save_point=save_point, **kwargs)
		raise AssertionError(
			f"HRMS rolled back after an error while making the slips:\n{frappe.get_traceback()}"
		)

	return refuse


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


def make_pay_budget(department: str, amount: float) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "KPI Pay Budget",
				"budget_name": "_Test KPI Pay Budget January",
				"company": TEST_COMPANY,
				"from_date": JAN[0],
				"to_date": JAN[1],
				"departments": [{"department": department, "budget": amount}],
			}
		)
		.insert()
		.name
	)
