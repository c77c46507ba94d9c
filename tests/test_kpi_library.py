"""The shipped KPI library: complete, consistent with the KPI DocType, scorable by the engine."""

import json
import os
from pathlib import Path

import pytest

from kpibsc.engine import Method, ScoringRule

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "kpibsc" / "kpibsc" / "kpi_library"
KPI_DOCTYPE = json.loads((ROOT / "kpibsc" / "kpibsc" / "doctype" / "kpi" / "kpi.json").read_text())
OPTIONS = {
	field["fieldname"]: [option for option in field.get("options", "").split("\n") if option]
	for field in KPI_DOCTYPE["fields"]
	if field["fieldtype"] == "Select"
}
CATEGORIES = {
	"Sales",
	"Engineering",
	"Accounting",
	"Design",
	"HR",
	"Training",
	"Administration",
	"IT",
	"Company",
	"Group",
	"Individual",
}
SMART = (
	"desired_outcome",
	"why_it_matters",
	"how_measured",
	"how_influenced",
	"responsible",
	"achievement_evidence",
	"review_frequency",
)
TRANSLATED = (
	"kpi_name",
	"description",
	"desired_outcome",
	"why_it_matters",
	"how_measured",
	"how_influenced",
	"responsible",
	"achievement_evidence",
)
PERSPECTIVES = {"Financial", "Customer", "Internal Process", "Learning & Growth"}


def _library():
	return {
		path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(LIBRARY.glob("*.json"))
	}


KPIS = [(content["category"], kpi) for content in _library().values() for kpi in content["kpis"]]


def test_every_category_has_at_least_eight_kpis():
	counts = {content["category"]: len(content["kpis"]) for content in _library().values()}
	assert set(counts) == CATEGORIES
	assert set(counts) <= set(OPTIONS["category"])
	assert all(count >= 8 for count in counts.values()), counts


def test_codes_and_names_are_unique():
	codes = [kpi["kpi_code"] for _category, kpi in KPIS]
	assert len(codes) == len(set(codes))
	names = [kpi["kpi_name"] for _category, kpi in KPIS]
	assert len(names) == len(set(names))


@pytest.mark.parametrize("category, kpi", KPIS, ids=[kpi["kpi_code"] for _c, kpi in KPIS])
def test_kpi_definition_is_complete(category, kpi):
	assert kpi["unit"]
	assert kpi["scoring_method"] in OPTIONS["scoring_method"]
	assert kpi["aggregation"] in OPTIONS["aggregation"]
	assert kpi["frequency"] in OPTIONS["frequency"]
	assert kpi["data_source"] in OPTIONS["data_source"]
	assert kpi["review_frequency"] in OPTIONS["review_frequency"]
	assert kpi["perspective"] in PERSPECTIVES
	for field in SMART:
		assert kpi[field].strip(), f"{kpi['kpi_code']}: {field} is empty"
	for field in TRANSLATED:
		assert kpi["vi"][field].strip(), f"{kpi['kpi_code']}: no Vietnamese {field}"


@pytest.mark.parametrize("category, kpi", KPIS, ids=[kpi["kpi_code"] for _c, kpi in KPIS])
def test_kpi_scores_with_the_engine(category, kpi):
	rule = ScoringRule(
		kpi["scoring_method"],
		lower=kpi.get("lower"),
		upper=kpi.get("upper"),
		tolerance=kpi.get("tolerance"),
		label=kpi["kpi_code"],
	)
	target = 1.0
	if kpi["scoring_method"] == Method.TARGET_RANGE:
		target = (kpi["lower"] + kpi["upper"]) / 2
	assert rule.achievement(target, target) == pytest.approx(1.0)


# -- ERPNext Query sources ------------------------------------------------------------------------

