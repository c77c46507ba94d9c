"""Recompute 2,000 employee scorecards × 10 KPIs × 12 periods on a real site, and run the
Balanced Scorecard report: wall time and SQL statements.

Setup (not timed): the company scorecard of cascade_bench.py is cascaded to N employees
and a year of approved measurements is written straight to the tables. Everything is
rolled back at the end. Statements are MariaDB's session counter `Questions`.

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/recompute_bench.py --site test.localhost --employees 2000
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_bench import bench_employees, company_scorecard, ensure_company, ensure_employees, measure


def approved_measurements(scorecards: list[str], seed: int = 11, chunk: int = 1000):
	"""One submitted measurement per scorecard and period, actuals around the target; written
	`chunk` scorecards at a time, so 20,000 scorecards (2.4 million rows) never sit in memory
	as Python rows at once."""
	rng = np.random.default_rng(seed)
	prefix = f"BENCH-M-{frappe.generate_hash(length=6)}-"  # a kept setup's names stay taken
	measurements = items = 0
	for start in range(0, len(scorecards), chunk):
		made, rows = chunk_of_measurements(scorecards[start : start + chunk], rng, prefix, measurements)
		measurements, items = measurements + made, items + rows
	return measurements, items


def chunk_of_measurements(scorecards: list[str], rng, prefix: str, numbered: int) -> tuple[int, int]:
	from kpibsc.kpibsc.services.bulk import insert_rows

	targets = frappe.get_all(
		"KPI Scorecard Target",
		filters={"parent": ("in", scorecards)},
		fields=["parent", "kpi", "period_start", "period_end", "target"],
		order_by="parent, period_start",
	)
	now, measurements, items = frappe.utils.now_datetime(), {}, []
	standard = {"creation": now, "modified": now, "owner": "Administrator", "modified_by": "Administrator"}
	for row in targets:
		key = (row.parent, row.period_start)
		if key not in measurements:
			measurements[key] = frappe._dict(
				name=f"{prefix}{numbered + len(measurements):07d}",
				scorecard=row.parent,
				period_start=row.period_start,
				period_end=row.period_end,
				status="Approved",
				docstatus=1,
				idx=0,
				**standard,
			)
		reported = rng.random() > 0.03
		value = float(row.target * rng.normal(1.0, 0.15)) if reported else 0.0
		items.append(
			frappe._dict(
				name=frappe.generate_hash(length=16),
				parent=measurements[key].name,
				parenttype="KPI Measurement",
				parentfield="items",
				idx=len(items) % 10 + 1,
				docstatus=1,
				kpi=row.kpi,
				target=row.target,
				actual=str(round(value, 2)) if reported else None,
				actual_value=round(value, 2),
				has_actual=int(reported),
				**standard,
			)
		)
	insert_rows("KPI Measurement", list(measurements.values()))
	insert_rows("KPI Measurement Item", items)
	return len(measurements), len(items)


def measured_employee_scorecards(employees: int, year: int):
	"""The company scorecard cascaded to `employees` people, each with a year of approved
	measurements: (company scorecard, employee scorecards, measurements, measurement rows)."""
	from kpibsc.kpibsc.services.cascade import make_plan, write_plan

	ensure_employees(employees, ensure_company())
	company = company_scorecard(year)
	write_plan(make_plan(company.name, "Employee", units=bench_employees(employees)))
	children = frappe.get_all("KPI Scorecard", filters={"parent_scorecard": company.name}, pluck="name")
	measurements, items = approved_measurements(children)
	return company, children, measurements, items


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--employees", type=int, default=2000)
	parser.add_argument("--year", type=int, default=2034)
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		from kpibsc.kpibsc.report.balanced_scorecard.balanced_scorecard import execute
		from kpibsc.kpibsc.services.recompute import recompute

		company, children, measurements, items = measured_employee_scorecards(
			arguments.employees, arguments.year
		)

		_first, first_s, first_q = measure(lambda: recompute(children))
		_again, again_s, again_q = measure(lambda: recompute(children))
		report, report_s, report_q = measure(
			lambda: execute({"scorecard": company.name, "period_start": f"{arguments.year}-12-01"})
		)
		stored = frappe.db.count("KPI Result", {"scorecard": ("in", [*children, company.name])})
	finally:
		frappe.db.rollback()
		frappe.destroy()
	figures = {
		"employees": len(children),
		"measurements": measurements,
		"measurement_rows": items,
		"results_stored": stored,
		"recompute_s": round(first_s, 2),
		"recompute_queries": first_q,
		"recompute_again_s": round(again_s, 2),
		"recompute_again_queries": again_q,
		"report_s": round(report_s, 3),
		"report_queries": report_q,
		"report_rows": len(report[1]),
	}
	print(json.dumps(figures, indent=1))


if __name__ == "__main__":
	main()
