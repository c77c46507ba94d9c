"""Balanced Scorecard: perspective → objective → KPI for one scorecard and period, from the
stored KPI Results (one query), with the period's or the year-to-date figures; each
objective also lists its strategic initiatives (Projects) and their progress, for users who
may read Projects. A period nothing has been scored for yet shows its targets; a recompute
that is queued or failed is said above the table. A KPI with versions (services/versions.py)
shows the version that scored the period, in a KPI Version column that only then appears."""

import frappe
from frappe import _
from frappe.utils import flt, getdate

from kpibsc.kpibsc.services.printing import currency_decimals
from kpibsc.kpibsc.services.recompute import recompute_status
from kpibsc.kpibsc.services.score_policy import chart_format, format_score
from kpibsc.kpibsc.services.versions import versioned_kpis
from kpibsc.kpibsc.services.work import initiatives_of, may_read_projects

STATUS_ORDER = ("Red", "Amber", "Green", "No Data")


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	if not filters.scorecard:
		return columns(), [], _("Choose a scorecard.")
	frappe.get_doc("KPI Scorecard", filters.scorecard).check_permission("read")
	status = recompute_status(filters.scorecard)
	updating = frappe.utils.escape_html(status["message"]) if status else None
	results = read_results(filters.scorecard)
	if not results:
		return (
			columns(),
			[],
			updating or _("No scores yet: approve a measurement or press Recompute on the scorecard."),
		)
	if filters.targets == "As Originally Set":
		results, note = as_originally_set(filters.scorecard, results)
		updating = " ".join(text for text in (updating, note) if text)
	period = chosen_period(results, filters.period_start)
	prefix = "ytd_" if filters.view == "Year to Date" else ""
	in_period = [row for row in results if row.period_start == period]
	initiatives = initiatives_of([row.objective for row in in_period if row.node_type == "Objective"])
	rows = tree_rows(in_period, prefix, initiatives)
	add_forecasts(rows, in_period)
	add_currency_decimals(rows)
	return (
		columns(add_versions(rows, in_period)),
		rows,
		updating,
		chart(rows, in_period[0].score_scale),
		summary(rows, results, period),
	)


def read_results(scorecard: str) -> list:
	result = frappe.qb.DocType("KPI Result")
	kpi = frappe.qb.DocType("KPI")
	objective = frappe.qb.DocType("Strategic Objective")
	perspective = frappe.qb.DocType("BSC Perspective")
	query = (
		frappe.qb.from_(result)
		.left_join(kpi)
		.on(kpi.name == result.kpi)
		.left_join(objective)
		.on(objective.name == result.objective)
		.left_join(perspective)
		.on(perspective.name == result.perspective)
		.select(
			result.node_type,
			result.kpi,
			kpi.kpi_name,
			kpi.unit,
			result.objective,
			objective.objective_name,
			result.perspective,
			perspective.sort_order,
			perspective.color,
			result.weight,
			result.period_start,
			result.period_end,
			result.target,
			result.actual,
			result.has_actual,
			result.achievement,
			result.score,
			result.status,
			result.ytd_target,
			result.ytd_actual,
			result.ytd_achievement,
			result.ytd_score,
			result.ytd_status,
			result.score_scale,
			result.above_scale,
			result.ytd_above_scale,
		)
		.select(
			kpi.scoring_method,
			result.forecast,
			result.forecast_low,
			result.forecast_high,
			result.forecast_achievement,
			result.forecast_status,
			result.trend,
			result.kpi_version,
		)
		.where(result.scorecard == scorecard)
		.orderby(result.period_start)
	)
	# Read permission on the scorecard (checked in execute) covers its results.
	return query.run(as_dict=True)


# what a revision changes in a result: the figures scored against the targets and weights
REVISED_FIGURES = (
	"weight",
	"target",
	"achievement",
	"score",
	"status",
	"above_scale",
	"ytd_target",
	"ytd_achievement",
	"ytd_score",
	"ytd_status",
	"ytd_above_scale",
	"forecast_achievement",
	"forecast_status",
)


def as_originally_set(scorecard: str, results: list) -> tuple[list, str]:
	"""The stored results with their figures scored against the targets and weights as set
	before the first revision (services/revisions.py scores them in memory), and a note."""
	from kpibsc.kpibsc.services.revisions import scored_as_originally_set

	frame = scored_as_originally_set(scorecard)
	if frame is None:
		return results, _("Nothing was revised: the targets as originally set are the ones in force.")
	original = {result_key(record): record for record in frame.to_dict("records")}
	shown = []
	for row in results:
		record = original.get(result_key(row))
		if record is None:  # no score against the original targets
			shown.append(
				frappe._dict(row, score=None, status="No Data", ytd_score=None, ytd_status="No Data")
			)
			continue
		shown.append(
			frappe._dict(row, **{field: stored_value(record.get(field)) for field in REVISED_FIGURES})
		)
	return shown, _("Figures against the targets and weights as originally set, before any revision.")


