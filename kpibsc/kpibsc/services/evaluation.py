"""Evaluating KPIs again (the E and R of SMARTER): a KPI with a review frequency is due for
evaluation on its Next Evaluation date; a daily job puts it on its evaluation owner's to-do
list; the Evaluate button records a KPI Evaluation (keep, adjust or retire, with the reason and
the KPI's recent results beside it), which moves the date on and closes the to-do. The KPI
Evaluation Due report lists what is due and what nobody has reported for a while."""

import frappe
from frappe import _
from frappe.desk.form.assign_to import add as assign
from frappe.desk.form.assign_to import close_all_assignments
from frappe.query_builder import Case
from frappe.query_builder.functions import Avg, Count, Sum
from frappe.utils import format_date, getdate, nowdate

from kpibsc.engine.evaluation import next_evaluation
from kpibsc.kpibsc.services.reminders import languages

RECENT_PERIODS = 6
OUTCOMES = ("Keep", "Adjust", "Retire")


def recent_results(kpi: str, today=None, periods: int = RECENT_PERIODS) -> list[dict]:
	"""The KPI's last `periods` periods that have ended by `today`, across every scorecard
	that carries it, oldest first: scorecards, how many reported an actual, the average
	achievement of those that did, and how many were Green, Amber and Red."""
	result = frappe.qb.DocType("KPI Result")
	reported = Sum(result.has_actual)
	rows = (
		frappe.qb.from_(result)
		.select(
			result.period_start,
			Count(result.name).as_("scorecards"),
			reported.as_("reported"),
			Avg(Case().when(result.has_actual == 1, result.achievement)).as_("achievement"),
			*(
				Sum(Case().when(result.status == status, 1).else_(0)).as_(status.lower())
				for status in ("Green", "Amber", "Red")
			),
		)
		.where(
			(result.kpi == kpi)
			& (result.node_type == "KPI")
			& (result.period_end <= getdate(today or nowdate()))
		)
		.groupby(result.period_start)
		.orderby(result.period_start, order=frappe.qb.desc)
		.limit(periods)
		.run(as_dict=True)
	)
	return rows[::-1]


def summary_text(rows: list[dict]) -> str:
	"""The recent results as the evaluation records them, one line per period."""
	if not rows:
		return _("No results yet: the KPI is on no scorecard, or none of its periods has ended.")
	return "\n".join(
		_("{0}: {1} scorecards, {2} reported, average achievement {3}; Green {4}, Amber {5}, Red {6}").format(
			format_date(row.period_start),
			row.scorecards,
			int(row.reported or 0),
			frappe.format_value(row.achievement, {"fieldtype": "Percent"})
			if row.achievement is not None
			else "-",
			int(row.green or 0),
			int(row.amber or 0),
			int(row.red or 0),
		)
		for row in rows
	)


@frappe.whitelist()
def evaluation_context(kpi: str) -> dict:
	"""What the Evaluate dialog shows beside the choice: the KPI's recent results."""
	frappe.has_permission("KPI Evaluation", "create", throw=True)
	frappe.has_permission("KPI", "read", doc=kpi, throw=True)
	stored = frappe.db.get_value(
		"KPI", kpi, ["review_frequency", "next_evaluation", "last_evaluated"], as_dict=True
	)
	return {**stored, "results": recent_results(kpi)}


@frappe.whitelist(methods=["POST"])
def evaluate(kpi: str, outcome: str, reason: str) -> dict:
	"""Record an evaluation of `kpi` today, for those who may make a KPI Evaluation."""
	frappe.has_permission("KPI Evaluation", "create", throw=True)
	frappe.has_permission("KPI", "read", doc=kpi, throw=True)
	evaluation = frappe.get_doc(
		{"doctype": "KPI Evaluation", "kpi": kpi, "outcome": outcome, "reason": reason}
	).insert()
	return {"name": evaluation.name, "next_evaluation": evaluation.next_evaluation}


def prepare(evaluation):
	"""Before a KPI Evaluation is saved: who, when next, and what the results were."""
	if evaluation.outcome not in OUTCOMES:
		frappe.throw(_("Choose what the evaluation decided: Keep, Adjust or Retire."))
	if not (evaluation.reason or "").strip():
		frappe.throw(_("Say why: an evaluation records its reason."), frappe.MandatoryError)
	evaluated_on = getdate(evaluation.evaluated_on or nowdate())
	if evaluated_on > getdate(nowdate()):
		frappe.throw(_("An evaluation cannot be dated in the future."))
	frequency = frappe.db.get_value("KPI", evaluation.kpi, "review_frequency")
	evaluation.evaluated_by = frappe.session.user
	evaluation.next_evaluation = (
		None if evaluation.outcome == "Retire" else next_evaluation(evaluated_on, frequency)
	)
	evaluation.recent_results = summary_text(recent_results(evaluation.kpi, evaluated_on))


def apply_outcome(evaluation):
	"""After it is saved: the KPI carries the outcome and its next date (a retired KPI is
	disabled, so no new scorecard takes it), and the evaluation to-do is done."""
	values = {
		"last_evaluated": evaluation.evaluated_on,
		"last_evaluation_outcome": evaluation.outcome,
		"next_evaluation": evaluation.next_evaluation,
	}
	if evaluation.outcome == "Retire":
		values["disabled"] = 1
	frappe.db.set_value("KPI", evaluation.kpi, values)
	close_all_assignments("KPI", evaluation.kpi, ignore_permissions=True)


def remind_due_evaluations(today=None) -> int:
	"""Scheduler (daily): each enabled KPI whose Next Evaluation has come goes on its evaluation
	owner's to-do list (whoever created the KPI when no owner is set), once: not again while
	that to-do is open. Returns how many to-dos were made."""
	today = getdate(today or nowdate())
	kpi = frappe.qb.DocType("KPI")
	todo = frappe.qb.DocType("ToDo")
	open_todos = (
		frappe.qb.from_(todo)
		.select(todo.reference_name)
		.where((todo.reference_type == "KPI") & (todo.status == "Open"))
	)
	due = (
		frappe.qb.from_(kpi)
		.select(kpi.name, kpi.kpi_name, kpi.next_evaluation, kpi.evaluation_owner, kpi.owner)
		.where((kpi.disabled == 0) & (kpi.next_evaluation <= today) & kpi.name.notin(open_todos))
		.run(as_dict=True)
	)
	owners = {row.name: row.evaluation_owner or row.owner for row in due}
	enabled = set(
		frappe.get_all(
			"User", filters={"name": ("in", list(owners.values()) or [""]), "enabled": 1}, pluck="name"
		)
	)
	language = languages(list(enabled))
	made = 0
	for row in due:
		owner = owners[row.name]
		if owner not in enabled or owner == "Guest":
			continue
		assign(
			{
				"assign_to": [owner],
				"doctype": "KPI",
				"name": row.name,
				"date": row.next_evaluation,
				"description": _(
					"Evaluate KPI {0}: keep, adjust or retire it, looking at its recent results.",
					lang=language.get(owner),
				).format(f"{row.name} {row.kpi_name or ''}".strip()),
			},
			ignore_permissions=True,
		)
		made += 1
	return made
