"""Evaluating KPIs again (#18, scheduled re-evaluation): the evaluation moves the next date on by
the review frequency and records who and what they saw; Retire disables the KPI; the daily job
puts due KPIs on their owner's to-do list once; the KPI Evaluation Due report lists due and
unreported KPIs; only those who may evaluate do, over the API too."""

import frappe
from frappe.utils import add_days, getdate, nowdate

from kpibsc.kpibsc.report.kpi_evaluation_due.kpi_evaluation_due import execute as evaluation_due
from kpibsc.kpibsc.services.evaluation import evaluate, remind_due_evaluations
from kpibsc.tests.factories import KPITestCase, make_kpi, user_with_roles
from kpibsc.tests.http import call

MANAGER = "kpi.eval.manager@example.com"
OWNER = "kpi.eval.owner@example.com"
EMPLOYEE = "kpi.eval.employee@example.com"
SCORECARD = "_Test KPI Eval Scorecard"


def result(kpi: str, period_start: str, period_end: str, has_actual: int, achievement=None, status="No Data"):
	"""A stored KPI Result as the recompute writes it (inserted directly: the report and the
	evaluation only read them)."""
	frappe.get_doc(
		{
			"doctype": "KPI Result",
			"name": frappe.generate_hash(length=12),
			"scorecard": SCORECARD,
			"node_type": "KPI",
			"kpi": kpi,
			"period_start": period_start,
			"period_end": period_end,
			"has_actual": has_actual,
			"achievement": achievement,
			"status": status,
		}
	).db_insert()


