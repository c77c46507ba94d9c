"""ERPNext Query actuals for N employee scorecards × 5 ERP-sourced KPIs, one month, on a
real site: the bulk fill (`actuals_bulk.fill_actuals`) against the one-measurement-at-a-
time path (`actuals.refresh_actuals`) on a subset, and both results compared.

Setup (not timed): the benchmark company and staff of cascade_bench.py; five KPIs reading
Attendance (days present, average hours, late arrivals), Employee Checkin (a Datetime
source without a company field) and Timesheet (billable hours); a company scorecard with
them cascaded to N employees; and a month of source documents written straight to the
tables (about 20 attendance days, 20 check-ins and 4 timesheets per employee). Statements
are MariaDB's session counter; `load_average` is the 1-minute load before and after a fill.

Without flags everything but the staff is rolled back at the end. A 20,000-employee setup
takes ~14 minutes, so it can be kept:

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/erp_actuals_bench.py --site <site> --employees 2000 --single 50
    # set up, commit the setup (company scorecard tree of --year, KPIs, source documents), time
    ../env/bin/python .../erp_actuals_bench.py --site <site> --employees 20000 --single 0 --keep
    # later runs: only the fills, --runs times (each from no measurement of the month)
    ../env/bin/python .../erp_actuals_bench.py --site <site> --employees 20000 --single 0 --reuse --runs 3
    # remove the kept setup (not the staff)
    ../env/bin/python .../erp_actuals_bench.py --site <site> --employees 20000 --drop

Every timed fill is rolled back (the kept tree never holds the month's measurements after a
run); `--profile FILE` writes cProfile stats of the first create fill, and `steps` gives each
step of the fill its seconds and statements.
"""

import argparse
import cProfile
import json
import os
import sys
import time
from functools import wraps
from pathlib import Path

import numpy as np
import pandas as pd

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_bench import (
	COMPANY,
	bench_employees,
	delete_tree,
	ensure_company,
	ensure_employees,
	measure,
	questions,
)

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


def commit():
	frappe.db.commit()  # nosemgrep: a kept setup is committed on purpose (--keep)


def kept_company(year: int) -> str | None:
	"""The company scorecard of a kept setup: the benchmark company's scorecard of `year`
	whose items are this benchmark's KPIs (the recompute benchmark keeps another year's)."""
	card = frappe.qb.DocType("KPI Scorecard")
	item = frappe.qb.DocType("KPI Scorecard Item")
	found = (
		frappe.qb.from_(card)
		.join(item)
		.on(item.parent == card.name)
		.select(card.name)
		.distinct()
		.where(
			(card.scorecard_for == "Company")
			& (card.company == COMPANY)
			& (card.from_date == f"{year}-01-01")
			& item.kpi.isin(list(SOURCES))
		)
		.run(pluck=True)
	)
	return found[0] if found else None


def kept_documents() -> dict:
	return {
		"attendance": frappe.db.count("Attendance", {"name": ("like", "BENCH-ATT-%")}),
		"checkins": frappe.db.count("Employee Checkin", {"name": ("like", "BENCH-CHK-%")}),
		"timesheets": frappe.db.count("Timesheet", {"name": ("like", "BENCH-TS-%")}),
	}


def delete_month(company: str, year: int):
	"""The month's measurements of the kept tree, by joins (not an IN list of 20,000 names)."""
	family = "(s.name = %(company)s or s.parent_scorecard = %(company)s)"
	values = {"company": company, "start": f"{year}-01-01"}
	frappe.db.sql(
		"delete mi from `tabKPI Measurement Item` mi join `tabKPI Measurement` m on m.name = mi.parent "
		f"join `tabKPI Scorecard` s on s.name = m.scorecard where {family} and m.period_start = %(start)s",
		values,
	)
	frappe.db.sql(
		"delete m from `tabKPI Measurement` m join `tabKPI Scorecard` s on s.name = m.scorecard "
		f"where {family} and m.period_start = %(start)s",
		values,
	)


def drop(year: int) -> dict:
	"""Everything a --keep run made: the tree of `year` and what hangs on it, the source
	documents, the KPIs if nothing else uses them. Not the staff or the company."""
	company = kept_company(year)
	dropped = {"company_scorecard": company}
	if company:
		delete_tree(company)
	dropped["source_rows"] = kept_documents()
	for doctype, prefix in (
		("Attendance", "BENCH-ATT-"),
		("Employee Checkin", "BENCH-CHK-"),
		("Timesheet", "BENCH-TS-"),
	):
		frappe.db.sql(f"delete from `tab{doctype}` where name like %(prefix)s", {"prefix": prefix + "%"})
	used = set(frappe.get_all("KPI Scorecard Item", filters={"kpi": ("in", list(SOURCES))}, pluck="kpi"))
	for code in SOURCES:
		if code not in used and frappe.db.exists("KPI", code):
			frappe.delete_doc("KPI", code, ignore_permissions=True, force=True)
	commit()
	return dropped


STEPS = (
	"query_kpis",
	"query_cards",
	"query_items",
	"query_targets",
	"query_periods",  # before #19's rework
	"source_values",
	"read_grouped_source",
	"write_values",
	"draft_rows",
	"new_rows",
	"with_values",
	"with_task_actuals",
	"with_formula_actuals",
	"update_drafts",
	"create_measurements",
)


