"""A large recompute split into batch jobs (`services/recompute.enqueue_batches`) and run by
1, then 2, … RQ workers on the same committed data: wall time from the first worker's start to
the last one's exit, and the ratio between runs of the same invocation.

Setup (not timed) as in recompute_bench.py: the 10-KPI company scorecard cascaded to N
employees with a year of approved monthly measurements — but committed, since workers are
other processes and see only committed rows. Each run enqueues the batches as production does
(one job per batch, ids from the batch), moves exactly those jobs to a private queue (other
sites' jobs in the shared `long` queue are none of ours) and starts the workers as burst
`rq.Worker`s on it — what `bench worker --queue long --burst` starts. At the end the
scorecards, measurements and results made here are deleted (the bench employees stay, as
cascade_bench.py leaves them).

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/recompute_workers_bench.py --site bench.localhost \
        --employees 2000 --batch 250 --workers 1 2 1 2
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_bench import delete_tree
from recompute_bench import measured_employee_scorecards

WORKER = """
import resource
import sys
import time
import frappe
from rq import Queue, Worker
from frappe.utils.background_jobs import get_redis_conn
from kpibsc.kpibsc.services import recompute

original = recompute.run_recompute_job


def memory_kb(field):
	with open("/proc/self/status") as status:
		return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def measured(*args, **kwargs):
	# runs in the work horse (a fork of this worker, one per job): the job's statements on its
	# own connection, CPU, and the horse's peak resident memory (VmHWM; it starts from the
	# worker's own resident size, which the fork shares)
	questions = lambda: int(frappe.db.sql("show session status like 'Questions'")[0][1])
	before, rss_before = questions(), memory_kb("VmRSS")
	cpu, started = time.process_time(), time.perf_counter()
	result = original(*args, **kwargs)
	return dict(
		result,
		queries=questions() - before - 1,
		s=round(time.perf_counter() - started, 2),
		cpu_s=round(time.process_time() - cpu, 2),
		rss_start_mb=round(rss_before / 1024),
		peak_rss_mb=round(memory_kb("VmHWM") / 1024),
	)


recompute.run_recompute_job = measured
with frappe.init_site():
	connection = get_redis_conn()
