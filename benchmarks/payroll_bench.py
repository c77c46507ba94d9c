"""A KPI pay run for N employees, then HRMS salary slip creation for them with and without
kpibsc's P1/P2/P3 Additional Salaries: wall time and SQL statements, and the ratio.

The plain slips are timed twice, before the pay run and again after the KPI slips (with
the run's Additional Salaries set aside), since one long transaction slows as it grows.

Setup (not timed): N benchmark employees (cascade_bench.py), a holiday list, a salary
structure and N submitted Salary Structure Assignments, a pay policy. Slips are made as
HRMS's Payroll Entry makes them (`frappe.get_doc(args).insert()` per employee, the loop of
`create_salary_slips_for_employees`, without its commit), first before the pay run,
then, after rolling those back to a savepoint, after it. Everything is rolled back.

`--additional-salaries bulk,document,bulk` times only the run's Additional Salaries (P1 and P2
for everyone: 2 × N), by the bulk path and HRMS's document path interleaved in that order, and
compares the rows both make.

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/payroll_bench.py --site test.localhost --employees 2000
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

import pandas as pd

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_bench import COMPANY, bench_employees, ensure_company, ensure_employees, measure

MONTH = ("2034-03-01", "2034-03-31")


def setup(employees: list[str]):
	if frappe.db.exists("KPI Pay Policy", {"policy_name": "Bench Policy 2034"}):
		return  # committed by an earlier --commit-setup run on this site
	holidays = "Bench Holidays 2034"
	if not frappe.db.exists("Holiday List", holidays):
		frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": holidays,
				"from_date": "2034-01-01",
				"to_date": "2034-12-31",
				# the Sundays of March 2034: 27 working days, as HRMS counts them
				"holidays": [
					{"holiday_date": f"2034-03-{day:02d}", "description": "Sunday", "weekly_off": 1}
					for day in (5, 12, 19, 26)
				],
			}
		).insert()
	frappe.db.set_value("Company", COMPANY, "default_holiday_list", holidays)
	if not frappe.db.exists("Salary Component", "Bench Basic"):
		frappe.get_doc(
			{
				"doctype": "Salary Component",
				"salary_component": "Bench Basic",
				"salary_component_abbr": "BB",
				"type": "Earning",
			}
		).insert()
	frappe.get_doc(
		{
			"doctype": "Salary Structure",
			"name": "Bench Structure",
			"company": COMPANY,
			"payroll_frequency": "Monthly",
			"currency": frappe.db.get_value("Company", COMPANY, "default_currency"),
			"earnings": [
				{
					"salary_component": "Bench Basic",
					"abbr": "BB",
					"amount_based_on_formula": 1,
					"formula": "base",
				}
			],
		}
	).insert().submit()
	payable = frappe.db.get_value("Company", COMPANY, "default_payroll_payable_account")
	for employee in employees:
		frappe.db.set_value("Employee", employee, "date_of_joining", "2030-01-01")
		frappe.get_doc(
			{
				"doctype": "Salary Structure Assignment",
				"employee": employee,
				"salary_structure": "Bench Structure",
				"company": COMPANY,
				"currency": frappe.db.get_value("Company", COMPANY, "default_currency"),
				"from_date": "2034-01-01",
				"base": 10_000_000,
				"payroll_payable_account": payable,
			}
		).insert().submit()
	frappe.get_doc(
		{
			"doctype": "KPI Pay Policy",
			"policy_name": "Bench Policy 2034",
			"company": COMPANY,
			"effective_from": "2034-01-01",
			"position_rates": [{"amount": 8_000_000}],  # no designation or grade: everyone
			"p2_base": 2_000_000,
			"person_factors": [{"factor": "Seniority Years", "threshold": 0, "coefficient": 1.1}],
			"p3_mode": "Band Coefficient",
			"p3_base": 3_000_000,
			"missing_performance": "Last Known Band",
		}
	).insert()


def make_slips(employees: list[str]):
	args = frappe._dict(
		doctype="Salary Slip",
		salary_slip_based_on_timesheet=0,
		payroll_frequency="Monthly",
		start_date=MONTH[0],
		end_date=MONTH[1],
		company=COMPANY,
		posting_date=MONTH[1],
		currency=frappe.db.get_value("Company", COMPANY, "default_currency"),
		exchange_rate=1,
	)
	for employee in employees:
		frappe.get_doc({**args, "employee": employee}).insert()


def register_figures(employees: list[str]) -> dict:
	"""The register, and within it the payment days HRMS's salary slip code counts (Sundays
	off; a tenth of the employees with two days of leave without pay)."""
	from kpibsc.kpibsc.services.pay import count_days

	leave_type = frappe.get_doc(
		{"doctype": "Leave Type", "leave_type_name": "Bench Leave Without Pay", "is_lwp": 1}
	).insert()
	for employee in employees[::10]:
		frappe.get_doc(
			{
				"doctype": "Leave Application",
				"employee": employee,
				"leave_type": leave_type.name,
				"from_date": "2034-03-06",
				"to_date": "2034-03-07",
				"company": COMPANY,
				"status": "Approved",
			}
		).insert().submit()
	run = frappe.get_doc(
		{"doctype": "KPI Pay Run", "company": COMPANY, "from_date": MONTH[0], "to_date": MONTH[1]}
	).insert()
	_count, register_s, register_q = measure(run.get_employees)
	people = pd.DataFrame(
		[
			dict(row)
			for row in frappe.get_all(
				"Employee",
				filters={"name": ("in", employees)},
				fields=["name as employee", "date_of_joining", "relieving_date", "holiday_list"],
			)
		]
	)
	days, days_s, days_q = measure(
		lambda: count_days(COMPANY, frappe.utils.getdate(MONTH[0]), frappe.utils.getdate(MONTH[1]), people)
	)
	return {
		"employees": len(employees),
		"pay_run_register_s": round(register_s, 2),
		"pay_run_register_queries": register_q,
		"payment_days_s": round(days_s, 2),
		"payment_days_queries": days_q,
		"payment_days_counted": days["payment_days"].value_counts().to_dict(),
	}


def additional_salary_figures(paths: list[str]) -> dict:
	"""A pay run's Additional Salaries (P1 and P2 for everyone) made by the bulk path and by
	HRMS's document one at a time, in the order `paths` gives (interleaved), each rolled back
	before the next, in the same transaction; every column but name, creation and modified of
	the two paths' rows compared. Then the bulk cancel of the bulk rows."""
	from unittest.mock import patch

	from kpibsc.kpibsc.services import pay

	run = frappe.get_doc(
		{"doctype": "KPI Pay Run", "company": COMPANY, "from_date": MONTH[0], "to_date": MONTH[1]}
	).insert()
	run.get_employees()
	with patch.object(pay, "make_additional_salaries", return_value=pay.Payout()):
		run.submit()  # the job is not run: each path below does its work
	timings, rows = {}, {}
	for path in paths:
		frappe.db.savepoint("before_payout")
		with patch.object(pay.additional_salary, "bulk_allowed", return_value=path == "bulk"):
			payout, seconds, queries = measure(lambda: pay.make_additional_salaries(run.name))
		assert not payout.failed, payout.failed[:3]
		timings.setdefault(path, []).append((round(seconds, 2), queries, payout.created))
		rows[path] = frappe.db.sql(
			"""select * from `tabAdditional Salary` where ref_docname = %s
			order by employee, salary_component""",
			run.name,
			as_dict=True,
		)
		for row in rows[path]:
			for field in ("name", "creation", "modified"):
				row.pop(field)
		versions = frappe.db.sql(
			"""select count(*) from tabVersion where ref_doctype = 'Additional Salary' and docname in
			(select name from `tabAdditional Salary` where ref_docname = %s)""",
			run.name,
		)[0][0]
		timings[path][-1] += (versions,)
		if path == "bulk" and "cancel" not in timings:
			_count, cancel_s, cancel_q = measure(lambda: pay.cancel_additional_salaries(run.name))
			timings["cancel"] = (round(cancel_s, 2), cancel_q, _count)
		frappe.db.rollback(save_point="before_payout")
	bulk_s = statistics.median(seconds for seconds, *_rest in timings["bulk"])
	figures = {"order": paths, "runs (s, queries, made, versions)": timings, "bulk_median_s": bulk_s}
	if "document" in rows:
		document_s = statistics.median(seconds for seconds, *_rest in timings["document"])
		figures["document_median_s"] = document_s
		figures["ratio_document_over_bulk"] = round(document_s / bulk_s, 1)
		figures["rows_equal"] = rows["bulk"] == rows["document"]
	return figures


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--employees", type=int, default=2000)
	parser.add_argument(
		"--register-only", action="store_true", help="time the register and its day count, not the payroll"
	)
	parser.add_argument(
		"--commit-setup",
		action="store_true",
		help="keep the setup (structure, assignments, policy) for the next run: only on a throwaway site",
	)
	parser.add_argument(
		"--additional-salaries",
		default="",
		help="time only the run's Additional Salaries, by these paths in this order: bulk,document,bulk",
	)
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	frappe.db.set_single_value("Payroll Settings", "email_salary_slip_to_employee", 0)
	try:
		ensure_employees(arguments.employees, ensure_company())
		employees = bench_employees(arguments.employees)
		setup(employees)
		if arguments.commit_setup:
			frappe.db.commit()  # a throwaway benchmark site: the next run starts here

		if arguments.register_only:
			return print(json.dumps(register_figures(employees), indent=1))
		if arguments.additional_salaries:
			paths = arguments.additional_salaries.split(",")
			return print(json.dumps(additional_salary_figures(paths), indent=1, default=str))

		frappe.db.savepoint("before_slips")
		_none, plain_s, plain_q = measure(lambda: make_slips(employees))
		frappe.db.rollback(save_point="before_slips")

		run = frappe.get_doc(
			{"doctype": "KPI Pay Run", "company": COMPANY, "from_date": MONTH[0], "to_date": MONTH[1]}
		).insert()
		_count, register_s, register_q = measure(run.get_employees)
		# above 100 Additional Salaries submit queues a background job (never enqueued
		# here: the transaction is rolled back); time that job's work directly
		from kpibsc.kpibsc.services.pay import make_additional_salaries

		run.submit()
		_none, submit_s, submit_q = measure(lambda: make_additional_salaries(run.name))
		additional = frappe.db.count("Additional Salary", {"ref_docname": run.name, "docstatus": 1})
		frappe.db.savepoint("before_kpi_slips")
		_none, kpi_s, kpi_q = measure(lambda: make_slips(employees))
		kpi_lines = frappe.db.count(
			"Salary Detail",
			{
				"parenttype": "Salary Slip",
				"salary_component": ("like", "KPI % (P_)"),
				"additional_salary": ("is", "set"),
			},
		)
		# the plain slips again, late in the same long transaction as the KPI ones (the first
		# plain run had a young transaction): the run's Additional Salaries set aside
		frappe.db.rollback(save_point="before_kpi_slips")
		additional_salary = frappe.qb.DocType("Additional Salary")
		frappe.qb.update(additional_salary).set(additional_salary.docstatus, 2).where(
			additional_salary.ref_docname == run.name
		).run()
		_none, late_s, late_q = measure(lambda: make_slips(employees))
	finally:
		frappe.db.rollback()
		frappe.destroy()
	figures = {
		"employees": len(employees),
		"pay_run_register_s": round(register_s, 2),
		"pay_run_register_queries": register_q,
		"additional_salaries_s": round(submit_s, 2),
		"additional_salaries_queries": submit_q,
		"additional_salaries": additional,
		"slips_without_kpi_pay_s": round(plain_s, 2),
		"slips_without_kpi_pay_queries": plain_q,
		"slips_with_kpi_pay_s": round(kpi_s, 2),
		"slips_with_kpi_pay_queries": kpi_q,
		"kpi_lines_on_slips": kpi_lines,
		"slips_without_kpi_pay_again_s": round(late_s, 2),
		"slips_without_kpi_pay_again_queries": late_q,
		"slip_time_ratio": round(kpi_s / plain_s, 3),
		"slip_time_ratio_vs_again": round(kpi_s / late_s, 3),
	}
	print(json.dumps(figures, indent=1))


if __name__ == "__main__":
	main()
