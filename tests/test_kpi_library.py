"""The shipped KPI library: complete, consistent with the KPI DocType, scorable by the engine."""

import json
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
