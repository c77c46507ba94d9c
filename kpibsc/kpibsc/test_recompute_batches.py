"""A large recompute split into batch jobs: which jobs, what each writes, and that together
they store what one recompute stores. The jobs run inline here (`InlineJobs`); two real
workers on the same scorecard are in `kpibsc/tests/test_jobs.py`."""

from unittest.mock import patch

import frappe

from kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard import cascade
from kpibsc.kpibsc.services import recompute as recompute_service
from kpibsc.tests.factories import (
	YEAR,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)


class TestRecomputeBatches(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("RB-REV", aggregation="Sum")
		cls.department = make_department("KPI Batch North")
		cls.staff = [
			make_kpi_employee(f"kpi.batch.n{number}@example.com", cls.department) for number in range(3)
		]

	def setUp(self):
		super().setUp()
		# the department's revenue is its people's, summed (Contributes), 400 a year
		self.parent = scorecard_doc(
			[{"kpi": "RB-REV", "weight": 100, "target": 400, "cascade_mode": "Contributes"}],
			scorecard_for="Department",
			department=self.department,
		).insert()
		cascade(self.parent.name, "Employee", units=self.staff)
		self.children = sorted(
			frappe.get_all("KPI Scorecard", filters={"parent_scorecard": self.parent.name}, pluck="name")
		)
		for scorecard, actual in zip(self.children, (10, 20, 30), strict=True):
			measurement = frappe.get_doc(
				{"doctype": "KPI Measurement", "scorecard": scorecard, "period_start": f"{YEAR}-01-01"}
			)
			measurement.fill_items()
			measurement.items[0].actual = str(actual)
			measurement.insert()
			measurement.submit()

	def stored(self) -> list[tuple]:
		table = frappe.qb.DocType("KPI Result")
		return (
			frappe.qb.from_(table)
			.select(
				table.scorecard,
				table.node_type,
				table.kpi,
				table.period_start,
				table.target,
				table.actual,
				table.achievement,
				table.score,
				table.status,
				table.ytd_actual,
				table.ytd_score,
			)
			.where(table.scorecard.isin([self.parent.name, *self.children]))
			.orderby(table.scorecard, table.node_type, table.period_start)
			.run()
		)

	def test_more_than_a_batch_is_one_long_job_per_batch_ancestors_last(self):
		frappe.db.delete("KPI Result", {"scorecard": ("in", [self.parent.name, *self.children])})
		queued = len(self.jobs.jobs)
		with patch.object(recompute_service, "BATCH_SIZE", 2):
			recompute_service.enqueue_recompute(self.children)
		jobs = self.jobs.jobs[queued:]
		# three employees and their department: every scorecard in exactly one batch, the
		# employees (deeper) first, the department with the last one; never with ancestors
		first, second = self.children[:2], [self.children[2], self.parent.name]
		self.assertEqual([job.kwargs["scorecards"] for job in jobs], [first, second])
		self.assertEqual([job.kwargs["batch"] for job in jobs], ["1/2", "2/2"])
		self.assertEqual({job.kwargs["with_ancestors"] for job in jobs}, {False})
		self.assertEqual({job.queue for job in jobs}, {"long"})
		self.assertEqual(
			[job.job_id for job in jobs],
			[
				recompute_service.recompute_job_id(batch, prefix="kpibsc-recompute-batch")
				for batch in (first, second)
			],
		)
		self.assertEqual({job.deduplicate for job in jobs}, {True})

		# the department's January actual is its people's, summed: 10 + 20 + 30
		january = frappe.db.get_value(
			"KPI Result",
			{
				"scorecard": self.parent.name,
				"node_type": "KPI",
				"period_start": f"{YEAR}-01-01",
			},
			"actual",
		)
		self.assertEqual(january, 60)
		batched = self.stored()
		self.assertEqual({row[0] for row in batched}, {self.parent.name, *self.children})

		# what one recompute of the same scorecards stores
		recompute_service.recompute(self.children)
		self.assertEqual(self.stored(), batched)
		for scorecard in (self.parent.name, *self.children):
			self.assertIsNone(recompute_service.recompute_status(scorecard))

	def test_up_to_a_batch_is_one_job_with_the_ancestors(self):
		queued = len(self.jobs.jobs)
		with patch.object(recompute_service, "BATCH_SIZE", 3):
			recompute_service.enqueue_recompute(self.children)
		jobs = self.jobs.jobs[queued:]
		self.assertEqual([job.kwargs["scorecards"] for job in jobs], [self.children])
		self.assertNotIn("batch", jobs[0].kwargs)
		self.assertEqual(jobs[0].job_id, recompute_service.recompute_job_id(self.children))

	def test_the_site_config_sets_the_batch_size(self):
		with patch.dict(frappe.local.conf, {"kpibsc_recompute_batch_size": 2}):
			self.assertEqual(recompute_service.batch_size(), 2)
		with patch.dict(frappe.local.conf, {"kpibsc_recompute_batch_size": 0}):
			self.assertEqual(recompute_service.batch_size(), recompute_service.BATCH_SIZE)
