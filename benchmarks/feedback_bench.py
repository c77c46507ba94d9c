"""Request 360° feedback for a review cycle of N employees on a real site: wall time and SQL
statements of *Request Feedback* (services/feedback.create_cycle_requests), against requests
inserted one document at a time.

Setup (not timed): cascade_bench.py's benchmark employees (made once and kept), put in
teams of eight under a team lead, the leads under one head (Reports To, in the transaction);
a Competencies Only cycle with feedback on (anonymous, 3 to 8 raters) and its reviews, a
five-competency framework. Everything but the employees is rolled back at the end.
Statements are MariaDB's session counter `Questions`.

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/feedback_bench.py --site fb.localhost --employees 2000
"""

import argparse
import json
import sys
from pathlib import Path

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_bench import COMPANY, bench_employees, ensure_company, ensure_employees, measure
from review_cycle_bench import framework

TEAM = 8
SINGLE_SAMPLE = 100


def teams(employees: list[str]):
	"""Employee i reports to the first of its team of eight; team leads to the first employee."""
	head = employees[0]
	for start in range(0, len(employees), TEAM):
		lead = employees[start]
		members = employees[start + 1 : start + TEAM]
		if members:
			frappe.db.sql("update tabEmployee set reports_to = %s where name in %s", (lead, tuple(members)))
		if lead != head:
			frappe.db.sql("update tabEmployee set reports_to = %s where name = %s", (head, lead))


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", default="fb.localhost")
	parser.add_argument("--employees", type=int, default=2000)
	parser.add_argument("--year", type=int, default=2035)
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	ensure_employees(arguments.employees, ensure_company())
	try:
		from kpibsc.kpibsc.services.feedback import create_cycle_requests
		from kpibsc.kpibsc.services.reviews import create_cycle_reviews

		employees = bench_employees(arguments.employees)
		teams(employees)
		cycle = frappe.get_doc(
			{
				"doctype": "Performance Review Cycle",
				"cycle_name": f"Bench Feedback {arguments.year}",
				"company": COMPANY,
				"period_type": "Half-year",
				"from_date": f"{arguments.year}-01-01",
				"to_date": f"{arguments.year}-06-30",
				"review_mode": "Competencies Only",
				"competency_framework": framework(),
				"feedback_enabled": 1,
				"feedback_anonymity": "Anonymous",
				"anonymity_threshold": 3,
				"feedback_min_raters": 3,
				"feedback_max_raters": 8,
				"feedback_due_date": f"{arguments.year}-06-20",
				"weight_self": 10,
				"weight_manager": 50,
				"weight_peers": 20,
				"weight_reports": 10,
				"weight_others": 10,
			}
		).insert()
		created = create_cycle_reviews(cycle.name)["created"]

		summary, bulk_s, bulk_q = measure(lambda: create_cycle_requests(cycle.name))
		ratings = frappe.db.count(
			"Performance Feedback Rating", {"parenttype": "Performance Feedback Request"}
		)

		# one document at a time, for a sample: cross-functional raters for the first reviews
		reviews = frappe.get_all(
			"Performance Review",
			filters={"review_cycle": cycle.name},
			fields=["name", "employee"],
			order_by="name",
			limit=SINGLE_SAMPLE,
		)
		frappe.db.set_value("Performance Review Cycle", cycle.name, "feedback_max_raters", 20)
		outsider = employees[-1]

		def one_by_one():
			for review in reviews:
				if review.employee == outsider:
					continue
				frappe.get_doc(
					{
						"doctype": "Performance Feedback Request",
						"review": review.name,
						"rater": outsider,
						"source": "Cross-functional",
					}
				).insert()

		_none, single_s, single_q = measure(one_by_one)
	finally:
		frappe.db.rollback()
		frappe.destroy()
	sample = len(reviews)
	per_request = single_s / sample
	figures = {
		"employees": len(employees),
		"reviews": created,
		"requests_created": summary["created"],
		"rating_rows": ratings,
		"reviews_below_minimum": len(summary["short"]),
		"bulk_s": round(bulk_s, 2),
		"bulk_queries": bulk_q,
		"one_by_one_sample": sample,
		"one_by_one_s": round(single_s, 2),
		"one_by_one_queries": single_q,
		"one_by_one_ms_per_request": round(per_request * 1000, 1),
		"one_by_one_extrapolated_s": round(per_request * summary["created"], 1),
		"speedup": round(per_request * summary["created"] / bulk_s, 1),
	}
	print(json.dumps(figures, indent=1))


if __name__ == "__main__":
	main()
