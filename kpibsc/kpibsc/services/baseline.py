"""Targets suggested from a baseline (#18): for each item of a draft scorecard, the same
owner's actuals of the same KPI over the previous period of equal length (a year before a
year), aggregated as the KPI aggregates and improved by a percentage. The suggestion shows its
basis; applying it sets the items' targets through the scorecard's own save (which phases
them), on the server's own figures, never the client's."""

import json

import frappe
from frappe import _
from frappe.utils import add_days, date_diff, flt, format_date, getdate

from kpibsc.engine import Method
from kpibsc.engine.baseline import previous_period, suggest_target
from kpibsc.engine.errors import EngineError
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error


def previous_actuals(doc, kpis: list[str], start, end) -> dict[str, list[float | None]]:
	"""KPI -> the owner's actual of each period of the previous period (None where the period
	was not reported), from the stored KPI Results of the owner's scorecards between `start`
	and `end` (one query)."""
	scorecard = frappe.qb.DocType("KPI Scorecard")
	result = frappe.qb.DocType("KPI Result")
	owner = (scorecard.scorecard_for == doc.scorecard_for) & (scorecard.company == doc.company)
	if doc.scorecard_for == "Department":
		owner &= scorecard.department == doc.department
	elif doc.scorecard_for == "Employee":
		owner &= scorecard.employee == doc.employee
	rows = (
		frappe.qb.from_(result)
		.join(scorecard)
		.on(scorecard.name == result.scorecard)
		.select(result.kpi, result.period_start, result.actual, result.has_actual)
		.where(
			owner
			& (scorecard.name != doc.name)
			& (result.node_type == "KPI")
			& result.kpi.isin(kpis or [""])
			& (result.period_start >= start)
			& (result.period_end <= end)
		)
		.orderby(result.period_start)
		.orderby(scorecard.creation)
		.run(as_dict=True)
	)
	by_kpi: dict[str, dict] = {}
	for row in rows:  # a later scorecard's figure for the same period wins
		by_kpi.setdefault(row.kpi, {})[row.period_start] = flt(row.actual) if row.has_actual else None
	return {kpi: list(periods.values()) for kpi, periods in by_kpi.items()}


def direction(item, kpi) -> bool | None:
	"""Whether the item is better higher (True), lower (False), or has no direction (None)."""
	method = item.scoring_method or kpi.scoring_method
	if method == Method.LOWER_IS_BETTER:
		return False
	if method in (Method.TARGET_RANGE, Method.YES_NO):
		return None
	if method == Method.STEP_BANDS:
		return kpi.step_direction != "Lower is Better"
	if method == Method.THRESHOLDS and item.red_flag is not None and item.target is not None:
		return not flt(item.red_flag) > flt(item.target)
	return True


def suggestions(doc, growth_percent: float) -> list[dict]:
	"""One suggestion per item of `doc`, with its basis in words."""
	kpis = [item.kpi for item in doc.items]
	start, end = previous_period(getdate(doc.from_date), getdate(doc.to_date))
	history = previous_actuals(doc, kpis, start, end)
	definitions = {
		row.name: row
		for row in frappe.get_all(
			"KPI",
			filters={"name": ("in", kpis or [""])},
			fields=["name", "scoring_method", "step_direction", "whole_numbers", "aggregation"],
		)
	}
	found = []
	for item in doc.items:
		kpi = definitions[item.kpi]
		aggregation = item.aggregation or kpi.aggregation or "Sum"
		try:
			suggestion = suggest_target(
				history.get(item.kpi, []),
				aggregation,
				flt(growth_percent),
				direction(item, kpi),
				bool(kpi.whole_numbers),
			)
		except EngineError as error:
			throw_engine_error(error)
		if suggestion.baseline is None:
			basis = _("No actuals from {0} to {1}").format(format_date(start), format_date(end))
		elif suggestion.target is None:
			basis = _("{0} of {1} to {2}; a range or yes/no KPI is not grown").format(
				frappe.format_value(suggestion.baseline, {"fieldtype": "Float"}),
				format_date(start),
				format_date(end),
			)
		else:
			basis = _("{0} of {1} to {2} ({3}, {4} periods reported), {5}% better").format(
				frappe.format_value(suggestion.baseline, {"fieldtype": "Float"}),
				format_date(start),
				format_date(end),
				_(aggregation),  # translated at runtime: the aggregation options are in the catalogue
				suggestion.periods_reported,
				frappe.format_value(
					flt(growth_percent),
					{"fieldtype": "Int" if flt(growth_percent).is_integer() else "Float", "precision": 2},
				),
			)
		found.append(
			{
				"kpi": item.kpi,
				"kpi_name": item.kpi_name,
				"target": item.target,
				"suggested": suggestion.target,
				"baseline": suggestion.baseline,
				"basis": basis,
			}
		)
	return found


@frappe.whitelist()
def suggest_targets(scorecard: str, growth_percent: float) -> list[dict]:
	"""The suggestions for the stored scorecard, for whoever may read it."""
	doc = frappe.get_doc("KPI Scorecard", scorecard)
	doc.check_permission("read")
	return suggestions(doc, growth_percent)


@frappe.whitelist(methods=["POST"])
def apply_suggested_targets(scorecard: str, growth_percent: float, kpis: str | list) -> dict:
	"""Set the suggested targets of `kpis` (one item or all) on a draft scorecard the caller
	may edit; the scorecard's save phases them. Items with nothing to suggest keep theirs."""
	doc = frappe.get_doc("KPI Scorecard", scorecard)
	doc.check_permission("write")
	if doc.status != "Draft":
		frappe.throw(
			_(
				"Targets are suggested for a draft scorecard; {0} is {1}. Revise an active scorecard's targets on the scorecard itself."
			).format(
				doc.name,
				_(doc.status),  # translated at runtime: the status options are in the catalogue
			)
		)
	wanted = set(json.loads(kpis) if isinstance(kpis, str) else kpis)
	suggested = {row["kpi"]: row["suggested"] for row in suggestions(doc, growth_percent)}
	changed = 0
	for item in doc.items:
		if item.kpi in wanted and suggested.get(item.kpi) is not None:
			item.target = suggested[item.kpi]
			changed += 1
	if changed:
		doc.save()
	return {"changed": changed}
