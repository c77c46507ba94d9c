"""Data for the Strategy Map page: perspectives as bands, objectives with their latest
status and strategic initiatives (Projects), and the "supports" links (four queries)."""

import frappe
from frappe import _

from kpibsc.kpibsc.permissions import owner_criterion
from kpibsc.kpibsc.services.score_policy import scale_text
from kpibsc.kpibsc.services.work import initiatives_of

LEVEL_ORDER = {"Company": 2, "Department": 1, "Employee": 0}


@frappe.whitelist()
def get_strategy_map(strategy: str) -> dict:
	frappe.get_doc("Strategy", strategy).check_permission("read")
	objective = frappe.qb.DocType("Strategic Objective")
	link = frappe.qb.DocType("Strategic Objective Link")
	result = frappe.qb.DocType("KPI Result")
	perspective = frappe.qb.DocType("BSC Perspective")
	objectives = (
		frappe.qb.from_(objective)
		.select(
			objective.name,
			objective.objective_name,
			objective.perspective,
			objective.level,
			objective.department,
			objective.parent_strategic_objective,
		)
		.where(objective.strategy == strategy)
		.orderby(objective.lft)
		.run(as_dict=True)
	)
	names = [row.name for row in objectives] or [""]
	links = (
		frappe.qb.from_(link)
		.select(link.parent.as_("source"), link.objective.as_("target"))
		.where(link.parent.isin(names) & (link.parenttype == "Strategic Objective"))
		.run(as_dict=True)
	)
	# year to date at the latest reported period; the company's scorecard before a
	# department's, a department's before a person's
	# only the scores the user may read: a person's objective score is theirs and their head's
	readable = owner_criterion(result) if frappe.has_permission("KPI Result", "read") else False
	scores = []
	if readable is not False:
		query = (
			frappe.qb.from_(result)
			.select(
				result.objective,
				result.scorecard_for,
				result.period_start,
				result.ytd_score,
				result.ytd_status,
				result.forecast_status,
				result.score_scale,
				result.ytd_above_scale,
			)
			.where(
				result.objective.isin(names)
				& (result.node_type == "Objective")
				& (result.status != "No Data")
			)
			.orderby(result.period_start)
		)
		scores = (query.where(readable) if readable is not None else query).run(as_dict=True)
	latest = {}
	for row in scores:
		rank = (LEVEL_ORDER.get(row.scorecard_for, 0), row.period_start)
		if row.objective not in latest or rank >= latest[row.objective][0]:
			latest[row.objective] = (rank, row)
	initiatives = initiatives_of(names)
	for row in objectives:
		row.initiatives = initiatives.get(row.name, [])
		found = latest.get(row.name)
		row.score = found[1].ytd_score if found else None
		# "3.6 / 5" on a 0-5 scorecard, "(above scale)" past its top; None for plain percent
		row.score_text = (
			scale_text(row.score, found[1].score_scale, found[1].ytd_above_scale) if found else None
		)
		row.status = found[1].ytd_status if found else "No Data"
		# where the year is heading: the objective's forecast colour, or At Risk
		row.forecast_status = found[1].forecast_status if found else None
	perspectives = (
		frappe.qb.from_(perspective)
		.select(perspective.name, perspective.sort_order, perspective.color)
		.orderby(perspective.sort_order)
		.run(as_dict=True)
	)
	used = {row.perspective for row in objectives}
	return {
		"perspectives": [
			# translated at runtime: BSC Perspective is a translated DocType
			{"name": row.name, "label": _(row.name), "color": row.color}
			for row in perspectives
			if row.name in used
		],
		"objectives": objectives,
		"links": links,
	}
