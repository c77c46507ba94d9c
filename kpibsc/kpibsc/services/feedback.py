"""360° and upward feedback: the cycle's policy, requests proposed one by one or for a whole
cycle in bulk, reminders, and what a review's people may see of the answers.

Anonymity is the server's: in an anonymous cycle the reviewee and their managers cannot open
a request (the row rules in `permissions.py`), and everything they see of the answers comes
from `get_review_feedback`, which gives per-source averages only (never a rater), each rater
source only once it has the cycle's threshold of responses. The arithmetic is the engine's
(`engine/feedback.py`).
"""

import json

import numpy as np
import pandas as pd

import frappe
from frappe import _
from frappe.desk.form.assign_to import close_all_assignments
from frappe.query_builder.functions import Count
from frappe.utils import add_days, cint, flt, format_date, getdate, now_datetime

from kpibsc.engine.errors import EngineError
from kpibsc.engine.feedback import (
	DEFAULT_THRESHOLD,
	REQUEST_SOURCES,
	SOURCES,
	FeedbackError,
	check_weights,
	combined_ratings,
	feedback_competency_scores,
	response_counts,
	review_responses,
	visible_averages,
)
from kpibsc.kpibsc.permissions import is_above, is_review_hr, stored_document, tree_position
from kpibsc.kpibsc.services.bulk import insert_rows, reserve_names

SERIES = "PFR-.YYYY.-"
PROPOSED, APPROVED, SUBMITTED, DECLINED = "Proposed", "Approved", "Submitted", "Declined"
OPEN_STATUSES = (PROPOSED, APPROVED)
BACKGROUND_THRESHOLD = 50
REMIND_DAYS_BEFORE = 3
WEIGHT_FIELDS = {source: f"weight_{source}" for source in SOURCES}


class FeedbackPolicyError(frappe.ValidationError):
	pass


class FeedbackClosedError(frappe.ValidationError):
	pass


class FeedbackRaterError(frappe.ValidationError):
	pass


class FeedbackRatingError(frappe.ValidationError):
	pass


# -- the cycle's policy ----------------------------------------------------------------------------


def policy(cycle) -> frappe._dict:
	"""The feedback policy of a cycle document (or its stored values as a dict)."""
	return frappe._dict(
		enabled=bool(cint(cycle.get("feedback_enabled"))),
		anonymous=(cycle.get("feedback_anonymity") or "Anonymous") == "Anonymous",
		threshold=cint(cycle.get("anonymity_threshold")) or DEFAULT_THRESHOLD,
		min_raters=cint(cycle.get("feedback_min_raters")),
		max_raters=cint(cycle.get("feedback_max_raters")),
		due_date=cycle.get("feedback_due_date"),
		weights={source: flt(cycle.get(field)) for source, field in WEIGHT_FIELDS.items()},
		closed=cycle.get("status") == "Completed",
	)


def cycle_policy(cycle_name: str | None) -> frappe._dict | None:
	if not cycle_name:
		return None
	fields = [
		"name",
		"company",
		"status",
		"feedback_enabled",
		"feedback_anonymity",
		"anonymity_threshold",
		"feedback_min_raters",
		"feedback_max_raters",
		"feedback_due_date",
		*WEIGHT_FIELDS.values(),
	]
	row = frappe.db.get_value("Performance Review Cycle", cycle_name, fields, as_dict=True)
	return policy(row) if row else None


def validate_cycle(doc):
	"""Performance Review Cycle.validate: a usable policy; anonymity fixed once requests exist."""
	if not cint(doc.get("feedback_enabled")):
		return
	try:
		check_weights({source: flt(doc.get(field)) for source, field in WEIGHT_FIELDS.items()})
	except EngineError as error:
		throw_feedback_error(error, FeedbackPolicyError)
	if cint(doc.anonymity_threshold) < 1:
		frappe.throw(_("The anonymity threshold must be at least 1."), exc=FeedbackPolicyError)
	if cint(doc.feedback_min_raters) < 0 or cint(doc.feedback_max_raters) < 1:
		frappe.throw(_("Allow at least one rater per review."), exc=FeedbackPolicyError)
	if cint(doc.feedback_min_raters) > cint(doc.feedback_max_raters):
		frappe.throw(
			_("The minimum number of raters ({0}) is above the maximum ({1}).").format(
				cint(doc.feedback_min_raters), cint(doc.feedback_max_raters)
			),
			exc=FeedbackPolicyError,
		)
	before = None if doc.is_new() else doc.get_doc_before_save()
	if (
		before
		and (before.feedback_anonymity or "Anonymous") != (doc.feedback_anonymity or "Anonymous")
		and frappe.db.exists("Performance Feedback Request", {"review_cycle": doc.name})
	):
		frappe.throw(
			_("Raters were asked under the cycle's anonymity; it cannot change once requests exist."),
			exc=FeedbackPolicyError,
		)


