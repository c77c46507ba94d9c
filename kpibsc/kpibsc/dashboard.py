"""Numbers for the KPI BSC workspace cards, from the stored results (one query each), through
the KPI Result row rules: a card counts only what its user may read."""

import frappe
from frappe.query_builder.functions import Avg, Count, Max, Min
from frappe.utils import flt

from kpibsc.kpibsc.permissions import owner_criterion
from kpibsc.kpibsc.services.score_policy import scale_text


def _company(filters) -> str | None:
	filters = frappe.parse_json(filters) if isinstance(filters, str) else (filters or {})
	return filters.get("company") or frappe.defaults.get_user_default("Company")


def _readable(result):
	"""The row rule on KPI Result for the user: None for every row, False for none."""
	if not frappe.has_permission("KPI Result", "read"):
		return False
	return owner_criterion(result)


@frappe.whitelist()
def kpis_at_risk(filters: str | dict | None = None) -> int:
	"""KPIs whose forecast is At Risk at their latest reported period: on track or nearly so
	today, forecast to end the year below Amber."""
	result = frappe.qb.DocType("KPI Result")
	readable = _readable(result)
	if readable is False:
		return 0
	latest = (
		frappe.qb.from_(result)
		.select(result.scorecard, result.kpi, Max(result.period_start).as_("period_start"))
		.where((result.node_type == "KPI") & (result.has_actual == 1))
		.where(result.company == _company(filters))
		.groupby(result.scorecard, result.kpi)
	)
	query = (
		frappe.qb.from_(result)
		.join(latest)
		.on(
			(latest.scorecard == result.scorecard)
			& (latest.kpi == result.kpi)
			& (latest.period_start == result.period_start)
		)
		.select(Count("*"))
		.where((result.node_type == "KPI") & (result.forecast_status == "At Risk"))
	)
	if readable is not None:
		query = query.where(readable)
	rows = query.run()
	return rows[0][0] if rows else 0


@frappe.whitelist()
def scorecards_in_red(filters: str | dict | None = None) -> int:
	"""Employee and department scorecards whose latest scored period is Red."""
	result = frappe.qb.DocType("KPI Result")
	readable = _readable(result)
	if readable is False:
		return 0
	latest = (
		frappe.qb.from_(result)
		.select(result.scorecard, Max(result.period_start).as_("period_start"))
		.where((result.node_type == "Scorecard") & (result.status != "No Data"))
		.where(result.company == _company(filters))
		.groupby(result.scorecard)
	)
	query = (
		frappe.qb.from_(result)
		.join(latest)
		.on((latest.scorecard == result.scorecard) & (latest.period_start == result.period_start))
		.select(Count("*"))
		.where((result.node_type == "Scorecard") & (result.status == "Red"))
	)
	if readable is not None:
		query = query.where(readable)
	rows = query.run()
	return rows[0][0] if rows else 0


@frappe.whitelist()
def company_score(filters: str | dict | None = None) -> str:
	"""Year-to-date score of the company scorecard, at its latest scored period, for those who
	may read the company's scorecard, as the site writes numbers ("85,5" on a #.###,## site):
	the card shows what a custom card's method returns as it is."""
	result = frappe.qb.DocType("KPI Result")
	readable = _readable(result)
	if readable is False:
		return _score(0)
	company_scores = (
		(result.node_type == "Scorecard")
		& (result.scorecard_for == "Company")
		& (result.company == _company(filters))
		& (result.ytd_status != "No Data")
	)
	if readable is not None:
		company_scores &= readable
	latest = frappe.qb.from_(result).select(Max(result.period_start)).where(company_scores)
	rows = (
		frappe.qb.from_(result)
		.select(
			Avg(result.ytd_score),
			Min(result.score_scale),
			Max(result.score_scale),
			Max(result.ytd_above_scale),
		)
		.where(company_scores & (result.period_start == latest))
		.run()
	)
	if rows and rows[0][0] is not None and rows[0][1] == rows[0][2]:
		# on the company's scale: "4.1 / 5" on 0-5, "(above scale)" past its top
		return scale_text(flt(rows[0][0], 1), rows[0][1], bool(rows[0][3])) or _score(rows[0][0])
	return _score(rows[0][0] if rows else 0)


def _score(value) -> str:
	return frappe.format(flt(value, 1), {"fieldtype": "Float", "precision": 1})