Worker([Queue(sys.argv[1], connection=connection)], connection=connection).work(
	burst=True, logging_level="WARNING"
)
"""


def commit():
	frappe.db.commit()  # nosemgrep: workers read committed rows only


def run_with_workers(job_ids: list[str], workers: int) -> tuple[float, list[dict]]:
	"""Move the queued jobs to a private queue and let `workers` burst workers share it:
	the wall time, and what each job measured of itself in the work horse (see WORKER)."""
	from rq import Queue
	from rq.job import Job

	from frappe.utils.background_jobs import create_job_id, get_redis_conn

	connection = get_redis_conn()
	private = Queue(f"kpibsc-bench-{uuid4().hex[:12]}", connection=connection)
	for job_id in job_ids:
		job = Job.fetch(create_job_id(job_id), connection=connection)
		Queue(job.origin, connection=connection).remove(job)
		# Frappe keeps a finished job 10 minutes (RQ_RESULTS_TTL): the first batches of a
		# 20,000-employee run are gone before the last ends, with their figures
		job.result_ttl = job.failure_ttl = 24 * 3600
		job.save()
		private.enqueue_job(job)
	env = {key: value for key, value in os.environ.items() if key != "CI"}
	started = time.perf_counter()
	processes = [
		subprocess.Popen([sys.executable, "-c", WORKER, private.name], cwd=frappe.local.sites_path, env=env)
		for _worker in range(workers)
	]
	for process in processes:
		process.wait()
	seconds = time.perf_counter() - started
	jobs = [Job.fetch(create_job_id(job_id), connection=connection) for job_id in job_ids]
	failed = [job.id for job in jobs if job.get_status() != "finished"]
	job_figures = [job.return_value() or {} for job in jobs]
	for job in jobs:
		job.delete()
	for registry in (private.finished_job_registry, private.failed_job_registry):
		connection.delete(registry.key)
	private.delete(delete_jobs=False)
	if failed:
		raise RuntimeError(f"jobs failed: {failed}")
	return seconds, job_figures


def existing_setup(employees: int, year: int):
	"""The committed company scorecard of an earlier `--keep` run and its children, if it has
	at least `employees` of them: a 20,000-employee setup takes longer than a run."""
	from cascade_bench import COMPANY

	for company in frappe.get_all(
		"KPI Scorecard",
		filters={"scorecard_for": "Company", "company": COMPANY, "from_date": f"{year}-01-01"},
		pluck="name",
	):
		children = frappe.get_all("KPI Scorecard", filters={"parent_scorecard": company}, pluck="name")
		if len(children) >= employees:
			return frappe.get_doc("KPI Scorecard", company), children
	return None, None


def delete_made(company: str):
	delete_tree(company)
	commit()


def summary(figures: list[dict]) -> dict:
	"""The batch jobs' totals and the last job's (the company scorecard's) own figures."""
	batches = figures[:-1]
	return {
		"batch_jobs": len(batches),
		"batch_s_median": sorted(job.get("s", 0) for job in batches)[len(batches) // 2] if batches else None,
		"batch_s_sum": round(sum(job.get("s", 0) for job in batches), 1),
		"batch_peak_rss_mb_max": max((job.get("peak_rss_mb", 0) for job in batches), default=None),
		"queries": sum(job.get("queries", 0) for job in figures),
		"results_written": sum(job.get("results", 0) for job in figures),
		"last_job": figures[-1] if figures else None,
	}


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--employees", type=int, default=2000)
	parser.add_argument("--batch", type=int, default=250)
	parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
	parser.add_argument("--year", type=int, default=2035)
	parser.add_argument(
		"--keep", action="store_true", help="keep the setup committed for the next run, and reuse one found"
	)
	parser.add_argument("--jobs-out", help="write every job's own figures (JSON) here")
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from kpibsc.kpibsc.services import recompute

	frappe.local.conf.kpibsc_recompute_batch_size = arguments.batch
	started = time.perf_counter()
	company, children = (
		existing_setup(arguments.employees, arguments.year) if arguments.keep else (None, None)
	)
	if company:
		measurements = items = None  # made by the earlier run
	else:
		company, children, measurements, items = measured_employee_scorecards(
			arguments.employees, arguments.year
		)
	commit()
	setup_s = time.perf_counter() - started
	print(json.dumps({"setup_s": round(setup_s, 1), "employees": len(children)}), flush=True)
	all_jobs = []
	runs = []
	try:
		for workers in arguments.workers:
			job_ids = recompute.enqueue_batches(children)
			commit()  # queues them
			load_before = os.getloadavg()[0]
			seconds, job_figures = run_with_workers(job_ids, workers)
			frappe.db.rollback()
			results = frappe.db.sql(
				"select count(*) from `tabKPI Result` r join `tabKPI Scorecard` s on s.name = r.scorecard "
				"where s.name = %(company)s or s.parent_scorecard = %(company)s",
				{"company": company.name},
			)[0][0]
			runs.append(
				{
					"workers": workers,
					"jobs": len(job_ids),
					"s": round(seconds, 1),
					"results": results,
					**summary(job_figures),
					"load_average": [load_before, os.getloadavg()[0]],
				}
			)
			all_jobs.append({"workers": workers, "jobs": job_figures})
			print(json.dumps(runs[-1]), flush=True)
	finally:
		frappe.db.rollback()
		if arguments.jobs_out:
			Path(arguments.jobs_out).write_text(json.dumps(all_jobs, indent=1))
		if not arguments.keep:
			delete_made(company.name)
		frappe.destroy()
	print(
		json.dumps(
			{
				"employees": len(children),
				"measurements": measurements,
				"measurement_rows": items,
				"batch": arguments.batch,
				"setup_s": round(setup_s, 1),
				"load_average": os.getloadavg(),
				"runs": runs,
			},
			indent=1,
		)
	)


if __name__ == "__main__":
	main()
