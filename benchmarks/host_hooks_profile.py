"""What kpibsc's own hook functions cost inside a host operation (issue #22), measured from
inside rather than as the difference of two noisy wall times: Task inserts are profiled with
cProfile and the time spent in kpibsc's handlers is compared with the whole insert; the
Salary Slip guard is timed directly on a slip of a company without a draft KPI pay run. All
writes are rolled back.

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/host_hooks_profile.py --site bench.localhost --tasks 400
"""

import argparse
import cProfile
import json
import pstats
import time

import frappe


def profile_task_inserts(count: int) -> dict:
	def insert(n, tag):
		for i in range(n):
			frappe.get_doc({"doctype": "Task", "subject": f"hook profile {tag} {i}"}).insert()

	insert(50, "warm-up")
	profiler = cProfile.Profile()
	started = time.process_time()
	profiler.enable()
	insert(count, "measured")
	profiler.disable()
	total = time.process_time() - started
	stats = pstats.Stats(profiler).stats
	in_kpibsc = sum(
		cumulative
		for (filename, _line, function), (_calls, _primitive, _total, cumulative, _callers) in stats.items()
		if "/kpibsc/kpibsc/services/work.py" in filename and function in ("validate_task", "task_changed")
	)
	return {
		"operation": "Task insert",
		"documents": count,
		"cpu_ms_per_doc": round(1000 * total / count, 3),
		"kpibsc_handlers_ms_per_doc": round(1000 * in_kpibsc / count, 4),
		"kpibsc_share_percent": round(100 * in_kpibsc / total, 3),
	}


def time_salary_slip_guard(calls: int) -> dict:
	from kpibsc.kpibsc.services.pay import check_salary_slip

	company = frappe.db.get_value("Company", {}, "name")
	slip = frappe.get_doc({"doctype": "Salary Slip", "company": company, "start_date": "2026-11-01"})
	check_salary_slip(slip)  # the cached list of companies with a draft run is read once
	questions = int(frappe.db.sql("show session status like 'Questions'")[0][1])
	started = time.perf_counter()
	for _ in range(calls):
		check_salary_slip(slip)
	elapsed = time.perf_counter() - started
	asked = int(frappe.db.sql("show session status like 'Questions'")[0][1]) - questions - 1
	return {
		"operation": "Salary Slip validate guard (company without a draft KPI pay run)",
		"calls": calls,
		"microseconds_per_slip": round(1e6 * elapsed / calls, 3),
		"queries": asked,
	}


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", default="bench.localhost")
	parser.add_argument("--tasks", type=int, default=400)
	parser.add_argument("--slip-calls", type=int, default=2000)
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		print(
			json.dumps(
				[profile_task_inserts(arguments.tasks), time_salary_slip_guard(arguments.slip_calls)],
				indent=1,
			)
		)
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	main()