def throw_feedback_error(error: EngineError, exc=FeedbackRatingError):
	# translated at runtime: the template comes from kpibsc.engine, extracted there
	frappe.throw(_(error.template).format(*error.values), exc=exc)


def rating_scale() -> int:
	return int(frappe.get_cached_doc("KPI BSC Settings").rating_scale or 5)


# -- who is who on a review --------------------------------------------------------------------


def relation_to_review(review, user: str | None = None) -> str | None:
	""" "reviewee", "manager" (the reviewer or anyone above the reviewee), "hr" or None."""
	user = user or frappe.session.user
	if review.employee_user == user:
		return "reviewee"
	if review.reviewer_user == user:
		return "manager"
	me = tree_position(user)
	if me and me.name == review.employee:
		return "reviewee"
	if me and is_above(me, review.employee):
		return "manager"
	return "hr" if is_review_hr(user) else None


def sees_raters(review: str, anonymous: bool, user: str | None = None) -> bool:
	"""Whether the user may know who was asked for feedback on the review, as the row rules of
	`permissions.py` let them read its requests: HR, and in a named cycle the reviewee's
	managers; never the reviewee, nor in an anonymous cycle their managers, whatever role."""
	row = frappe.db.get_value(
		"Performance Review", review, ["employee", "employee_user", "reviewer_user"], as_dict=True
	)
	relation = relation_to_review(row, user) if row else None
	return relation == "hr" or (relation == "manager" and not anonymous)


def throw_rater_refused():
	"""The one refusal for someone who may not know who was asked: the same words whether the
	colleague was asked already or the review is full, and no name."""
	frappe.throw(
		_(
			"Feedback cannot be requested from one of these colleagues: they may have been asked already, or the review may have the cycle's maximum of raters. Nothing was sent."
		),
		exc=FeedbackRaterError,
		title=_("Feedback Not Requested"),
	)


# -- proposing and approving -------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def propose_raters(review: str, raters: list | str, source: str = "Peer") -> dict:
	"""Ask colleagues for feedback on a review: the reviewee proposes (the request waits for
	approval), the reviewer or HR asks (approved at once). Each request is checked by its
	own validation; one bad rater and nothing is written. Returns counts, never names."""
	doc = stored_document(frappe._dict(doctype="Performance Review", name=review), "read")
	relation = relation_to_review(doc)
	if relation is None:
		frappe.throw(_("Only the reviewee, their manager or HR ask for feedback."), frappe.PermissionError)
	if isinstance(raters, str):
		raters = json.loads(raters) if raters.strip().startswith("[") else [raters]
	if source not in REQUEST_SOURCES:
		frappe.throw(_("{0} is not a feedback source.").format(source), exc=FeedbackRaterError)
	status = PROPOSED if relation == "reviewee" else APPROVED
	frappe.db.savepoint("kpibsc_propose_raters")
	try:
		for rater in raters:
			request = frappe.new_doc("Performance Feedback Request")
			request.update({"review": doc.name, "rater": rater, "source": source})
			request.flags.kpibsc_status = status
			request.insert(ignore_permissions=True)  # who may ask was decided above
	except Exception:
		frappe.db.rollback(save_point="kpibsc_propose_raters")
		raise
	return {"requested": len(raters), "status": status}


