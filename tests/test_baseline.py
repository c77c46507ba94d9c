"""Targets suggested from last period's actuals (engine), worked by hand."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpibsc.engine.baseline import previous_period, suggest_target
from kpibsc.engine.errors import InvalidTargetError


def test_sales_grown_by_twenty_percent():
	# 12 months of 100 = 1,200 last year; +20% = 1,440
	suggestion = suggest_target([100.0] * 12, "Sum", 20, higher_is_better=True)
	assert (suggestion.baseline, suggestion.target, suggestion.periods_reported) == (1200, 1440, 12)


def test_missing_months_are_skipped_and_counted():
	# 3 months reported of 4: 90 + 110 + 100 = 300; +10% = 330
	suggestion = suggest_target([90.0, None, 110.0, 100.0], "Sum", 10, higher_is_better=True)
	assert (suggestion.baseline, suggestion.target, suggestion.periods_reported) == (300, 330, 3)


def test_a_rate_averages_and_lower_is_better_goes_down():
	# defect rate 4%, 6% -> average 5%; 20% better = 4%
	suggestion = suggest_target([4.0, 6.0], "Average", 20, higher_is_better=False)
	assert suggestion.baseline == 5
	assert suggestion.target == pytest.approx(4.0)


def test_lower_is_better_never_goes_below_zero():
	assert suggest_target([10.0], "Last", 150, higher_is_better=False).target == 0


def test_whole_numbers_round_half_up():
	# 48 customers last year, +10% = 52.8 -> 53; 45 + 10% = 49.5 -> 50
	assert suggest_target([48.0], "Sum", 10, higher_is_better=True, whole_numbers=True).target == 53
	assert suggest_target([45.0], "Sum", 10, higher_is_better=True, whole_numbers=True).target == 50


def test_nothing_to_suggest_without_history_or_direction():
	assert suggest_target([], "Sum", 20, higher_is_better=True).target is None
	assert suggest_target([None, None], "Sum", 20, higher_is_better=True).periods_reported == 0
	range_kpi = suggest_target([5.0], "Average", 20, higher_is_better=None)
	assert (range_kpi.target, range_kpi.baseline) == (None, 5)


@pytest.mark.parametrize("growth", [-100, -150, 1000.5])
def test_growth_out_of_bounds_is_a_clear_error(growth):
	with pytest.raises(InvalidTargetError, match="improvement must be"):
		suggest_target([1.0], "Sum", growth, higher_is_better=True)


@given(
	st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=12),
	st.floats(min_value=0, max_value=100),
)
def test_improving_never_lowers_a_higher_is_better_target(actuals, growth):
	suggestion = suggest_target(actuals, "Sum", growth, higher_is_better=True)
	assert suggestion.target >= suggestion.baseline - 1e-6
	lower = suggest_target(actuals, "Sum", growth, higher_is_better=False)
	assert 0 <= lower.target <= lower.baseline + 1e-6


@pytest.mark.parametrize(
	("start", "end", "previous"),
	[
		(date(2025, 1, 1), date(2025, 12, 31), (date(2024, 1, 1), date(2024, 12, 31))),  # leap year before
		(date(2025, 4, 1), date(2025, 6, 30), (date(2025, 1, 1), date(2025, 3, 31))),
		(date(2026, 1, 1), date(2026, 1, 31), (date(2025, 12, 1), date(2025, 12, 31))),
		(date(2025, 1, 10), date(2025, 1, 19), (date(2024, 12, 31), date(2025, 1, 9))),  # 10 days
	],
)
def test_previous_period_of_equal_length(start, end, previous):
	assert previous_period(start, end) == previous
