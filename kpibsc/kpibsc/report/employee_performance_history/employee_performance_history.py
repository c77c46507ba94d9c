"""Employee Performance History: an employee's reviews over time — KPI, competency and
final scores and the rank band (one permission-aware query)."""

import frappe
from frappe import _


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	conditions = {"docstatus": ("<", 2)}
	for field in ("employee", "company", "department"):
		if filters.get(field):
			conditions[field] = filters.get(field)
	rows = frappe.get_list(  # get_list: employees see their own, managers their team
		"Performance Review",
		filters=conditions,
		fields=[
			"name",
			"employee",
			"employee_name",
			"period_type",
			"from_date",
			"to_date",
			"kpi_score",
			"competency_score",
			"final_score",
			"rank_band",
			"workflow_state",
		],
		order_by="employee asc, from_date asc",
		limit_page_length=0,
	)
	if not rows:
		return columns(), [], _("No reviews match these filters.")
	# a line needs two points (frappe-charts draws a broken path for one)
	return columns(), rows, None, chart(rows) if filters.get("employee") and len(rows) > 1 else None


def columns() -> list[dict]:
	return [
		{
			"fieldname": "name",
			"label": _("Review"),
			"fieldtype": "Link",
			"options": "Performance Review",
			"width": 150,
		},
		{
			"fieldname": "employee",
			"label": _("Employee"),
			"fieldtype": "Link",
			"options": "Employee",
			"width": 110,
		},
		{"fieldname": "employee_name", "label": _("Employee Name"), "fieldtype": "Data", "width": 170},
		{"fieldname": "period_type", "label": _("Review Period"), "fieldtype": "Data", "width": 100},
		{"fieldname": "from_date", "label": _("From Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "to_date", "label": _("To Date"), "fieldtype": "Date", "width": 100},
		{
			"fieldname": "kpi_score",
			"label": _("KPI Score"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 100,
		},
		{
			"fieldname": "competency_score",
			"label": _("Competency Score"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 130,
		},
		{
			"fieldname": "final_score",
			"label": _("Final Score"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 100,
		},
		{"fieldname": "rank_band", "label": _("Rank Band"), "fieldtype": "Data", "width": 90},
		{"fieldname": "workflow_state", "label": _("Step"), "fieldtype": "Data", "width": 130},
	]


def chart(rows: list) -> dict:
	return {
		"data": {
			"labels": [frappe.format(row.to_date, {"fieldtype": "Date"}) for row in rows],
			"datasets": [
				{"name": _("KPI Score"), "values": [row.kpi_score or 0 for row in rows]},
				{"name": _("Final Score"), "values": [row.final_score or 0 for row in rows]},
			],
		},
		"type": "line",
		# as the score columns: the site's number format, one decimal (kpibsc_charts.js)
		"fieldtype": "Float",
		"precision": 1,
	}
