"""Targets suggested from a baseline (#18), for each item of a draft scorecard:

- *Last Period*: the same owner's actuals of the same KPI over the previous period of equal
  length (a year before a year), aggregated as the KPI aggregates and improved by a percentage;
- *Parent Split*: what the parent scorecard's cascade would give this owner — the parent's
  target split evenly or by headcount among everyone the parent cascades to (the cascade's own
  arithmetic, whole units included), or the whole target where the parent's item keeps it.

The suggestion shows its basis; applying it sets the items' targets through the scorecard's
own save (which phases them), on the server's own figures, never the client's."""

import json

import frappe
from frappe import _
from frappe.utils import add_days, date_diff, flt, format_date, getdate

from kpibsc.engine import Method
from kpibsc.engine.baseline import previous_period, suggest_target
from kpibsc.engine.errors import EngineError
from kpibsc.kpibsc.services.cascade import (
	LEVELS_BELOW,
	SPLIT_BASES,
	CascadePlan,
	child_units,
	child_values,
	level_label,
)
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error
from kpibsc.kpibsc.services.scorecards import get_kpis

BASES = ("Last Period", "Parent Split")


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


def suggestions(
	doc, growth_percent: float = 0, basis: str = "Last Period", split_basis: str = "Evenly"
) -> list[dict]:
	"""One suggestion per item of `doc`, with its basis in words."""
	if basis not in BASES:
		frappe.throw(_("Suggest targets from the Last Period or the Parent Split."))
	if basis == "Parent Split":
		return parent_split_suggestions(doc, split_basis)
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


def parent_split_suggestions(doc, split_basis: str) -> list[dict]:
	"""The targets the parent scorecard's cascade gives this scorecard's owner, worked out
	for everyone below the parent (a share depends on how many share) but written nowhere."""
	if not doc.parent_scorecard:
		frappe.throw(
			_("Scorecard {0} has no parent scorecard to take a split from.").format(doc.name),
			title=_("No Parent Scorecard"),
		)
	if split_basis not in SPLIT_BASES:
		frappe.throw(_("Split the targets Evenly or By Headcount."))
	parent = frappe.get_doc("KPI Scorecard", doc.parent_scorecard)
	parent.check_permission("read")  # the split shows the parent's targets
	level = doc.scorecard_for
	if level not in LEVELS_BELOW.get(parent.scorecard_for, ()):
		frappe.throw(
			_("A {0} scorecard cannot be split to the {1} level.").format(
				level_label(parent.scorecard_for), level_label(level)
			)
		)
	owner = doc.employee if level == "Employee" else doc.department
	by_headcount = split_basis == "By Headcount"
	units = child_units(parent, level, False, by_headcount)
	if owner not in {unit.name for unit in units} and parent.scorecard_for == "Department":
		units = child_units(parent, level, True, by_headcount)  # an employee of a sub-department
	position = next((index for index, unit in enumerate(units) if unit.name == owner), None)
	if position is None:
		frappe.throw(
			_("{0} is not below the owner of the parent scorecard {1}.").format(
				frappe.bold(owner), parent.name
			)
		)
	own_kpis = {item.kpi for item in doc.items}
	parent_items = {}
	for item in parent.items:  # the first row of a KPI, as the cascade matches rows
		if item.kpi in own_kpis and item.cascade_mode:
			parent_items.setdefault(item.kpi, item)
	plan = CascadePlan(parent, level, units, list(parent_items.values()), get_kpis(list(parent_items)))
	values = child_values(plan, split_basis) if parent_items else {}
	found = []
	for item in doc.items:
		parent_item = parent_items.get(item.kpi)
		suggested, basis = None, _("Not cascaded on the parent scorecard {0}").format(parent.name)
		if parent_item:
			suggested = values[parent_item.name][position]["target"]
			parent_target = frappe.format_value(flt(parent_item.target), {"fieldtype": "Float"})
			if values[parent_item.name][position]["target"] == flt(parent_item.target) or len(units) == 1:
				basis = _("The whole target of the parent {0}: {1}").format(parent.name, parent_target)
			else:
				basis = _("{0} of the parent {1}, split {2} among {3}").format(
					parent_target,
					parent.name,
					# translated at runtime: the split bases are in the catalogue
					_(split_basis).lower(),
					len(units),
				)
		found.append(
			{
				"kpi": item.kpi,
				"kpi_name": item.kpi_name,
				"target": item.target,
				"suggested": suggested,
				"baseline": flt(parent_item.target) if parent_item else None,
				"basis": basis,
			}
		)
	return found


@frappe.whitelist()
def suggest_targets(
	scorecard: str, growth_percent: float = 0, basis: str = "Last Period", split_basis: str = "Evenly"
) -> list[dict]:
	"""The suggestions for the stored scorecard, for whoever may read it."""
	doc = frappe.get_doc("KPI Scorecard", scorecard)
	doc.check_permission("read")
	return suggestions(doc, growth_percent, basis, split_basis)


@frappe.whitelist(methods=["POST"])
def apply_suggested_targets(
	scorecard: str,
	growth_percent: float,
	kpis: str | list,
	basis: str = "Last Period",
	split_basis: str = "Evenly",
) -> dict:
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
	suggested = {row["kpi"]: row["suggested"] for row in suggestions(doc, growth_percent, basis, split_basis)}
	changed = 0
	for item in doc.items:
		if item.kpi in wanted and suggested.get(item.kpi) is not None:
			item.target = suggested[item.kpi]
			changed += 1
	if changed:
		doc.save()
	return {"changed": changed}
