"""Mid-period revisions of an active scorecard's targets and weights (#18).

An active scorecard's targets and weights are not edited in place (the controller refuses): a
*KPI Target Revision* records, per KPI, the old and new target and weight, the effective
period, the reason, who asked and who approved. Approving it changes the scorecard from the
effective period on — the earlier periods' targets are pinned as they are, the later ones
phased again from the new target — and recomputes its scores; the weight in force in each
period comes from the approved revisions (engine/revisions.py), so earlier periods keep
their weights too.

Who: anyone who may read the scorecard may ask (the employee for their own); whoever may
change it approves (the department head for the team, a KPI Manager), never the scorecard's
own employee, and not HR (docs/security.md: HR reviews and pays on the targets, so it does not
also set them). One who may approve can apply their own revision at once.

Refused, with nothing written: no reason; an effective period that is not one of the
scorecard's; a period at or after which a measurement is already approved (its results stay
as approved — revise from the next period); a period before an approved revision's (revisions
go forward in time); weights that no longer add up to 100 on a scorecard that does not
normalise them; a target the KPI's scoring or the phasing cannot use.
"""

import json

import pandas as pd

import frappe
from frappe import _
from frappe.desk.form.assign_to import add as assign
from frappe.desk.form.assign_to import close_all_assignments
from frappe.query_builder.functions import Max
from frappe.utils import flt, format_date, getdate, now_datetime

from kpibsc.engine.errors import EngineError
from kpibsc.engine.revisions import originally_set, revised_weights
from kpibsc.kpibsc.services import recompute
from kpibsc.kpibsc.services.engine_bridge import check_rule, scoring_rule, throw_engine_error
from kpibsc.kpibsc.services.reminders import languages
from kpibsc.kpibsc.services.scorecards import get_kpis, phase_items

OWNER_FIELDS = ("scorecard_for", "company", "department", "employee")


class TargetRevisionError(frappe.ValidationError):
	pass


def employee_user(scorecard) -> str | None:
	return frappe.db.get_value("Employee", scorecard.employee, "user_id") if scorecard.employee else None


def may_approve(scorecard, user: str | None = None) -> bool:
	"""Whoever may change the scorecard, except its own employee: nobody sets their own targets."""
	user = user or frappe.session.user
	if scorecard.employee and employee_user(scorecard) == user:
		return False
	return bool(frappe.has_permission("KPI Scorecard", "write", doc=scorecard, user=user))


def actions(scorecard) -> dict:
	"""For the form: whether the user may ask for or approve a revision, the periods a revision
	may start from, and the revisions waiting for a decision."""
	if scorecard.is_new() or scorecard.status != "Active":
		return {"can_request": False, "can_approve": False, "periods": [], "pending": []}
	return {
		"can_request": bool(frappe.has_permission("KPI Scorecard", "read", doc=scorecard)),
		"can_approve": may_approve(scorecard),
		"periods": [str(period) for period in open_periods(scorecard)],
		"pending": frappe.get_all(
			"KPI Target Revision",
			filters={"scorecard": scorecard.name, "status": "Pending"},
			fields=["name", "effective_from", "reason", "requested_by"],
			order_by="creation",
		),
	}


def open_periods(scorecard) -> list:
	"""Period starts a revision may take effect from: after the last approved measurement and
	not before the last approved revision (the checks of `check_effective_from`)."""
	measurement = frappe.qb.DocType("KPI Measurement")
	measured = (
		frappe.qb.from_(measurement)
		.select(Max(measurement.period_start))
		.where((measurement.scorecard == scorecard.name) & (measurement.docstatus == 1))
		.run()
	)[0][0]
	revised = frappe.get_all(
		"KPI Target Revision",
		filters={"scorecard": scorecard.name, "status": "Approved"},
		pluck="effective_from",
		order_by="effective_from desc",
		limit=1,
	)
	starts = sorted({getdate(row.period_start) for row in scorecard.targets})
	return [
		start
		for start in starts
		if (not measured or start > getdate(measured)) and (not revised or start >= getdate(revised[0]))
	]


# -- the whitelisted actions ------------------------------------------------------------------


@frappe.whitelist()
def revision_actions(scorecard: str) -> dict:
	"""The form's `actions` as they are now: a request made while the form is open does not
	change the scorecard, so the form asks again (on the realtime notice, on Check for
	Requests, when it is shown again)."""
	doc = frappe.get_doc("KPI Scorecard", scorecard)
	doc.check_permission("read")
	return actions(doc)


