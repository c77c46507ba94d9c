"""ERPNext Query actuals in bulk: the same actuals as the one-measurement-at-a-time path,
worked out by hand from real Attendance, Employee Checkin, Task and Sales Invoice documents."""

from unittest.mock import patch

import frappe

from kpibsc.kpibsc.services import actuals_bulk
from kpibsc.kpibsc.services.actuals import refresh_actuals
from kpibsc.kpibsc.services.actuals_bulk import fill_actuals, fill_period_actuals
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

COMPANY = "_Test KPI Bulk Company"
JANUARY = "2025-01-01"
QUERY = {"data_source": "ERPNext Query"}
EMPLOYEE_ITEMS = ("B-DAYS", "B-HOURS", "B-CHECKINS", "B-TOTAL", "B-NOTE", "B-TASKS")


def attendance(employee: str, date: str, hours: float, status: str = "Present", submit: bool = True):
	doc = frappe.get_doc(
		{
			"doctype": "Attendance",
			"employee": employee,
			"attendance_date": date,
			"status": status,
			"company": COMPANY,
		}
	).insert()
	if submit:
		doc.submit()
	frappe.db.set_value("Attendance", doc.name, "working_hours", hours)


def checkin(employee: str, time: str):
	frappe.get_doc(
		{"doctype": "Employee Checkin", "employee": employee, "time": time, "log_type": "IN"}
	).insert()


def task(department: str, completed_on: str | None):
	frappe.get_doc(
		{
			"doctype": "Task",
			"subject": f"Bulk actuals {department} {completed_on}",
			"company": COMPANY,
			"department": department,
			"status": "Completed" if completed_on else "Open",
			"completed_on": completed_on,
		}
	).insert()


def invoice(date: str, qty: float, rate: float, submit: bool = True):
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": COMPANY,
			"customer": "_Test KPI Bulk Customer",
			"posting_date": date,
			"set_posting_time": 1,
			"due_date": date,
			"currency": "VND",
			"items": [{"item_code": "_Test KPI Bulk Service", "qty": qty, "rate": rate}],
		}
	).insert()
	if submit:
		doc.submit()


def measurements(scorecards: list[str], period: str = JANUARY) -> dict:
	"""Each scorecard's measurement of the period as plain values: header and rows."""
	found = {}
	for name in frappe.get_all(
		"KPI Measurement",
		filters={"scorecard": ("in", scorecards), "period_start": period, "docstatus": ("<", 2)},
		pluck="name",
	):
		doc = frappe.get_doc("KPI Measurement", name)
		found[doc.scorecard] = {
			"header": {
				field: doc.get(field)
				for field in (
					"company",
					"scorecard_for",
					"department",
					"employee",
					"employee_name",
					"scorecard_title",
					"period_end",
					"status",
					"docstatus",
				)
			},
			"rows": [
				(
					row.idx,
					row.kpi,
					row.kpi_name,
					row.unit,
					row.target,
					row.actual,
					row.actual_value,
					row.has_actual,
				)
				for row in doc.items
			],
		}
	return found


def actuals(scorecards: list[str], period: str = JANUARY) -> dict:
	return {
		(card, row[1]): row[6] if row[7] else None
		for card, measurement in measurements(scorecards, period).items()
		for row in measurement["rows"]
	}


