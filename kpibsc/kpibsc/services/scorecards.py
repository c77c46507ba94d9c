"""Reads and rules shared by scorecards: the KPIs of a scorecard in one query, phasing."""

from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate

from kpibsc.engine import Phasing, month_weights, phase_targets, split_periods
from kpibsc.engine.errors import EngineError
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error

MONTHS = (
	"January",
	"February",
	"March",
	"April",
	"May",
	"June",
	"July",
	"August",
	"September",
	"October",
	"November",
	"December",
)


def get_kpis(names: list[str]) -> dict[str, frappe._dict]:
	"""KPI settings with their step bands, two queries for any number of KPIs."""
	if not names:
		return {}
	kpis = frappe.get_all(
		"KPI",
		filters={"name": ("in", list(set(names)))},
		fields=[
			"name",
			"kpi_code",
			"kpi_name",
			"scoring_method",
			"aggregation",
			"lower_bound",
			"upper_bound",
			"tolerance",
			"step_direction",
			"formula",
			"disabled",
		],
	)
	by_name = {kpi.name: frappe._dict(kpi, step_bands=[]) for kpi in kpis}
	for band in frappe.get_all(
		"KPI Step Band",
		filters={"parent": ("in", list(by_name)), "parenttype": "KPI"},
		fields=["parent", "achievement_from", "score"],
		order_by="idx",
	):
		by_name[band.parent].step_bands.append(band)
	return by_name


def distribution_percentages(monthly_distribution: str) -> dict[int, float]:
	rows = frappe.get_all(
		"Monthly Distribution Percentage",
		filters={"parent": monthly_distribution, "parenttype": "Monthly Distribution"},
		fields=["month", "percentage_allocation"],
	)
	return {MONTHS.index(row.month) + 1: row.percentage_allocation for row in rows if row.month in MONTHS}


def phased_rows(
	items: list,
	aggregations: dict[str, str],
	from_date: date,
	to_date: date,
	frequency: str,
	phasing: str,
	monthly_distribution: str | None = None,
) -> list[dict]:
	"""Target rows (kpi, period, target) for every item and period, phased by the engine."""
	try:
		periods = split_periods(getdate(from_date), getdate(to_date), frequency)
		weights = None
		engine_phasing = {"Equal": Phasing.EQUAL, "By Days": Phasing.BY_DAYS}.get(phasing, Phasing.WEIGHTS)
		if engine_phasing == Phasing.WEIGHTS:
			weights = month_weights(periods, distribution_percentages(monthly_distribution))
		rows = []
		for aggregation in set(aggregations.values()):
			group = [item for item in items if aggregations[item.kpi] == aggregation]
			if not group:
				continue
			targets = phase_targets(
				[item.target or 0.0 for item in group],
				periods,
				aggregation,
				engine_phasing,
				weights,
				precision=2,
			)
			for item, item_targets in zip(group, targets, strict=True):
				rows.extend(
					{
						"kpi": item.kpi,
						"period_start": period.start,
						"period_end": period.end,
						"target": float(target),
					}
					for period, target in zip(periods, item_targets, strict=True)
				)
	except EngineError as error:
		throw_engine_error(error, _("Phasing"))
	# A KPI appears once per scorecard, so it identifies the item.
	order = {item.kpi: item.idx for item in items}
	return sorted(rows, key=lambda row: (order[row["kpi"]], row["period_start"]))