def result_key(row) -> tuple:
	node_type = row.get("node_type")
	owner = {"KPI": "kpi", "Objective": "objective", "Perspective": "perspective"}.get(node_type)
	return node_type, stored_value(row.get(owner)) if owner else None, getdate(row.get("period_start"))


def stored_value(value):
	"""A frame's value as the KPI Result row stores it: a missing number as 0."""
	if isinstance(value, float) and value != value:
		return 0.0
	return value


def score_text(row, prefix: str) -> str | None:
	"""The score on its scale where the number alone would mislead: "3.6 / 5" on a 0-5
	scorecard, "120 (above scale)" past the top of the scale; None for a plain percent."""
	above = bool(row.get(prefix + "above_scale"))
	if (row.get("score_scale") or "Percent") == "Percent" and not above:
		return None
	return format_score(row.get(prefix + "score"), row.get("score_scale"), above)


def chosen_period(results: list, wanted) -> object:
	periods = sorted({row.period_start for row in results})
	if wanted:
		wanted = getdate(wanted)
		earlier = [period for period in periods if period <= wanted]
		return earlier[-1] if earlier else periods[0]
	# the latest period with an actual, else the first
	reported = [row.period_start for row in results if row.node_type == "KPI" and row.has_actual]
	return max(reported) if reported else periods[0]


def tree_rows(results: list, prefix: str, initiatives: dict | None = None) -> list[dict]:
	def figures(row):
		if (row.get(prefix + "status") or "No Data") == "No Data":  # stored as 0: nothing reported
			return {
				"target": row.get(prefix + "target") if row.node_type == "KPI" else None,
				"status": "No Data",
			}
		if row.node_type != "KPI":  # objectives and up have a score, not a target or an actual
			return {
				"score": row.get(prefix + "score"),
				"score_text": score_text(row, prefix),
				"status": row.get(prefix + "status") or "No Data",
			}
		return {
			"target": row.get(prefix + "target"),
			"actual": row.get(prefix + "actual") if row.has_actual or prefix else None,
			"achievement": row.get(prefix + "achievement") if row.has_actual or prefix else None,
			"score": row.get(prefix + "score"),
			"score_text": score_text(row, prefix),
			"status": row.get(prefix + "status") or "No Data",
		}

	by_type = {node_type: [] for node_type in ("Scorecard", "Perspective", "Objective", "KPI")}
	for row in with_missing_nodes(results):
		by_type[row.node_type].append(row)
	rows = []
	for total in by_type["Scorecard"]:
		rows.append(
			{"name": "scorecard", "parent": None, "indent": 0, "node": _("Scorecard"), **figures(total)}
		)
	perspectives = sorted(by_type["Perspective"], key=lambda row: (row.sort_order or 0, row.perspective))
	objectives_of, kpis_of = {}, {}
	for row in by_type["Objective"]:
		objectives_of.setdefault(row.perspective, []).append(row)
	for row in by_type["KPI"]:
		kpis_of.setdefault(row.objective or row.perspective, []).append(row)
	for perspective in perspectives:
		key = f"P:{perspective.perspective}"
		rows.append(
			{
				"name": key,
				"parent": "scorecard",
				"indent": 1,
				# translated at runtime: BSC Perspective is a translated DocType
				"node": _(perspective.perspective),
				"color": perspective.color,
				**figures(perspective),
			}
		)
		for objective in objectives_of.get(perspective.perspective, []):
			objective_key = f"O:{objective.objective}"
			rows.append(
				{
					"name": objective_key,
					"parent": key,
					"indent": 2,
					"node": objective.objective_name or objective.objective,
					"objective": objective.objective,
					**figures(objective),
				}
			)
			rows.extend(
				kpi_row(kpi, objective_key, 3, figures) for kpi in kpis_of.get(objective.objective, [])
			)
			rows.extend(
				initiative_row(project, objective_key)
				for project in (initiatives or {}).get(objective.objective, [])
			)
		rows.extend(
			kpi_row(kpi, key, 2, figures)
			for kpi in kpis_of.get(perspective.perspective, [])
			if not kpi.objective
		)
	# KPIs with neither objective nor perspective hang from the scorecard itself
	rows.extend(kpi_row(kpi, "scorecard", 1, figures) for kpi in kpis_of.get(None, []))
	return rows


