"""Reads and rules shared by scorecards: the KPIs of a scorecard in one query, phasing."""

from datetime import date

import frappe
from frappe import _
from frappe.utils import flt, getdate

from kpibsc.engine import Phasing, month_weights, phase_targets, split_periods
from kpibsc.engine.errors import EngineError
from kpibsc.engine.rounding import require_whole, target_precision
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
			"unit",
			"whole_numbers",
		],
	)
	by_name = {kpi.name: frappe._dict(kpi, step_bands=[]) for kpi in kpis}
	for kpi in by_name.values():
		# a summed KPI is whole-numbered by its flag or a unit that counts (customers, hires...)
		kpi.precision = target_precision(kpi.whole_numbers, kpi.unit, kpi.aggregation)
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
	kpis: dict,
	from_date: date,
	to_date: date,
	frequency: str,
	phasing: str,
	monthly_distribution: str | None = None,
	pins: list[dict] | None = None,
) -> list[list[dict]]:
	"""Target rows (kpi, period, target, pinned) of each item, phased by the engine.

	Items may come from many scorecards sharing the period and phasing: the engine phases
	all the items of one aggregation and precision (whole units or cents) in a single call.
	`pins` holds, per item, the targets a planner pinned by (period start, period end); the rest
	of the item's target is spread over its other periods. A pin whose period no longer exists
	(the dates or the frequency changed) lapses."""
	try:
		periods = split_periods(getdate(from_date), getdate(to_date), frequency)
		weights = None
		engine_phasing = {"Equal": Phasing.EQUAL, "By Days": Phasing.BY_DAYS}.get(phasing, Phasing.WEIGHTS)
		if engine_phasing == Phasing.WEIGHTS:
			weights = month_weights(periods, distribution_percentages(monthly_distribution))
		pins = pins or [{} for _item in items]
		pin_matrix = [
			[pins[index].get((period.start, period.end)) for period in periods] for index in range(len(items))
		]
		groups: dict[tuple[str, int], list[int]] = {}
		for index, item in enumerate(items):
			kpi = kpis[item.kpi]
			groups.setdefault((kpi.aggregation, kpi.precision), []).append(index)
			if kpi.precision == 0:
				require_whole([item.target or 0.0, *pins[index].values()], kpi.kpi_code, kpi.unit)
		rows: list[list[dict]] = [[] for _item in items]
		for (aggregation, precision), positions in groups.items():
			pinned = [pin_matrix[index] for index in positions]
			targets = phase_targets(
				[items[index].target or 0.0 for index in positions],
				periods,
				aggregation,
				engine_phasing,
				weights,
				precision=precision,
				pinned=pinned if any(pins[index] for index in positions) else None,
				labels=[kpis[items[index].kpi].kpi_code for index in positions],
			)
			for index, item_targets in zip(positions, targets, strict=True):
				rows[index] = [
					{
						"kpi": items[index].kpi,
						"period_start": period.start,
						"period_end": period.end,
						"target": float(target),
						"pinned": int(pin is not None),
					}
					for period, target, pin in zip(periods, item_targets, pin_matrix[index], strict=True)
				]
	except EngineError as error:
		throw_engine_error(error, _("Phasing"))
	return rows


def pinned_targets(targets: list, stored: list | None = None) -> dict[str, dict[tuple, float]]:
	"""Pinned targets by KPI and period: rows ticked Pinned, and rows whose target the planner
	changed from the stored one (typing a period's target pins it)."""
	before = {row.name: row.target for row in stored or () if row.name}
	pins: dict[str, dict[tuple, float]] = {}
	for row in targets:
		old = before.get(row.name)
		changed = old is not None and abs(flt(row.target) - flt(old)) > 1e-9 * max(1.0, abs(flt(old)))
		if row.pinned or changed:
			row.pinned = 1
			period = (getdate(row.period_start), getdate(row.period_end))
			pins.setdefault(row.kpi, {})[period] = flt(row.target)
	return pins


def phased_rows(items: list, kpis: dict, *period_and_phasing, targets=(), stored=None) -> list[dict]:
	"""Target rows of one scorecard, in item order then period order, keeping its pins."""
	ordered = sorted(items, key=lambda item: item.idx)
	pins = pinned_targets(targets, stored)
	return [
		row
		for item_rows in phase_items(
			ordered, kpis, *period_and_phasing, pins=[pins.get(item.kpi, {}) for item in ordered]
		)
		for row in item_rows
	]


def form_actions(doc) -> dict[str, bool]:
	"""What the user may do with a stored scorecard, asked the way each action asks, so the
	form shows only the buttons that work: its Save follows the row rules (the desk's own
	permission check only knows the roles), Cascade needs the scorecard's department or a
	KPI Manager, the scores follow read access, Fetch Actuals a measurement the user may make."""
	is_open = doc.status != "Closed"
	# frappe.has_permission, not doc.has_permission: that one prints "Not allowed" when denied
	can_write = frappe.has_permission(doc.doctype, "write", doc=doc)
	managed = managed_departments()
	may_cascade_from = can_write or managed is None or (doc.department and doc.department in managed)
	return {
		"can_write": can_write,
		"can_cascade": bool(
			is_open and may_cascade_from and frappe.has_permission("KPI Scorecard", "create")
		),
		"can_recompute": frappe.has_permission(doc.doctype, "read", doc=doc),
		"can_fetch_actuals": bool(
			is_open
			and frappe.has_permission(
				"KPI Measurement", "create", doc=frappe.new_doc("KPI Measurement", scorecard=doc.name)
			)
		),
	}