@frappe.whitelist(methods=["POST"])
def approve_proposed(review: str) -> dict:
	"""The reviewer (who in an anonymous cycle cannot open the requests) or HR approves every
	proposed request of a review at once. Returns the count."""
	doc = stored_document(frappe._dict(doctype="Performance Review", name=review), "read")
	if relation_to_review(doc) not in ("manager", "hr"):
		frappe.throw(_("Only the reviewer or HR approve feedback requests."), frappe.PermissionError)
	table = frappe.qb.DocType("Performance Feedback Request")
	names = frappe.get_all(
		"Performance Feedback Request", filters={"review": doc.name, "status": PROPOSED}, pluck="name"
	)
	if names:
		(
			frappe.qb.update(table)
			.set(table.status, APPROVED)
			.set(table.approved_by, frappe.session.user)
			.set(table.modified, now_datetime())
			.set(table.modified_by, frappe.session.user)
			.where(table.name.isin(names))
			.run()
		)
	return {"approved": len(names)}


# -- the answers -------------------------------------------------------------------------------


def submitted_ratings(reviews: list[str]) -> list[dict]:
	"""(review, request, source, competency, rating) of the submitted requests of `reviews`."""
	if not reviews:
		return []
	request = frappe.qb.DocType("Performance Feedback Request")
	rating = frappe.qb.DocType("Performance Feedback Rating")
	return (
		frappe.qb.from_(rating)
		.join(request)
		.on(request.name == rating.parent)
		.select(
			request.review,
			request.name.as_("request"),
			request.source,
			rating.competency,
			rating.rating,
		)
		.where(
			request.review.isin(reviews)
			& (request.status == SUBMITTED)
			& (rating.parenttype == "Performance Feedback Request")
		)
		.run(as_dict=True)
	)


def responses_of(review, answers: list[dict]) -> pd.DataFrame:
	try:
		return review_responses(
			review.name,
			[row if isinstance(row, dict) else row.as_dict() for row in review.competencies],
			answers,
		)
	except EngineError as error:
		throw_feedback_error(error)


def competency_score(review) -> float | None:
	"""The review's competency score from every source when its cycle asks for feedback,
	None when it does not (the review keeps its own manager-or-self score then)."""
	cycle = cycle_policy(review.get("review_cycle"))
	if not cycle or not cycle.enabled or not review.get("name"):
		return None
	answers = submitted_ratings([review.name])
	responses = responses_of(review, answers)
	competencies = pd.DataFrame(
		[(review.name, row.competency, row.weight) for row in review.competencies],
		columns=["review", "competency", "weight"],
	)
	try:
		scores = feedback_competency_scores(
			responses, competencies, cycle.weights, rating_scale(), cycle.anonymous, cycle.threshold
		)
	except EngineError as error:
		throw_feedback_error(error)
	value = scores.get(review.name, np.nan) if len(scores) else np.nan
	return None if value is None or np.isnan(value) else float(value)


def request_counts(reviews: list[str]) -> dict[str, dict[str, int]]:
	"""Review -> {requested, submitted, declined} (Proposed and Approved count as requested
	and open). One query; counts only, whoever asks."""
	counts = {}
	if not reviews:
		return counts
	request = frappe.qb.DocType("Performance Feedback Request")
	rows = (
		frappe.qb.from_(request)
		.select(request.review, request.status, Count("*"))
		.where(request.review.isin(reviews))
		.groupby(request.review, request.status)
		.run()
	)
	for review, status, count in rows:
		entry = counts.setdefault(review, {"requested": 0, "submitted": 0, "declined": 0})
		entry["requested"] += count
		if status == SUBMITTED:
			entry["submitted"] += count
		elif status == DECLINED:
			entry["declined"] += count
	return counts


def completion(entry: dict | None) -> float | None:
	"""Submitted of the requests not declined, in percent."""
	if not entry:
		return None
	asked = entry["requested"] - entry["declined"]
	return flt(100.0 * entry["submitted"] / asked, 1) if asked else None


def summaries(reviews: list) -> dict[str, dict]:
	"""Per review (documents or dicts with name, review_cycle and competencies): per-source
	averages over all its competencies, as the anonymity policy lets them be shown. A fixed
	number of queries for any number of reviews."""
	names = [row.name for row in reviews]
	cycles = {name: cycle_policy(name) for name in {row.get("review_cycle") for row in reviews} if name}
	answers = pd.DataFrame(
		[dict(row) for row in submitted_ratings(names)],
		columns=["review", "request", "source", "competency", "rating"],
	)
	result = {}
	for review in reviews:
		cycle = cycles.get(review.get("review_cycle"))
		anonymous = cycle.anonymous if cycle else True
		threshold = cycle.threshold if cycle else DEFAULT_THRESHOLD
		mine = answers[answers["review"] == review.name].to_dict("records")
		responses = responses_of(review, mine)
		shown = visible_averages(responses, anonymous, threshold)
		per_source = shown.groupby("source")["average"].mean() if not shown.empty else pd.Series()
		result[review.name] = {source: nan_to_none(per_source.get(source)) for source in SOURCES}
	return result


