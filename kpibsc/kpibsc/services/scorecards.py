"""Reads and rules shared by scorecards: the KPIs of a scorecard in one query, phasing."""

from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate

from kpibsc.engine import Phasing, month_weights, phase_targets, split_periods
from kpibsc.engine.errors import EngineError
from kpibsc.kpibsc.permissions import managed_departments
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
			"data_source",
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


def scorecard_title(owner: str, from_date: date, to_date: date) -> str:
	start, end = getdate(from_date).year, getdate(to_date).year
	if start == end:
		return _("{0} {1}").format(owner, start)
	return _("{0} {1}–{2}").format(owner, start, end)


def distribution_percentages(monthly_distribution: str) -> dict[int, float]:
	rows = frappe.get_all(
		"Monthly Distribution Percentage",
		filters={"parent": monthly_distribution, "parenttype": "Monthly Distribution"},
		fields=["month", "percentage_allocation"],
	)
	return {MONTHS.index(row.month) + 1: row.percentage_allocation for row in rows if row.month in MONTHS}


def phase_items(
	items: list,
	aggregations: dict[str, str],
	from_date: date,
	to_date: date,
	frequency: str,
	phasing: str,
	monthly_distribution: str | None = None,
) -> list[list[dict]]:
	"""Target rows (kpi, period, target) of each item, phased by the engine.

	Items may come from many scorecards sharing the period and phasing: the engine
	phases all the items of one aggregation in a single call."""
	try:
		periods = split_periods(getdate(from_date), getdate(to_date), frequency)
		weights = None
		engine_phasing = {"Equal": Phasing.EQUAL, "By Days": Phasing.BY_DAYS}.get(phasing, Phasing.WEIGHTS)
		if engine_phasing == Phasing.WEIGHTS:
			weights = month_weights(periods, distribution_percentages(monthly_distribution))
		rows: list[list[dict]] = [[] for _item in items]
		for aggregation in set(aggregations.values()):
			positions = [index for index, item in enumerate(items) if aggregations[item.kpi] == aggregation]
			if not positions:
				continue
			targets = phase_targets(
				[items[index].target or 0.0 for index in positions],
				periods,
				aggregation,
				engine_phasing,
				weights,
				precision=2,
			)
			for index, item_targets in zip(positions, targets, strict=True):
				rows[index] = [
					{
						"kpi": items[index].kpi,
						"period_start": period.start,
						"period_end": period.end,
						"target": float(target),
					}
					for period, target in zip(periods, item_targets, strict=True)
				]
	except EngineError as error:
		throw_engine_error(error, _("Phasing"))
	return rows


def phased_rows(items: list, aggregations: dict[str, str], *period_and_phasing) -> list[dict]:
	"""Target rows of one scorecard, in item order then period order."""
	ordered = sorted(items, key=lambda item: item.idx)
	return [
		row
		for item_rows in phase_items(
			ordered, {item.kpi: aggregations[item.kpi] for item in ordered}, *period_and_phasing
		)
		for row in item_rows
	]


def form_actions(doc) -> dict[str, bool]:
	"""What the user may do with a stored scorecard, asked the way each action asks, so the
	form shows only the buttons that work: its Save follows the row rules (the desk's own
	permission check only knows the roles), Cascade needs the scorecard's department or a
	KPI Manager, the scores follow read access, Fetch Actuals a measurement the user may make."""
	is_open = doc.status != "Closed"
	can_write = bool(doc.has_permission("write"))
	managed = managed_departments()
	may_cascade_from = can_write or managed is None or (doc.department and doc.department in managed)
	return {
		"can_write": can_write,
		"can_cascade": bool(
			is_open and may_cascade_from and frappe.has_permission("KPI Scorecard", "create")
		),
		"can_recompute": bool(doc.has_permission("read")),
		"can_fetch_actuals": bool(
			is_open and frappe.new_doc("KPI Measurement", scorecard=doc.name).has_permission("create")
		),
	}
