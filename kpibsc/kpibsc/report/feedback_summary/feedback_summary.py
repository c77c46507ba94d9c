"""Feedback Summary: per review, how many raters were asked, answered and declined, and the
average rating of each source as the cycle's anonymity lets it be shown (never a rater; a
rater source only from the threshold's number of responses in an anonymous cycle). The
reviews are the ones the user may read (get_list); the answers are the engine's aggregates."""

import frappe
from frappe import _

from kpibsc.kpibsc.services.feedback import completion, request_counts, summaries


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	conditions = {"docstatus": ("<", 2)}
	for field in ("review_cycle", "company", "department"):
		if filters.get(field):
			conditions[field] = filters.get(field)
	reviews = frappe.get_list(  # get_list: the reviewee their own, a manager their team, HR all
		"Performance Review",
		filters=conditions,
		fields=["name", "employee", "employee_name", "department", "review_cycle", "competency_score"],
		order_by="employee_name asc",
		limit_page_length=0,
	)
	if not reviews:
		return columns(), [], _("No reviews match these filters.")
	items = {}
	for row in frappe.get_all(
		"Performance Review Competency",
		filters={"parent": ("in", [review.name for review in reviews]), "parenttype": "Performance Review"},
		fields=["parent", "competency", "self_rating", "manager_rating"],
		order_by="idx",
	):
		items.setdefault(row.parent, []).append(row)
	for review in reviews:
		review.competencies = items.get(review.name, [])
	averages = summaries(reviews)
	counts = request_counts([review.name for review in reviews])
	rows = []
	for review in reviews:
		entry = counts.get(review.name) or {"requested": 0, "submitted": 0, "declined": 0}
		rows.append(
			{
				"review": review.name,
				"employee": review.employee,
				"employee_name": review.employee_name,
				"department": review.department,
				**entry,
				"completion": completion(entry),
				**averages.get(review.name, {}),
				"competency_score": review.competency_score,
			}
		)
	return columns(), rows


def columns() -> list[dict]:
	return [
		{
			"fieldname": "review",
			"label": _("Performance Review"),
			"fieldtype": "Link",
			"options": "Performance Review",
			"width": 150,
		},
		{
			"fieldname": "employee",
			"label": _("Employee"),
			"fieldtype": "Link",
			"options": "Employee",
			"width": 120,
		},
		{"fieldname": "employee_name", "label": _("Employee Name"), "fieldtype": "Data", "width": 160},
		{
			"fieldname": "department",
			"label": _("Department"),
			"fieldtype": "Link",
			"options": "Department",
			"width": 150,
		},
		{"fieldname": "requested", "label": _("Requested"), "fieldtype": "Int", "width": 90},
		{"fieldname": "submitted", "label": _("Answered"), "fieldtype": "Int", "width": 90},
		{"fieldname": "declined", "label": _("Declined"), "fieldtype": "Int", "width": 90},
		{"fieldname": "completion", "label": _("Completion %"), "fieldtype": "Percent", "width": 110},
		*(
			{"fieldname": source, "label": label, "fieldtype": "Float", "precision": 2, "width": 100}
			for source, label in (
				("self", _("Self")),
				("manager", _("Manager")),
				("peers", _("Peers")),
				("reports", _("Direct Reports")),
				("others", _("Others")),
			)
		),
		{
			"fieldname": "competency_score",
			"label": _("Competency Score"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 130,
		},
	]
