"""The Performance Review workflow (self assessment → manager review → HR calibration →
approved), created in code so install, migrate and uninstall treat it like the custom fields.

Who may act: the employee themself in self assessment (`employee_user`), their reviewer in
manager review (`reviewer_user`), HR in calibration. kpibsc's row permissions
(`kpibsc.kpibsc.permissions`) keep everyone else out of the review altogether.
"""

import frappe
from frappe.desk.page.setup_wizard.install_fixtures import (
	_,  # marks strings for translation and returns them unchanged, as HRMS's setup does
)

WORKFLOW = "Performance Review"
HR = ("HR Manager", "KPI Manager")
EMPLOYEE_IS_ME = "doc.employee_user == frappe.session.user"
REVIEWER_IS_ME = "doc.reviewer_user == frappe.session.user"

# state, docstatus, roles that may edit, style
STATES = (
	(_("Self Assessment"), 0, ("Employee", *HR), "Warning"),
	(_("Manager Review"), 0, ("Employee", *HR), "Primary"),
	(_("HR Calibration"), 0, (*HR, "HR User"), "Info"),
	(_("Approved"), 1, HR, "Success"),
	(_("Cancelled"), 2, HR, "Danger"),
)
# from, action, to, role, condition
TRANSITIONS = (
	("Self Assessment", _("Submit for Review"), "Manager Review", "Employee", EMPLOYEE_IS_ME),
	("Manager Review", _("Send Back"), "Self Assessment", "Employee", REVIEWER_IS_ME),
	("Manager Review", _("Submit to HR"), "HR Calibration", "Employee", REVIEWER_IS_ME),
	("HR Calibration", _("Return to Manager"), "Manager Review", "HR User", None),
	*(
		transition
		for role in HR
		for transition in (
			("Self Assessment", _("Submit for Review"), "Manager Review", role, None),
			("Manager Review", _("Send Back"), "Self Assessment", role, None),
			("Manager Review", _("Submit to HR"), "HR Calibration", role, None),
			("HR Calibration", _("Return to Manager"), "Manager Review", role, None),
			("HR Calibration", _("Approve"), "Approved", role, None),
		)
	),
)
# what frappe.utils.install makes on every site: never removed
FRAPPE_STATES = ("Pending", "Approved", "Rejected")
FRAPPE_ACTIONS = ("Approve", "Reject", "Review")


def create_workflow():
	for state, _docstatus, _roles, style in STATES:
		if not frappe.db.exists("Workflow State", state):
			frappe.get_doc(
				{"doctype": "Workflow State", "workflow_state_name": state, "style": style}
			).insert(ignore_permissions=True)
	for action in {row[1] for row in TRANSITIONS}:
		if not frappe.db.exists("Workflow Action Master", action):
			frappe.get_doc({"doctype": "Workflow Action Master", "workflow_action_name": action}).insert(
				ignore_permissions=True
			)
	workflow = (
		frappe.get_doc("Workflow", WORKFLOW)
		if frappe.db.exists("Workflow", WORKFLOW)
		else frappe.new_doc("Workflow")
	)
	workflow.update(
		{
			"workflow_name": WORKFLOW,
			"document_type": "Performance Review",
			"workflow_state_field": "workflow_state",
			"is_active": 1,
			"send_email_alert": 0,
		}
	)
	workflow.set(
		"states",
		[
			{"state": state, "doc_status": str(docstatus), "allow_edit": role}
			for state, docstatus, roles, _style in STATES
			for role in roles
		],
	)
	workflow.set(
		"transitions",
		[
			{
				"state": state,
				"action": action,
				"next_state": next_state,
				"allowed": role,
				"condition": condition,
			}
			for state, action, next_state, role, condition in TRANSITIONS
		],
	)
	workflow.save(ignore_permissions=True)


def delete_workflow():
	"""The workflow, and the states and actions it brought that no other workflow uses."""
	frappe.delete_doc("Workflow", WORKFLOW, ignore_missing=True, force=True, ignore_permissions=True)
	for state, _docstatus, _roles, _style in STATES:
		if state not in FRAPPE_STATES and not frappe.db.exists("Workflow Document State", {"state": state}):
			frappe.delete_doc(
				"Workflow State", state, ignore_missing=True, force=True, ignore_permissions=True
			)
	for action in {row[1] for row in TRANSITIONS}:
		if action not in FRAPPE_ACTIONS and not frappe.db.exists("Workflow Transition", {"action": action}):
			frappe.delete_doc(
				"Workflow Action Master", action, ignore_missing=True, force=True, ignore_permissions=True
			)
