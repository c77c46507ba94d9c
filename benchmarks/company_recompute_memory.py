"""The company scorecard's recompute job (`recompute([company], with_ancestors=False)`, what the
last batch of a split recompute runs for the company) on a kept setup: its peak resident memory,
time and statements, by the current path (the leaves' actuals summed by MariaDB,
`read_with_contributions`) or the one before it (`--path old`: every descendant read in full,
`read(targets | descendants(targets))`). Rolled back at the end: nothing is committed, so it may
run read-only on a site others use.

The setup is the committed one `recompute_workers_bench.py --keep` leaves (the 10-KPI company
scorecard of cascade_bench.py cascaded to N employees, a year of approved measurements). The
peak is the process's VmHWM, reset (`/proc/self/clear_refs`) after connecting, so it is the
job's own on top of what a worker holds; run each path in its own process.

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/company_recompute_memory.py --site bench.localhost \
        --year 2035 --path new
"""

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))


def memory_kb(field: str) -> int:
	with open("/proc/self/status") as status:
		return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def reset_peak():
	gc.collect()
	with open("/proc/self/clear_refs", "w") as clear:
		clear.write("5")  # the peak resident size starts again from the current one


def old_path(targets: set[str]):
	"""The job as it was: every descendant's items, targets and actuals read."""
	from kpibsc.kpibsc.services import recompute

	recompute.lock(targets)
	data = recompute.read(targets | recompute.descendants(targets))
	results = recompute.score(data, targets)
	recompute.write(results, targets, data.scorecards)
	return len(results)


def new_path(targets: set[str]):
	from kpibsc.kpibsc.services import recompute

	return recompute.recompute(sorted(targets), with_ancestors=False)["results"]


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--year", type=int, default=2035)
	parser.add_argument("--path", choices=["new", "old"], default="new")
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from cascade_bench import COMPANY

	try:
		company = frappe.get_all(
			"KPI Scorecard",
			filters={"scorecard_for": "Company", "company": COMPANY, "from_date": f"{arguments.year}-01-01"},
			pluck="name",
		)[0]
		employees = frappe.db.count("KPI Scorecard", {"parent_scorecard": company})
		questions = lambda: int(frappe.db.sql("show session status like 'Questions'")[0][1])  # noqa: E731
		# what a worker has loaded before its first job: the app's modules
		import kpibsc.kpibsc.services.recompute

		reset_peak()
		rss_start, before, started = memory_kb("VmRSS"), questions(), time.perf_counter()
		results = (old_path if arguments.path == "old" else new_path)({company})
		seconds = time.perf_counter() - started
		figures = {
			"path": arguments.path,
			"employees": employees,
			"results": results,
			"s": round(seconds, 2),
			"queries": questions() - before - 1,
			"rss_start_mb": round(rss_start / 1024),
			"peak_rss_mb": round(memory_kb("VmHWM") / 1024),
		}
	finally:
		frappe.db.rollback()
		frappe.destroy()
	print(json.dumps(figures))


if __name__ == "__main__":
	main()
