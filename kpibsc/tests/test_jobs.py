"""kpibsc's background jobs run the way production runs them: queued by a commit, run by an
RQ worker in another process, judged by what that worker committed.

Why this module commits, the one exception to "no test commits": a worker is another process
with its own database connection, so it sees only committed rows, and production queues these
jobs only when the request's transaction commits (`enqueue_after_commit`). Running Frappe's
`execute_job` in this process instead (as `frappe.tests.test_background_jobs` does) would
open a second connection all the same, and a test transaction cannot be shared with it.

So setUpClass makes its data under names carrying a run token, with names set explicitly (no
naming series is locked while other tests hold theirs), on a company the site has committed
("_Test Company", which HRMS's before_tests commits anyway, else one without a KPI Pay Policy:
see `committed_company`) and for years no other test uses; each test commits, lets
`kpibsc.tests.jobs.run_in_worker` run exactly its jobs, and asserts on the committed result.
tearDownClass deletes everything made here or by the jobs (children, KPI Results, cascaded
scorecards, reviews, Additional Salaries, measurements, tasks, the Error Logs of the failing
jobs, versions, comments, to-dos), the jobs and recompute marks in Redis, and checks that
nothing carrying the token is left. What the jobs name from a series (cascaded scorecards,
reviews) leaves that series' counter advanced, as any deleted document does.
"""

import os
import signal
import time
from unittest.mock import patch
from uuid import uuid4

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, get_datetime, getdate, now_datetime
from frappe.utils.background_jobs import generate_qname

from kpibsc.kpibsc.services import cascade as cascade_service
from kpibsc.kpibsc.services import pay as pay_service
from kpibsc.kpibsc.services import recompute as recompute_service
from kpibsc.kpibsc.services import reviews as reviews_service
from kpibsc.kpibsc.services.bulk import insert_rows
from kpibsc.tests.jobs import WorkerProcess, delete_jobs, delete_jobs_matching, job_error, run_in_worker

TOKEN = f"KPIJ{uuid4().hex[:6].upper()}"
SALES, DONE = f"{TOKEN}-SALES", f"{TOKEN}-DONE"
YEAR, TASK_YEAR = 2029, 2024  # no other test commits a scorecard; tasks are done in the past
PAY_YEAR = getdate().year  # a year the site has a fiscal year for; the employees joined in 2020