@frappe.whitelist()
def get_review_feedback(review: str) -> dict:
	"""What the people of a review see of its feedback: per competency and source the average
	rating, rater sources held back below the threshold in an anonymous cycle, the combined
	rating, and the request counts. Never a rater. Anyone who may read the review."""
	doc = stored_document(frappe._dict(doctype="Performance Review", name=review), "read")
	cycle = cycle_policy(doc.review_cycle)
	if not cycle or not cycle.enabled:
		return {"enabled": False}
	responses = responses_of(doc, submitted_ratings([doc.name]))
	try:
		shown = visible_averages(responses, cycle.anonymous, cycle.threshold)
		combined = combined_ratings(shown, cycle.weights)
	except EngineError as error:
		throw_feedback_error(error)
	counts = response_counts(responses)
	counted = {row.source: int(row.responses) for row in counts.itertuples(index=False)}
	averages = {(row.source, row.competency): row.average for row in shown.itertuples(index=False)}
	combined_of = dict(zip(combined["competency"], combined["rating"], strict=True))
	return {
		"enabled": True,
		"anonymous": cycle.anonymous,
		"threshold": cycle.threshold if cycle.anonymous else None,
		"scale": rating_scale(),
		"weights": cycle.weights,
		"sources": list(SOURCES),
		"responses": {source: counted.get(source, 0) for source in ("peers", "reports", "others")},
		"held_back": [
			source
			for source in ("peers", "reports", "others")
			if counted.get(source) and not any(key[0] == source for key in averages)
		],
		"counts": request_counts([doc.name]).get(doc.name, {"requested": 0, "submitted": 0, "declined": 0}),
		"competencies": [
			{
				"competency": row.competency,
				**{source: nan_to_none(averages.get((source, row.competency))) for source in SOURCES},
				"combined": nan_to_none(combined_of.get(row.competency)),
			}
			for row in doc.competencies
		],
	}


def nan_to_none(value):
	if value is None:
		return None
	value = float(value)
	return None if np.isnan(value) else value


# -- a whole cycle at once ---------------------------------------------------------------------