class TestKPIEvaluation(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		user_with_roles(MANAGER, "KPI Manager")
		user_with_roles(OWNER, "KPI User")
		user_with_roles(EMPLOYEE, "KPI User")

	def make_kpi(self, code: str, **values) -> str:
		return make_kpi(code, **values)

	def test_keep_moves_the_next_evaluation_on_and_records_what_was_seen(self):
		kpi = self.make_kpi("_T-EVAL-KEEP", review_frequency="Quarterly")
		# Q1 2026: January 2 scorecards reported 90% and 70% (avg 80%), February one of two did
		result(kpi, "2026-01-01", "2026-01-31", 1, 90, "Green")
		result(kpi, "2026-01-01", "2026-01-31", 1, 70, "Red")
		result(kpi, "2026-02-01", "2026-02-28", 1, 85, "Amber")
		result(kpi, "2026-02-01", "2026-02-28", 0)
		frappe.set_user(MANAGER)
		evaluation = frappe.get_doc(
			{
				"doctype": "KPI Evaluation",
				"kpi": kpi,
				"evaluated_on": "2026-03-31",
				"outcome": "Keep",
				"reason": "Still drives revenue",
				"evaluated_by": OWNER,  # the server says who
			}
		).insert()
		self.assertEqual(evaluation.evaluated_by, MANAGER)
		self.assertEqual(getdate(evaluation.next_evaluation), getdate("2026-06-30"))  # 31 Mar + 3 months
		lines = evaluation.recent_results.splitlines()
		self.assertEqual(len(lines), 2)
		self.assertIn("2 scorecards, 2 reported, average achievement 80", lines[0])
		self.assertIn("Green 1, Amber 0, Red 1", lines[0])
		self.assertIn("2 scorecards, 1 reported, average achievement 85", lines[1])
		stored = frappe.db.get_value(
			"KPI",
			kpi,
			["last_evaluated", "last_evaluation_outcome", "next_evaluation", "disabled"],
			as_dict=True,
		)
		self.assertEqual(
			(
				str(stored.last_evaluated),
				stored.last_evaluation_outcome,
				str(stored.next_evaluation),
				stored.disabled,
			),
			("2026-03-31", "Keep", "2026-06-30", 0),
		)
		# a record: it is not changed afterwards (no write permission, and not even by code that
		# skips permissions)
		evaluation.reason = "Rewritten"
		with self.assertRaises(frappe.PermissionError):
			evaluation.save()
		with self.assertRaisesRegex(frappe.ValidationError, "is a record"):
			evaluation.save(ignore_permissions=True)
		self.assertEqual(
			frappe.db.get_value("KPI Evaluation", evaluation.name, "reason"), "Still drives revenue"
		)

	def test_retire_disables_the_kpi_and_needs_a_reason(self):
		kpi = self.make_kpi("_T-EVAL-RETIRE", review_frequency="Monthly")
		frappe.set_user(MANAGER)
		with self.assertRaises(frappe.ValidationError):
			evaluate(kpi, "Retire", "   ")
		self.assertFalse(frappe.db.exists("KPI Evaluation", {"kpi": kpi}))
		self.assertEqual(frappe.db.get_value("KPI", kpi, "disabled"), 0)
		done = evaluate(kpi, "Retire", "Replaced by a margin KPI")
		self.assertIsNone(done["next_evaluation"])
		self.assertEqual(
			frappe.db.get_value("KPI", kpi, ["disabled", "last_evaluation_outcome", "next_evaluation"]),
			(1, "Retire", None),
		)

	def test_a_new_kpi_with_a_review_frequency_is_first_due_one_period_on(self):
		kpi = self.make_kpi("_T-EVAL-NEW", review_frequency="Yearly")
		today = getdate(nowdate())
		due = getdate(frappe.db.get_value("KPI", kpi, "next_evaluation"))
		self.assertEqual((due.year, due.month), (today.year + 1, today.month))
		# the client cannot set what only evaluations set
		doc = frappe.get_doc("KPI", kpi)
		doc.last_evaluation_outcome = "Keep"
		doc.save()
		self.assertIsNone(frappe.db.get_value("KPI", kpi, "last_evaluation_outcome"))

	def test_due_kpis_go_on_the_owners_todo_list_once_and_leave_it_when_evaluated(self):
		kpi = self.make_kpi("_T-EVAL-DUE", review_frequency="Monthly", evaluation_owner=OWNER)
		frappe.db.set_value("KPI", kpi, "next_evaluation", "2026-05-31")
		later = self.make_kpi("_T-EVAL-LATER", review_frequency="Monthly", evaluation_owner=OWNER)
		frappe.db.set_value("KPI", later, "next_evaluation", "2026-06-02")

		def todos(name):
			return frappe.get_all(
				"ToDo",
				filters={
					"reference_type": "KPI",
					"reference_name": name,
					"allocated_to": OWNER,
					"status": "Open",
				},
				pluck="description",
			)

		remind_due_evaluations(today="2026-06-01")
		self.assertEqual(len(todos(kpi)), 1)
		self.assertIn("Evaluate KPI _T-EVAL-DUE", todos(kpi)[0])
		self.assertEqual(todos(later), [])  # not due yet
		remind_due_evaluations(today="2026-06-01")  # the next day's run: still one
		self.assertEqual(len(todos(kpi)), 1)

		frappe.set_user(MANAGER)
		evaluate(kpi, "Adjust", "Target too easy")
		frappe.set_user("Administrator")
		self.assertEqual(todos(kpi), [])

	def test_report_lists_due_and_unreported_kpis(self):
		due = self.make_kpi("_T-EVAL-R-DUE", review_frequency="Monthly")
		frappe.db.set_value("KPI", due, "next_evaluation", "2026-05-20")
		silent = self.make_kpi("_T-EVAL-R-SILENT")
		# reported in March, then nothing in April, May, June
		for start, end, reported in (
			("2026-03-01", "2026-03-31", 1),
			("2026-04-01", "2026-04-30", 0),
			("2026-05-01", "2026-05-31", 0),
			("2026-06-01", "2026-06-30", 0),
			("2026-07-01", "2026-07-31", 0),  # not ended on 1 July: not counted
		):
			result(silent, start, end, reported, 100 if reported else None)
		fine = self.make_kpi("_T-EVAL-R-FINE")
		result(fine, "2026-06-01", "2026-06-30", 1, 100, "Green")

		frappe.set_user(MANAGER)
		_columns, rows = evaluation_due({"due_within_days": 0, "unreported_periods": 3}, today="2026-07-01")
		found = {row["kpi"]: row for row in rows if row["kpi"].startswith("_T-EVAL-R-")}
		self.assertEqual(set(found), {due, silent})
		self.assertEqual(found[due]["days_overdue"], 42)  # 20 May to 1 July
		self.assertEqual(found[due]["why"], "Evaluation overdue")
		self.assertEqual(
			(found[silent]["periods_unreported"], str(found[silent]["last_reported"])), (3, "2026-03-01")
		)
		self.assertEqual(found[silent]["why"], "Not reported for 3 periods")
		_columns, rows = evaluation_due({"due_within_days": 0, "unreported_periods": 4}, today="2026-07-01")
		self.assertNotIn(silent, {row["kpi"] for row in rows})

	def test_only_evaluators_evaluate_over_the_api(self):
		kpi = self.make_kpi("_T-EVAL-HTTP", review_frequency="Monthly")
		before = frappe.db.get_value("KPI", kpi, ["next_evaluation", "disabled"])
		for path, payload in (
			(
				"/api/method/kpibsc.kpibsc.services.evaluation.evaluate",
				{"kpi": kpi, "outcome": "Retire", "reason": "x"},
			),
			(
				"/api/resource/KPI Evaluation",
				{"kpi": kpi, "outcome": "Retire", "reason": "x", "evaluated_on": "2026-01-01"},
			),
		):
			reply = call(EMPLOYEE, "POST", path, payload)
			self.assertEqual(reply.status, 403, reply.text)
		reply = call(
			EMPLOYEE,
			"GET",
			"/api/method/kpibsc.kpibsc.services.evaluation.evaluation_context",
			query={"kpi": kpi},
		)
		self.assertEqual(reply.status, 403, reply.text)
		with self.assertRaises(frappe.PermissionError):
			frappe.set_user(EMPLOYEE)
			evaluation_due({})
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("KPI Evaluation", {"kpi": kpi}))
		self.assertEqual(frappe.db.get_value("KPI", kpi, ["next_evaluation", "disabled"]), before)
		# a KPI Manager may, and a GET does not write
		self.assertEqual(
			call(
				MANAGER,
				"GET",
				"/api/method/kpibsc.kpibsc.services.evaluation.evaluate",
				query={"kpi": kpi, "outcome": "Keep", "reason": "x"},
			).status,
			403,
		)
		reply = call(
			MANAGER,
			"POST",
			"/api/method/kpibsc.kpibsc.services.evaluation.evaluate",
			{"kpi": kpi, "outcome": "Keep", "reason": "Fine"},
		)
		self.assertEqual(reply.status, 200, reply.text)
		self.assertEqual(frappe.db.get_value("KPI Evaluation", {"kpi": kpi}, "evaluated_by"), MANAGER)
