"""Review Summary: per department, how many reviews, their average scores and how they fall
into the rank bands, against the forced-distribution quotas (one query, permission-aware)."""

import frappe
from frappe import _
from frappe.utils import flt

from kpibsc.kpibsc.services.feedback import completion, request_counts
from kpibsc.kpibsc.services.reviews import get_settings


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	settings = get_settings()
	bands = [band[0] for band in sorted(settings.bands, key=lambda band: -band[1])] or list("ABCDE")
	reviews = frappe.get_list(  # get_list: a manager sees their team, HR everyone
		"Performance Review",
		filters=review_filters(filters),
		fields=[
			"name",
			"department",
			"rank_band",
			"final_score",
			"kpi_score",
			"competency_score",
			"docstatus",
		],
		limit_page_length=0,
	)
	if not reviews:
		return columns(bands), [], _("No reviews match these filters.")
	rows = summary_rows(reviews, bands, request_counts([review.name for review in reviews]))
	return columns(bands), rows, None, chart(rows, bands, settings), report_summary(reviews, bands, settings)


def review_filters(filters) -> dict:
	conditions = {"docstatus": ("<", 2)}
	for field in ("review_cycle", "company", "department"):
		if filters.get(field):
			conditions[field] = filters.get(field)
	if filters.get("approved_only"):
		conditions["docstatus"] = 1
	return conditions


def summary_rows(reviews: list, bands: list[str], feedback: dict | None = None) -> list[dict]:
	"""`feedback`: review -> its feedback request counts (services/feedback.request_counts)."""
	feedback = feedback or {}
	by_department = {}
	for review in reviews:
		by_department.setdefault(review.department or _("No Department"), []).append(review)
	rows = []
	for department, group in sorted(by_department.items()):
		scored = [flt(row.final_score) for row in group if row.final_score is not None]
		row = {
			"department": department,
			"reviews": len(group),
			"approved": sum(1 for review in group if review.docstatus == 1),
			"average_score": flt(sum(scored) / len(scored), 2) if scored else None,
		}
		for band in bands:
			row[band_field(band)] = sum(1 for review in group if review.rank_band == band)
		asked = [feedback[review.name] for review in group if review.name in feedback]
		row["feedback_completion"] = completion(
			{key: sum(entry[key] for entry in asked) for key in ("requested", "submitted", "declined")}
			if asked
			else None
		)
		rows.append(row)
	return rows


def band_field(band: str) -> str:
	return "band_" + frappe.scrub(band)


def columns(bands: list[str]) -> list[dict]:
	return [
		{
			"fieldname": "department",
			"label": _("Department"),
			"fieldtype": "Link",
			"options": "Department",
			"width": 220,
		},
		{"fieldname": "reviews", "label": _("Reviews"), "fieldtype": "Int", "width": 90},
		{"fieldname": "approved", "label": _("Approved"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "average_score",
			"label": _("Average Score"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 120,
		},
		*(
			{
				"fieldname": band_field(band),
				"label": _("Band {0}").format(band),
				"fieldtype": "Int",
				"width": 80,
			}
			for band in bands
		),
		{
			"fieldname": "feedback_completion",
			"label": _("Feedback Completion %"),
			"fieldtype": "Percent",
			"width": 150,
		},
	]


def chart(rows: list[dict], bands: list[str], settings) -> dict:
	return {
		"data": {
			"labels": [row["department"] for row in rows],
			"datasets": [
				{"name": _("Band {0}").format(band), "values": [row[band_field(band)] for row in rows]}
				for band in bands
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"fieldtype": "Int",  # reviews counted (kpibsc_charts.js)
		"precision": 0,
	}


def report_summary(reviews: list, bands: list[str], settings) -> list[dict]:
	total = len(reviews)
	quotas = {band[0]: band[4] for band in settings.bands}
	cards = [{"value": total, "label": _("Reviews"), "datatype": "Int"}]
	for band in bands:
		count = sum(1 for review in reviews if review.rank_band == band)
		share = percent(100.0 * count / total if total else 0)
		label = (
			_("Band {0} (quota {1})").format(band, percent(quotas[band]))
			if quotas.get(band)
			else _("Band {0}").format(band)
		)
		cards.append({"value": f"{count} ({share})", "label": label, "datatype": "Data"})
	return cards


def percent(value: float) -> str:
	"""In the site's number format (70,0 % on a #.###,## site)."""
	# a Percent field formats as flt() + "%" ("70.0%") whatever the site's format
	return frappe.format(flt(value, 1), {"fieldtype": "Float", "precision": 1}) + "%"
