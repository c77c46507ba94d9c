"""KPI Evaluation Due: KPIs whose evaluation is due or overdue, and KPIs that scorecards carry
but nobody has reported for the last N periods — both want someone to look at them again."""

import frappe
from frappe import _
from frappe.query_builder.functions import Max
from frappe.utils import add_days, cint, date_diff, getdate, nowdate

from kpibsc.engine.evaluation import periods_since_reported


def execute(filters: dict | None = None, today=None):
	filters = frappe._dict(filters or {})
	frappe.has_permission("KPI Evaluation", "create", throw=True)
	return columns(), rows(
		getdate(today or nowdate()),
		cint(filters.get("due_within_days", 30)),
		max(cint(filters.get("unreported_periods", 3)), 1),
	)


def rows(today, due_within_days: int, unreported_periods: int) -> list[dict]:
	kpi = frappe.qb.DocType("KPI")
	kpis = {
		row.name: row
		for row in frappe.qb.from_(kpi)
		.select(
			kpi.name, kpi.kpi_name, kpi.evaluation_owner, kpi.owner, kpi.review_frequency, kpi.next_evaluation
		)
		.where(kpi.disabled == 0)
		.run(as_dict=True)
	}
	unreported = unreported_kpis(today, set(kpis))
	found = []
	for name, row in sorted(kpis.items()):
		due = row.next_evaluation and getdate(row.next_evaluation) <= add_days(today, due_within_days)
		missed, last_reported = unreported.get(name, (0, None))
		if not due and missed < unreported_periods:
			continue
		overdue = date_diff(today, row.next_evaluation) if due else None
		reasons = []
		if due:
			reasons.append(_("Evaluation overdue") if overdue > 0 else _("Evaluation due"))
		if missed >= unreported_periods:
			reasons.append(_("Not reported for {0} periods").format(missed))
		found.append(
			{
				"kpi": name,
				"kpi_name": row.kpi_name,
				"evaluation_owner": row.evaluation_owner or row.owner,
				"review_frequency": row.review_frequency,
				"next_evaluation": row.next_evaluation,
				"days_overdue": max(overdue, 0) if overdue is not None else None,
				"last_reported": last_reported,
				"periods_unreported": missed,
				"why": "; ".join(reasons),
			}
		)
	return found


def unreported_kpis(today, kpis: set[str]) -> dict[str, tuple[int, object]]:
	"""KPI -> (how many of its latest ended periods in a row no scorecard reported, the start
	of the last period that was reported), for KPIs on scorecards; one grouped query."""
	result = frappe.qb.DocType("KPI Result")
	periods = (
		frappe.qb.from_(result)
		.select(result.kpi, result.period_start, Max(result.has_actual).as_("reported"))
		.where(
			(result.node_type == "KPI") & (result.period_end <= today) & result.kpi.isin(list(kpis) or [""])
		)
		.groupby(result.kpi, result.period_start)
		.orderby(result.kpi)
		.orderby(result.period_start)
		.run(as_dict=True)
	)
	by_kpi: dict[str, list] = {}
	for row in periods:
		by_kpi.setdefault(row.kpi, []).append(row)
	found = {}
	for name, series in by_kpi.items():
		reported = [bool(row.reported) for row in series]
		last = next((row.period_start for row in reversed(series) if row.reported), None)
		found[name] = (periods_since_reported(reported), last)
	return found


def columns() -> list[dict]:
	return [
		{"fieldname": "kpi", "label": _("KPI"), "fieldtype": "Link", "options": "KPI", "width": 120},
		{"fieldname": "kpi_name", "label": _("KPI Name"), "fieldtype": "Data", "width": 220},
		{
			"fieldname": "evaluation_owner",
			"label": _("Evaluation Owner"),
			"fieldtype": "Link",
			"options": "User",
			"width": 180,
		},
		{"fieldname": "review_frequency", "label": _("Review Frequency"), "fieldtype": "Data", "width": 110},
		{"fieldname": "next_evaluation", "label": _("Next Evaluation"), "fieldtype": "Date", "width": 120},
		{"fieldname": "days_overdue", "label": _("Days Overdue"), "fieldtype": "Int", "width": 100},
		{"fieldname": "last_reported", "label": _("Last Reported Period"), "fieldtype": "Date", "width": 140},
		{
			"fieldname": "periods_unreported",
			"label": _("Periods Not Reported"),
			"fieldtype": "Int",
			"width": 110,
		},
		{"fieldname": "why", "label": _("Why"), "fieldtype": "Data", "width": 260},
	]
