"""Actuals pulled from real ERPNext/HRMS documents, and formula KPIs."""

import frappe

from kpibsc.kpibsc.services.actuals import DataSourceError, refresh_actuals
from kpibsc.kpibsc.services.cascade import cascade_scorecard
from kpibsc.kpibsc.services.engine_bridge import KPIScoringError
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)


def attendance(employee: str, date: str, status: str = "Present", submit: bool = True):
	doc = frappe.get_doc(
		{
			"doctype": "Attendance",
			"employee": employee,
			"attendance_date": date,
			"status": status,
			"company": TEST_COMPANY,
		}
	).insert()
	if submit:
		doc.submit()
	return doc


def measurement_of(scorecard: str, period: str = "2025-01-01"):
	name = frappe.db.get_value("KPI Measurement", {"scorecard": scorecard, "period_start": period})
	return frappe.get_doc("KPI Measurement", name) if name else None


def actual_of(scorecard: str, kpi: str, period: str = "2025-01-01"):
	doc = measurement_of(scorecard, period)
	row = next(row for row in doc.items if row.kpi == kpi)
	return row.actual_value if row.has_actual else None


class TestActualsFromERPNext(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		cls.department = make_department("KPI Source Ops")
		cls.alice = make_kpi_employee("kpi.source.alice@example.com", cls.department)
		cls.bob = make_kpi_employee("kpi.source.bob@example.com", cls.department)
		for employee in (cls.alice, cls.bob):
			frappe.db.set_value("Employee", employee, "date_of_joining", "2020-01-01")
		make_kpi(
			"S-DAYS",
			aggregation="Sum",
			data_source="ERPNext Query",
			source_doctype="Attendance",
			source_aggregate="Count",
			source_date_field="attendance_date",
			source_employee_field="employee",
			source_department_field="department",
			source_filters='{"status": "Present"}',
		)
		make_kpi(
			"S-HOURS",
			aggregation="Average",
			data_source="ERPNext Query",
			source_doctype="Attendance",
			source_aggregate="Average",
			source_field="working_hours",
			source_date_field="attendance_date",
			source_employee_field="employee",
		)
		make_kpi("S-TYPED", aggregation="Sum")
		make_kpi("S-RATIO", aggregation="Sum", data_source="Formula", source_formula="S_DAYS / S_TYPED * 100")
		cls.department_card = scorecard_doc(
			[
				{"kpi": "S-DAYS", "weight": 50, "target": 480, "cascade_mode": "Split Target"},
				{"kpi": "S-HOURS", "weight": 50, "target": 8, "cascade_mode": "Same Target"},
			],
			scorecard_for="Department",
			department=cls.department,
		).insert()
		cascade_scorecard(cls.department_card.name, "Employee", units=[cls.alice, cls.bob])
		children = {"parent_scorecard": cls.department_card.name}
		cls.alice_card = frappe.db.get_value("KPI Scorecard", {**children, "employee": cls.alice})
		cls.bob_card = frappe.db.get_value("KPI Scorecard", {**children, "employee": cls.bob})

	def test_counts_and_averages_submitted_documents_per_owner_and_period(self):
		for day in ("2025-01-06", "2025-01-07", "2025-01-08"):
			attendance(self.alice, day)
		attendance(self.alice, "2025-01-09", status="Absent")  # filtered out
		attendance(self.alice, "2025-01-10", submit=False)  # a draft does not count
		attendance(self.alice, "2025-02-03")  # next period
		attendance(self.bob, "2025-01-06")
		frappe.db.set_value("Attendance", {"employee": self.bob}, "working_hours", 6)

		summary = refresh_actuals(
			[self.department_card.name, self.alice_card, self.bob_card], up_to="2025-02-28"
		)
		self.assertEqual(summary["created"], 6)  # three scorecards, January and February
		self.assertEqual(actual_of(self.alice_card, "S-DAYS"), 3)
		self.assertEqual(actual_of(self.alice_card, "S-DAYS", "2025-02-01"), 1)
		self.assertEqual(actual_of(self.bob_card, "S-DAYS"), 1)
		self.assertEqual(actual_of(self.bob_card, "S-HOURS"), 6)
		# the department reads by its own field; hours have no department field: not filled there
		self.assertEqual(actual_of(self.department_card.name, "S-DAYS"), 4)
		self.assertIsNone(actual_of(self.department_card.name, "S-HOURS"))

		# running again updates the drafts; an approved period is left alone
		measurement_of(self.bob_card).submit()
		attendance(self.alice, "2025-01-13")
		attendance(self.bob, "2025-01-13")
		summary = refresh_actuals([self.alice_card, self.bob_card], up_to="2025-01-31")
		self.assertEqual(summary, {"created": 0, "updated": 1, "skipped": 1})
		self.assertEqual(actual_of(self.alice_card, "S-DAYS"), 4)
		self.assertEqual(actual_of(self.bob_card, "S-DAYS"), 1)
		self.assertEqual(
			frappe.db.count("KPI Measurement", {"scorecard": self.alice_card, "docstatus": 0}), 2
		)

	def test_formula_kpi_from_the_other_rows(self):
		card = scorecard_doc(
			[
				{"kpi": "S-DAYS", "weight": 40, "target": 20},
				{"kpi": "S-TYPED", "weight": 30, "target": 22},
				{"kpi": "S-RATIO", "weight": 30, "target": 90},
			],
			scorecard_for="Employee",
			employee=self.bob,
			from_date="2026-01-01",
			to_date="2026-12-31",
		).insert()
		doc = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": card.name, "period_start": "2026-01-01"}
		)
		doc.fill_items()
		values = {"S-DAYS": "18", "S-TYPED": "20", "S-RATIO": "1"}  # a typed formula value is replaced
		for row in doc.items:
			row.actual = values[row.kpi]
		doc.insert()
		self.assertEqual(next(row for row in doc.items if row.kpi == "S-RATIO").actual_value, 90)
		doc.items[1].actual = ""
		doc.save()
		self.assertFalse(next(row for row in doc.items if row.kpi == "S-RATIO").has_actual)

	def test_bad_source_settings(self):
		def kpi(code, **values):
			return frappe.get_doc(
				{
					"doctype": "KPI",
					"kpi_code": code,
					"kpi_name": code,
					"scoring_method": "Higher is Better",
					"aggregation": "Sum",
					**values,
				}
			)

		query = {"data_source": "ERPNext Query", "source_doctype": "Attendance", "source_aggregate": "Count"}
		query["source_date_field"] = "attendance_date"
		with self.assertRaises(DataSourceError) as error:
			kpi("S-BAD1", **query, source_filters='{"colour": "red"}').insert()
		self.assertIn("colour", str(error.exception))
		self.assertRaises(DataSourceError, kpi("S-BAD2", **{**query, "source_date_field": "status"}).insert)
		self.assertRaises(
			DataSourceError,
			kpi("S-BAD3", **{**query, "source_aggregate": "Sum", "source_field": "status"}).insert,
		)
		self.assertRaises(DataSourceError, kpi("S-BAD4", **query, source_filters="status = 1").insert)
		self.assertRaises(
			KPIScoringError, kpi("S-SELF", data_source="Formula", source_formula="S_SELF + 1").insert
		)
		make_kpi("S-LOOP1", data_source="Formula", source_formula="S_TYPED * 2")
		loop = frappe.get_doc("KPI", "S-LOOP1")
		kpi("S-LOOP2", data_source="Formula", source_formula="S_LOOP1 + 1").insert()
		loop.source_formula = "S_LOOP2 - 1"
		with self.assertRaises(KPIScoringError) as error:
			loop.save()
		self.assertIn("circle", str(error.exception))

	def test_source_the_user_may_not_read(self):
		email = "kpi.source.manager@example.com"
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{"doctype": "User", "email": email, "first_name": "Source Manager", "send_welcome_email": 0}
			).insert()
		frappe.get_doc("User", email).add_roles("KPI Manager")
		frappe.set_user(email)
		salaries = frappe.get_doc(
			{
				"doctype": "KPI",
				"kpi_code": "S-PAY",
				"kpi_name": "Payroll cost",
				"scoring_method": "Lower is Better",
				"aggregation": "Sum",
				"data_source": "ERPNext Query",
				"source_doctype": "Salary Slip",
				"source_aggregate": "Sum",
				"source_field": "net_pay",
			}
		)
		self.assertRaises(frappe.PermissionError, salaries.insert)
