"""Cascade a 10-KPI company scorecard to N employees on a real site: time and SQL statements.

The first run creates the employees (kept, so later runs reuse them); every cascade is
rolled back at the end, so the site is left as it was apart from those employees.
Statements are counted with MariaDB's session counter `Questions`, so they include every
query Frappe sends (metadata, series, inserts), not only the app's own.

Run from the bench's sites directory with the bench's Python:
    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/cascade_bench.py --site test.localhost \
        --employees 250 500 1000 2000
"""

import argparse
import json
import time

import frappe

COMPANY = "KPI Benchmark Company"
ABBR = "KBC"
DEPARTMENTS = ("Sales", "Operations", "Finance", "Engineering")
KPIS = [
	# code, aggregation, cascade mode
	("BENCH-REV", "Sum", "Split Target"),
	("BENCH-GM", "Average", "Same Target"),
	("BENCH-NEW", "Sum", "Contributes"),
	("BENCH-OTD", "Average", "Same Target"),
	("BENCH-NPS", "Last", "Same Target"),
	("BENCH-COST", "Sum", "Split Target"),
	("BENCH-LEAD", "Sum", "Split Target"),
	("BENCH-TRN", "Sum", "Contributes"),
	("BENCH-QA", "Average", "Contributes"),
	("BENCH-ATT", "Average", "Same Target"),
]


def questions() -> int:
	return int(frappe.db.sql("show session status like 'Questions'")[0][1])


def ensure_company():
	from kpibsc.tests.factories import make_company

	make_company(COMPANY, ABBR)
	departments = []
	for name in DEPARTMENTS:
		department = f"Bench {name} - {ABBR}"
		if not frappe.db.exists("Department", department):
			frappe.get_doc(
				{"doctype": "Department", "department_name": f"Bench {name}", "company": COMPANY}
			).insert(ignore_permissions=True)
		departments.append(department)
	for code, aggregation, _mode in KPIS:
		if not frappe.db.exists("KPI", code):
			frappe.get_doc(
				{
					"doctype": "KPI",
					"kpi_code": code,
					"kpi_name": code,
					"scoring_method": "Higher is Better",
					"aggregation": aggregation,
					"frequency": "Monthly",
				}
			).insert(ignore_permissions=True)
	frappe.db.commit()
	return departments


def ensure_employees(count: int, departments: list[str]):
	"""Benchmark staff, written straight to the table: Employee.insert() takes ~1 s each here
	and the cascade only reads name, name, department, company and status."""
	have = frappe.db.count("Employee", {"company": COMPANY, "status": "Active"})
	if count <= have:
		return
	right = frappe.db.sql("select coalesce(max(rgt), 0) from tabEmployee")[0][0]
	now, fields = frappe.utils.now_datetime(), None
	rows = []
	for number in range(have, count):
		row = {
			"name": f"BENCH-EMP-{number:05d}",
			"first_name": f"Bench {number:05d}",
			"employee_name": f"Bench {number:05d}",
			"gender": "Female" if number % 2 else "Male",
			"date_of_birth": "1990-01-01",
			"date_of_joining": "2020-01-01",
			"company": COMPANY,
			"department": departments[number % len(departments)],
			"status": "Active",
			"naming_series": "HR-EMP-",
			"lft": right + 2 * (number - have) + 1,
			"rgt": right + 2 * (number - have) + 2,
			"creation": now,
			"modified": now,
			"owner": "Administrator",
			"modified_by": "Administrator",
			"docstatus": 0,
		}
		fields = fields or list(row)
		rows.append([row[field] for field in fields])
	frappe.db.bulk_insert("Employee", fields, rows)
	frappe.db.commit()
	print(f"created {count - have} employees")


def bench_employees(limit: int) -> list[str]:
	return frappe.get_all(
		"Employee",
		filters={"company": COMPANY, "status": "Active"},
		pluck="name",
		order_by="name",
		limit=limit,
	)


def company_scorecard(year: int):
	weight = 100 / len(KPIS)
	return frappe.get_doc(
		{
			"doctype": "KPI Scorecard",
			"scorecard_for": "Company",
			"company": COMPANY,
			"from_date": f"{year}-01-01",
			"to_date": f"{year}-12-31",
			"items": [
				{
					"kpi": code,
					"weight": weight,
					"target": 12_000 if aggregation == "Sum" else 90,
					"cascade_mode": mode,
				}
				for code, aggregation, mode in KPIS
			],
		}
	).insert(ignore_permissions=True)