def add_forecasts(rows: list[dict], results: list):
	"""Where the year is heading as it stood at this period (the same in both views): the
	forecast and its achievement for a KPI, the trend's arrow and whether it is good news, and
	every node's forecast status (At Risk: today Amber or better, the forecast below Amber)."""
	keys = {"Scorecard": lambda row: "scorecard", "Perspective": lambda row: f"P:{row.perspective}"}
	keys |= {"Objective": lambda row: f"O:{row.objective}", "KPI": lambda row: f"K:{row.kpi}"}
	forecasts = {keys[row.node_type](row): row for row in results if row.get("forecast_status")}
	for row in rows:
		result = forecasts.get(row["name"])
		if not result:
			continue
		row["forecast_status"] = result.forecast_status
		if result.node_type != "KPI":
			continue
		if result.forecast_status != "Not Enough Data":  # the figures are stored as 0 then
			row["forecast"] = result.forecast
			row["forecast_low"] = result.forecast_low
			row["forecast_high"] = result.forecast_high
			row["forecast_achievement"] = result.forecast_achievement
		if result.trend:
			lower_is_better = result.scoring_method == "Lower is Better"
			row["trend"] = result.trend
			row["trend_is_good"] = result.trend == "Flat" or ((result.trend == "Up") != lower_is_better)


def with_missing_nodes(results: list) -> list:
	"""Objectives, perspectives and a scorecard nothing was scored for have no stored row (the
	roll-up skips them); their KPIs still show, under nodes without a score."""
	present = {(row.node_type, row.objective or row.perspective) for row in results if row.node_type != "KPI"}
	missing = {}
	for row in results:
		if row.node_type != "KPI":
			continue
		nodes = [("Scorecard", None, {})]
		if row.perspective:
			nodes.append(("Perspective", row.perspective, {}))
		if row.objective:
			nodes.append(("Objective", row.objective, {"objective_name": row.objective_name}))
		for node_type, key, values in nodes:
			if (node_type, key) not in present and (node_type, key) not in missing:
				missing[(node_type, key)] = frappe._dict(
					node_type=node_type,
					objective=key if node_type == "Objective" else None,
					perspective=row.perspective if node_type != "Scorecard" else None,
					sort_order=row.sort_order,
					color=row.color,
					status="No Data",
					ytd_status="No Data",
					**values,
				)
	return [*results, *missing.values()]


def kpi_row(row, parent: str, indent: int, figures) -> dict:
	return {
		"name": f"K:{row.kpi}",
		"parent": parent,
		"indent": indent,
		"node": row.kpi_name or row.kpi,
		"kpi": row.kpi,
		"unit": row.unit,
		"weight": flt(row.weight),
		**figures(row),
	}


def add_currency_decimals(rows: list[dict]) -> None:
	"""A KPI measured in a currency (unit "VND") shows its figures with that currency's decimals:
	none for VND. The others keep the columns' two."""
	units = {row["unit"] for row in rows if row.get("kpi") and row.get("unit")}
	currencies = (
		set(frappe.get_all("Currency", filters={"name": ("in", list(units))}, pluck="name"))
		if units
		else set()
	)
	for row in rows:
		if row.get("kpi") and row.get("unit") in currencies:
			row["precision"] = currency_decimals(row["unit"])


def initiative_row(project, parent: str) -> dict:
	"""A strategic initiative (Project) of the objective, with its progress."""
	return {
		"name": f"I:{project.name}",
		"parent": parent,
		"indent": 3,
		"node": _("Initiative: {0}").format(project.project_name or project.name),
		"initiative": project.name,
		"progress": flt(project.percent_complete),
		"status": project.status,
	}


def add_versions(rows: list[dict], results: list) -> bool:
	"""The version that scored the period, on the rows of KPIs with versions; False (no
	column) when no KPI here has versions."""
	versioned = versioned_kpis(row.kpi for row in results if row.node_type == "KPI")
	if not versioned:
		return False
	numbers = {row.kpi: row.kpi_version or 1 for row in results if row.node_type == "KPI"}
	for row in rows:
		if row.get("kpi") in versioned and row["name"].startswith("K:"):
			row["kpi_version"] = numbers.get(row["kpi"])
	return True


def columns(versioned: bool = False) -> list[dict]:
	"""The initiative columns only for users who may read Projects: a Link column's values are
	checked against the user's access to its DocType; the KPI Version column only when a KPI
	shown has versions."""
	return [
		column
		for column in all_columns()
		if (column["fieldname"] not in ("initiative", "progress") or may_read_projects())
		and (column["fieldname"] != "kpi_version" or versioned)
	]