class TestActualsInBulk(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# a company of this test's own: company-wide counts see only what the test made
		make_company(COMPANY, "_TKB")
		cls.ops = make_department("KPI Bulk Ops", company=COMPANY)
		cls.sales = make_department("KPI Bulk Sales", company=COMPANY)
		cls.alice = make_kpi_employee("kpi.bulk.alice@example.com", cls.ops, company=COMPANY)
		cls.bob = make_kpi_employee("kpi.bulk.bob@example.com", cls.ops, company=COMPANY)
		cls.carol = make_kpi_employee("kpi.bulk.carol@example.com", cls.sales, company=COMPANY)
		for employee in (cls.alice, cls.bob, cls.carol):
			frappe.db.set_value("Employee", employee, "date_of_joining", "2020-01-01")
		if not frappe.db.exists("Customer", "_Test KPI Bulk Customer"):
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": "_Test KPI Bulk Customer",
					"customer_group": "All Customer Groups",
					"territory": "All Territories",
				}
			).insert()
		if not frappe.db.exists("Item", "_Test KPI Bulk Service"):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": "_Test KPI Bulk Service",
					"item_group": "All Item Groups",
					"stock_uom": "Nos",
					"is_stock_item": 0,
				}
			).insert()
		attendance_source = {
			**QUERY,
			"source_doctype": "Attendance",
			"source_date_field": "attendance_date",
			"source_employee_field": "employee",
		}
		make_kpi(
			"B-DAYS",
			**attendance_source,
			source_aggregate="Count",
			source_department_field="department",
			source_filters='{"status": "Present"}',
		)
		make_kpi(
			"B-HOURS",
			aggregation="Average",
			**attendance_source,
			source_aggregate="Average",
			source_field="working_hours",
		)
		make_kpi(
			"B-CHECKINS",
			**QUERY,
			source_doctype="Employee Checkin",  # no company field, a Datetime date
			source_aggregate="Count",
			source_date_field="time",
			source_employee_field="employee",
		)
		make_kpi(
			"B-TASKS",
			**QUERY,
			source_doctype="Task",
			source_aggregate="Count",
			source_date_field="completed_on",
			source_department_field="department",
			source_filters='[["status", "=", "Completed"]]',
		)
		make_kpi(
			"B-REVENUE",
			**QUERY,
			source_doctype="Sales Invoice",
			source_aggregate="Sum",
			source_field="base_net_total",
			source_date_field="posting_date",
		)
		make_kpi("B-NOTE")
		make_kpi("B-TOTAL", data_source="Formula", source_formula="B_DAYS + B_CHECKINS")

		def card(codes, **values):
			items = [{"kpi": code, "weight": 100 / len(codes), "target": 10} for code in codes]
			return scorecard_doc(items, company=COMPANY, **values).insert().name

		cls.company_card = card(["B-REVENUE", "B-DAYS"])
		cls.ops_card = card(["B-DAYS", "B-TASKS", "B-HOURS"], scorecard_for="Department", department=cls.ops)
		cls.sales_card = card(
			["B-DAYS", "B-TASKS", "B-HOURS"], scorecard_for="Department", department=cls.sales
		)
		cls.employee_cards = {
			employee: card(EMPLOYEE_ITEMS, scorecard_for="Employee", employee=employee)
			for employee in (cls.alice, cls.bob, cls.carol)
		}
		cls.cards = [cls.company_card, cls.ops_card, cls.sales_card, *cls.employee_cards.values()]

	def make_documents(self):
		attendance(self.alice, "2025-01-06", 8)
		attendance(self.alice, "2025-01-07", 7)
		attendance(self.alice, "2025-01-08", 9)
		attendance(self.alice, "2025-01-09", 0, status="Absent")  # not a day present; 0 hours
		attendance(self.alice, "2025-01-10", 8, submit=False)  # a draft counts nowhere
		attendance(self.alice, "2025-02-03", 8)  # February
		attendance(self.bob, "2025-01-06", 6)
		attendance(self.bob, "2025-01-07", 5)
		attendance(self.carol, "2025-01-20", 10)
		checkin(self.alice, "2025-01-31 18:30:00")  # the evening of the period's last day
		checkin(self.alice, "2025-02-01 00:10:00")
		checkin(self.bob, "2025-01-15 09:00:00")
		checkin(self.bob, "2025-01-16 09:00:00")
		task(self.ops, "2025-01-10")
		task(self.ops, "2025-01-20")
		task(self.ops, "2025-02-05")
		task(self.ops, None)
		task(self.sales, "2025-01-15")
		invoice("2025-01-15", 2, 1500)
		invoice("2025-01-20", 1, 2500)
		invoice("2025-01-25", 1, 9999, submit=False)
		invoice("2025-02-10", 1, 4000)

	def expected(self) -> dict:
		"""Worked out by hand from make_documents."""
		alice, bob, carol = (self.employee_cards[e] for e in (self.alice, self.bob, self.carol))
		return {
			(self.company_card, "B-REVENUE"): 5500.0,  # 2 x 1,500 + 2,500; not the draft
			(self.company_card, "B-DAYS"): 6.0,  # 3 + 2 + 1 days present
			(self.ops_card, "B-DAYS"): 5.0,
			(self.ops_card, "B-TASKS"): 2.0,
			(self.ops_card, "B-HOURS"): None,  # no department field on that source
			(self.sales_card, "B-DAYS"): 1.0,
			(self.sales_card, "B-TASKS"): 1.0,
			(self.sales_card, "B-HOURS"): None,
			(alice, "B-DAYS"): 3.0,
			(alice, "B-HOURS"): 6.0,  # (8 + 7 + 9 + 0) / 4
			(alice, "B-CHECKINS"): 1.0,
			(alice, "B-TOTAL"): 4.0,
			(bob, "B-DAYS"): 2.0,
			(bob, "B-HOURS"): 5.5,
			(bob, "B-CHECKINS"): 2.0,
			(bob, "B-TOTAL"): 4.0,
			(carol, "B-DAYS"): 1.0,
			(carol, "B-HOURS"): 10.0,
			(carol, "B-CHECKINS"): 0.0,  # no documents: zero, not missing
			(carol, "B-TOTAL"): 1.0,
			**{(card, code): None for card in (alice, bob, carol) for code in ("B-NOTE", "B-TASKS")},
		}

	def delete_measurements(self):
		names = frappe.get_all("KPI Measurement", filters={"scorecard": ("in", self.cards)}, pluck="name")
		frappe.db.delete("KPI Measurement Item", {"parent": ("in", names)})
		frappe.db.delete("KPI Measurement", {"name": ("in", names)})

	def test_bulk_and_single_paths_give_the_hand_worked_actuals(self):
		self.make_documents()
		summary = fill_actuals(self.cards, period_start=JANUARY)
		self.assertEqual(summary, {"created": 6, "updated": 0, "skipped": 0, "refused": 0})
		bulk = measurements(self.cards)
		self.assertEqual(actuals(self.cards), self.expected())

		self.delete_measurements()
		summary = refresh_actuals(self.cards, up_to="2025-01-31")
		self.assertEqual(summary, {"created": 6, "updated": 0, "skipped": 0})
		self.assertEqual(actuals(self.cards), self.expected())
		# not only the actuals: the same rows, targets and owner fields as a saved document
		self.assertEqual(measurements(self.cards), bulk)

	def test_drafts_are_updated_and_approved_measurements_left_alone(self):
		self.make_documents()
		fill_actuals(self.cards, period_start=JANUARY)
		alice, bob = self.employee_cards[self.alice], self.employee_cards[self.bob]
		draft = frappe.get_doc("KPI Measurement", {"scorecard": alice, "period_start": JANUARY})
		next(row for row in draft.items if row.kpi == "B-NOTE").actual = "7"
		draft.save()
		frappe.get_doc("KPI Measurement", {"scorecard": bob, "period_start": JANUARY}).submit()
		attendance(self.alice, "2025-01-13", 8)
		attendance(self.bob, "2025-01-13", 8)

		summary = fill_actuals(self.cards, period_start=JANUARY)
		self.assertEqual(summary, {"created": 0, "updated": 5, "skipped": 1, "refused": 0})
		values = actuals(self.cards)
		self.assertEqual(values[(alice, "B-DAYS")], 4)
		self.assertEqual(values[(alice, "B-TOTAL")], 5)  # the formula follows its inputs
		self.assertEqual(values[(alice, "B-NOTE")], 7)  # typed, kept
		self.assertEqual(values[(bob, "B-DAYS")], 2)  # approved before the new day
		self.assertEqual(values[(self.ops_card, "B-DAYS")], 7)
		# the single path agrees on the updated drafts
		self.assertEqual(refresh_actuals(self.cards, up_to="2025-01-31")["skipped"], 1)
		self.assertEqual(actuals(self.cards), values)
		# a draft written in bulk still saves as a document
		frappe.get_doc("KPI Measurement", {"scorecard": alice, "period_start": JANUARY}).save()

	def test_a_long_list_and_a_company_read_by_period_give_the_same_drafts(self):
		"""Past IN_LIST_LIMIT scorecards the fill names none in SQL: scorecards, items and
		targets come by the period's subquery, drafts and their rows by the period's join,
		matched in pandas (20,000 names would be a megabyte statement). A limit of 2 takes
		these 6 scorecards that way; so does a company's fill, and one up to a date."""
		self.make_documents()
		alice = self.employee_cards[self.alice]
		fill_actuals(self.cards, period_start=JANUARY)
		short = measurements(self.cards)
		for fill in (
			lambda: fill_actuals(self.cards, period_start=JANUARY),
			lambda: fill_actuals(period_start=JANUARY, company=COMPANY),
			# the periods started by a date (the nightly fill): targets read for missing drafts
			lambda: fill_actuals(self.cards, up_to="2025-01-31"),
		):
			self.delete_measurements()
			with patch.object(actuals_bulk, "IN_LIST_LIMIT", 2):
				self.assertEqual(fill(), {"created": 6, "updated": 0, "skipped": 0, "refused": 0})
				self.assertEqual(measurements(self.cards), short)
				self.assertEqual(actuals(self.cards), self.expected())
		# drafts found by the period's join and updated
		attendance(self.alice, "2025-01-13", 8)
		with patch.object(actuals_bulk, "IN_LIST_LIMIT", 2):
			summary = fill_actuals(self.cards, period_start=JANUARY)
		self.assertEqual(summary, {"created": 0, "updated": 6, "skipped": 0, "refused": 0})
		values = actuals(self.cards)
		self.assertEqual(values[(alice, "B-DAYS")], 4)
		self.assertEqual(values[(alice, "B-TOTAL")], 5)
		self.assertEqual(values[(self.ops_card, "B-DAYS")], 6)  # 3 + 1 (Alice) + 2 (Bob)
		self.assertEqual(values[(self.company_card, "B-DAYS")], 7)

	def test_only_a_kpi_manager_fills_every_scorecard(self):
		self.make_documents()
		# over HTTP: an employee and a department head's KPI User are refused, a GET too, and
		# nothing is queued or written
		path = "/api/method/kpibsc.kpibsc.services.actuals_bulk.fill_period_actuals"
		payload = {"period_start": JANUARY, "company": COMPANY}
		before = actuals(self.cards)
		for user in (
			user_with_roles("kpi.bulk.employee@example.com", "Employee"),
			user_with_roles("kpi.bulk.head@example.com", "Employee", "KPI User"),
		):
			self.assertEqual(call(user, "POST", path, payload).status, 403, user)
		manager = user_with_roles("kpi.bulk.manager@example.com", "KPI Manager")
		self.assertEqual(call(manager, "GET", path, query=payload).status, 403)
		self.assertNotIn("run_fill_job", self.jobs.methods())
		self.assertEqual(actuals(self.cards), before)
		frappe.set_user(user_with_roles("kpi.bulk.employee@example.com", "Employee"))
		self.assertRaises(frappe.PermissionError, fill_period_actuals, JANUARY, COMPANY)
		frappe.set_user(user_with_roles("kpi.bulk.manager@example.com", "KPI Manager"))
		fill_period_actuals(JANUARY, COMPANY)
		self.assertEqual(self.jobs.jobs[-1].queue, "long")
		self.assertEqual(self.jobs.methods()[-1], "run_fill_job")
		self.assertEqual(actuals(self.cards), self.expected())
