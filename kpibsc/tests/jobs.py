"""Background jobs in tier 2, two ways.

Production code has no test branch: a large cascade, review cycle or pay run, a recompute after
approval and the recompute of a burst of task saves all go through `frappe.enqueue(...,
enqueue_after_commit=True)`. Tests never commit (`FrappeTestCase` rolls back), so such a job
would never reach Redis, and a worker in another process could not see the test's data anyway.

- `InlineJobs`, used by every `KPITestCase`, patches `frappe.enqueue` for kpibsc's own methods
  only: the call is recorded (`self.jobs`, so a test can assert what was queued, on which queue,
  with which id) and the method runs at once in the test's transaction, as `frappe.enqueue(...,
  now=True)` would. Other apps' jobs are queued as usual.
- `run_in_worker` runs queued jobs through a real RQ worker, for `test_jobs.py`, the one module
  that commits (see its docstring): the jobs, found by their ids, are moved from the bench's
  queue to a private one (other sites' jobs in the shared queue are none of ours), and a burst
  `rq.Worker` in a subprocess — what `bench worker --burst` starts, minus the queue list —
  forks a work horse that runs Frappe's `execute_job`: its own connection, commit on success,
  rollback and an Error Log on failure. `WorkerProcess` starts such a worker and leaves it
  running, for tests that act while it works: two workers at once on the same scorecard, or
  the work horse killed half-way through a job.
"""

import os
import subprocess
import sys
from pathlib import Path
from unittest.mock import patch
from uuid import uuid4

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

import frappe
from frappe.utils.background_jobs import create_job_id, get_redis_conn

WORKER_SCRIPT = """
import sys
import frappe
from rq import Queue, Worker
from frappe.utils.background_jobs import get_redis_conn
with frappe.init_site():
	connection = get_redis_conn()
queue = Queue(sys.argv[1], connection=connection)
Worker([queue], connection=connection).work(burst=True, logging_level="WARNING")
"""


class InlineJobs:
	"""Record kpibsc's jobs and run them now, in the caller's transaction."""

	def __init__(self):
		self.jobs: list[frappe._dict] = []
		self.real_enqueue = frappe.enqueue
		self.patcher = patch("frappe.enqueue", self.enqueue)

	def start(self):
		self.patcher.start()
		return self

	def stop(self):
		self.patcher.stop()

	def enqueue(self, method, *args, **kwargs):
		if not (isinstance(method, str) and method.startswith("kpibsc.")):
			return self.real_enqueue(method, *args, **kwargs)
		options = {
			key: kwargs.pop(key, None)
			for key in ("queue", "timeout", "job_id", "deduplicate", "enqueue_after_commit", "now")
		}
		self.jobs.append(frappe._dict(method=method, kwargs=dict(kwargs), **options))
		return frappe.call(method, **kwargs)

	def methods(self) -> list[str]:
		return [job.method.rsplit(".", 1)[-1] for job in self.jobs]


def run_in_worker(job_ids: list[str], timeout: int = 600) -> dict[str, Job]:
	"""Run the queued jobs `job_ids` (as passed to `frappe.enqueue`) in an RQ worker process;
	returns each job, refreshed, by id. The caller must have committed: the job is queued by
	the commit and runs on the committed data."""
	worker = WorkerProcess(job_ids)
	try:
		return worker.wait(timeout)
	finally:
		worker.close()


class WorkerProcess:
	"""A burst RQ worker started on the queued jobs `job_ids` and left running, for tests that
	act while it works: two of them at once, or one whose work horse is killed. `wait` for it,
	then `close` (always)."""

	def __init__(self, job_ids: list[str]):
		self.connection = get_redis_conn()
		self.queue = Queue(f"kpibsc-test-{uuid4().hex[:12]}", connection=self.connection)
		self.jobs = {}
		self.process = None
		for job_id in job_ids:
			job = Job.fetch(create_job_id(job_id), connection=self.connection)
			if job.get_status() != JobStatus.QUEUED:
				self.close()
				raise AssertionError(f"job {job_id} is {job.get_status()}, not queued")
			job.meta["queued_on"] = job.origin  # the queue production would have used
			job.save_meta()
			Queue(job.origin, connection=self.connection).remove(job)
			self.queue.enqueue_job(job)
			self.jobs[job_id] = job
		env = {key: value for key, value in os.environ.items() if key != "CI"}  # as in production
		env["PYTHONDONTWRITEBYTECODE"] = "1"
		self.process = subprocess.Popen(
			[sys.executable, "-c", WORKER_SCRIPT, self.queue.name],
			cwd=frappe.local.sites_path,
			env=env,
			stdout=subprocess.PIPE,
			stderr=subprocess.PIPE,
			text=True,
		)

	def status(self, job_id: str) -> str:
		return self.jobs[job_id].get_status(refresh=True)

	def horse_pid(self) -> int | None:
		"""The work horse the worker forked for the job it is running, if any."""
		try:
			children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
		except FileNotFoundError:
			return None
		return int(children.split()[0]) if children.split() else None

	def wait(self, timeout: int = 600) -> dict[str, Job]:
		"""Until the worker has run every job; returns each job, refreshed, by id."""
		stdout, stderr = self.process.communicate(timeout=timeout)
		if self.process.returncode:
			raise AssertionError(f"worker exited with {self.process.returncode}:\n{stdout}\n{stderr}")
		for job in self.jobs.values():
			job.refresh()
		return self.jobs

	def close(self):
		if self.process and self.process.poll() is None:
			self.process.kill()
			self.process.communicate()
		registries = (
			self.queue.finished_job_registry,
			self.queue.failed_job_registry,
			self.queue.started_job_registry,
		)
		self.connection.delete(*(registry.key for registry in registries))
		self.queue.delete(delete_jobs=False)


def job_error(job: Job) -> str:
	"""The traceback of a failed job, for assertion messages."""
	result = job.latest_result()
	return (result and result.exc_string) or job.exc_info or ""


def delete_jobs(job_ids: list[str]):
	"""Remove the jobs (queued, finished or failed) from Redis."""
	connection = get_redis_conn()
	for job_id in job_ids:
		try:
			job = Job.fetch(create_job_id(job_id), connection=connection)
		except NoSuchJobError:
			connection.delete(f"rq:results:{create_job_id(job_id)}")
			continue
		if job.origin:
			Queue(job.origin, connection=connection).remove(job)
		if job.meta.get("queued_on"):
			Queue(job.meta["queued_on"], connection=connection).remove(job)
		job.delete()
		connection.delete(f"rq:results:{job.id}")  # a failed job's result stream is kept for days


def delete_jobs_matching(text: str):
	"""Remove every job whose id contains `text` (a test run's token) from Redis, wherever it
	waits: also the ones a failed test queued and never ran."""
	connection = get_redis_conn()
	for key in list(connection.scan_iter(match=f"rq:job:*{text}*")):
		job_id = key.decode().removeprefix("rq:job:")
		try:
			job = Job.fetch(job_id, connection=connection)
		except NoSuchJobError:
			continue
		for queue in {job.origin, job.meta.get("queued_on")} - {None}:
			Queue(queue, connection=connection).remove(job)
		job.delete()
	for key in list(connection.scan_iter(match=f"rq:results:*{text}*")):
		connection.delete(key)
