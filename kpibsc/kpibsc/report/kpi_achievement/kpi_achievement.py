"""KPI Achievement: the KPIs of a scorecard across its periods (one query on the stored
results), with the year-to-date figure, the trend over the last two reported periods and a
line chart. When a KPI has versions (services/versions.py), a KPI Version column says which
scored which periods; without versions the report is as it was."""

import frappe
from frappe import _
from frappe.utils import flt, format_date

from kpibsc.engine import PERCENT, SCALES
from kpibsc.kpibsc.services.score_policy import chart_format
from kpibsc.kpibsc.services.versions import versioned_kpis

FIGURES = {"Achievement": "achievement", "Actual": "actual", "Score": "score"}
# how the chart of a figure writes its numbers (public/js/kpibsc_charts.js); scores: their scale's
CHART_FORMATS = {
	"achievement": {"fieldtype": "Percent", "precision": 1},
	"actual": {"fieldtype": "Float", "precision": 2},
}


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	if not filters.scorecard:
		return [], [], _("Choose a scorecard.")
	frappe.get_doc("KPI Scorecard", filters.scorecard).check_permission("read")
	figure = FIGURES.get(filters.figure or "Achievement", "achievement")
	results = read_results(filters.scorecard)
	if not results:
		return [], [], _("No scores yet: approve a measurement or press Recompute on the scorecard.")
	periods = sorted({row.period_start for row in results})
	rows = matrix(results, periods, figure)
	versioned = add_versions(rows, results)
	reported = [period for period in periods if any(row.get(period_key(period)) is not None for row in rows)]
	kpi_chart = filters.kpi and forecast_chart([row for row in results if row.kpi == filters.kpi], periods)
	return (
		columns(periods, figure, versioned),
		rows,
		scale_message(results, figure),
		kpi_chart or chart(rows, reported, figure, results[0].score_scale),
	)


def scale_message(results: list, figure: str) -> str | None:
	"""Scores on another scale than Percent are said above the table ("3.6" means of 5)."""
	scale = SCALES.get(results[0].score_scale or "Percent", PERCENT)
	if figure != "score" or scale == PERCENT:
		return None
	return _("Scores are on the {0} scale: {1} is a met target.").format(
		scale.name, frappe.format(scale.maximum, {"fieldtype": "Float", "precision": 0})
	)


def read_results(scorecard: str) -> list:
	result = frappe.qb.DocType("KPI Result")
	kpi = frappe.qb.DocType("KPI")
	return (
		frappe.qb.from_(result)
		.join(kpi)
		.on(kpi.name == result.kpi)
		.select(
			result.kpi,
			kpi.kpi_name,
			kpi.unit,
			result.weight,
			result.period_start,
			result.target,
			result.actual,
			result.has_actual,
			result.achievement,
			result.score,
			result.ytd_achievement,
			result.ytd_actual,
			result.ytd_score,
			result.ytd_status,
			result.ytd_target,
			result.forecast,
			result.forecast_status,
			kpi.aggregation,
			result.score_scale,
			result.kpi_version,
		)
		.where((result.scorecard == scorecard) & (result.node_type == "KPI"))
		.orderby(result.period_start)
		.run(as_dict=True)
	)


def period_key(period) -> str:
	return "p_" + period.strftime("%Y%m%d")


def matrix(results: list, periods: list, figure: str) -> list[dict]:
	rows = {}
	for result in results:
		row = rows.setdefault(
			result.kpi,
			{
				"kpi": result.kpi,
				"kpi_name": result.kpi_name,
				"unit": result.unit,
				"weight": flt(result.weight),
			},
		)
		value = result.get(figure) if result.has_actual else None
		row[period_key(result.period_start)] = None if value is None else round(value, 2)
		if result.has_actual:  # year to date as of the latest reported period
			row["ytd"] = round(result.get("ytd_" + figure) or 0, 2)
			row["ytd_status"] = result.ytd_status
	for row in rows.values():
		reported = [row[period_key(period)] for period in periods if row.get(period_key(period)) is not None]
		row["trend"] = flt(reported[-1] - reported[-2], 2) if len(reported) > 1 else None
	return sorted(rows.values(), key=lambda row: (-row["weight"], row["kpi"]))


