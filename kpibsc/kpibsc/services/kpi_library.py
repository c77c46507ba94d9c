"""The KPI library: KPI definitions shipped as data, loaded into a site on request.

Shipped as files rather than fixtures so a site takes only the categories it wants and
migrate never overwrites a company's own edits of a KPI."""

import json
from pathlib import Path

import frappe
from frappe import _

from kpibsc.kpibsc.doctype.kpi.kpi import SMART_FIELDS
from kpibsc.kpibsc.services.actuals import QUERY_SOURCE_FIELDS
from kpibsc.kpibsc.services.work import TASK_SOURCE_FIELDS

LIBRARY = Path(__file__).resolve().parents[1] / "kpi_library"
KPI_FIELDS = (
	"kpi_code",
	"kpi_name",
	"description",
	"unit",
	"scoring_method",
	"aggregation",
	"allow_negative",
	"frequency",
	"data_source",
	*QUERY_SOURCE_FIELDS,
	*TASK_SOURCE_FIELDS,
	*SMART_FIELDS,
)
TRANSLATED_FIELDS = (
	"kpi_name",
	"description",
	"desired_outcome",
	"why_it_matters",
	"how_measured",
	"how_influenced",
	"responsible",
	"achievement_evidence",
)


def read_library() -> dict[str, list[dict]]:
	"""Category -> KPI definitions, from the files in kpi_library/."""
	library = {}
	for path in sorted(LIBRARY.glob("*.json")):
		content = json.loads(path.read_text(encoding="utf-8"))
		library[content["category"]] = content["kpis"]
	return library


def kpi_record(definition: dict, category: str, language: str) -> dict:
	record = {field: definition.get(field) for field in KPI_FIELDS}
	if language.startswith("vi"):
		record.update(
			{field: definition["vi"][field] for field in TRANSLATED_FIELDS if definition["vi"].get(field)}
		)
	record.update(
		doctype="KPI",
		category=category,
		default_perspective=definition.get("perspective"),
		lower_bound=definition.get("lower"),
		upper_bound=definition.get("upper"),
		tolerance=definition.get("tolerance"),
	)
	return record


@frappe.whitelist()
def load_kpi_library(categories: list[str] | str | None = None, language: str | None = None) -> dict:
	"""Create the library's KPIs that the site does not have yet; returns counts."""
	frappe.has_permission("KPI", "create", throw=True)
	library = read_library()
	if isinstance(categories, str):
		categories = frappe.parse_json(categories) if categories.startswith("[") else [categories]
	chosen = categories or list(library)
	unknown = [category for category in chosen if category not in library]
	if unknown:
		frappe.throw(
			_("Unknown KPI library categories: {0}. Choose from: {1}.").format(
				", ".join(unknown), ", ".join(library)
			)
		)
	language = language or frappe.local.lang or "en"
	codes = [definition["kpi_code"] for category in chosen for definition in library[category]]
	existing = set(frappe.get_all("KPI", filters={"name": ("in", codes)}, pluck="name"))
	created = 0
	for category in chosen:
		for definition in library[category]:
			if definition["kpi_code"] in existing:
				continue
			frappe.get_doc(kpi_record(definition, category, language)).insert()
			created += 1
	return {"created": created, "skipped": len(existing)}