# The DocTypes a source may name live in the bench's ERPNext and HRMS (and Frappe) apps; the
# checks below read their JSON. Set KPIBSC_BENCH_APPS where the bench is elsewhere.
BENCH_APPS = Path(os.environ.get("KPIBSC_BENCH_APPS", Path.home() / "frappe-bench" / "apps"))
STANDARD_FIELDS = {
	"name": "Data",
	"owner": "Link",
	"creation": "Datetime",
	"modified": "Datetime",
	"docstatus": "Int",
}
NUMERIC = {"Int", "Float", "Currency", "Percent", "Duration"}
SOURCED = [(category, kpi) for category, kpi in KPIS if kpi["data_source"] == "ERPNext Query"]


def _doctype(name: str) -> dict | None:
	folder = name.lower().replace(" ", "_")
	for app in ("erpnext", "hrms", "frappe"):
		for path in (BENCH_APPS / app).glob(f"{app}/*/doctype/{folder}/{folder}.json"):
			return json.loads(path.read_text())
	return None


def test_every_erpnext_query_kpi_has_a_source_and_every_typed_one_a_reason():
	for _category, kpi in KPIS:
		if kpi["data_source"] == "ERPNext Query":
			assert kpi.get("source_doctype"), f"{kpi['kpi_code']}: ERPNext Query without a source"
			assert kpi["source_aggregate"] in OPTIONS["source_aggregate"], kpi["kpi_code"]
			assert kpi.get("source_date_field"), kpi["kpi_code"]
			assert kpi["source_aggregate"] == "Count" or kpi.get("source_field"), kpi["kpi_code"]
			assert "typed_reason" not in kpi, kpi["kpi_code"]
		if "typed_reason" in kpi:
			assert kpi["data_source"] == "Manual" and kpi["typed_reason"].strip(), kpi["kpi_code"]
			assert not kpi.get("source_doctype"), kpi["kpi_code"]
	# what ERPNext and HRMS hold: sales, payments, attendance, leave, training, hiring, separations
	assert {kpi["source_doctype"] for _c, kpi in SOURCED} >= {
		"Sales Invoice",
		"Payment Entry",
		"Attendance",
		"Leave Application",
		"Training Event",
		"Job Offer",
		"Employee Separation",
		"Timesheet",
	}


@pytest.mark.skipif(not (BENCH_APPS / "erpnext").is_dir(), reason="no ERPNext/HRMS apps to read")
@pytest.mark.parametrize("category, kpi", SOURCED, ids=[kpi["kpi_code"] for _c, kpi in SOURCED])
def test_library_source_names_real_fields(category, kpi):
	doctype = _doctype(kpi["source_doctype"])
	assert doctype, f"{kpi['kpi_code']}: no DocType {kpi['source_doctype']}"
	assert not doctype.get("istable") and not doctype.get("issingle"), kpi["kpi_code"]
	fields = {field["fieldname"]: field for field in doctype["fields"]}

	def fieldtype(name):
		if name in STANDARD_FIELDS:
			return STANDARD_FIELDS[name]
		assert name in fields, f"{kpi['kpi_code']}: {kpi['source_doctype']} has no field {name}"
		return fields[name]["fieldtype"]

	if kpi["source_aggregate"] in ("Sum", "Average"):
		assert fieldtype(kpi["source_field"]) in NUMERIC, kpi["kpi_code"]
	elif kpi.get("source_field"):
		fieldtype(kpi["source_field"])
	assert fieldtype(kpi["source_date_field"]) in ("Date", "Datetime"), kpi["kpi_code"]
	for key, target in (("source_employee_field", "Employee"), ("source_department_field", "Department")):
		if kpi.get(key):
			assert fieldtype(kpi[key]) == "Link" and fields[kpi[key]]["options"] == target, kpi["kpi_code"]
	filters = json.loads(kpi.get("source_filters") or "{}")
	assert isinstance(filters, dict), kpi["kpi_code"]
	for name, value in filters.items():
		kind = fieldtype(name)
		if kind == "Select":
			assert value in fields[name]["options"].split("\n"), f"{kpi['kpi_code']}: {name} = {value}"
		elif kind == "Check":
			assert value in (0, 1), kpi["kpi_code"]