def create_cycle_requests(cycle_name: str) -> dict:
	"""For each open review of the cycle: its reviewee's direct reports (upward feedback),
	then the other reports of the reviewee's manager (peers), up to the cycle's maximum of
	raters per review, counting the requests it already has; approved at once (HR asks).
	Reviews left below the minimum are reported. A fixed number of queries and two bulk
	inserts for any number of reviews."""
	cycle = frappe.get_doc("Performance Review Cycle", cycle_name)
	rules = policy(cycle)
	if not rules.enabled:
		frappe.throw(_("Turn on Feedback Requests on the cycle first."), exc=FeedbackPolicyError)
	if rules.closed:
		frappe.throw(_("The cycle is closed: no more feedback requests."), exc=FeedbackClosedError)
	reviews = frappe.get_all(
		"Performance Review",
		filters={"review_cycle": cycle.name, "docstatus": 0},
		fields=["name", "employee", "employee_name", "reviewer", "company"],
		order_by="name",
	)
	if not reviews:
		return {"created": 0, "reviews": 0, "short": []}
	names = [row.name for row in reviews]
	employee = frappe.qb.DocType("Employee")
	people = (
		frappe.qb.from_(employee)
		.select(employee.name, employee.employee_name, employee.user_id, employee.reports_to)
		.where((employee.company == cycle.company) & (employee.status == "Active"))
		.run(as_dict=True)
	)
	by_manager = {}
	for person in sorted(people, key=lambda row: row.name):
		if person.reports_to:
			by_manager.setdefault(person.reports_to, []).append(person)
	reports_to = {person.name: person.reports_to for person in people}
	existing = {}
	for row in frappe.get_all(
		"Performance Feedback Request",
		filters={"review": ("in", names), "status": ("!=", DECLINED)},
		fields=["review", "rater"],
	):
		existing.setdefault(row.review, set()).add(row.rater)
	items = frappe.get_all(
		"Performance Review Competency",
		filters={"parent": ("in", names), "parenttype": "Performance Review"},
		fields=["parent", "competency"],
		order_by="idx",
	)
	competencies = {}
	for row in items:
		competencies.setdefault(row.parent, []).append(row.competency)

	planned, short = [], []
	for review in reviews:
		asked = set(existing.get(review.name, ()))
		room = rules.max_raters - len(asked)
		manager = reports_to.get(review.employee) or review.reviewer
		candidates = [(person, "Direct Report") for person in by_manager.get(review.employee, [])] + [
			(person, "Peer") for person in by_manager.get(manager, []) if manager
		]
		for person, source in candidates:
			if room <= 0:
				break
			if person.name == review.employee or person.name in asked:
				continue
			planned.append((review, person, source))
			asked.add(person.name)
			room -= 1
		if len(asked) < rules.min_raters:
			short.append(review.employee)

	names_made = reserve_names(SERIES, len(planned))
	now, user = now_datetime(), frappe.session.user
	parents, children = [], []
	for name, (review, person, source) in zip(names_made, planned, strict=True):
		parents.append(
			{
				"name": name,
				"naming_series": SERIES,
				"review": review.name,
				"review_cycle": cycle.name,
				"company": review.company,
				"reviewee": review.employee,
				"reviewee_name": review.employee_name,
				"status": APPROVED,
				"due_date": rules.due_date,
				"anonymous": int(rules.anonymous),
				"rater": person.name,
				"rater_name": person.employee_name,
				"rater_user": person.user_id,
				"source": source,
				"proposed_by": user,
				"approved_by": user,
				"docstatus": 0,
				"creation": now,
				"modified": now,
				"owner": user,
				"modified_by": user,
			}
		)
		for index, competency in enumerate(competencies.get(review.name, []), start=1):
			children.append(
				{
					"name": frappe.generate_hash(length=10),
					"parent": name,
					"parenttype": "Performance Feedback Request",
					"parentfield": "ratings",
					"idx": index,
					"competency": competency,
					"docstatus": 0,
					"creation": now,
					"modified": now,
					"owner": user,
					"modified_by": user,
				}
			)
	insert_rows("Performance Feedback Request", parents)
	insert_rows("Performance Feedback Rating", children)
	return {"created": len(parents), "reviews": len(reviews), "short": short}


# -- reminders ---------------------------------------------------------------------------------


def remind_pending_feedback(today=None) -> int:
	"""Scheduler (daily): an approved request not yet answered, due within three days or
	overdue, goes on its rater's to-do list (once: an open to-do is not repeated)."""
	today = getdate(today)
	request = frappe.qb.DocType("Performance Feedback Request")
	due = (
		frappe.qb.from_(request)
		.select(request.name, request.rater_user, request.reviewee_name, request.due_date)
		.where(
			(request.status == APPROVED)
			& request.rater_user.isnotnull()
			& request.due_date.isnotnull()
			& (request.due_date <= add_days(today, REMIND_DAYS_BEFORE))
		)
		.run(as_dict=True)
	)
	if not due:
		return 0
	todo = frappe.qb.DocType("ToDo")
	reminded = {
		(name, user)
		for name, user in (
			frappe.qb.from_(todo)
			.select(todo.reference_name, todo.allocated_to)
			.where(
				(todo.reference_type == "Performance Feedback Request")
				& todo.reference_name.isin([row.name for row in due])
				& (todo.status == "Open")
			)
			.run()
		)
	}
	default = frappe.db.get_default("lang") or "en"
	language = dict(
		frappe.get_all(
			"User",
			filters={"name": ("in", list({row.rater_user for row in due}))},
			fields=["name", "language"],
			as_list=True,
		)
	)
	count = 0
	for row in due:
		if (row.name, row.rater_user) in reminded:
			continue
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": row.rater_user,
				"reference_type": "Performance Feedback Request",
				"reference_name": row.name,
				"description": _(
					"Give your feedback on {0} by {1}.", lang=language.get(row.rater_user) or default
				).format(row.reviewee_name, format_date(row.due_date)),
				"date": row.due_date,
			}
		).insert(ignore_permissions=True)
		count += 1
	return count


def close_reminders(request_name: str):
	close_all_assignments("Performance Feedback Request", request_name, ignore_permissions=True)