def timed_steps() -> dict:
	"""Wrap the fill's steps (module globals, so the fill calls the wrappers) to add up each
	one's seconds and statements; the steps nest (source_values holds read_grouped_source)."""
	from kpibsc.kpibsc.services import actuals_bulk

	figures = {"_probes": 0}  # the wrappers' own statements, taken off every count
	for step in STEPS:
		original = getattr(actuals_bulk, step, None)
		if original is None:
			continue
		if hasattr(original, "__wrapped__"):
			original = original.__wrapped__

		def wrapper(*args, _original=original, _step=step, **kwargs):
			probes, before, started = figures["_probes"], questions(), time.perf_counter()
			try:
				return _original(*args, **kwargs)
			finally:
				seconds = time.perf_counter() - started
				inner = figures["_probes"] - probes  # nested steps' probes
				figure = figures.setdefault(_step, {"s": 0.0, "statements": 0, "calls": 0})
				figure["s"] += seconds
				figure["statements"] += questions() - before - 1 - inner
				figure["calls"] += 1
				figures["_probes"] += 2

		setattr(actuals_bulk, step, wraps(original)(wrapper))
	return figures


def timed_fill(cards: list[str], january: str, profile: str | None = None) -> dict:
	from kpibsc.kpibsc.services.actuals_bulk import fill_actuals

	steps = timed_steps()
	load_before = os.getloadavg()[0]
	profiler = cProfile.Profile() if profile else None
	if profiler:
		profiler.enable()
	counts, seconds, statements = measure(lambda: fill_actuals(cards, period_start=january, up_to=january))
	statements -= steps.pop("_probes")
	if profiler:
		profiler.disable()
		profiler.dump_stats(profile)
	return {
		"s": round(seconds, 2),
		"statements": statements,
		"counts": counts,
		"load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
		"steps": {step: {**figure, "s": round(figure["s"], 2)} for step, figure in steps.items()},
	}


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--employees", type=int, default=2000)
	parser.add_argument("--single", type=int, default=50, help="scorecards filled one at a time (0: skip)")
	parser.add_argument("--year", type=int, default=2036)
	parser.add_argument("--runs", type=int, default=1, help="timed create + update fills")
	parser.add_argument("--keep", action="store_true", help="commit the setup and leave it for --reuse")
	parser.add_argument("--reuse", action="store_true", help="time the fills on a kept setup, no setup")
	parser.add_argument("--drop", action="store_true", help="remove a kept setup (not the staff)")
	parser.add_argument("--profile", help="cProfile stats of the first create fill to this file")
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	if arguments.drop:
		try:
			print(json.dumps(drop(arguments.year), indent=1))
		finally:
			frappe.destroy()
		return
	january = f"{arguments.year}-01-01"
	runs = []
	try:
		from kpibsc.kpibsc.services.actuals import refresh_actuals

		started = time.perf_counter()
		company = kept_company(arguments.year) if (arguments.keep or arguments.reuse) else None
		if company:
			cards = frappe.get_all("KPI Scorecard", filters={"parent_scorecard": company}, pluck="name")
			if len(cards) < arguments.employees:
				raise SystemExit(
					f"kept setup {company} has {len(cards)} scorecards, not {arguments.employees}"
				)
			documents = kept_documents()
			delete_month(company, arguments.year)
			commit()
		elif arguments.reuse:
			raise SystemExit(f"no kept setup of {arguments.year}: run with --keep first")
		else:
			ensure_employees(arguments.employees, ensure_company())
			ensure_kpis()
			employees = bench_employees(arguments.employees)
			cards = employee_scorecards(employees, arguments.year)
			documents = source_documents(employees, arguments.year)
			if arguments.keep:
				commit()
		setup_s = time.perf_counter() - started
		print(json.dumps({"setup_s": round(setup_s, 1), "scorecards": len(cards)}), flush=True)

		for number in range(arguments.runs):
			create = timed_fill(cards, january, arguments.profile if number == 0 else None)
			print(json.dumps({"run": number + 1, "create": create}), flush=True)
			update = timed_fill(cards, january)
			print(json.dumps({"run": number + 1, "update": update}), flush=True)
			runs.append({"create": create, "update": update})
			if number + 1 < arguments.runs:
				frappe.db.rollback()  # the next run starts where this one did
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
		"kept": bool(arguments.keep or arguments.reuse),
		"create_s": [run["create"]["s"] for run in runs],
		"create_statements": [run["create"]["statements"] for run in runs],
		"update_s": [run["update"]["s"] for run in runs],
		"update_statements": [run["update"]["statements"] for run in runs],
		"load_average": [run["create"]["load_average"] + run["update"]["load_average"] for run in runs],
		"bulk_first": runs[0]["create"]["counts"] if runs else None,
		"bulk_again": runs[0]["update"]["counts"] if runs else None,
		"single_scorecards": len(subset),
		"single_s": round(single_s, 2) if subset else None,
		"single_queries": single_q,
		"single_ms_per_scorecard": round(per_card * 1000, 1) if subset else None,
		"same_actuals_on_subset": same,
		"single_estimate_all_s": round(per_card * len(cards), 1) if subset else None,
		"bulk_per_scorecard_ms": round(min(run["create"]["s"] for run in runs) / len(cards) * 1000, 2)
		if runs
		else None,
	}
	print(json.dumps(figures, indent=1))


if __name__ == "__main__":
	main()
