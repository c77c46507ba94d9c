"""Re-evaluating a scorecard (the R of SMARTER, #18): like a KPI, a scorecard may carry a review
frequency. Its next review date is set from the frequency; when the date comes, a daily job
puts a to-do on the review owner's list (the owner named on the scorecard, else the head of
its department — the employee's for a person's scorecard — else whoever made it), once; *Mark
Reviewed* records the note, who and when, and moves the date on by the frequency. Changing
what the review finds goes through the scorecard's own paths (Revise Targets, a new KPI
version), which keep their own records."""

import frappe
from frappe import _
from frappe.desk.form.assign_to import add as assign
from frappe.utils import getdate, nowdate

from kpibsc.engine.evaluation import next_evaluation
from kpibsc.kpibsc.permissions import keep_stored_values
from kpibsc.kpibsc.services.reminders import languages, nearest_head_user

SERVER_FIELDS = ("last_reviewed", "last_review_note")


def prepare(doc):
	"""From KPIScorecard.validate: the review record is the server's; a frequency without a
	date gets its first date — a frequency after the later of today and the scorecard's start."""
	keep_stored_values(doc, SERVER_FIELDS)
	if doc.review_frequency and not doc.next_review:
		start = max(getdate(nowdate()), getdate(doc.from_date))
		doc.next_review = next_evaluation(start, doc.review_frequency)


def review_owners(doc) -> list[str]:
	"""Who reviews the scorecard: its named review owner, the head of its department (of the
	employee's department, walking up to the nearest that has a head), else its maker."""
	if doc.review_owner:
		return [doc.review_owner]
	department = doc.department
	if doc.scorecard_for == "Employee" and doc.employee:
		department = frappe.db.get_value("Employee", doc.employee, "department") or department
	head = nearest_head_user(department, not_employee=doc.employee)
	if head:
		return [head]
	return [doc.owner] if doc.owner and doc.owner != "Guest" else []


@frappe.whitelist(methods=["POST"])
def mark_reviewed(scorecard: str, note: str) -> dict:
	"""Record today's review of the stored scorecard, for whoever may edit it: the note, who and
	when (fields and the timeline), the next date, and the review to-do done."""
	doc = frappe.get_doc("KPI Scorecard", scorecard)
	doc.check_permission("write")
	note = (note or "").strip()
	if not note:
		frappe.throw(_("Say what the review found: a review records its note."), frappe.MandatoryError)
	if not doc.review_frequency:
		frappe.throw(
			_("Scorecard {0} has no review frequency: set one to review it on a schedule.").format(doc.name)
		)
	today = getdate(nowdate())
	due = doc.next_review
	next_review = next_evaluation(today, doc.review_frequency)
	doc.db_set({"last_reviewed": today, "last_review_note": note, "next_review": next_review})
	doc.add_comment("Info", _("Reviewed the scorecard: {0}").format(note))
	close_review_todos(doc.name, due)
	return {"last_reviewed": today, "next_review": next_review}


def close_review_todos(scorecard: str, due) -> None:
	"""The reminder dates its to-do with the review date (the scorecard's other to-dos — agreement,
	revisions — carry none): those are the ones this review did."""
	if not due:
		return
	todo = frappe.qb.DocType("ToDo")
	(
		frappe.qb.update(todo)
		.set(todo.status, "Closed")
		.where(
			(todo.reference_type == "KPI Scorecard")
			& (todo.reference_name == scorecard)
			& (todo.status == "Open")
			& (todo.date == due)
		)
		.run()
	)


def remind_due_reviews(today=None) -> int:
	"""Scheduler (daily): each active scorecard whose Next Review has come goes on its review
	owner's to-do list once (not again while that review's to-do is open). Returns how many
	to-dos were made."""
	today = getdate(today or nowdate())
	scorecard = frappe.qb.DocType("KPI Scorecard")
	due = (
		frappe.qb.from_(scorecard)
		.select("*")
		.where((scorecard.status == "Active") & (scorecard.next_review <= today))
		.run(as_dict=True)
	)
	reminded = {
		(row.reference_name, getdate(row.date))
		for row in frappe.get_all(
			"ToDo",
			filters={
				"reference_type": "KPI Scorecard",
				"reference_name": ("in", [row.name for row in due] or [""]),
				"status": "Open",
				"date": ("is", "set"),
			},
			fields=["reference_name", "date"],
		)
	}
	due = [row for row in due if (row.name, getdate(row.next_review)) not in reminded]
	owners = {row.name: review_owners(row) for row in due}
	everyone = sorted({user for users in owners.values() for user in users})
	enabled = set(
		frappe.get_all("User", filters={"name": ("in", everyone or [""]), "enabled": 1}, pluck="name")
	)
	language = languages(list(enabled))
	made = 0
	for row in due:
		for owner in owners[row.name]:
			if owner not in enabled:
				continue
			assign(
				{
					"assign_to": [owner],
					"doctype": "KPI Scorecard",
					"name": row.name,
					"date": row.next_review,
					"description": _(
						"Review scorecard {0}: are its KPIs, targets and weights still right? Then Mark Reviewed.",
						lang=language.get(owner),
					).format(row.title or row.name),
				},
				ignore_permissions=True,
			)
			made += 1
	return made