def announce(revision):
	"""Tell whoever has the scorecard open that its pending revisions changed (after the commit,
	so their form reads the new state); they read it through `revision_actions`."""
	frappe.publish_realtime(
		"kpibsc_target_revision",
		{"scorecard": revision.scorecard, "revision": revision.name},
		doctype="KPI Scorecard",
		docname=revision.scorecard,
		after_commit=True,
	)


@frappe.whitelist(methods=["POST"])
def request_revision(
	scorecard: str, effective_from: str, reason: str, changes: str | list, apply_now: bool = False
) -> dict:
	"""Ask for new targets and/or weights from `effective_from` on (`changes`: a list of
	{kpi, target, weight}, a blank value keeps what the KPI has); with `apply_now`, one who may
	approve applies it at once."""
	doc = frappe.get_doc("KPI Scorecard", scorecard)
	doc.check_permission("read")  # the employee may ask for their own scorecard
	apply_now = frappe.utils.sbool(apply_now)
	if apply_now and not may_approve(doc):
		frappe.throw(_("You may ask for this revision, not approve it."), frappe.PermissionError)
	if isinstance(changes, str):
		changes = frappe.parse_json(changes) if changes.strip() else []
	reason = (reason or "").strip()
	plan = make_plan(doc, effective_from, reason, changes or [])
	revision = frappe.get_doc(
		{
			"doctype": "KPI Target Revision",
			"scorecard": doc.name,
			"scorecard_title": doc.title,
			"effective_from": plan.effective_from,
			"reason": reason,
			"status": "Pending",
			"requested_by": frappe.session.user,
			"requested_on": now_datetime(),
			"items": plan.rows,
			**{field: doc.get(field) for field in OWNER_FIELDS},
		}
	)
	revision.flags.from_revision_service = True
	revision.insert(ignore_permissions=True)  # the scorecard's read permission was checked
	doc.add_comment(
		"Info",
		_("Asked to revise targets from {0} ({1}): {2}").format(
			format_date(plan.effective_from), revision.name, reason
		),
	)
	if apply_now:
		approve(revision, doc)
	else:
		ask_head(revision, doc)
	announce(revision)
	return {"revision": revision.name, "status": revision.status}


def ask_head(revision, scorecard):
	"""A to-do for the head of the scorecard's department, who approves (KPI Managers find
	pending revisions in the list); none when the head asked, or has no user."""
	head = scorecard.department and frappe.db.get_value(
		"Department", scorecard.department, "kpi_department_head"
	)
	user = head and frappe.db.get_value("Employee", head, "user_id")
	if not user or user == frappe.session.user or not may_approve(scorecard, user):
		return
	assign(
		{
			"assign_to": [user],
			"doctype": revision.doctype,
			"name": revision.name,
			"description": _(
				"Approve or reject the revision of {0}'s targets: {1}", lang=languages([user]).get(user)
			).format(scorecard.title, revision.reason),
		},
		ignore_permissions=True,
	)


@frappe.whitelist(methods=["POST"])
def decide_revision(revision: str, approve_it: bool, comment: str | None = None) -> dict:
	"""Approve a pending revision (applying it to the scorecard) or reject it with a comment."""
	doc = frappe.get_doc("KPI Target Revision", revision)
	scorecard = frappe.get_doc("KPI Scorecard", doc.scorecard)
	# one refusal for whoever may not decide, readers or not: it says who decides
	if not (frappe.has_permission(doc.doctype, "read", doc=doc) and may_approve(scorecard)):
		frappe.throw(
			_(
				"A target revision is approved or rejected by the head of the scorecard's department or by a KPI Manager (or System Manager), never by the scorecard's own employee. HR Managers do not approve targets: they review and pay on them. Ask the head or a KPI Manager."
			),
			frappe.PermissionError,
			title=_("Not Yours to Approve"),
		)
	if doc.status != "Pending":
		# translated at runtime: the status is one of the DocType's Select options
		status = _(doc.status)
		frappe.throw(_("Revision {0} is already {1}.").format(doc.name, status), TargetRevisionError)
	comment = (comment or "").strip() or None
	close_all_assignments(doc.doctype, doc.name, ignore_permissions=True)
	if frappe.utils.sbool(approve_it):
		doc.decision_comment = comment
		approve(doc, scorecard)
	else:
		if not comment:
			frappe.throw(_("Say why the revision is rejected."), frappe.MandatoryError)
		doc.update(
			{
				"status": "Rejected",
				"approved_by": frappe.session.user,
				"approved_on": now_datetime(),
				"decision_comment": comment,
			}
		)
		doc.flags.from_revision_service = True
		doc.save(ignore_permissions=True)
		scorecard.add_comment("Info", _("Rejected revision {0}: {1}").format(doc.name, comment))
	announce(doc)
	return {"revision": doc.name, "status": doc.status}


