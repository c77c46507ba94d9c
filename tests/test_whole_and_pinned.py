"""Whole units where units are whole, and pinned periods (issue #14, items 3 and 4)."""

from datetime import date

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kpibsc.engine import phase_target, phase_targets, split_periods
from kpibsc.engine.cascade import cascade_item
from kpibsc.engine.errors import InvalidTargetError, PhasingError
from kpibsc.engine.rounding import counts_whole_units, distribute, require_whole, target_precision

QUARTER = split_periods(date(2025, 1, 1), date(2025, 3, 31), "Monthly")
YEAR_2025 = split_periods(date(2025, 1, 1), date(2025, 12, 31), "Monthly")

# -- whole units ----------------------------------------------------------------------------


def test_48_customers_over_5_people_are_10_10_10_9_9():
	children = cascade_item("Split Target", "Sum", {"target": 48, "red_flag": 40}, [1] * 5, precision=0)
	assert [child["target"] for child in children] == [10, 10, 10, 9, 9]
	assert [child["red_flag"] for child in children] == [8] * 5
	# with two decimals (money, hours) the same split is 9.6 each
	assert [child["target"] for child in cascade_item("Split Target", "Sum", {"target": 48}, [1] * 5)] == [
		9.6
	] * 5


def test_whole_split_by_headcount():
	# shares 3/9, 2/9, 2/9, 1/9, 1/9 of 48: 16, 10.67, 10.67, 5.33, 5.33 -> the two .67 get the units
	children = cascade_item("Split Target", "Sum", {"target": 48}, [3, 2, 2, 1, 1], precision=0)
	assert [child["target"] for child in children] == [16, 11, 11, 5, 5]


def test_whole_phasing_over_months():
	# 100 hires over 12 months: 8.33 each -> four 9s (the earliest win the tie) and eight 8s
	assert phase_target(100, YEAR_2025, "Sum", "Equal", precision=0).tolist() == [9] * 4 + [8] * 8
	# 1,000 customers by days: 84.93 (31 days), 76.71 (28), 82.19 (30) -> 85, 77, 82
	by_days = phase_target(1000, YEAR_2025, "Sum", "By Days", precision=0)
	assert by_days.tolist() == [85, 77, 85, 82, 85, 82, 85, 85, 82, 85, 82, 85]
	assert by_days.sum() == 1000


@pytest.mark.parametrize(
	"unit, whole",
	[
		("Count", True),
		("customers", True),
		("Customer", True),
		(" New  Hires ", True),
		("Defects", True),
		("subscribers", True),
		("Khách hàng", True),
		("người", True),
		("VND", False),
		("%", False),
		("Hours", False),
		("Score", False),
		("", False),
		(None, False),
	],
)
def test_whole_units_come_from_the_unit(unit, whole):
	assert counts_whole_units(unit) is whole


def test_precision_from_flag_unit_and_aggregation():
	assert target_precision(False, "Customers") == 0
	assert target_precision(True, "Widgets") == 0  # the KPI's own flag
	assert target_precision(False, "Widgets") == 2
	assert target_precision(False, "Count", "Average") == 2  # 12.5 calls a day on average is fine


def test_a_fractional_count_target_is_refused():
	require_whole([48, 0, -3, np.nan], "CUST-01", "customers")
	with pytest.raises(
		InvalidTargetError, match=r"KPI CUST-01 is counted in whole customers: 48.5 is not a whole"
	):
		require_whole([48.5], "CUST-01", "customers")


@given(st.integers(-10_000, 10_000), st.lists(st.integers(0, 50), min_size=1, max_size=40))
def test_whole_split_adds_up_exactly_and_is_fair(total, weights):
	children = cascade_item("Split Target", "Sum", {"target": total}, weights, precision=0)
	targets = np.array([child["target"] for child in children])
	assert np.all(targets == np.round(targets))
	assert targets.sum() == total
	shares = (
		np.asarray(weights, float) / sum(weights) if sum(weights) else np.full(len(weights), 1 / len(weights))
	)
	assert np.all(np.abs(targets - total * shares) < 1)  # nobody is more than one unit off their share


@given(
	st.integers(0, 100_000),
	st.sampled_from(["Equal", "By Days"]),
	st.sampled_from(["Monthly", "Quarterly", "Weekly"]),
)
def test_whole_phasing_adds_up_exactly(total, phasing, frequency):
	periods = split_periods(date(2024, 1, 1), date(2024, 12, 31), frequency)
	phased = phase_target(total, periods, "Sum", phasing, precision=0)
	assert np.all(phased == np.round(phased)) and phased.sum() == total


