"""Child tables are read as their parent's rows.

`frappe.client.get_list` and `frappe.desk.reportview.get` read a child table when given its
parent DocType, and Frappe checks only that the user may read the parent DocType at all: the
parent's row rule (`permission_query_conditions`) is not applied to the child's rows. Any
employee could list every rater's ratings and comments, every check-in's actions and KPIs,
every scorecard's targets. Each child table of a DocType with a row rule gets the parent's
rule here: a child row is listed only when its parent would be.
"""

import frappe

from kpibsc.kpibsc import permissions

# child table -> (its parent, the parent's row rule)
PARENT_RULES = {
	"KPI Scorecard Item": ("KPI Scorecard", permissions.scorecard_query_conditions),
	"KPI Scorecard Target": ("KPI Scorecard", permissions.scorecard_query_conditions),
	"KPI Measurement Item": ("KPI Measurement", permissions.measurement_query_conditions),
	"KPI Target Revision Item": ("KPI Target Revision", permissions.revision_query_conditions),
	"Performance Review Competency": ("Performance Review", permissions.review_query_conditions),
	"Performance Feedback Rating": (
		"Performance Feedback Request",
		permissions.feedback_request_query_conditions,
	),
	"Performance Check-in KPI": ("Performance Check-in", permissions.checkin_query_conditions),
	"Performance Check-in Action": ("Performance Check-in", permissions.checkin_query_conditions),
}


def child_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""The rows of `doctype` whose parent the user may list (none for an unknown child table)."""
	parent, rule = PARENT_RULES.get(doctype, (None, None))
	if not parent:
		return "1=0"
	condition = rule(user or frappe.session.user)
	if not condition:
		return ""  # the parent's every row
	return (
		f"(`tab{doctype}`.`parenttype` = {frappe.db.escape(parent)} and `tab{doctype}`.`parent` in "
		f"(select `tab{parent}`.`name` from `tab{parent}` where {condition}))"
	)
