"""Scorecard Ranking: departments or employees of a company ranked by their stored score for
a period (or year to date), with the rank band of each (one query). Scorecards on other
scales (a 0-5 one) are ranked and banded on their score in percent (3.6 of 5 is 72) and
show their own score as well ("3.6 / 5")."""

import frappe
from frappe import _
from frappe.core.doctype.user_permission.user_permission import get_user_permissions
from frappe.utils import flt, getdate

from kpibsc.engine import FIVE_BANDS
from kpibsc.kpibsc.permissions import result_query_conditions
from kpibsc.kpibsc.services.score_policy import format_score, to_percent


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	if not filters.company:
		return columns(), []
	rows = read_scores(filters)
	if not rows:
		return columns(), [], _("No scores for this selection yet.")
	score_field, status_field = (
		("ytd_score", "ytd_status") if filters.view == "Year to Date" else ("score", "status")
	)
	# a stored score of 0 with status No Data means nothing was reported: leave it out
	rows = [row for row in rows if row.get(status_field) != "No Data"]
	if not rows:
		return columns(), [], _("No scores for this selection yet.")
	if not filters.period_start:
		latest = max(row.period_start for row in rows)
		rows = [row for row in rows if row.period_start == latest]
	ranked = rank(rows, score_field, status_field)
	return columns(), ranked, None, chart(ranked), summary(ranked)


@frappe.whitelist()
def default_company() -> str | None:
	"""The company the report opens on: the one the user is limited to or chose as their
	default, else their employee's, and only then the site's default company."""
	frappe.has_permission("KPI Scorecard", "read", throw=True)  # the report's users only
	user = frappe.session.user
	permitted = get_user_permissions(user).get("Company") or []
	marked = [row.get("doc") for row in permitted if row.get("is_default")]
	if marked or len(permitted) == 1:
		return (marked or [permitted[0].get("doc")])[0]
	own = frappe.defaults.get_defaults_for(user)
	return (
		own.get("company")
		or own.get("Company")
		or frappe.db.get_value("Employee", {"user_id": user, "status": "Active"}, "company")
		or frappe.defaults.get_user_default("Company")
	)


def read_scores(filters) -> list:
	result = frappe.qb.DocType("KPI Result")
	scorecard = frappe.qb.DocType("KPI Scorecard")
	query = (
		frappe.qb.from_(result)
		.join(scorecard)
		.on(scorecard.name == result.scorecard)
		.select(
			result.scorecard,
			scorecard.title,
			result.department,
			result.employee,
			scorecard.employee_name,
			result.period_start,
			result.score,
			result.ytd_score,
			result.status,
			result.ytd_status,
			result.score_scale,
			result.above_scale,
			result.ytd_above_scale,
		)
		.where(
			(result.node_type == "Scorecard")
			& (result.company == filters.company)
			& (result.scorecard_for == (filters.level or "Employee"))
		)
	)
	if filters.department:
		query = query.where(result.department == filters.department)
	if filters.period_start:
		query = query.where(result.period_start <= getdate(filters.period_start)).where(
			result.period_end >= getdate(filters.period_start)
		)
	conditions = result_query_conditions()
	if conditions:
		# the same row rules as the KPI Result list: a department head sees their department
		allowed = frappe.get_list(
			"KPI Result", filters={"node_type": "Scorecard"}, pluck="scorecard", distinct=True
		)
		query = query.where(result.scorecard.isin(allowed or [""]))
	return query.run(as_dict=True)


def rank(rows: list, score_field: str, status_field: str) -> list[dict]:
	rows = [row for row in rows if row.get(score_field) is not None]
	percents = to_percent([flt(row.get(score_field)) for row in rows], [row.score_scale for row in rows])
	for row, percent in zip(rows, percents, strict=True):
		row.percent = flt(percent, 2)
	scored = sorted(rows, key=lambda row: (-row.percent, row.title or row.scorecard))
	scores = [row.percent for row in scored]
	codes = FIVE_BANDS.assign(scores)
	coefficients = FIVE_BANDS.coefficients(codes)
	ranked, previous, position = [], None, 0
	for index, (row, score, code, coefficient) in enumerate(
		zip(scored, scores, codes, coefficients, strict=True), start=1
	):
		if score != previous:  # equal scores share a rank
			position, previous = index, score
		ranked.append(
			{
				"rank": position,
				"scorecard": row.scorecard,
				"owner": row.employee_name or row.department or row.title,
				"department": row.department,
				"employee": row.employee,
				"score": score,
				"scale_score": format_score(
					row.get(score_field),
					row.score_scale,
					bool(row.get("ytd_above_scale" if score_field == "ytd_score" else "above_scale")),
				),
				"band": code,
				"coefficient": float(coefficient),
				"status": row.get(status_field),
			}
		)
	return ranked


def columns() -> list[dict]:
	return [
		{"fieldname": "rank", "label": _("Rank"), "fieldtype": "Int", "width": 70},
		{"fieldname": "owner", "label": _("Department / Employee"), "fieldtype": "Data", "width": 220},
		{
			"fieldname": "department",
			"label": _("Department"),
			"fieldtype": "Link",
			"options": "Department",
			"width": 180,
		},
		{
			"fieldname": "employee",
			"label": _("Employee"),
			"fieldtype": "Link",
			"options": "Employee",
			"width": 140,
		},
		{"fieldname": "score", "label": _("Score %"), "fieldtype": "Float", "precision": 1, "width": 90},
		{"fieldname": "scale_score", "label": _("Score on Scale"), "fieldtype": "Data", "width": 120},
		{"fieldname": "band", "label": _("Band"), "fieldtype": "Data", "width": 70},
		{
			"fieldname": "coefficient",
			"label": _("Coefficient"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 100,
		},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "scorecard",
			"label": _("Scorecard"),
			"fieldtype": "Link",
			"options": "KPI Scorecard",
			"width": 140,
		},
	]


def chart(ranked: list[dict]) -> dict:
	bands = [band.code for band in FIVE_BANDS.bands]
	counts = [sum(1 for row in ranked if row["band"] == code) for code in bands]
	return {
		"data": {"labels": bands, "datasets": [{"name": _("People"), "values": counts}]},
		"type": "bar",
		"colors": ["#29cd42"],
		"fieldtype": "Int",  # people: "1.234" on a #.###,## site (kpibsc_charts.js)
		"precision": 0,
	}


def summary(ranked: list[dict]) -> list[dict]:
	scores = [row["score"] for row in ranked]
	return [
		{"value": len(ranked), "label": _("Ranked"), "datatype": "Int"},
		{
			# formatted here: a Float card shows the site's 3 decimals ("87,200" for 87.2)
			"value": frappe.format(
				flt(sum(scores) / len(scores), 1) if scores else 0, {"fieldtype": "Float", "precision": 1}
			),
			"label": _("Average Score"),
			"datatype": "Data",
		},
		{
			"value": sum(1 for row in ranked if row["status"] == "Red"),
			"label": _("In Red"),
			"datatype": "Int",
			"indicator": "Red",
		},
	]
