"""Targets agreed, not imposed (the "A" of SMART, #18): on an employee's draft scorecard the
manager proposes the targets, the employee agrees or asks for changes — or the reverse: the
employee proposes their own figures and the manager agrees (which sets them) or asks for
changes. Each step is recorded with who and when (fields and the timeline). The employee never
sets a target: their proposal is kept on the side until someone who may edit the scorecard
agrees to it. With *Employees Agree to Their Targets* on in KPI BSC Settings, only an agreed
scorecard can be made Active; changing a target or weight after a proposal needs a new one.
Companies that impose targets leave the setting off."""

import json

import frappe
from frappe import _
from frappe.desk.form.assign_to import add as assign
from frappe.desk.form.assign_to import close_all_assignments
from frappe.utils import flt, now_datetime

from kpibsc.kpibsc.permissions import keep_stored_values
from kpibsc.kpibsc.services.reminders import languages, nearest_head_user

AGREEMENT_FIELDS = (
	"agreement_status",
	"proposed_by",
	"proposed_on",
	"agreed_by",
	"agreed_on",
	"agreement_comment",
	"employee_proposal",
)
BY_EMPLOYEE = "Proposed by Employee"


def employee_user(doc) -> str | None:
	return frappe.db.get_value("Employee", doc.employee, "user_id") if doc.employee else None


def actions(doc) -> dict[str, bool]:
	"""What the form offers the user: Propose (who may edit a draft employee scorecard), Agree /
	Ask for Changes (the employee, on a proposal)."""
	if doc.scorecard_for != "Employee" or doc.status != "Draft" or doc.is_new():
		return {"can_propose": False, "can_answer": False, "can_propose_own": False}
	is_employee = employee_user(doc) == frappe.session.user
	can_write = bool(frappe.has_permission(doc.doctype, "write", doc=doc))
	return {
		"can_propose": can_write and not is_employee,
		"can_answer": (doc.agreement_status == "Proposed" and is_employee)
		or (doc.agreement_status == BY_EMPLOYEE and can_write and not is_employee),
		"can_propose_own": is_employee and doc.agreement_status in (None, "", "Changes Requested"),
	}


def keep_and_check(doc):
	"""From KPIScorecard.validate: the agreement fields are the server's; a changed target or
	weight withdraws a proposal or agreement; activation waits for agreement when required."""
	keep_stored_values(doc, AGREEMENT_FIELDS)
	before = None if doc.is_new() else doc.get_doc_before_save()
	# an approved mid-period revision (services/revisions.py) is its own record of agreement
	revised = doc.flags.target_revision or doc.flags.agreed_proposal
	if before and doc.agreement_status and not revised and targets_changed(before, doc):
		doc.agreement_status = None
		doc.add_comment("Info", _("Targets changed after they were proposed: propose them again."))
	becomes_active = doc.status == "Active" and (not before or before.status != "Active")
	if (
		becomes_active
		and doc.scorecard_for == "Employee"
		and doc.agreement_status != "Agreed"
		and frappe.db.get_single_value("KPI BSC Settings", "require_target_agreement")
	):
		frappe.throw(
			_(
				"The employee has not agreed to these targets yet. Propose them (Propose Targets) and activate the scorecard once they agree."
			),
			title=_("Targets Not Agreed"),
		)


def targets_changed(before, doc) -> bool:
	def terms(card):
		return sorted((item.kpi, float(item.target or 0), float(item.weight or 0)) for item in card.items)

	return terms(before) != terms(doc)


def _draft_employee_scorecard(scorecard: str):
	doc = frappe.get_doc("KPI Scorecard", scorecard)
	if doc.scorecard_for != "Employee" or doc.status != "Draft":
		frappe.throw(_("Targets are proposed and agreed on an employee's draft scorecard."))
	return doc