def all_columns() -> list[dict]:
	return [
		{"fieldname": "node", "label": _("Perspective / Objective / KPI"), "fieldtype": "Data", "width": 320},
		{"fieldname": "kpi", "label": _("KPI"), "fieldtype": "Link", "options": "KPI", "width": 100},
		{"fieldname": "unit", "label": _("Unit"), "fieldtype": "Data", "width": 70},
		{"fieldname": "kpi_version", "label": _("KPI Version"), "fieldtype": "Int", "width": 90},
		{"fieldname": "weight", "label": _("Weight"), "fieldtype": "Float", "precision": 1, "width": 80},
		{"fieldname": "target", "label": _("Target"), "fieldtype": "Float", "precision": 2, "width": 140},
		{"fieldname": "actual", "label": _("Actual"), "fieldtype": "Float", "precision": 2, "width": 140},
		{
			"fieldname": "achievement",
			"label": _("Achievement"),
			"fieldtype": "Percent",
			"precision": 1,
			"width": 120,
		},
		{"fieldname": "score", "label": _("Score"), "fieldtype": "Float", "precision": 1, "width": 90},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 90},
		{"fieldname": "forecast", "label": _("Forecast"), "fieldtype": "Float", "precision": 2, "width": 140},
		{
			"fieldname": "forecast_achievement",
			"label": _("Forecast Achievement"),
			"fieldtype": "Percent",
			"precision": 1,
			"width": 120,
		},
		{"fieldname": "trend", "label": _("Trend"), "fieldtype": "Data", "width": 70},
		{"fieldname": "forecast_status", "label": _("Forecast Status"), "fieldtype": "Data", "width": 120},
		{
			"fieldname": "initiative",
			"label": _("Initiative"),
			"fieldtype": "Link",
			"options": "Project",
			"width": 110,
		},
		{
			"fieldname": "progress",
			"label": _("Initiative Progress"),
			"fieldtype": "Percent",
			"precision": 0,
			"width": 110,
		},
	]


# the desk's indicator colours (green, orange, red, gray) for the chart's bars
STATUS_CHART_COLOURS = {"Green": "#29cd42", "Amber": "#ffa00a", "Red": "#e24c4c", "No Data": "#98a1a9"}


def chart(rows: list[dict], scale: str | None = None) -> dict | None:
	"""The perspectives' scores as bars coloured by their status: one dataset per status
	that occurs, stacked, so each bar carries its own status's colour; tooltips and axis in
	the site's number format, on the scorecard's scale ("85,5%", "3,6")."""
	# a perspective nothing was reported for has no score (not 0): it is left out
	perspectives = [row for row in rows if row["name"].startswith("P:") and row.get("score") is not None]
	if not perspectives:
		return None
	statuses = [
		status
		for status in STATUS_CHART_COLOURS
		if any((row.get("status") or "No Data") == status for row in perspectives)
	]
	names = {"Green": _("Green"), "Amber": _("Amber"), "Red": _("Red"), "No Data": _("No Data")}
	return {
		"data": {
			"labels": [row["node"] for row in perspectives],
			"datasets": [
				{
					"name": names[status],
					"values": [
						flt(row["score"], 1) if (row.get("status") or "No Data") == status else 0
						for row in perspectives
					],
				}
				for status in statuses
			],
		},
		"type": "bar",
		"colors": [STATUS_CHART_COLOURS[status] for status in statuses],
		"barOptions": {"stacked": 1},
		**chart_format(scale),
	}


def summary(rows: list[dict], results: list, period) -> list[dict]:
	total = next((row for row in rows if row["indent"] == 0), {})
	kpis = [row for row in rows if row.get("kpi")]
	red = sum(1 for row in kpis if row["status"] == "Red")
	at_risk = sum(1 for row in kpis if row.get("forecast_status") == "At Risk")
	reported = sum(
		1 for row in results if row.node_type == "KPI" and row.period_start == period and row.has_actual
	)
	indicator = {"Green": "Green", "Amber": "Orange", "Red": "Red"}.get(total.get("status"), "Grey")
	score = total.get("score")
	return [
		{
			# formatted here: a Float card shows the site's 3 decimals ("100,100")
			"value": _("No Data")
			if score is None
			else total.get("score_text")
			or frappe.format(flt(score, 1), {"fieldtype": "Float", "precision": 1}),
			"label": _("Score"),
			"datatype": "Data",
			"indicator": indicator,
		},
		{"value": f"{reported} / {len(kpis)}", "label": _("KPIs Reported"), "datatype": "Data"},
		{"value": red, "label": _("KPIs in Red"), "datatype": "Int", "indicator": "Red" if red else "Green"},
		{"value": frappe.format(period, {"fieldtype": "Date"}), "label": _("Period"), "datatype": "Data"},
		{
			"value": at_risk,
			"label": _("KPIs at Risk"),
			"datatype": "Int",
			"indicator": "Red" if at_risk else "Green",
		},
	]