class TestJobsInAWorker(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.job_ids = []
		cls.addClassCleanup(cls.clean_up)
		for token in stale_tokens():  # a run killed before its clean-up
			delete_everything(token)
		cls.started = now_datetime()
		cls.company = committed_company()
		cls.currency = frappe.get_cached_value("Company", cls.company, "default_currency")
		cls.make(  # HRMS counts pay days by the employee's holiday list
			"Holiday List",
			{"holiday_list_name": TOKEN, "from_date": f"{PAY_YEAR}-01-01", "to_date": f"{PAY_YEAR}-12-31"},
		)
		cls.make(
			"Designation",
			{"designation_name": TOKEN},
		)
		cls.employees = [
			cls.make(
				"Employee",
				{
					"first_name": f"{TOKEN} {n}",
					"gender": "Female",
					"date_of_birth": "1990-01-01",
					"date_of_joining": "2020-01-01",
					"company": cls.company,
					"designation": TOKEN,
					"holiday_list": TOKEN,
					"status": "Active",
				},
				name=f"{TOKEN}-E{n}",
			)
			for n in (1, 2)
		]
		cls.make("KPI", {"kpi_code": SALES, "kpi_name": SALES, "aggregation": "Sum", "frequency": "Yearly"})
		cls.make(
			"KPI",
			{
				"kpi_code": DONE,
				"kpi_name": DONE,
				"aggregation": "Average",
				"unit": "%",
				"frequency": "Yearly",
				"data_source": "Task Based",
			},
		)
		cls.scorecard = cls.make_scorecard(
			f"{TOKEN}-CO",
			YEAR,
			[
				{"kpi": SALES, "weight": 60, "target": 100, "cascade_mode": "Same Target"},
				{"kpi": DONE, "weight": 40, "target": 100},
			],
		)
		cls.task_scorecard = cls.make_scorecard(
			f"{TOKEN}-TK", TASK_YEAR, [{"kpi": DONE, "weight": 100, "target": 100}]
		)
		commit()

	@classmethod
	def make(cls, doctype: str, values: dict, name: str | None = None, submit: bool = False) -> str:
		doc = frappe.get_doc({"doctype": doctype, **values}).insert(ignore_permissions=True, set_name=name)
		if submit:
			doc.submit()
		return doc.name

	@classmethod
	def make_scorecard(cls, name: str, year: int, items: list[dict]) -> str:
		return cls.make(
			"KPI Scorecard",
			{
				"scorecard_for": "Company",
				"company": cls.company,
				"from_date": f"{year}-01-01",
				"to_date": f"{year}-12-31",
				"frequency": "Yearly",
				"items": items,
			},
			name=name,
		)

	def run_jobs(self, *job_ids: str, queue: str) -> dict:
		"""Commit (which queues the jobs), check they wait on `queue`, run them in a worker."""
		commit()
		self.job_ids.extend(job_ids)
		jobs = run_in_worker(list(job_ids))
		for job in jobs.values():
			self.assertEqual(job.meta["queued_on"], generate_qname(queue))
		frappe.db.rollback()  # a new transaction: read what the worker committed
		return jobs

	def result(self, scorecard: str, kpi: str | None, year: int = YEAR):
		filters = {"scorecard": scorecard, "period_start": f"{year}-01-01"}
		filters.update({"node_type": "KPI", "kpi": kpi} if kpi else {"node_type": "Scorecard"})
		return frappe.db.get_value(
			"KPI Result", filters, ["actual", "has_actual", "achievement", "score"], as_dict=True
		)

	def error_logs(self, method: str) -> list:
		return frappe.get_all(
			"Error Log",
			filters={"method": method, "creation": (">=", self.started)},
			fields=["name", "error"],
		)

	# -- the recompute after approval --------------------------------------------------------

	def test_approval_recomputes_in_a_worker_and_a_failed_recompute_keeps_the_scores(self):
		measurement = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": self.scorecard, "period_start": f"{YEAR}-01-01"}
		)
		measurement.fill_items()
		next(row for row in measurement.items if row.kpi == SALES).actual = "90"
		measurement.insert(set_name=f"{TOKEN}-M1")
		measurement.submit()
		job_id = recompute_service.recompute_job_id([self.scorecard])
		self.assertFalse(self.result(self.scorecard, SALES))  # nothing before the commit

		jobs = self.run_jobs(job_id, queue="default")
		self.assertEqual(jobs[job_id].get_status(), "finished", job_error(jobs[job_id]))
		# 90 of a target of 100, higher is better: 90 %, score 90
		sales = self.result(self.scorecard, SALES)
		self.assertEqual((sales.actual, sales.has_actual, sales.achievement, sales.score), (90, 1, 90, 90))

		# the KPI now cannot be scored (a range without bounds): the job fails in the worker,
		# the scores stay as they were, the Error Log says why and the scorecard says it failed
		frappe.db.set_value("KPI", SALES, "scoring_method", "Target Range")
		try:
			recompute_service.enqueue_recompute([self.scorecard])
			jobs = self.run_jobs(job_id, queue="default")
		finally:
			frappe.db.set_value("KPI", SALES, "scoring_method", "Higher is Better")
			commit()
		self.assertEqual(jobs[job_id].get_status(), "failed")
		self.assertEqual(self.result(self.scorecard, SALES), sales)
		self.assertTrue(self.error_logs("kpibsc.kpibsc.services.recompute.run_recompute_job"))
		status = recompute_service.recompute_status(self.scorecard) or {}
		self.assertEqual(status.get("state"), "failed", status)

	# -- two recompute jobs of one scorecard, in two workers ---------------------------------

	def test_two_recompute_jobs_of_one_scorecard_take_turns_in_two_workers(self):
		# the scorecard's recompute after an approval (default queue), and the batch holding it
		# of a recompute split one scorecard per job (long queue): two jobs, two workers
		lock_year, other_year = YEAR + 1, YEAR + 2
		scorecard = self.make_scorecard(
			f"{TOKEN}-LK", lock_year, [{"kpi": SALES, "weight": 100, "target": 100}]
		)
		other = self.make_scorecard(f"{TOKEN}-LL", other_year, [{"kpi": SALES, "weight": 100, "target": 50}])
		measurement = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": scorecard, "period_start": f"{lock_year}-01-01"}
		)
		measurement.fill_items()
		measurement.items[0].actual = "80"
		measurement.insert(set_name=f"{TOKEN}-M2")
		measurement.submit()
		with patch.object(recompute_service, "BATCH_SIZE", 1):
			batch_ids = recompute_service.enqueue_batches([scorecard, other])
		approval_id = recompute_service.recompute_job_id([scorecard])
		batch_id = recompute_service.recompute_job_id([scorecard], prefix="kpibsc-recompute-batch")
		self.assertEqual(
			batch_ids,
			[batch_id, recompute_service.recompute_job_id([other], prefix="kpibsc-recompute-batch")],
		)
		commit()
		self.job_ids.extend([approval_id, *batch_ids])

		# the test holds the scorecard's row (another connection) while both jobs start, so
		# that both reach the lock; released, they race for it
		holder = frappe.db.create_connection()
		workers = []
		try:
			holder.cursor().execute(
				"select name from `tabKPI Scorecard` where name = %s for update", (scorecard,)
			)
			workers = [WorkerProcess([approval_id]), WorkerProcess(batch_ids)]
			deadline = time.monotonic() + 180
			while not (
				workers[0].status(approval_id) == "started" and workers[1].status(batch_id) == "started"
			):
				self.assertLess(time.monotonic(), deadline, "the workers did not start the jobs")
				time.sleep(0.2)
			while waiting_for(holder, scorecard) < 2:  # both jobs are waiting for the row
				self.assertLess(time.monotonic(), deadline, "the jobs did not reach the lock")
				time.sleep(0.2)
			holder.rollback()
			jobs = {**workers[0].wait(), **workers[1].wait()}
		finally:
			holder.close()
			for worker in workers:
				worker.close()
		for job in jobs.values():
			self.assertEqual(job.get_status(), "finished", job_error(job))
		first, second = sorted(
			(jobs[approval_id].return_value(), jobs[batch_id].return_value()),
			key=lambda run: get_datetime(run["locked_at"]),
		)
		# both waited for the test's hold; the second was let in only after the first had
		# written (and committed): the writes did not interleave
		self.assertGreater(first["lock_wait_s"], 0, first)
		self.assertGreater(second["lock_wait_s"], 0, second)
		self.assertGreaterEqual(
			get_datetime(second["locked_at"]), get_datetime(first["written_at"]), (first, second)
		)

		frappe.db.rollback()
		rows = frappe.get_all(
			"KPI Result",
			filters={"scorecard": scorecard},
			fields=["name", "node_type", "actual", "achievement", "score"],
			order_by="node_type",
		)
		# one run's rows (one name prefix per run), as a single run writes them: 80 of a
		# target of 100, higher is better, 80 %, score 80, for the KPI and the scorecard
		self.assertEqual(len({row.name[:6] for row in rows}), 1, rows)
		self.assertEqual(
			[(row.node_type, row.actual, row.achievement, row.score) for row in rows],
			[("KPI", 80, 80, 80), ("Scorecard", 0, 0, 80)],
		)
		self.assertIsNone(recompute_service.recompute_status(scorecard))
		self.assertIsNone(recompute_service.recompute_status(other))

	# -- the recompute of saved tasks, flushed by the commit ---------------------------------

	def test_task_saves_are_recomputed_once_after_the_commit(self):
		for n, status in ((1, "Completed"), (2, "Open")):
			self.make(
				"Task",
				{
					"subject": f"{TOKEN} task {n}",
					"company": self.company,
					"status": status,
					"completed_on": f"{TASK_YEAR}-02-27" if status == "Completed" else None,
					"exp_start_date": f"{TASK_YEAR}-03-01",
					"exp_end_date": f"{TASK_YEAR}-03-01",
					"kpi_scorecard": self.task_scorecard,
					"kpi": DONE,
				},
				name=f"{TOKEN}-T{n}",
			)
		self.assertEqual(frappe.local.flags.kpibsc_task_scorecards, {self.task_scorecard})
		job_id = recompute_service.recompute_job_id([self.task_scorecard])
		jobs = self.run_jobs(job_id, queue="default")  # the commit flushes the pending set
		self.assertEqual(jobs[job_id].get_status(), "finished", job_error(jobs[job_id]))
		self.assertIsNone(frappe.local.flags.kpibsc_task_scorecards)
		# one of two tasks completed: 50 % of a 100 % target, score 50
		done = self.result(self.task_scorecard, DONE, TASK_YEAR)
		self.assertEqual((done.actual, done.achievement, done.score), (50, 50, 50))

	# -- the cascade -------------------------------------------------------------------------

	def test_large_cascade_runs_in_a_worker_and_a_failed_one_writes_nothing(self):
		first, second = self.employees
		with patch.object(cascade_service, "BACKGROUND_THRESHOLD", 0):
			summary = cascade_service.cascade_scorecard(self.scorecard, "Employee", units=[first])
		self.assertTrue(summary["queued"])
		job_id = f"kpibsc-cascade-{self.scorecard}"
		jobs = self.run_jobs(job_id, queue="long")
		self.assertEqual(jobs[job_id].get_status(), "finished", job_error(jobs[job_id]))
		children = frappe.get_all(
			"KPI Scorecard", filters={"parent_scorecard": self.scorecard}, fields=["name", "employee"]
		)
		self.assertEqual([child.employee for child in children], [first])
		child = frappe.get_doc("KPI Scorecard", children[0].name)
		self.assertEqual([(item.kpi, item.target) for item in child.items], [(SALES, 100)])

		# closed before the job ran: the job plans again, refuses, and writes nothing
		with patch.object(cascade_service, "BACKGROUND_THRESHOLD", 0):
			cascade_service.cascade_scorecard(self.scorecard, "Employee", units=[second])
		frappe.db.set_value("KPI Scorecard", self.scorecard, "status", "Closed")
		try:
			jobs = self.run_jobs(job_id, queue="long")
		finally:
			frappe.db.set_value("KPI Scorecard", self.scorecard, "status", "Open")
			commit()
		self.assertEqual(jobs[job_id].get_status(), "failed")
		self.assertFalse(frappe.db.exists("KPI Scorecard", {"employee": second}))
		logs = self.error_logs("kpibsc.kpibsc.services.cascade.run_cascade_job")
		self.assertTrue(any("closed" in log.error for log in logs), logs)

	# -- a review cycle ----------------------------------------------------------------------

	def test_large_review_cycle_is_created_in_a_worker(self):
		cycle = self.make(
			"Performance Review Cycle",
			{
				"cycle_name": f"{TOKEN} cycle",
				"company": self.company,
				"period_type": "Year",
				"from_date": f"{YEAR}-01-01",
				"to_date": f"{YEAR}-12-31",
				"designation": TOKEN,
				"review_mode": "Competencies Only",
			},
		)
		with patch.object(reviews_service, "BACKGROUND_THRESHOLD", 0):
			self.assertEqual(
				frappe.get_doc("Performance Review Cycle", cycle).create_reviews(),
				{"queued": True, "employees": 2},
			)
		job_id = f"kpibsc-review-cycle-{cycle}"
		jobs = self.run_jobs(job_id, queue="long")
		self.assertEqual(jobs[job_id].get_status(), "finished", job_error(jobs[job_id]))
		reviews = frappe.get_all("Performance Review", filters={"review_cycle": cycle}, pluck="employee")
		self.assertEqual(sorted(reviews), sorted(self.employees))
		self.assertFalse(frappe.db.get_value("Performance Review Cycle", cycle, "error_message"))

	def test_a_review_cycle_that_fails_in_a_worker_writes_nothing_and_says_why(self):
		"""The second employee's review cannot be made: a review imported earlier holds the
		name the series gives it next. The job writes no review at all (not the first
		employee's either) and does not advance the series; the cycle shows why and the
		Error Log, found from the cycle, has the details."""
		first = self.employees[0]
		cycle = self.make(
			"Performance Review Cycle",
			{
				"cycle_name": f"{TOKEN} failing cycle",
				"company": self.company,
				"period_type": "Year",
				"from_date": f"{YEAR + 1}-01-01",
				"to_date": f"{YEAR + 1}-12-31",
				"designation": TOKEN,
				"review_mode": "Competencies Only",
			},
		)
		# the worker names reviews by its own clock, the real one (the database's), which an
		# injected "today" (KPIBSC_TODAY) may not share: block the name for either year
		years = {getdate().year, frappe.db.sql("select year(now())")[0][0]}
		counters = {f"PRV-{year}-": series_current(f"PRV-{year}-") for year in years}
		blockers = [f"{prefix}{current + 2:05d}" for prefix, current in counters.items()]
		# gone before the next test, whose reviews would otherwise meet them
		self.addCleanup(step, lambda: delete_rows("Performance Review", blockers))
		for name in blockers:
			insert_rows(
				"Performance Review",
				[
					{
						"name": name,
						"naming_series": "PRV-.YYYY.-",
						"employee": first,
						"company": self.company,
						"from_date": f"{YEAR - 1}-01-01",
						"to_date": f"{YEAR - 1}-12-31",
						"review_mode": "Competencies Only",
						"workflow_state": "Self Assessment",
						"docstatus": 0,
					}
				],
			)
		with patch.object(reviews_service, "BACKGROUND_THRESHOLD", 0):
			frappe.get_doc("Performance Review Cycle", cycle).create_reviews()
		job_id = f"kpibsc-review-cycle-{cycle}"
		jobs = self.run_jobs(job_id, queue="long")
		# the job handles its failure itself and ends normally, so what it records is committed
		self.assertEqual(jobs[job_id].get_status(), "finished", job_error(jobs[job_id]))
		self.assertEqual(frappe.get_all("Performance Review", filters={"review_cycle": cycle}), [])
		for prefix, current in counters.items():
			self.assertEqual(series_current(prefix), current)
		stored = frappe.db.get_value(
			"Performance Review Cycle",
			cycle,
			["status", "total_reviews", "error_message"],
			as_dict=True,
		)
		self.assertEqual(
			stored,
			{
				"status": "Draft",
				"total_reviews": 0,
				"error_message": "Creating reviews failed; nothing was created. The Error Log has the details.",
			},
		)
		logs = frappe.get_all(
			"Error Log",
			filters={
				"reference_doctype": "Performance Review Cycle",
				"reference_name": cycle,
				"creation": (">=", self.started),
			},
			fields=["method", "error"],
		)
		self.assertEqual([log.method for log in logs], [f"Creating the reviews of {cycle} failed"])
		self.assertIn("Duplicate entry", logs[0].error)

	# -- a pay run ---------------------------------------------------------------------------

	def make_pay_setup(self):
		"""A salary structure assigned to both employees and a policy: P1 by designation
		(7,000,000), P2 = 2,000,000 x 1.0; no reviews, and the policy pays no P3 then. Made
		once for the tests that pay."""
		basic = f"{TOKEN} Basic"
		if frappe.db.exists("Salary Component", basic):
			return
		self.make(
			"Salary Component", {"salary_component": basic, "salary_component_abbr": TOKEN, "type": "Earning"}
		)
		structure = frappe.get_doc(
			{
				"doctype": "Salary Structure",
				"__newname": TOKEN,
				"name": TOKEN,
				"company": self.company,
				"payroll_frequency": "Monthly",
				"currency": self.currency,
				"earnings": [
					{
						"salary_component": basic,
						"abbr": TOKEN,
						"amount_based_on_formula": 1,
						"formula": "base",
					}
				],
			}
		).insert(ignore_permissions=True, set_name=TOKEN)
		structure.submit()
		for employee in self.employees:
			self.make(
				"Salary Structure Assignment",
				{
					"employee": employee,
					"salary_structure": structure.name,
					"company": self.company,
					"currency": self.currency,
					"from_date": f"{PAY_YEAR}-01-01",
					"base": 5_000_000,
					"payroll_payable_account": payable_account(self.company),
				},
				name=f"{employee}-SSA",
				submit=True,
			)
		self.make(
			"KPI Pay Policy",
			{
				"policy_name": f"{TOKEN} policy",
				"company": self.company,
				"effective_from": f"{PAY_YEAR}-01-01",
				"p1_method": "Fixed Amount",
				"position_rates": [{"designation": TOKEN, "amount": 7_000_000}],
				"p2_base": 2_000_000,
				"person_factors": [{"factor": "Seniority Years", "threshold": 0, "coefficient": 1.0}],
				"p3_mode": "Band Coefficient",
				"p3_basis": "Performance Review",
				"p3_base": 3_000_000,
				"missing_performance": "Zero P3",
			},
		)

	def pay_run(self, month: int) -> str:
		run = frappe.get_doc(
			{
				"doctype": "KPI Pay Run",
				"company": self.company,
				"from_date": f"{PAY_YEAR}-{month:02d}-01",
				"to_date": f"{PAY_YEAR}-{month:02d}-28",
				"employees": [{"employee": employee} for employee in self.employees],
			}
		).insert(ignore_permissions=True, set_name=f"{TOKEN}-PAY{month}")
		with patch.object(pay_service, "BACKGROUND_THRESHOLD", 0):
			run.submit()
		return run.name

	def additional_salaries(self, run: str) -> list:
		return frappe.get_all(
			"Additional Salary",
			filters={"ref_doctype": "KPI Pay Run", "ref_docname": run, "docstatus": 1},
			fields=["employee", "amount"],
			order_by="employee, amount",
		)

	def test_large_pay_run_pays_in_a_worker_and_never_half_pays_anyone(self):
		self.make_pay_setup()
		run = self.pay_run(2)
		self.assertEqual(frappe.db.get_value("KPI Pay Run", run, "status"), "Queued")
		self.assertEqual(self.additional_salaries(run), [])  # none until the worker runs
		jobs = self.run_jobs(f"kpibsc-pay-run-{run}", queue="long")
		self.assertEqual(
			jobs[f"kpibsc-pay-run-{run}"].get_status(), "finished", job_error(jobs[f"kpibsc-pay-run-{run}"])
		)
		self.assertEqual(frappe.db.get_value("KPI Pay Run", run, "status"), "Submitted")
		# P2 2,000,000 and P1 7,000,000 each; no review, so no P3
		first, second = self.employees
		self.assertEqual(
			[(row.employee, row.amount) for row in self.additional_salaries(run)],
			[(first, 2_000_000), (first, 7_000_000), (second, 2_000_000), (second, 7_000_000)],
		)

		# the second employee is made inactive before the job runs: HRMS refuses their
		# Additional Salaries; the first employee is paid in full, the second not at all (never
		# half), the run is Failed naming them, and the Error Log says why
		run = self.pay_run(3)
		frappe.db.set_value("Employee", second, "status", "Inactive")
		try:
			self.run_jobs(f"kpibsc-pay-run-{run}", queue="long")
		finally:
			frappe.db.set_value("Employee", second, "status", "Active")
			commit()
		self.assertEqual(
			[(row.employee, row.amount) for row in self.additional_salaries(run)],
			[(first, 2_000_000), (first, 7_000_000)],
		)
		status, message = frappe.db.get_value("KPI Pay Run", run, ["status", "error_message"])
		self.assertEqual(status, "Failed")
		self.assertIn(second, message)
		logs = frappe.get_all(
			"Error Log",
			filters={"method": f"KPI pay run {run} failed", "creation": (">=", self.started)},
			pluck="error",
		)
		self.assertTrue(any(second in error for error in logs), logs)

	def test_pay_run_whose_worker_is_killed_half_way_pays_nobody_and_is_retried(self):
		# the second employee's P2 is a draft of the run (submitted, not duplicated, by the
		# job, through HRMS's document): the job makes the first employee's in bulk and the
		# second's P1, then waits for the draft's row, which the test holds — and is killed there
		self.make_pay_setup()
		first, second = self.employees
		run = self.pay_run(4)
		run_doc = frappe.get_doc("KPI Pay Run", run)
		p2 = pay_service.components()["p2"]
		draft = frappe.get_doc(
			{
				"doctype": "Additional Salary",
				**pay_service.additional_salary_fields(
					run_doc, second, p2, 2_000_000, pay_service.payroll_dates(run_doc, [second])[second]
				),
			}
		).insert(ignore_permissions=True)
		job_id = run_doc.job_id()
		commit()
		self.job_ids.append(job_id)

		holder = frappe.db.create_connection()
		worker = None
		try:
			cursor = holder.cursor()
			cursor.execute("set session transaction isolation level read uncommitted")
			cursor.execute(
				"select name from `tabAdditional Salary` where name = %s for update", (draft.name,)
			)
			worker = WorkerProcess([job_id])

			def written() -> int:  # rows of the run the job has written, committed or not
				cursor.execute(
					"select count(*) from `tabAdditional Salary` where ref_docname = %s and docstatus = 1",
					(run,),
				)
				return cursor.fetchone()[0]

			deadline = time.monotonic() + 180
			while written() < 3:  # the first employee's P1 and P2, the second's P1
				self.assertLess(time.monotonic(), deadline, "the job did not reach the draft")
				time.sleep(0.2)
			horse = worker.horse_pid()
			self.assertTrue(horse)
			os.kill(horse, signal.SIGKILL)
			holder.rollback()  # the dead connection's statement ends, and its transaction with it
			while written():
				self.assertLess(time.monotonic(), deadline, "the killed job's rows stayed")
				time.sleep(0.2)
			jobs = worker.wait()
		finally:
			holder.close()
			if worker:
				worker.close()
		self.assertEqual(jobs[job_id].get_status(), "failed")

		frappe.db.rollback()
		# none of its Additional Salaries: not the first employee's either; the draft is a draft
		self.assertEqual(self.additional_salaries(run), [])
		self.assertEqual(frappe.db.get_value("Additional Salary", draft.name, "docstatus"), 0)
		# the run still says Queued, its job is gone and the form says it stopped; Retry resumes
		# it: everyone is paid once, the second employee's P2 by submitting the draft
		self.assertEqual(frappe.db.get_value("KPI Pay Run", run, "status"), "Queued")
		stopped = frappe.get_doc("KPI Pay Run", run)
		stopped.run_method("onload")  # what the form is told
		self.assertTrue(stopped.get_onload().get("job_stopped"))
		self.assertEqual(frappe.get_doc("KPI Pay Run", run).retry(), {"created": 4, "failed": 0})
		commit()
		self.assertEqual(frappe.db.get_value("KPI Pay Run", run, "status"), "Submitted")
		self.assertEqual(
			[(row.employee, row.amount) for row in self.additional_salaries(run)],
			[(first, 2_000_000), (first, 7_000_000), (second, 2_000_000), (second, 7_000_000)],
		)
		self.assertEqual(frappe.db.get_value("Additional Salary", draft.name, "docstatus"), 1)

	# -- clean-up ----------------------------------------------------------------------------

	@classmethod
	def clean_up(cls):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		delete_everything(TOKEN, cls.job_ids)


