"""ERPNext Query actuals for N employee scorecards × 5 ERP-sourced KPIs, one month, on a
real site: the bulk fill (`actuals_bulk.fill_actuals`) against the one-measurement-at-a-
time path (`actuals.refresh_actuals`) on a subset, and both results compared.

Setup (not timed): the benchmark company and staff of cascade_bench.py; five KPIs reading
Attendance (days present, average hours, late arrivals), Employee Checkin (a Datetime
source without a company field) and Timesheet (billable hours); a company scorecard with
them cascaded to N employees; and a month of source documents written straight to the
tables (about 20 attendance days, 20 check-ins and 4 timesheets per employee). Everything
but the staff is rolled back at the end. Statements are MariaDB's session counter.

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/erp_actuals_bench.py --site <site> --employees 2000 --single 50
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_bench import COMPANY, bench_employees, ensure_company, ensure_employees, measure

SOURCES = {
	"BENCH-ERP-DAYS": {
		"aggregation": "Sum",
		"source_doctype": "Attendance",
		"source_aggregate": "Count",
		"source_date_field": "attendance_date",
		"source_employee_field": "employee",
		"source_department_field": "department",
		"source_filters": '{"status": "Present"}',
	},
	"BENCH-ERP-HOURS": {
		"aggregation": "Average",
		"source_doctype": "Attendance",
		"source_aggregate": "Average",
		"source_field": "working_hours",
		"source_date_field": "attendance_date",
		"source_employee_field": "employee",
	},
	"BENCH-ERP-LATE": {
		"aggregation": "Sum",
		"source_doctype": "Attendance",
		"source_aggregate": "Count",
		"source_date_field": "attendance_date",
		"source_employee_field": "employee",
		"source_filters": '{"late_entry": 1}',
	},
	"BENCH-ERP-CHECKINS": {
		"aggregation": "Sum",
		"source_doctype": "Employee Checkin",
		"source_aggregate": "Count",
		"source_date_field": "time",
		"source_employee_field": "employee",
	},
	"BENCH-ERP-BILLABLE": {
		"aggregation": "Sum",
		"source_doctype": "Timesheet",
		"source_aggregate": "Sum",
		"source_field": "total_billable_hours",
		"source_date_field": "start_date",
		"source_employee_field": "employee",
		"source_department_field": "department",
	},
}


def ensure_kpis():
	for code, source in SOURCES.items():
		if not frappe.db.exists("KPI", code):
			frappe.get_doc(
				{
					"doctype": "KPI",
					"kpi_code": code,
					"kpi_name": code,
					"scoring_method": "Higher is Better",
					"frequency": "Monthly",
					"data_source": "ERPNext Query",
					**source,
				}
			).insert(ignore_permissions=True)


def employee_scorecards(employees: list[str], year: int) -> list[str]:
	from kpibsc.kpibsc.services.cascade import make_plan, write_plan

	company = frappe.get_doc(
		{
			"doctype": "KPI Scorecard",
			"scorecard_for": "Company",
			"company": COMPANY,
			"from_date": f"{year}-01-01",
			"to_date": f"{year}-12-31",
			"items": [
				{"kpi": code, "weight": 20, "target": 20, "cascade_mode": "Same Target"} for code in SOURCES
			],
		}
	).insert(ignore_permissions=True)
	write_plan(make_plan(company.name, "Employee", units=employees))
	return frappe.get_all("KPI Scorecard", filters={"parent_scorecard": company.name}, pluck="name")


def source_documents(employees: list[str], year: int, seed: int = 5) -> dict:
	"""A month of documents for every employee, straight to the tables (a document insert
	takes far longer than anything measured here)."""
	from kpibsc.kpibsc.services.bulk import insert_frame

	rng = np.random.default_rng(seed)
	staff = pd.DataFrame(
		frappe.get_all(
			"Employee", filters={"name": ("in", employees)}, fields=["name", "department"], as_list=True
		),
		columns=["name", "department"],
	)
	now = frappe.utils.now_datetime()
	standard = {"creation": now, "modified": now, "owner": "Administrator", "modified_by": "Administrator"}
	days = pd.bdate_range(f"{year}-01-01", f"{year}-01-31")[:20]
	per_day = staff.loc[staff.index.repeat(len(days))].reset_index(drop=True)
	per_day["day"] = np.tile(days, len(staff))
	count = len(per_day)
	attendance = pd.DataFrame(
		{
			"name": [f"BENCH-ATT-{number:08d}" for number in range(count)],
			"employee": per_day["name"],
			"department": per_day["department"],
			"company": COMPANY,
			"attendance_date": per_day["day"].dt.date,
			"status": np.where(rng.random(count) < 0.95, "Present", "Absent"),
			"working_hours": rng.normal(8, 1, count).round(2),
			"late_entry": (rng.random(count) < 0.1).astype(int),
			"docstatus": 1,
			**standard,
		}
	)
	checkins = pd.DataFrame(
		{
			"name": [f"BENCH-CHK-{number:08d}" for number in range(count)],
			"employee": per_day["name"],
			"time": per_day["day"]
			+ pd.Timedelta(hours=8)
			+ pd.to_timedelta(rng.integers(0, 3600, count), "s"),
			"log_type": "IN",
			"docstatus": 0,
			**standard,
		}
	)
	weeks = staff.loc[staff.index.repeat(4)].reset_index(drop=True)
	timesheets = pd.DataFrame(
		{
			"name": [f"BENCH-TS-{number:08d}" for number in range(len(weeks))],
			"employee": weeks["name"],
			"department": weeks["department"],
			"company": COMPANY,
			"start_date": [
				pd.Timestamp(f"{year}-01-{1 + 7 * (n % 4):02d}").date() for n in range(len(weeks))
			],
			"total_billable_hours": rng.integers(10, 40, len(weeks)).astype(float),
			"status": "Submitted",
			"docstatus": 1,
			**standard,
		}
	)
	insert_frame("Attendance", attendance)
	insert_frame("Employee Checkin", checkins)
	insert_frame("Timesheet", timesheets)
	return {"attendance": len(attendance), "checkins": len(checkins), "timesheets": len(timesheets)}


def january_actuals(scorecards: list[str], year: int) -> dict:
	measurement = frappe.qb.DocType("KPI Measurement")
	row = frappe.qb.DocType("KPI Measurement Item")
	found = (
		frappe.qb.from_(measurement)
		.join(row)
		.on(row.parent == measurement.name)
		.select(measurement.scorecard, row.kpi, row.actual_value, row.has_actual)
		.where(measurement.scorecard.isin(scorecards) & (measurement.period_start == f"{year}-01-01"))
		.run()
	)
	return {(card, kpi): round(value, 6) if has else None for card, kpi, value, has in found}


def delete_measurements(scorecards: list[str]):
	names = frappe.get_all("KPI Measurement", filters={"scorecard": ("in", scorecards)}, pluck="name")
	for start in range(0, len(names), 5000):
		frappe.db.delete("KPI Measurement Item", {"parent": ("in", names[start : start + 5000])})
		frappe.db.delete("KPI Measurement", {"name": ("in", names[start : start + 5000])})


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--employees", type=int, default=2000)
	parser.add_argument("--single", type=int, default=50, help="scorecards filled one at a time (0: skip)")
	parser.add_argument("--year", type=int, default=2036)
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		from kpibsc.kpibsc.services.actuals import refresh_actuals
		from kpibsc.kpibsc.services.actuals_bulk import fill_actuals

		ensure_employees(arguments.employees, ensure_company())
		ensure_kpis()
		employees = bench_employees(arguments.employees)
		started = time.perf_counter()
		cards = employee_scorecards(employees, arguments.year)
		documents = source_documents(employees, arguments.year)
		setup_s = time.perf_counter() - started
		january = f"{arguments.year}-01-01"

		first, first_s, first_q = measure(lambda: fill_actuals(cards, period_start=january, up_to=january))
		print(
			json.dumps({"setup_s": round(setup_s, 1), "bulk_first_s": round(first_s, 2), "queries": first_q}),
			flush=True,
		)
		again, again_s, again_q = measure(lambda: fill_actuals(cards, period_start=january, up_to=january))
		print(json.dumps({"bulk_again_s": round(again_s, 2), "queries": again_q}), flush=True)
		bulk_values = january_actuals(cards, arguments.year)

		subset = cards[: arguments.single]
		single_s = single_q = same = None
		if subset:
			delete_measurements(subset)
			_single, single_s, single_q = measure(
				lambda: refresh_actuals(subset, up_to=f"{arguments.year}-01-31")
			)
			single_values = january_actuals(subset, arguments.year)
			same = single_values == {key: value for key, value in bulk_values.items() if key[0] in subset}
	finally:
		frappe.db.rollback()
		frappe.destroy()
	per_card = single_s / len(subset) if subset else None
	figures = {
		"employee_scorecards": len(cards),
		"erp_kpis": len(SOURCES),
		"items": len(cards) * len(SOURCES),
		"source_rows": documents,
		"setup_s": round(setup_s, 1),
		"bulk_first_s": round(first_s, 2),
		"bulk_first_queries": first_q,
		"bulk_first": first,
		"bulk_again_s": round(again_s, 2),
		"bulk_again_queries": again_q,
		"bulk_again": again,
		"single_scorecards": len(subset),
		"single_s": round(single_s, 2) if subset else None,
		"single_queries": single_q,
		"single_ms_per_scorecard": round(per_card * 1000, 1) if subset else None,
		"same_actuals_on_subset": same,
		"single_estimate_all_s": round(per_card * len(cards), 1) if subset else None,
		"bulk_per_scorecard_ms": round(first_s / len(cards) * 1000, 2),
	}
	print(json.dumps(figures, indent=1))


if __name__ == "__main__":
	main()