def approve(revision, scorecard):
	"""Check the revision against the scorecard as it is now, record the values it replaces and
	apply it; then recompute. A failure anywhere rolls the whole request back."""
	changes = [{"kpi": row.kpi, "target": row.new_target, "weight": row.new_weight} for row in revision.items]
	plan = make_plan(scorecard, revision.effective_from, revision.reason, changes)
	revision.set("items", plan.rows)
	apply(scorecard, plan, revision.name)
	revision.update({"status": "Approved", "approved_by": frappe.session.user, "approved_on": now_datetime()})
	revision.flags.from_revision_service = True
	revision.save(ignore_permissions=True)
	scorecard.add_comment(
		"Info",
		_("Revised targets from {0} ({1}): {2}").format(
			format_date(plan.effective_from), revision.name, revision.reason
		),
	)
	recompute.enqueue_recompute([scorecard.name])


# -- plan and apply ---------------------------------------------------------------------------


def make_plan(doc, effective_from, reason: str, changes: list) -> frappe._dict:
	"""The revision's rows (old and new values) after every check; raises before anything is
	written."""
	if doc.status != "Active":
		frappe.throw(
			_("Only an active scorecard is revised; change a draft scorecard's targets directly."),
			TargetRevisionError,
		)
	if not reason:
		frappe.throw(_("Give the reason for the revision."), frappe.MandatoryError, title=_("Reason Missing"))
	effective_from = check_effective_from(doc, effective_from)
	items = {item.kpi: item for item in doc.items}
	wanted = {}
	for change in changes:
		change = frappe._dict(change)
		if change.kpi not in items:
			frappe.throw(
				_("KPI {0} is not on scorecard {1}.").format(frappe.bold(change.kpi), doc.name),
				TargetRevisionError,
			)
		wanted[change.kpi] = change
	ordered = sorted(doc.items, key=lambda item: item.idx)

	def given(change, field):
		value = change.get(field) if change else None
		return None if value in (None, "") else flt(value)

	try:
		weights = revised_weights(
			[flt(item.weight) for item in ordered],
			[given(wanted.get(item.kpi), "weight") for item in ordered],
			bool(doc.normalise_weights),
			labels=[item.kpi for item in ordered],
		)
	except EngineError as error:
		throw_engine_error(error, _("Revision"))
	kpis = get_kpis(list(items))
	rows = []
	for item, weight in zip(ordered, weights, strict=True):
		new_target = given(wanted.get(item.kpi), "target")
		new_target = flt(item.target) if new_target is None else new_target
		new_weight = flt(weight, 4)
		target_changed = abs(new_target - flt(item.target)) > 1e-9 * max(1.0, abs(flt(item.target)))
		if not target_changed and abs(new_weight - flt(item.weight)) < 1e-9:
			continue
		if target_changed:
			check_rule(scoring_rule(kpis[item.kpi], item), new_target, context=_("KPI {0}").format(item.kpi))
		rows.append(
			frappe._dict(
				kpi=item.kpi,
				kpi_name=item.kpi_name,
				old_target=flt(item.target),
				new_target=new_target,
				old_weight=flt(item.weight),
				new_weight=new_weight,
				old_period_targets=json.dumps(
					{
						str(getdate(row.period_start)): flt(row.target)
						for row in doc.targets
						if row.kpi == item.kpi and getdate(row.period_start) >= effective_from
					}
				)
				if target_changed
				else None,
			)
		)
	if not rows:
		frappe.throw(_("Nothing to revise: every target and weight is as it is now."), TargetRevisionError)
	check_phasing(doc, kpis, effective_from, [row for row in rows if row.old_period_targets])
	return frappe._dict(effective_from=effective_from, rows=rows)