def committed_company() -> str:
	"""A company the site has committed and whose pay kpibsc does not run: HRMS's "_Test
	Company" on a test site (its before_tests makes it), else the default company or the
	oldest other one without a KPI Pay Policy (beside the demo, whose company has its own
	policy for this year, the company the wizard made)."""
	if frappe.db.exists("Company", "_Test Company"):
		return "_Test Company"
	paid = set(frappe.get_all("KPI Pay Policy", pluck="company", distinct=True))
	default = frappe.defaults.get_global_default("company")
	candidates = [default, *frappe.get_all("Company", pluck="name", order_by="creation")]
	company = next((name for name in candidates if name and name not in paid), None)
	if not company:
		raise AssertionError("test_jobs needs a company without a KPI Pay Policy; every company has one")
	return company


def series_current(prefix: str) -> int:
	"""The last number a naming series gave (0 before its first)."""
	series = frappe.qb.DocType("Series")
	rows = frappe.qb.from_(series).select(series.current).where(series.name == prefix).run()
	return int(rows[0][0]) if rows else 0


def payable_account(company: str) -> str:
	return frappe.get_cached_value(
		"Company", company, "default_payroll_payable_account"
	) or frappe.db.get_value("Account", {"company": company, "account_type": "Payable", "is_group": 0})


