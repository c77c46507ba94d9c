"""Periods, target phasing, aggregation and year to date."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from kpibsc.engine import (
	Aggregation,
	Frequency,
	Period,
	Phasing,
	aggregate,
	month_weights,
	phase_target,
	phase_targets,
	split_periods,
	year_to_date,
)
from kpibsc.engine.errors import AggregationError, PhasingError

YEAR_2024 = split_periods(date(2024, 1, 1), date(2024, 12, 31), Frequency.MONTHLY)
YEAR_2025 = split_periods(date(2025, 1, 1), date(2025, 12, 31), Frequency.MONTHLY)


class TestSplitPeriods:
	def test_months_of_a_leap_year(self):
		assert len(YEAR_2024) == 12
		assert YEAR_2024[1] == Period(date(2024, 2, 1), date(2024, 2, 29))
		assert sum(p.days for p in YEAR_2024) == 366
		assert sum(p.days for p in YEAR_2025) == 365

	def test_fiscal_year_quarters_from_april(self):
		quarters = split_periods(date(2024, 4, 1), date(2025, 3, 31), "Quarterly")
		assert [(q.start, q.end) for q in quarters] == [
			(date(2024, 4, 1), date(2024, 6, 30)),
			(date(2024, 7, 1), date(2024, 9, 30)),
			(date(2024, 10, 1), date(2024, 12, 31)),
			(date(2025, 1, 1), date(2025, 3, 31)),
		]

	def test_partial_first_and_last_months(self):
		periods = split_periods(date(2024, 1, 15), date(2024, 3, 10), Frequency.MONTHLY)
		assert periods == [
			Period(date(2024, 1, 15), date(2024, 1, 31)),
			Period(date(2024, 2, 1), date(2024, 2, 29)),
			Period(date(2024, 3, 1), date(2024, 3, 10)),
		]

	def test_weeks_and_single_period_year(self):
		weeks = split_periods(date(2024, 1, 1), date(2024, 1, 20), Frequency.WEEKLY)
		assert [w.days for w in weeks] == [7, 7, 6]
		year = split_periods(date(2024, 1, 1), date(2024, 12, 31), Frequency.YEARLY)
		assert year == [Period(date(2024, 1, 1), date(2024, 12, 31))]
		halves = split_periods(date(2024, 1, 1), date(2024, 12, 31), Frequency.HALF_YEARLY)
		assert [h.end for h in halves] == [date(2024, 6, 30), date(2024, 12, 31)]

	def test_end_before_start_is_refused(self):
		with pytest.raises(PhasingError, match="before it starts"):
			split_periods(date(2024, 2, 1), date(2024, 1, 1), Frequency.MONTHLY)


class TestPhasing:
	def test_equal(self):
		assert phase_target(1200, YEAR_2024).tolist() == [100.0] * 12

	def test_by_days_in_a_leap_year(self):
		phased = phase_target(366, YEAR_2024, phasing=Phasing.BY_DAYS)
		assert phased[0] == pytest.approx(31)
		assert phased[1] == pytest.approx(29)
		assert phased.sum() == pytest.approx(366)

	def test_by_days_rounded_keeps_the_total(self):
		phased = phase_target(1000, YEAR_2025, phasing=Phasing.BY_DAYS, precision=0)
		assert phased.sum() == 1000
		assert set(phased) <= {82.0, 83.0, 84.0, 85.0, 76.0, 77.0}
		# January 31/365 = 84.93 keeps its larger share; February 28/365 = 76.71
		assert phased[0] == 85.0
		assert phased[1] == 77.0

	def test_rounded_negative_target_keeps_the_total(self):
		phased = phase_target(-100, YEAR_2025, precision=0)
		assert phased.sum() == -100
		assert sorted(set(phased)) == [-9.0, -8.0]

	def test_weights_like_monthly_distribution(self):
		percentages = {month: 5.0 for month in range(1, 13)}
		percentages[12] = 45.0
		weights = month_weights(YEAR_2024, percentages)
		phased = phase_target(1000, YEAR_2024, phasing=Phasing.WEIGHTS, weights=weights)
		assert phased[11] == pytest.approx(450)
		assert phased[0] == pytest.approx(50)

	def test_monthly_distribution_into_quarters_and_partial_months(self):
		percentages = {month: 100 / 12 for month in range(1, 13)}
		quarters = split_periods(date(2024, 1, 1), date(2024, 12, 31), Frequency.QUARTERLY)
		assert month_weights(quarters, percentages) == pytest.approx([25, 25, 25, 25])
		half_january = [
			Period(date(2024, 1, 1), date(2024, 1, 31)),
			Period(date(2024, 2, 1), date(2024, 2, 29)),
		]
		assert month_weights(half_january, {1: 10, 2: 20}) == pytest.approx([10, 20])
		assert month_weights([Period(date(2024, 2, 1), date(2024, 2, 15))], {2: 29}) == pytest.approx([15])

	def test_non_sum_targets_repeat(self):
		for aggregation in (Aggregation.AVERAGE, Aggregation.LAST, Aggregation.MIN, Aggregation.MAX):
			assert phase_target(95, YEAR_2024, aggregation=aggregation).tolist() == [95.0] * 12

	def test_bulk_equals_single(self):
		targets = np.array([1000.0, 37.0, -12.0, 366.0])
		bulk = phase_targets(targets, YEAR_2024, phasing=Phasing.BY_DAYS, precision=2)
		for row, target in zip(bulk, targets, strict=True):
			assert (
				row.tolist() == phase_target(target, YEAR_2024, phasing=Phasing.BY_DAYS, precision=2).tolist()
			)
		# and by hand, so that a wrong engine fails too. 2024 has 366 days, its months
		# 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31: 366 phases to each month's days
		assert bulk[3].tolist() == [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
		# 1000 x 31 / 366 = 84.6994..., x 30 / 366 = 81.9672..., x 29 / 366 = 79.2349...; in
		# cents, rounded down: 7 x 84.69 + 4 x 81.96 + 79.23 = 999.90, so the 10 cents left go
		# to the 10 largest remainders: the seven 31-day months (0.945 c) and three of the
		# four 30-day ones (0.721 c), not February (0.497 c)
		assert sorted(bulk[0].tolist()) == [79.23, 81.96] + [81.97] * 3 + [84.70] * 7
		assert bulk[0][1] == 79.23
		assert round(bulk[0].sum(), 2) == 1000

	@pytest.mark.parametrize(
		"weights, message",
		[
			(None, "one weight per period"),
			([1] * 11, "one weight per period"),
			([0] * 12, "add up to zero"),
			([-1] + [1] * 11, "zero or positive"),
		],
	)
	def test_bad_weights(self, weights, message):
		with pytest.raises(PhasingError, match=message):
			phase_target(100, YEAR_2024, phasing=Phasing.WEIGHTS, weights=weights)

	def test_no_periods(self):
		with pytest.raises(PhasingError):
			phase_target(100, [])

	def test_negative_monthly_distribution(self):
		with pytest.raises(PhasingError):
			month_weights(YEAR_2024, {1: -5})


class TestAggregate:
	values = (4.0, None, 10.0, 1.0)

	@pytest.mark.parametrize(
		"aggregation, expected",
		[("Sum", 15.0), ("Average", 5.0), ("Last", 1.0), ("Min", 1.0), ("Max", 10.0)],
	)
	def test_each_aggregation_skips_missing(self, aggregation, expected):
		assert aggregate([np.nan if v is None else v for v in self.values], aggregation) == expected

	def test_nothing_reported(self):
		assert aggregate([np.nan, np.nan], "Sum") is None
		assert aggregate([], "Average") is None

	def test_unknown_aggregation(self):
		with pytest.raises(AggregationError, match="Median"):
			aggregate([1.0], "Median")


def _ytd(aggregation, actuals, targets):
	frame = pd.DataFrame(
		{
			"item": "x",
			"period": range(1, len(actuals) + 1),
			"aggregation": aggregation,
			"actual": [np.nan if a is None else a for a in actuals],
			"target": targets,
		}
	)
	result = year_to_date(frame)
	return result["ytd_actual"].tolist(), result["ytd_target"].tolist()


class TestYearToDate:
	def test_sum_compares_sums_and_counts_unreported_targets(self):
		actual, target = _ytd("Sum", [10, None, 30, 5], [10, 10, 10, 10])
		assert actual == [10, 10, 40, 45]
		assert target == [10, 20, 30, 40]

	def test_average_compares_averages_of_reported_periods(self):
		actual, target = _ytd("Average", [90, None, 96], [95, 80, 97])
		assert actual == pytest.approx([90, 90, 93])
		assert target == pytest.approx([95, 95, 96])

	def test_last_compares_latest_with_current_target(self):
		actual, target = _ytd("Last", [100, 120, None], [110, 115, 130])
		assert actual == [100, 120, 120]
		assert target == [110, 115, 130]

	def test_min_and_max(self):
		assert _ytd("Min", [5, None, 3, 4], [4, 4, 2, 2]) == ([5, 5, 3, 3], [4, 4, 2, 2])
		assert _ytd("Max", [5, None, 7, 4], [4, 6, 5, 8]) == ([5, 5, 7, 7], [4, 4, 5, 8])

	def test_no_actuals_yet(self):
		actual, target = _ytd("Sum", [None, None, 3], [1, 1, 1])
		assert np.isnan(actual[0]) and np.isnan(actual[1])
		assert actual[2] == 3
		assert target == [1, 2, 3]

	def test_items_are_independent_and_order_does_not_matter(self):
		frame = pd.DataFrame(
			{
				"item": ["b", "a", "b", "a"],
				"period": [2, 2, 1, 1],
				"aggregation": ["Sum", "Last", "Sum", "Last"],
				"actual": [2.0, 20.0, 1.0, 10.0],
				"target": [1.0, 5.0, 1.0, 4.0],
			}
		)
		result = year_to_date(frame).set_index(["item", "period"])
		assert result.loc[("b", 2), "ytd_actual"] == 3.0
		assert result.loc[("a", 2), "ytd_actual"] == 20.0
		assert result.loc[("a", 1), "ytd_target"] == 4.0

	def test_single_period_year(self):
		assert _ytd("Sum", [7], [10]) == ([7], [10])


def test_unknown_choices_raise_engine_errors():
	from kpibsc.engine.errors import EngineError, PayError, PhasingError, TreeError
	from kpibsc.engine.pay import performance_pay
	from kpibsc.engine.rollup import weighted_score

	with pytest.raises(PhasingError, match="Fortnightly is not a valid choice"):
		split_periods(date(2024, 1, 1), date(2024, 2, 1), "Fortnightly")
	with pytest.raises(PhasingError, match="Use one of: Equal, By Days, Weights"):
		phase_target(1, YEAR_2024, phasing="Randomly")
	with pytest.raises(TreeError):
		weighted_score([1], [1], missing="Ignore")
	with pytest.raises(PayError):
		performance_pay("Lottery", base=1)
	assert issubclass(PhasingError, EngineError)