def check_effective_from(doc, effective_from):
	if not effective_from:
		frappe.throw(_("Choose the period the revision takes effect from."), frappe.MandatoryError)
	effective_from = getdate(effective_from)
	starts = sorted({getdate(row.period_start) for row in doc.targets})
	if effective_from not in starts:
		frappe.throw(
			_(
				"{0} does not start one of the scorecard's periods ({1} to {2}). Choose one of its periods."
			).format(format_date(effective_from), format_date(doc.from_date), format_date(doc.to_date)),
			TargetRevisionError,
			title=_("Invalid Effective Period"),
		)
	measurement = frappe.qb.DocType("KPI Measurement")
	approved = (
		frappe.qb.from_(measurement)
		.select(measurement.period_start)
		.where(
			(measurement.scorecard == doc.name)
			& (measurement.docstatus == 1)
			& (measurement.period_start >= effective_from)
		)
		.orderby(measurement.period_start, order=frappe.qb.desc)
		.limit(1)
		.run(pluck=True)
	)
	if approved:
		frappe.throw(
			_(
				"The measurement of the period starting {0} is already approved, and approved results keep their targets. Choose a later period."
			).format(format_date(approved[0])),
			TargetRevisionError,
			title=_("Invalid Effective Period"),
		)
	later = frappe.get_all(
		"KPI Target Revision",
		filters={"scorecard": doc.name, "status": "Approved", "effective_from": (">", effective_from)},
		fields=["name", "effective_from"],
		limit=1,
	)
	if later:
		frappe.throw(
			_("Revision {0} already applies from {1}: a revision may not start before it.").format(
				later[0].name, format_date(later[0].effective_from)
			),
			TargetRevisionError,
			title=_("Invalid Effective Period"),
		)
	return effective_from


def check_phasing(doc, kpis: dict, effective_from, rows: list):
	"""Phase the revised targets with the earlier periods pinned, as the save will: a target the
	earlier periods already exceed fails here (the engine's message, translated)."""
	if not rows:
		return
	items = [frappe._dict(kpi=row.kpi, target=row.new_target) for row in rows]
	phase_items(
		items,
		kpis,
		doc.from_date,
		doc.to_date,
		doc.frequency,
		doc.phasing,
		doc.monthly_distribution,
		pins=[kept_targets(doc, row.kpi, effective_from) for row in rows],
	)


def kept_targets(doc, kpi: str, effective_from) -> dict:
	return {
		(getdate(row.period_start), getdate(row.period_end)): flt(row.target)
		for row in doc.targets
		if row.kpi == kpi and getdate(row.period_start) < effective_from
	}


def apply(doc, plan, revision: str):
	"""The new targets and weights on the scorecard: periods before the effective one pinned as
	they are, the later ones of a revised target unpinned so the save phases them again."""
	rows = {row.kpi: row for row in plan.rows}
	for item in doc.items:
		row = rows.get(item.kpi)
		if row:
			item.target, item.weight = row.new_target, row.new_weight
	for target in doc.targets:
		row = rows.get(target.kpi)
		if row and row.old_period_targets:
			target.pinned = int(getdate(target.period_start) < plan.effective_from)
	doc.flags.target_revision = revision
	doc.flags.ignore_permissions = True  # may_approve checked the approver
	doc.save()


# -- as originally set ------------------------------------------------------------------------


def scored_as_originally_set(scorecard: str) -> pd.DataFrame | None:
	"""The scorecard's results scored against its targets and weights before any revision, in
	memory (the recompute's own read and score); None when nothing was revised."""
	revision = frappe.qb.DocType("KPI Target Revision")
	row = frappe.qb.DocType("KPI Target Revision Item")
	changes = (
		frappe.qb.from_(revision)
		.join(row)
		.on(row.parent == revision.name)
		.select(row.kpi, row.old_weight, row.old_period_targets)
		.where((revision.scorecard == scorecard) & (revision.status == "Approved"))
		.orderby(revision.approved_on, revision.name)
		.run(as_dict=True)
	)
	if not changes:
		return None
	# the descendants only as the sums their Contributes items take, as the recompute reads them
	data = recompute.read_with_contributions({scorecard})
	old_targets = pd.DataFrame(
		[
			(change.kpi, period, value)
			for change in changes
			for period, value in json.loads(change.old_period_targets or "{}").items()
		],
		columns=["item", "period", "old_value"],
	)
	own = data.targets["scorecard"] == scorecard
	mine = data.targets[own]
	data.targets.loc[own, "target"] = originally_set(
		pd.DataFrame({"item": mine["kpi"], "period": mine["period_start"], "value": mine["target"]}),
		old_targets,
	)
	first_weight = {}
	for change in changes:
		first_weight.setdefault(change.kpi, flt(change.old_weight))
	own_items = data.items["scorecard"] == scorecard
	data.items.loc[own_items, "weight"] = (
		data.items.loc[own_items, "kpi"].map(first_weight).fillna(data.items.loc[own_items, "weight"])
	)
	revised = data.weight_revisions
	data.weight_revisions = revised[revised["scorecard"] != scorecard]
	return recompute.score(data, {scorecard})