def waiting_for(connection, scorecard: str) -> int:
	"""How many other connections of the site are running a locking read of the scorecard's row
	(waiting for it: the caller holds it)."""
	cursor = connection.cursor()
	cursor.execute(
		"""select count(*) from information_schema.processlist
		where id != connection_id() and info like %s and info like %s""",
		("%for update%", f"%{scorecard}%"),
	)
	return cursor.fetchone()[0]


def stale_tokens() -> set[str]:
	"""Tokens of runs that started over an hour ago and left rows behind (a killed process);
	younger ones may be another engineer's run in progress."""
	kpis = frappe.get_all(
		"KPI",
		filters={"name": ("like", "KPIJ%"), "creation": ("<", add_to_date(now_datetime(), hours=-1))},
		pluck="name",
	)
	return {name.split("-")[0] for name in kpis}


def commit():
	"""This module's one way to commit: the worker sees only committed rows (module docstring)."""
	frappe.db.commit()  # nosemgrep


def delete_everything(token: str, job_ids: list[str] = ()):
	"""Delete what a run of this module (`token`) made and what its jobs made, then check that
	nothing is left. Rows are found by plain reads and deleted by name, one committed step at a
	time, retried on a deadlock: other tests may hold locks on the same tables meanwhile."""
	like = f"{token}%"
	scorecards = frappe.get_all(
		"KPI Scorecard",
		or_filters={"name": ("like", like), "parent_scorecard": ("like", like)},
		pluck="name",
	)
	employees = frappe.get_all("Employee", filters={"name": ("like", like)}, pluck="name")
	rows = [
		("KPI Result", {"scorecard": ("in", scorecards)}),
		("KPI Measurement", {"scorecard": ("in", scorecards)}),
		("Task", {"name": ("like", like)}),
		("Performance Review", {"employee": ("in", employees)}),
		("Performance Review Cycle", {"name": ("like", like)}),
		("Additional Salary", {"employee": ("in", employees)}),
		("KPI Pay Run", {"name": ("like", like)}),
		("KPI Pay Policy", {"name": ("like", like)}),
		("Salary Structure Assignment", {"employee": ("in", employees)}),
		("Salary Structure", {"name": token}),
		("Salary Component", {"name": ("like", like)}),
		("KPI Scorecard", {"name": ("in", scorecards)}),
		("KPI", {"name": ("like", like)}),
		("Employee", {"name": ("in", employees)}),
		("Designation", {"name": token}),
		("Holiday List", {"name": token}),
	]
	deleted = []
	for doctype, filters in rows:
		if any(value == ("in", []) for value in filters.values()):
			continue
		names = frappe.get_all(doctype, filters=filters, pluck="name")
		step(lambda doctype=doctype, names=names: delete_rows(doctype, names))
		deleted.extend((doctype, name) for name in names)
	for doctype, type_field, name_field in (
		("Version", "ref_doctype", "docname"),
		("Comment", "reference_doctype", "reference_name"),
		("ToDo", "reference_type", "reference_name"),
	):
		names = [
			name
			for reference_doctype in {doctype for doctype, _name in deleted}
			for name in frappe.get_all(
				doctype,
				filters={
					type_field: reference_doctype,
					name_field: ("in", [name for dt, name in deleted if dt == reference_doctype]),
				},
				pluck="name",
			)
		]
		step(lambda doctype=doctype, names=names: delete_rows(doctype, names))
	logs = frappe.get_all(
		"Error Log",
		or_filters={"error": ("like", f"%{token}%"), "method": ("like", f"%{token}%")},
		pluck="name",
	)
	step(lambda: delete_rows("Error Log", logs))
	delete_jobs(list(job_ids))
	delete_jobs_matching(token)  # and any a failed test queued without running it
	recompute_service.clear_marks(scorecards)
	left = {
		doctype: frappe.db.count(doctype, {field: ("like", f"%{token}%")})
		for doctype, field in (
			("KPI Scorecard", "name"),
			("KPI Scorecard", "parent_scorecard"),
			("KPI", "name"),
			("Employee", "name"),
			("Task", "name"),
			("KPI Result", "scorecard"),
			("Error Log", "error"),
		)
	}
	assert not any(left.values()), f"left behind: {left}"


def delete_rows(doctype: str, names: list[str]):
	if not names:
		return
	for child in frappe.get_meta(doctype).get_table_fields():
		frappe.db.delete(child.options, {"parenttype": doctype, "parent": ("in", names)})
	frappe.db.delete(doctype, {"name": ("in", names)})


def step(delete, attempts: int = 5):
	for attempt in range(attempts):
		try:
			delete()
			commit()
			return
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			frappe.db.rollback()
			if attempt == attempts - 1:
				raise
			time.sleep(attempt + 1)
