"""Formula KPIs over other KPIs, and dated rows into periods."""

import datetime

import pytest

from kpibsc.engine.errors import FormulaError
from kpibsc.engine.sources import (
	SourceError,
	bucket,
	evaluate_formulas,
	evaluation_order,
	formula_inputs,
	kpi_identifier,
)


def test_identifiers():
	assert kpi_identifier("SAL-01") == "SAL_01"
	assert kpi_identifier("1st KPI") == "_1st_KPI"


def test_inputs_and_unknown_names():
	assert formula_inputs("SAL_01 / HR_03 * 100", {"SAL-01", "HR-03", "X"}) == {"SAL-01", "HR-03"}
	with pytest.raises(FormulaError):
		formula_inputs("SAL_02 / 2", {"SAL-01"})


def test_order_puts_inputs_first_and_refuses_circles():
	assert evaluation_order({"C": {"B"}, "B": {"A"}}) == ["B", "C"]
	with pytest.raises(SourceError, match="circle"):
		evaluation_order({"A": {"A"}})
	with pytest.raises(SourceError, match="A → B → A"):
		evaluation_order({"A": {"B"}, "B": {"A"}})


def test_evaluate_chains_and_missing_inputs():
	results = evaluate_formulas(
		{"MARGIN": "PROFIT / REV * 100", "DOUBLE": "MARGIN * 2"}, {"PROFIT": 20.0, "REV": 200.0}
	)
	assert results == {"MARGIN": 10.0, "DOUBLE": 20.0}
	assert evaluate_formulas({"MARGIN": "PROFIT / REV"}, {"PROFIT": 1.0, "REV": None}) == {"MARGIN": None}
	assert evaluate_formulas({"MARGIN": "PROFIT / REV"}, {"PROFIT": 1.0, "REV": 0.0}) == {"MARGIN": None}


def test_bucket():
	starts = [datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)]
	ends = [datetime.date(2025, 1, 31), datetime.date(2025, 2, 28)]
	dates = [
		datetime.date(2024, 12, 31),
		datetime.date(2025, 1, 1),
		datetime.date(2025, 1, 31),
		datetime.date(2025, 2, 28),
		datetime.date(2025, 3, 1),
	]
	assert bucket(dates, starts, ends).tolist() == [-1, 0, 0, 1, -1]
