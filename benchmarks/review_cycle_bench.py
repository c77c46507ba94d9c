"""Create and score a performance review cycle for 2,000 employees on a real site: wall time
and SQL statements, against reviews inserted one document at a time.

Setup (not timed): the company scorecard of cascade_bench.py cascaded to N employees, a
year of approved measurements (recompute_bench.py) and their recompute, a competency
framework of five competencies. Everything is rolled back at the end. Statements are
MariaDB's session counter `Questions`.

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/review_cycle_bench.py --site test.localhost --employees 2000
"""

import argparse
import json
import sys
from pathlib import Path

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_bench import COMPANY, measure
from recompute_bench import measured_employee_scorecards

SINGLE_SAMPLE = 100


def framework() -> str:
	names = [
		"Bench Teamwork",
		"Bench Ownership",
		"Bench Customer Focus",
		"Bench Problem Solving",
		"Bench Coaching",
	]
	for name in names:
		if not frappe.db.exists("Competency", name):
			frappe.get_doc({"doctype": "Competency", "competency_name": name}).insert()
	frappe.get_doc(
		{
			"doctype": "Competency Framework",
			"framework_name": "Bench Framework",
			"competencies": [{"competency": name, "weight": 20} for name in names],
		}
	).insert()
	return "Bench Framework"


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
		from kpibsc.kpibsc.services.recompute import recompute
		from kpibsc.kpibsc.services.reviews import create_cycle_reviews

		_company, children, _measurements, _items = measured_employee_scorecards(
			arguments.employees, arguments.year
		)
		recompute(children)
		cycle = frappe.get_doc(
			{
				"doctype": "Performance Review Cycle",
				"cycle_name": f"Bench H1 {arguments.year}",
				"company": COMPANY,
				"period_type": "Half-year",
				"from_date": f"{arguments.year}-01-01",
				"to_date": f"{arguments.year}-06-30",
				"competency_framework": framework(),
			}
		).insert()

		summary, cycle_s, cycle_q = measure(lambda: create_cycle_reviews(cycle.name))
		scored = frappe.db.count("Performance Review", {"review_cycle": cycle.name, "kpi_score": (">", 0)})
		rows = frappe.db.count(
			"Performance Review Competency",
			{
				"parent": (
					"in",
					frappe.get_all("Performance Review", {"review_cycle": cycle.name}, pluck="name"),
				)
			},
		)

		# the same reviews one document at a time, for a sample, on a second cycle's dates
		sample = frappe.get_all(
			"Performance Review", filters={"review_cycle": cycle.name}, pluck="employee", limit=SINGLE_SAMPLE
		)

		def one_by_one():
			for employee in sample:
				frappe.get_doc(
					{
						"doctype": "Performance Review",
						"employee": employee,
						"period_type": "Quarter",
						"from_date": f"{arguments.year}-07-01",
						"to_date": f"{arguments.year}-09-30",
						"competency_framework": "Bench Framework",
					}
				).insert()

		_none, single_s, single_q = measure(one_by_one)
	finally:
		frappe.db.rollback()
		frappe.destroy()
	per_review_single = single_s / len(sample)
	figures = {
		"employees": len(children),
		"reviews_created": summary["created"],
		"reviews_with_kpi_score": scored,
		"competency_rows": rows,
		"cycle_s": round(cycle_s, 2),
		"cycle_queries": cycle_q,
		"one_by_one_sample": len(sample),
		"one_by_one_s": round(single_s, 2),
		"one_by_one_queries": single_q,
		"one_by_one_ms_per_review": round(per_review_single * 1000, 1),
		"one_by_one_extrapolated_s": round(per_review_single * summary["created"], 1),
		"speedup": round(per_review_single * summary["created"] / cycle_s, 1),
	}
	print(json.dumps(figures, indent=1))


if __name__ == "__main__":
	main()
