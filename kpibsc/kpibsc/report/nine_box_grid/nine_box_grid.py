"""Nine Box Grid: performance (Low / Medium / High from the final score) x potential (the
reviewer's rating on the review), one row per potential from High down, each with the box's
name, who is in it and how many, and a last row of the reviews whose potential is not rated.
Reviews are read through get_list: a reviewer sees only the reviews they may read.

Performance is High from `high_from` (default 90), Medium from `medium_from` (default 70),
Low below: the default rank bands' A and C."""

import numpy as np

import frappe
from frappe import _
from frappe.utils import flt

from kpibsc.engine.calibration import BOX_NAMES, LEVELS, nine_box
from kpibsc.engine.errors import EngineError
from kpibsc.kpibsc.services.calibration import departments_under
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error

MEDIUM_FROM, HIGH_FROM = 70.0, 90.0
NOT_RATED = "Not Rated"


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	medium_from = flt(filters.medium_from) if filters.get("medium_from") not in (None, "") else MEDIUM_FROM
	high_from = flt(filters.high_from) if filters.get("high_from") not in (None, "") else HIGH_FROM
	reviews = frappe.get_list(  # get_list: a reviewer sees their team, HR everyone
		"Performance Review",
		filters=review_filters(filters),
		fields=["name", "employee", "employee_name", "final_score", "potential"],
		order_by="final_score desc, employee asc",
		limit_page_length=0,
	)
	try:
		levels, boxes = nine_box(
			[flt(row.final_score) if row.final_score is not None else np.nan for row in reviews],
			[row.potential or None for row in reviews],
			medium_from,
			high_from,
		)
	except EngineError as error:
		throw_engine_error(error, _("Nine Box Grid"))
	rows = grid_rows(reviews, levels)
	message = None if reviews else _("No reviews match these filters.")
	return columns(), rows, message, None, report_summary(reviews, levels, boxes)


def review_filters(filters) -> dict:
	conditions = {"docstatus": ("<", 2)}
	for field in ("review_cycle", "company"):
		if filters.get(field):
			conditions[field] = filters.get(field)
	if filters.get("department"):
		conditions["department"] = ("in", departments_under(filters.department))
	if filters.get("approved_only"):
		conditions["docstatus"] = 1
	return conditions


def grid_rows(reviews: list, levels) -> list[dict]:
	"""Three rows (potential High, Medium, Low) of three boxes (performance Low, Medium, High),
	then the not-rated row; a review without a final score has no level and is left out."""
	rows = []
	for potential in (*reversed(LEVELS), NOT_RATED):
		label = _("Not Rated") if potential == NOT_RATED else _(potential)  # translated at runtime: an option
		row = {"potential": potential, "potential_label": label}
		for level in LEVELS:
			people = [
				review
				for review, review_level in zip(reviews, levels, strict=True)
				if review_level == level and (review.potential or NOT_RATED) == potential
			]
			key = level.lower()
			box = BOX_NAMES.get((level, potential))
			row[f"{key}_box"] = _(box) if box else ""  # translated at runtime: a box name
			row[f"{key}_count"] = len(people)
			row[f"{key}_employees"] = ", ".join(review.employee_name or review.employee for review in people)
			row[f"{key}_reviews"] = [review.name for review in people]
		rows.append(row)
	return rows


def columns() -> list[dict]:
	columns = [{"fieldname": "potential_label", "label": _("Potential"), "fieldtype": "Data", "width": 120}]
	labels = {
		"low": (_("Low Performance"), _("Count (Low)")),
		"medium": (_("Medium Performance"), _("Count (Medium)")),
		"high": (_("High Performance"), _("Count (High)")),
	}
	for key, (label, count_label) in labels.items():
		columns += [
			{"fieldname": f"{key}_box", "label": _("Box"), "fieldtype": "Data", "width": 140},
			{"fieldname": f"{key}_employees", "label": label, "fieldtype": "Data", "width": 240},
			{"fieldname": f"{key}_count", "label": count_label, "fieldtype": "Int", "width": 90},
		]
	return columns


def report_summary(reviews: list, levels, boxes) -> list[dict]:
	rated = sum(1 for box in boxes if box)
	not_rated = sum(
		1 for review, level in zip(reviews, levels, strict=True) if level and not review.potential
	)
	return [
		{"value": len(reviews), "label": _("Reviews"), "datatype": "Int"},
		{"value": rated, "label": _("In the Grid"), "datatype": "Int", "indicator": "Green"},
		{"value": not_rated, "label": _("Potential Not Rated"), "datatype": "Int", "indicator": "Orange"},
		{
			"value": sum(1 for box in boxes if box == "Star"),
			"label": _("Stars"),
			"datatype": "Int",
			"indicator": "Blue",
		},
	]