@frappe.whitelist(methods=["POST"])
def propose_targets(scorecard: str) -> dict:
	"""The manager (whoever may edit the scorecard) proposes its targets to the employee."""
	doc = _draft_employee_scorecard(scorecard)
	doc.check_permission("write")  # the manager: whoever may edit the employee's scorecard
	user = employee_user(doc)
	if not user:
		frappe.throw(_("Employee {0} has no user, so they cannot agree online.").format(doc.employee))
	doc.db_set(
		{
			"agreement_status": "Proposed",
			"proposed_by": frappe.session.user,
			"proposed_on": now_datetime(),
			"agreed_by": None,
			"agreed_on": None,
			"agreement_comment": None,
			"employee_proposal": None,
		}
	)
	doc.add_comment("Info", _("Proposed the targets to {0}.").format(doc.employee_name or doc.employee))
	close_all_assignments(doc.doctype, doc.name, ignore_permissions=True)
	assign(
		{
			"assign_to": [user],
			"doctype": doc.doctype,
			"name": doc.name,
			"description": _(
				"Agree to your targets in {0}, or ask for changes.", lang=languages([user]).get(user)
			).format(doc.title),
		},
		ignore_permissions=True,
	)
	return {"agreement_status": "Proposed"}


@frappe.whitelist(methods=["POST"])
def propose_own_targets(scorecard: str, targets: str | dict, comment: str | None = None) -> dict:
	"""The employee proposes their own targets (KPI -> figure) for their draft scorecard; the
	figures wait beside the scorecard until a manager agrees to them."""
	doc = _draft_employee_scorecard(scorecard)
	doc.check_permission("read")
	if employee_user(doc) != frappe.session.user:
		frappe.throw(
			_("Only {0} can propose their own targets.").format(doc.employee_name), frappe.PermissionError
		)
	if doc.agreement_status in ("Proposed", BY_EMPLOYEE, "Agreed"):
		frappe.throw(
			_("The targets are already {0}: answer or withdraw that first.").format(
				_(doc.agreement_status)  # translated at runtime: the options are in the catalogue
			)
		)
	proposal = proposal_figures(doc, targets)
	managers = manager_users(doc)
	if not managers:
		frappe.throw(
			_("Nobody can agree to these targets: {0} has no department head with a user.").format(
				doc.employee_name or doc.employee
			)
		)
	comment = (comment or "").strip() or None
	doc.db_set(
		{
			"agreement_status": BY_EMPLOYEE,
			"proposed_by": frappe.session.user,
			"proposed_on": now_datetime(),
			"agreed_by": None,
			"agreed_on": None,
			"agreement_comment": comment,
			"employee_proposal": json.dumps(proposal),
		}
	)
	doc.add_comment("Info", _("Proposed own targets: {0}").format(describe(doc, proposal)))
	close_all_assignments(doc.doctype, doc.name, ignore_permissions=True)
	assign(
		{
			"assign_to": managers,
			"doctype": doc.doctype,
			"name": doc.name,
			"description": _(
				"{0} proposed their own targets in {1}: agree or ask for changes.",
				lang=languages(managers).get(managers[0]),
			).format(doc.employee_name or doc.employee, doc.title),
		},
		ignore_permissions=True,
	)
	return {"agreement_status": BY_EMPLOYEE}


def proposal_figures(doc, targets: str | dict) -> dict[str, float]:
	"""The proposed figures, one per KPI of the scorecard, numbers only."""
	try:
		targets = json.loads(targets) if isinstance(targets, str) else targets
	except ValueError:
		targets = None
	if not isinstance(targets, dict) or not targets:
		frappe.throw(_("Propose a target for at least one KPI of the scorecard."))
	kpis = {item.kpi for item in doc.items}
	proposal = {}
	for kpi, figure in targets.items():
		if kpi not in kpis:
			frappe.throw(_("KPI {0} is not on scorecard {1}.").format(frappe.bold(kpi), doc.name))
		if isinstance(figure, bool) or not isinstance(figure, int | float | str):
			frappe.throw(_("The target of {0} must be a number.").format(frappe.bold(kpi)))
		try:
			proposal[kpi] = float(figure)
		except ValueError:
			frappe.throw(_("The target of {0} must be a number.").format(frappe.bold(kpi)))
	return proposal


def number(value) -> str:
	return frappe.format_value(value, {"fieldtype": "Float"})


def describe(doc, proposal: dict[str, float]) -> str:
	current = {item.kpi: flt(item.target) for item in doc.items}
	return "; ".join(
		f"{kpi}: {number(current.get(kpi))} → {number(figure)}" for kpi, figure in proposal.items()
	)


