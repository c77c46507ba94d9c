"""The Balanced Scorecard for periods nothing was scored for yet, and what it says while a
recompute is queued or after one failed."""

from unittest.mock import patch

from rq.job import Job, JobStatus

import frappe
from frappe.utils.background_jobs import create_job_id, get_redis_conn

from kpibsc.kpibsc.report.balanced_scorecard.balanced_scorecard import execute
from kpibsc.kpibsc.services import recompute as recompute_service
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	make_strategy,
	scorecard_doc,
)


class TestBalancedScorecard(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("BS-REV", aggregation="Sum")
		make_kpi("BS-OTD", aggregation="Average")
		department = make_department("KPI Report Desk")
		employee = make_kpi_employee("kpi.report.seller@example.com", department)
		strategy = make_strategy("_Test Report Strategy", company=TEST_COMPANY)
		objective = frappe.db.get_value(
			"Strategic Objective", {"objective_name": "Report growth", "strategy": strategy}
		) or (
			frappe.get_doc(
				{
					"doctype": "Strategic Objective",
					"objective_name": "Report growth",
					"strategy": strategy,
					"perspective": "Financial",
					"level": "Company",
				}
			)
			.insert()
			.name
		)
		cls.scorecard = scorecard_doc(
			[
				{"kpi": "BS-REV", "weight": 60, "target": 1200, "objective": objective},
				{"kpi": "BS-OTD", "weight": 40, "target": 95, "perspective": "Customer"},
			],
			scorecard_for="Employee",
			employee=employee,
		).insert()

	def tearDown(self):
		recompute_service.clear_marks([self.scorecard.name])
		super().tearDown()

	def measurement(self, period: str, **actuals):
		doc = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": self.scorecard.name, "period_start": period}
		)
		doc.fill_items()
		for row in doc.items:
			row.actual = actuals.get(row.kpi)
		return doc.insert()

	def test_a_period_with_no_scores_yet(self):
		self.measurement("2025-01-01", **{"BS-REV": "100", "BS-OTD": "90"}).submit()
		self.measurement("2025-02-01", **{"BS-REV": "50"})  # a draft: View → Balanced Scorecard
		for view in ("Period", "Year to Date"):
			columns, rows, message, chart, summary = execute(
				{"scorecard": self.scorecard.name, "period_start": "2025-02-01", "view": view}
			)
			self.assertTrue(columns)
			revenue = next(row for row in rows if row.get("kpi") == "BS-REV")
			self.assertIsNone(message)
			self.assertEqual(summary[3]["label"], "Period")
			if view == "Period":
				self.assertEqual((revenue["target"], revenue["status"]), (100, "No Data"))
				self.assertIsNone(chart)  # no perspective has a score in February
				self.assertEqual(summary[0]["value"], "No Data")
			else:  # January's figures carry the year to date
				self.assertEqual(revenue["actual"], 100)
				self.assertEqual(chart["data"]["labels"], ["Financial", "Customer"])

	def test_a_scorecard_never_scored(self):
		self.measurement("2025-01-01", **{"BS-REV": "100"})
		recompute_service.recompute([self.scorecard.name])  # results, all of them No Data
		_columns, rows, _message, chart, summary = execute(
			{"scorecard": self.scorecard.name, "period_start": "2025-01-01"}
		)
		# the KPIs show under their perspective and objective, none of which has a score
		self.assertEqual([row["indent"] for row in rows], [0, 1, 2, 3, 1, 2])
		self.assertEqual({row["status"] for row in rows}, {"No Data"})
		self.assertIsNone(chart)
		self.assertEqual(summary[1]["value"], "0 / 2")

	def test_says_when_scores_are_updating_or_failed(self):
		self.measurement("2025-01-01", **{"BS-REV": "100", "BS-OTD": "90"}).submit()
		filters = {"scorecard": self.scorecard.name}
		job_id = recompute_service.recompute_job_id([self.scorecard.name])
		recompute_service.mark_queued([self.scorecard.name], job_id)
		fake_job = frappe._dict(get_status=lambda: "queued")
		with patch.object(recompute_service, "get_job", return_value=fake_job):
			_columns, _rows, message, *_rest = execute(filters)
			self.assertIn("queued at", message)
			self.assertEqual(recompute_service.get_recompute_status(self.scorecard.name)["state"], "queued")
		# the job is gone without clearing its mark (its transaction rolled back): not updating
		with patch.object(recompute_service, "get_job", return_value=None):
			self.assertIsNone(recompute_service.recompute_status(self.scorecard.name))

		# a job that fails leaves its reason for the forms and the report, past the rollback
		with patch.object(recompute_service, "score", side_effect=ValueError("bad data")):
			self.assertRaises(ValueError, recompute_service.run_recompute_job, [self.scorecard.name])
		status = recompute_service.recompute_status(self.scorecard.name)
		self.assertEqual(status["state"], "failed")
		self.assertIn("bad data", status["message"])
		_columns, rows, message, *_rest = execute(filters)
		self.assertIn("bad data", message)
		self.assertTrue(rows)  # the scores from before are still shown
		# a recompute that works clears it
		recompute_service.recompute([self.scorecard.name])
		self.assertIsNone(recompute_service.recompute_status(self.scorecard.name))

	def test_a_change_while_its_recompute_runs_is_recomputed_again(self):
		"""Frappe drops a job whose id is queued or running (`deduplicate`). A running recompute
		may have read its data before this approval, so the approval's recompute takes the
		set's next id and runs after it; one still queued (not started) takes the change along."""
		base = recompute_service.recompute_job_id([self.scorecard.name])
		connection = get_redis_conn()
		running = []
		try:
			for job_id in (base, f"{base}-1"):
				job = Job.create(func="builtins.print", id=create_job_id(job_id), connection=connection)
				job.save()
				job.set_status(JobStatus.STARTED)
				running.append(job)
				self.jobs.jobs.clear()
				self.measurement(
					"2025-01-01" if job_id == base else "2025-02-01", **{"BS-REV": "100"}
				).submit()
				queued = [job.job_id for job in self.jobs.jobs if job.method.endswith("run_recompute_job")]
				self.assertEqual(queued, [f"{base}-1" if job_id == base else f"{base}-2"])
			# the first is queued again, not started: the change goes with it (same id)
			running[0].set_status(JobStatus.QUEUED)
			self.assertEqual(recompute_service.recompute_job_id([self.scorecard.name]), base)
		finally:
			for job in running:
				job.delete()