def add_versions(rows: list[dict], results: list) -> bool:
	"""For each KPI with versions, the versions that scored its periods, each from its first
	period: "1; 2 from 03-2025"; False (no column) when no KPI here has versions."""
	versioned = versioned_kpis(row["kpi"] for row in rows)
	if not versioned:
		return False
	used = {}
	for result in results:  # ordered by period
		if result.kpi in versioned:
			used.setdefault(result.kpi, {}).setdefault(result.kpi_version or 1, result.period_start)
	for row in rows:
		versions = list(used.get(row["kpi"], {}).items())
		if versions:
			row["kpi_version"] = "; ".join(
				[str(versions[0][0])]
				+ [
					_("{0} from {1}").format(number, format_date(start, "MM-yyyy"))
					for number, start in versions[1:]
				]
			)
	return True


def columns(periods: list, figure: str, versioned: bool = False) -> list[dict]:
	fieldtype = "Percent" if figure == "achievement" else "Float"
	return [
		{"fieldname": "kpi", "label": _("KPI"), "fieldtype": "Link", "options": "KPI", "width": 90},
		{"fieldname": "kpi_name", "label": _("KPI Name"), "fieldtype": "Data", "width": 220},
		{"fieldname": "unit", "label": _("Unit"), "fieldtype": "Data", "width": 60},
		{"fieldname": "weight", "label": _("Weight"), "fieldtype": "Float", "precision": 1, "width": 70},
		*(
			[{"fieldname": "kpi_version", "label": _("KPI Version"), "fieldtype": "Data", "width": 120}]
			if versioned
			else []
		),
		*(
			{
				"fieldname": period_key(period),
				"label": format_date(period, "MM-yyyy"),
				"fieldtype": fieldtype,
				"width": 95,
			}
			for period in periods
		),
		{
			"fieldname": "ytd",
			"label": _("Year to Date"),
			"fieldtype": fieldtype,
			"precision": 1,
			"width": 110,
		},
		{"fieldname": "trend", "label": _("Trend"), "fieldtype": "Float", "precision": 1, "width": 80},
		{"fieldname": "ytd_status", "label": _("Status"), "fieldtype": "Data", "width": 90},
	]


def chart(rows: list[dict], periods: list, figure: str = "achievement", scale: str | None = None) -> dict:
	"""Lines over the periods reported so far (later periods would plot as zeros), tooltips
	and axis in the site's number format: achievements "85,5%", scores on their scale,
	actuals as numbers."""
	return {
		"data": {
			"labels": [format_date(period, "MM-yyyy") for period in periods],
			"datasets": [
				{
					"name": row["kpi_name"] or row["kpi"],
					"values": [flt(row.get(period_key(period)), 1) for period in periods],
				}
				for row in rows[:8]
			],
		},
		"type": "line",
		"axisOptions": {"xIsSeries": 1},
		**CHART_FORMATS.get(figure, chart_format(scale)),
	}


def forecast_chart(results: list, periods: list) -> dict | None:
	"""One KPI's year so far and where it is heading: the year-to-date actual (bars), the
	year-to-date target (line) and the forecast (line), which follows the actual to the latest
	reported period and then runs to the year-end forecast — on the phased plan for a Sum KPI,
	straight for the others."""
	by_period = {row.period_start: row for row in results}
	reported = [period for period in periods if by_period.get(period) and by_period[period].has_actual]
	if not reported:
		return None
	latest = by_period[reported[-1]]
	actual = [
		flt(by_period[p].ytd_actual, 2) if p <= latest.period_start and p in by_period else 0 for p in periods
	]
	target = [flt(by_period[p].ytd_target, 2) if p in by_period else 0 for p in periods]
	datasets = [
		{"name": _("Actual"), "chartType": "bar", "values": actual},
		{"name": _("Target"), "chartType": "line", "values": target},
	]
	if latest.forecast_status and latest.forecast_status != "Not Enough Data":  # else stored as 0
		after = [p for p in periods if p > latest.period_start]
		path = []
		for step, period in enumerate(after, start=1):
			if latest.aggregation == "Sum" and latest.ytd_target:
				# the run rate to date applied to the plan to that period
				path.append(
					flt(latest.ytd_actual) * flt(target[periods.index(period)]) / flt(latest.ytd_target)
				)
			else:
				path.append(
					flt(latest.ytd_actual) + (latest.forecast - flt(latest.ytd_actual)) * step / len(after)
				)
		forecast = actual[: len(periods) - len(after)] + [flt(value, 2) for value in path]
		datasets.append({"name": _("Forecast"), "chartType": "line", "values": forecast})
	return {
		"data": {"labels": [format_date(period, "MM-yyyy") for period in periods], "datasets": datasets},
		"type": "axis-mixed",
		"colors": ["#5e64ff", "#98a1a9", "#ffa00a"],
		"axisOptions": {"xIsSeries": 1},
		"fieldtype": "Float",
		"precision": 2,
	}