def delete_tree(company: str):
	"""A company scorecard, its children and what hangs on them (items, targets, measurements
	and their rows, results), by joins: an IN list of 240,000 measurement names at 20,000
	employees would be a statement of megabytes. Not committed."""
	family = "(s.name = %(company)s or s.parent_scorecard = %(company)s)"
	values = {"company": company}
	frappe.db.sql(
		"delete mi from `tabKPI Measurement Item` mi join `tabKPI Measurement` m on m.name = mi.parent "
		f"join `tabKPI Scorecard` s on s.name = m.scorecard where {family}",
		values,
	)
	for doctype, column in (
		("KPI Measurement", "scorecard"),
		("KPI Result", "scorecard"),
		("KPI Scorecard Target", "parent"),
		("KPI Scorecard Item", "parent"),
	):
		frappe.db.sql(
			f"delete t from `tab{doctype}` t join `tabKPI Scorecard` s on s.name = t.{column} where {family}",
			values,
		)
	frappe.db.sql("delete from `tabKPI Scorecard` where parent_scorecard = %(company)s", values)
	frappe.db.sql("delete from `tabKPI Scorecard` where name = %(company)s", values)


def measure(function):
	before, started = questions(), time.perf_counter()
	result = function()
	return result, time.perf_counter() - started, questions() - before - 1


def run(employees: int, year: int) -> dict:
	from kpibsc.kpibsc.services.cascade import make_plan, write_plan

	scorecard = company_scorecard(year)
	wanted = bench_employees(employees)
	first, first_time, first_queries = measure(
		lambda: write_plan(make_plan(scorecard.name, "Employee", units=wanted))
	)
	again, again_time, again_queries = measure(
		lambda: write_plan(make_plan(scorecard.name, "Employee", units=wanted))
	)
	rows = frappe.db.count(
		"KPI Scorecard Target",
		{
			"parent": (
				"in",
				frappe.get_all("KPI Scorecard", filters={"parent_scorecard": scorecard.name}, pluck="name"),
			)
		},
	)
	frappe.db.rollback()
	assert first["created"] == employees and again["updated"] == employees
	return {
		"employees": employees,
		"items": employees * len(KPIS),
		"target_rows": rows,
		"create_s": round(first_time, 2),
		"create_queries": first_queries,
		"rerun_s": round(again_time, 2),
		"rerun_queries": again_queries,
	}


def per_document_baseline(count: int, year: int) -> dict:
	"""The same child scorecards saved one by one through Document.insert(), for comparison."""
	from kpibsc.kpibsc.services.cascade import make_plan

	scorecard = company_scorecard(year)
	wanted = bench_employees(count)
	plan = make_plan(scorecard.name, "Employee", units=wanted)

	def insert_all():
		for position, unit in enumerate(plan.units):
			frappe.get_doc(
				{
					"doctype": "KPI Scorecard",
					"scorecard_for": "Employee",
					"company": COMPANY,
					"employee": unit.name,
					"from_date": scorecard.from_date,
					"to_date": scorecard.to_date,
					"parent_scorecard": scorecard.name,
					"normalise_weights": 1,
					"items": [
						{
							"kpi": item.kpi,
							"weight": item.weight,
							"source_item": item.name,
							**plan.values[item.name][position],
						}
						for item in plan.items
					],
				}
			).insert(ignore_permissions=True)

	_result, seconds, queries = measure(insert_all)
	frappe.db.rollback()
	return {"employees": count, "seconds": round(seconds, 2), "queries": queries}


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--employees", type=int, nargs="+", default=[2000])
	parser.add_argument("--year", type=int, default=2031)
	parser.add_argument("--baseline", type=int, default=100, help="employees saved one by one (0: skip)")
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		departments = ensure_company()
		ensure_employees(max(arguments.employees), departments)
		results = [run(count, arguments.year) for count in arguments.employees]
		baseline = per_document_baseline(arguments.baseline, arguments.year) if arguments.baseline else None
	finally:
		frappe.destroy()
	print(json.dumps({"bulk": results, "per_document": baseline}, indent=1))
	print(
		f"{'employees':>9} {'items':>6} {'targets':>8} {'create s':>9} {'queries':>8} {'re-run s':>9} {'queries':>8}"
	)
	for row in results:
		print(
			f"{row['employees']:>9} {row['items']:>6} {row['target_rows']:>8} {row['create_s']:>9} "
			f"{row['create_queries']:>8} {row['rerun_s']:>9} {row['rerun_queries']:>8}"
		)
	if baseline:
		per_employee = baseline["seconds"] / baseline["employees"]
		print(
			f"one by one: {baseline['employees']} employees in {baseline['seconds']} s, "
			f"{baseline['queries']} queries ({per_employee * 1000:.0f} ms and "
			f"{baseline['queries'] / baseline['employees']:.0f} queries per employee)"
		)
		for row in results:
			estimate = per_employee * row["employees"]
			print(
				f"  {row['employees']} employees: ~{estimate:.0f} s one by one vs {row['create_s']} s in bulk "
				f"({estimate / row['create_s']:.1f}x)"
			)


if __name__ == "__main__":
	main()