# -- pinned periods ---------------------------------------------------------------------------


@pytest.mark.parametrize("phasing", ["Equal", "By Days"])
def test_february_800_of_the_quarters_1500(phasing):
	phased = phase_target(1500, QUARTER, "Sum", phasing, precision=2, pinned=[None, 800, None])
	assert phased.tolist() == [350, 800, 350]


def test_pinned_with_a_monthly_distribution():
	# January 20%, February 30%, March 50%: the 700 left goes 20:50 to January and March
	phased = phase_target(
		1500, QUARTER, "Sum", "Weights", [20, 30, 50], precision=2, pinned=[None, 800, None]
	)
	assert phased.tolist() == [200, 800, 500]


def test_pinned_december_whole_units_by_days():
	# 1,000 customers in 2025, December pinned at 300: 700 by days over January-November (334 days)
	phased = phase_target(1000, YEAR_2025, "Sum", "By Days", precision=0, pinned=[None] * 11 + [300])
	assert phased.tolist() == [65, 58, 65, 63, 65, 63, 65, 65, 63, 65, 63, 300]
	assert phased.sum() == 1000


def test_pinned_periods_of_a_rate_keep_their_own_target():
	phased = phase_target(95, QUARTER, "Average", "Equal", precision=2, pinned=[None, 90, None])
	assert phased.tolist() == [95, 90, 95]


def test_pins_can_take_the_whole_target():
	assert phase_target(1500, QUARTER, "Sum", pinned=[None, 1500, None]).tolist() == [0, 1500, 0]
	assert phase_target(1500, QUARTER, "Sum", precision=0, pinned=[500, 600, 400]).tolist() == [500, 600, 400]


def test_pins_beyond_the_target_are_refused():
	with pytest.raises(
		PhasingError, match=r"KPI REV: the pinned targets add up to 1600.0, beyond the target 1500.0"
	):
		phase_target(1500, QUARTER, "Sum", pinned=[None, 1600, None], label="REV")
	with pytest.raises(PhasingError, match="every period's target is pinned"):
		phase_target(1500, QUARTER, "Sum", pinned=[500, 500, 400], label="REV")
	with pytest.raises(PhasingError, match="have no weight"):
		phase_target(1500, QUARTER, "Sum", "Weights", [0, 30, 0], pinned=[None, 800, None], label="REV")
	with pytest.raises(PhasingError, match="one value or none per period"):
		phase_targets([1500.0], QUARTER, "Sum", pinned=np.array([[np.nan, 800.0]]))


def test_negative_targets_spread_around_pins():
	# a loss of no more than 300 in the quarter, February pinned at -100
	assert phase_target(-300, QUARTER, "Sum", precision=2, pinned=[None, -100, None]).tolist() == [-100] * 3
	with pytest.raises(PhasingError, match="beyond the target"):
		phase_target(-300, QUARTER, "Sum", pinned=[None, -400, None])


def test_bulk_phasing_with_and_without_pins_in_one_call():
	pins = np.array([[np.nan, 800, np.nan], [np.nan, np.nan, np.nan], [100, np.nan, np.nan]])
	phased = phase_targets([1500, 900, 1000], QUARTER, "Sum", "Equal", precision=0, pinned=pins)
	assert phased.tolist() == [[350, 800, 350], [300, 300, 300], [100, 450, 450]]


def test_distribute_never_gives_units_to_ineligible_parts():
	parts = np.array([[3.5, 0.0, 3.5]])
	assert distribute([7], parts, 0, eligible=[[True, False, True]]).tolist() == [[4, 0, 3]]


@given(
	st.integers(0, 1_000_000),
	st.lists(st.one_of(st.none(), st.integers(0, 200_000)), min_size=12, max_size=12),
	st.sampled_from(["Equal", "By Days"]),
	st.sampled_from([0, 2]),
)
def test_pins_are_kept_and_everything_adds_up(total, pins, phasing, precision):
	pinned_total = sum(pin for pin in pins if pin is not None)
	assume(any(pin is None for pin in pins) and pinned_total <= total)
	phased = phase_target(total, YEAR_2025, "Sum", phasing, precision=precision, pinned=pins)
	for value, pin in zip(phased, pins, strict=True):
		if pin is not None:
			assert value == pin
		else:
			assert value >= 0
	assert phased.sum() == pytest.approx(total, abs=1e-6)
	if precision == 0:
		assert np.all(phased == np.round(phased))
