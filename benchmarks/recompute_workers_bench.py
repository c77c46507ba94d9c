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

from recompute_bench import measured_employee_scorecards

WORKER = """
import sys
import frappe
from rq import Queue, Worker
from frappe.utils.background_jobs import get_redis_conn
with frappe.init_site():
	connection = get_redis_conn()
Worker([Queue(sys.argv[1], connection=connection)], connection=connection).work(
	burst=True, logging_level="WARNING"
)
"""


def commit():
	frappe.db.commit()  # nosemgrep: workers read committed rows only


def run_with_workers(job_ids: list[str], workers: int) -> tuple[float, list[float]]:
	"""Move the queued jobs to a private queue and let `workers` burst workers share it:
	the wall time, and each job's own time (from its start to its end in the work horse)."""
	from rq import Queue
	from rq.job import Job

	from frappe.utils.background_jobs import create_job_id, get_redis_conn

	connection = get_redis_conn()
	private = Queue(f"kpibsc-bench-{uuid4().hex[:12]}", connection=connection)
	for job_id in job_ids:
		job = Job.fetch(create_job_id(job_id), connection=connection)
		Queue(job.origin, connection=connection).remove(job)
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
	job_seconds = [
		round((job.ended_at - job.started_at).total_seconds(), 1) if job.ended_at else None for job in jobs
	]
	for job in jobs:
		job.delete()
	for registry in (private.finished_job_registry, private.failed_job_registry):
		connection.delete(registry.key)
	private.delete(delete_jobs=False)
	if failed:
		raise RuntimeError(f"jobs failed: {failed}")
	return seconds, job_seconds


def delete_made(company: str, children: list[str]):
	scorecards = [company, *children]
	measurements = frappe.get_all("KPI Measurement", filters={"scorecard": ("in", scorecards)}, pluck="name")
	frappe.db.delete("KPI Measurement Item", {"parent": ("in", measurements)})
	frappe.db.delete("KPI Measurement", {"name": ("in", measurements)})
	frappe.db.delete("KPI Result", {"scorecard": ("in", scorecards)})
	for child in ("KPI Scorecard Item", "KPI Scorecard Target"):
		frappe.db.delete(child, {"parent": ("in", scorecards)})
	frappe.db.delete("KPI Scorecard", {"name": ("in", scorecards)})
	commit()


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--employees", type=int, default=2000)
	parser.add_argument("--batch", type=int, default=250)
	parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
	parser.add_argument("--year", type=int, default=2035)
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from kpibsc.kpibsc.services import recompute

	frappe.local.conf.kpibsc_recompute_batch_size = arguments.batch
	started = time.perf_counter()
	company, children, measurements, items = measured_employee_scorecards(arguments.employees, arguments.year)
	commit()
	setup_s = time.perf_counter() - started
	runs = []
	try:
		for workers in arguments.workers:
			job_ids = recompute.enqueue_batches(children)
			commit()  # queues them
			seconds, job_seconds = run_with_workers(job_ids, workers)
			frappe.db.rollback()
			results = frappe.db.count("KPI Result", {"scorecard": ("in", [*children, company.name])})
			runs.append(
				{
					"workers": workers,
					"jobs": len(job_ids),
					"s": round(seconds, 1),
					"job_s": job_seconds,
					"results": results,
					"load_average": os.getloadavg()[0],
				}
			)
			print(json.dumps(runs[-1]), flush=True)
	finally:
		frappe.db.rollback()
		delete_made(company.name, children)
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
