"""The KPI BSC workspace's guide for a new site (*Set up your Balanced Scorecard*, the Module
Onboarding in `kpibsc/kpibsc/module_onboarding`).

Frappe ticks a step only when it is done from the guide itself. A step whose work the site
already holds — KPIs loaded from the list's button, a scorecard made from the sidebar, the
demo — is ticked here, when a KPI or System Manager opens the desk, so the guide never asks
for what is done.
"""

import frappe

ONBOARDING = "KPI BSC"
GUIDE_ROLES = {"KPI Manager", "System Manager"}
KPI_ROLES = ("KPI Manager", "KPI User")


def _holds(doctype: str, filters: dict | None = None) -> bool:
	return bool(frappe.get_all(doctype, filters=filters or {}, limit=1, pluck="name"))


# step -> whether the site already holds what the step makes
DONE = {
	"KPI BSC Load KPI Library": lambda: _holds("KPI"),
	"KPI BSC Create Strategy": lambda: _holds("Strategy"),
	"KPI BSC Create Company Scorecard": lambda: _holds("KPI Scorecard", {"scorecard_for": "Company"}),
	"KPI BSC Cascade Scorecard": lambda: _holds("KPI Scorecard", {"parent_scorecard": ("is", "set")}),
	"KPI BSC Enter Actual": lambda: _holds("KPI Measurement", {"docstatus": 1}),
	"KPI BSC Give Roles": lambda: _holds(
		"Has Role",
		{"parenttype": "User", "role": ("in", KPI_ROLES), "parent": ("not in", ("Administrator", "Guest"))},
	),
}


def complete_done_steps():
	"""Tick the guide's open steps whose work exists; nothing once the guide is complete (one
	query). Called from `boot_session` (a GET: the change is committed through flags.commit)."""
	if frappe.session.user == "Guest" or not GUIDE_ROLES & set(frappe.get_roles()):
		return
	if not frappe.db.exists("Module Onboarding", {"name": ONBOARDING, "is_complete": 0}):
		return
	pending = frappe.get_all(
		"Onboarding Step",
		filters={"name": ("in", list(DONE)), "is_complete": 0, "is_skipped": 0},
		pluck="name",
	)
	done = [step for step in pending if DONE[step]()]
	if not done:
		return
	step = frappe.qb.DocType("Onboarding Step")
	frappe.qb.update(step).set(step.is_complete, 1).where(step.name.isin(done)).run()
	frappe.local.flags.commit = True
