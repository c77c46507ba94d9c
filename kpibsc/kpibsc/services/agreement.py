"""Targets agreed, not imposed (the "A" of SMART, #18): on an employee's draft scorecard the
manager proposes the targets, the employee agrees or asks for changes, each step recorded with
who and when (fields and the timeline). With *Employees Agree to Their Targets* on in KPI BSC
Settings, only an agreed scorecard can be made Active; changing a target or weight after a
proposal needs a new one. Companies that impose targets leave the setting off."""

import frappe
from frappe import _
from frappe.desk.form.assign_to import add as assign
from frappe.desk.form.assign_to import close_all_assignments
from frappe.utils import now_datetime

from kpibsc.kpibsc.permissions import keep_stored_values
from kpibsc.kpibsc.services.reminders import languages

AGREEMENT_FIELDS = (
	"agreement_status",
	"proposed_by",
	"proposed_on",
	"agreed_by",
	"agreed_on",
	"agreement_comment",
)


def employee_user(doc) -> str | None:
	return frappe.db.get_value("Employee", doc.employee, "user_id") if doc.employee else None


def actions(doc) -> dict[str, bool]:
	"""What the form offers the user: Propose (who may edit a draft employee scorecard), Agree /
	Ask for Changes (the employee, on a proposal)."""
	if doc.scorecard_for != "Employee" or doc.status != "Draft" or doc.is_new():
		return {"can_propose": False, "can_answer": False}
	return {
		"can_propose": bool(frappe.has_permission(doc.doctype, "write", doc=doc)),
		"can_answer": doc.agreement_status == "Proposed" and employee_user(doc) == frappe.session.user,
	}


def keep_and_check(doc):
	"""From KPIScorecard.validate: the agreement fields are the server's; a changed target or
	weight withdraws a proposal or agreement; activation waits for agreement when required."""
	keep_stored_values(doc, AGREEMENT_FIELDS)
	before = None if doc.is_new() else doc.get_doc_before_save()
	if before and doc.agreement_status and targets_changed(before, doc):
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
def answer_proposal(scorecard: str, agree: bool, comment: str | None = None) -> dict:
	"""The employee agrees to the proposed targets, or asks for changes (with a comment); only
	the scorecard's own employee, only on a proposal."""
	doc = _draft_employee_scorecard(scorecard)
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