def manager_users(doc) -> list[str]:
	"""Who is asked to agree to an employee's proposal: the head of the employee's department,
	or of the nearest department above it that has one; else whoever proposed before them."""
	department = frappe.db.get_value("Employee", doc.employee, "department")
	head = nearest_head_user(department, not_employee=doc.employee)
	if head:
		return [head]
	earlier = frappe.db.get_value(doc.doctype, doc.name, "proposed_by")
	return [earlier] if earlier and earlier != employee_user(doc) else []


@frappe.whitelist(methods=["POST"])
def answer_proposal(scorecard: str, agree: bool, comment: str | None = None) -> dict:
	"""Answer the proposal on the table: the employee answers the manager's, someone who may
	edit the scorecard (never the employee) answers the employee's — agreeing sets its figures."""
	doc = _draft_employee_scorecard(scorecard)
	if doc.agreement_status == BY_EMPLOYEE:
		return answer_employee_proposal(doc, agree, comment)
	doc.check_permission("read")
	if employee_user(doc) != frappe.session.user:
		frappe.throw(
			_("Only {0} can answer for their own targets.").format(doc.employee_name), frappe.PermissionError
		)
	if doc.agreement_status != "Proposed":
		frappe.throw(_("There is no proposal to answer: the targets were not proposed, or changed since."))
	agree = frappe.utils.sbool(agree)
	comment = (comment or "").strip() or None
	if not agree and not comment:
		frappe.throw(_("Say what should change."), frappe.MandatoryError)
	status = "Agreed" if agree else "Changes Requested"
	doc.db_set(
		{
			"agreement_status": status,
			"agreed_by": frappe.session.user if agree else None,
			"agreed_on": now_datetime() if agree else None,
			"agreement_comment": comment,
		}
	)
	doc.add_comment(
		"Info",
		_("Agreed to the targets.") if agree else _("Asked for changes: {0}").format(comment),
	)
	close_all_assignments(doc.doctype, doc.name, ignore_permissions=True)
	if not agree and doc.proposed_by:
		assign(
			{
				"assign_to": [doc.proposed_by],
				"doctype": doc.doctype,
				"name": doc.name,
				"description": _(
					"{0} asked for changes to their targets: {1}",
					lang=languages([doc.proposed_by]).get(doc.proposed_by),
				).format(doc.employee_name or doc.employee, comment),
			},
			ignore_permissions=True,
		)
	return {"agreement_status": status}


def answer_employee_proposal(doc, agree, comment: str | None) -> dict:
	doc.check_permission("write")  # the manager: whoever may edit the employee's scorecard
	user = employee_user(doc)
	if user == frappe.session.user:
		frappe.throw(_("Nobody agrees to their own proposal."), frappe.PermissionError)
	agree = frappe.utils.sbool(agree)
	comment = (comment or "").strip() or None
	if not agree and not comment:
		frappe.throw(_("Say what should change."), frappe.MandatoryError)
	if agree:
		proposal = json.loads(doc.employee_proposal or "{}")
		for item in doc.items:
			if item.kpi in proposal:
				item.target = proposal[item.kpi]
		doc.flags.agreed_proposal = True  # the agreement below is what the change records
		doc.save()
	status = "Agreed" if agree else "Changes Requested"
	doc.db_set(
		{
			"agreement_status": status,
			"agreed_by": frappe.session.user if agree else None,
			"agreed_on": now_datetime() if agree else None,
			"agreement_comment": comment,
		}
	)
	doc.add_comment(
		"Info",
		_("Agreed to the employee's proposed targets.")
		if agree
		else _("Asked for changes: {0}").format(comment),
	)
	close_all_assignments(doc.doctype, doc.name, ignore_permissions=True)
	if not agree and user:
		assign(
			{
				"assign_to": [user],
				"doctype": doc.doctype,
				"name": doc.name,
				"description": _(
					"Your proposed targets in {0} need changes: {1}", lang=languages([user]).get(user)
				).format(doc.title, comment),
			},
			ignore_permissions=True,
		)
	return {"agreement_status": status}
