"""Forecasts for the end of the period: hand-worked examples (docs/scoring.md §10) and
properties on generated data, stated from the definitions, not from the engine."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kpibsc.engine import ForecastPolicy, StatusBands, forecast, forecast_status, score_frame, year_to_date
from kpibsc.engine.errors import ForecastError

NAN = np.nan


def frame_of(items: dict) -> pd.DataFrame:
	"""items: name -> (aggregation, actuals, targets)."""
	rows = [
		{"item": name, "period": position, "aggregation": how, "actual": actual, "target": target}
		for name, (how, actuals, targets) in items.items()
		for position, (actual, target) in enumerate(zip(actuals, targets, strict=True))
	]
	return year_to_date(pd.DataFrame(rows))


def forecast_of(items: dict, policy: ForecastPolicy | None = None) -> pd.DataFrame:
	frame = frame_of(items)
	return pd.concat([frame, forecast(frame, policy or ForecastPolicy())], axis=1).set_index(
		["item", "period"]
	)


# -- hand-worked examples -----------------------------------------------------------------

SEASONAL = [50, 50, 100, 100, 100, 100, 100, 100, 100, 100, 100, 200]  # 1,200 a year


def test_sum_runs_on_the_phased_plan():
	# March: 60 + 40 + 110 = 210 against a plan of 50 + 50 + 100 = 200: 1.05 × 1,200 = 1,260
	actuals = [60, 40, 110, *[NAN] * 9]
	result = forecast_of({"revenue": ("Sum", actuals, SEASONAL)})
	march = result.loc[("revenue", 2)]
	assert march.forecast == pytest.approx(1260)
	assert march.forecast_target == 1200
	# the monthly ratios 1.2, 0.8, 1.1: standard deviation 0.2082; 1,000 of the plan to come
	assert march.forecast_low == pytest.approx(1260 - 208.1666, abs=1e-3)
	assert march.forecast_high == pytest.approx(1260 + 208.1666, abs=1e-3)
	# ratios 1.2, 0.8, 1.1: the least-squares line falls (1.1 - 1.2) / 2 = 0.05 a month: Down
	assert march.trend == "Down"
	# January and February: fewer than three reported periods, no forecast
	assert np.isnan(result.loc[("revenue", 1)].forecast)
	assert result.loc[("revenue", 1)].forecast_note == "Not Enough Data"
	# April not reported yet: 210 against a plan of 300 to date, 0.7 × 1,200 = 840
	assert result.loc[("revenue", 3)].forecast == pytest.approx(840)


def test_last_period_forecast_is_the_result():
	actuals = [100] * 12
	targets = [100] * 12
	result = forecast_of({"k": ("Sum", actuals, targets)})
	december = result.loc[("k", 11)]
	assert december.forecast == pytest.approx(1200)
	assert december.forecast_low == december.forecast_high == pytest.approx(1200)


def test_average_follows_the_line_over_the_periods_to_come():
	# quarterly, 4 periods; 80, 90, 100 reported: the line rises 10 a quarter, Q4 is 110;
	# the year's average is (80 + 90 + 100 + 110) / 4 = 95
	result = forecast_of({"rate": ("Average", [80, 90, 100, NAN], [100] * 4)})
	q3 = result.loc[("rate", 2)]
	assert q3.forecast == pytest.approx(95)
	assert q3.forecast_target == pytest.approx(100)
	assert q3.trend == "Up"
	# on a line the residuals are zero: no band
	assert q3.forecast_low == pytest.approx(95) and q3.forecast_high == pytest.approx(95)


def test_last_min_and_max_project_to_the_end():
	# 6 monthly periods; 10, 8, 9 reported; line: slope -0.5, intercept 9.5; at month 6 (x=5) 7
	actuals = [10, 8, 9, NAN, NAN, NAN]
	targets = [9] * 6
	result = forecast_of(
		{
			"last": ("Last", actuals, targets),
			"min": ("Min", actuals, targets),
			"max": ("Max", actuals, targets),
		}
	)
	assert result.loc[("last", 2)].forecast == pytest.approx(7.0)
	# the line goes 8 (x=3) ... 7 (x=5): the lowest is 7, the highest is still January's 10
	assert result.loc[("min", 2)].forecast == pytest.approx(7.0)
	assert result.loc[("max", 2)].forecast == pytest.approx(10.0)
	# residuals 0.5, -1, 0.5: sd sqrt(1.5 / 1) = 1.2247; a Max cannot end below its 10
	assert result.loc[("last", 2)].forecast_high == pytest.approx(7 + 1.224745, abs=1e-6)
	assert result.loc[("max", 2)].forecast_low == pytest.approx(10.0)
	# 7 + 1.2247 would be above February's 8, which a Min cannot end above
	assert result.loc[("min", 2)].forecast_high == pytest.approx(8.0)
	assert result.loc[("last", 2)].trend == "Down"


def test_window_uses_the_last_reported_periods_only():
	# window 3: the fit at month 5 uses 20, 30, 40 (months 3-5), not the early 100s
	actuals = [100, 100, 20, 30, 40, NAN, NAN]
	result = forecast_of({"k": ("Last", actuals, [50] * 7)}, ForecastPolicy(window=3))
	assert result.loc[("k", 4)].forecast == pytest.approx(60)


def test_no_plan_to_date_is_a_reason_not_an_error():
	actuals = [5, 5, 5, NAN]
	result = forecast_of({"k": ("Sum", actuals, [0, 0, 0, 100])})
	row = result.loc[("k", 2)]
	assert np.isnan(row.forecast)
	assert row.forecast_note == "No Plan To Date"


def test_nothing_reported():
	result = forecast_of({"k": ("Average", [NAN] * 4, [10] * 4)})
	assert result["forecast"].isna().all()
	assert (result["forecast_note"] == "Not Enough Data").all()
	assert result["trend"].isna().all()


def test_empty_frame():
	frame = frame_of({"k": ("Sum", [1.0], [1.0])}).iloc[0:0]
	assert forecast(frame).empty


def test_policy_is_checked():
	with pytest.raises(ForecastError):
		ForecastPolicy(min_periods=0)
	with pytest.raises(ForecastError):
		ForecastPolicy(min_periods=4, window=3)


def test_at_risk_when_forecast_falls_below_amber_while_current_is_not_red():
	bands = StatusBands()
	forecast_statuses = np.array(["Red", "Red", "Red", "Amber", "No Data", "Green"], dtype=object)
	current = np.array(["Green", "Amber", "Red", "Green", "Green", "No Data"], dtype=object)
	assert list(forecast_status(forecast_statuses, current, bands)) == [
		"At Risk",
		"At Risk",
		"Red",
		"Amber",
		"Not Enough Data",
		"Green",
	]


def test_forecast_is_scored_like_an_actual():
	# April on plan (Green), but 60, 60, 60 before: the run rate ends the year at 70% (Red)
	result = forecast_of({"k": ("Sum", [60, 60, 60, 100, NAN, NAN], [100] * 6)}).reset_index()
	april = result[result["period"] == 3]
	scored = score_frame(
		{
			"method": np.array(["Higher is Better"] * 2),
			"actual": np.array([april["forecast"].iloc[0], april["actual"].iloc[0]]),
			"target": np.array([april["forecast_target"].iloc[0], april["target"].iloc[0]]),
		}
	)
	# 280 against 400 to date: 0.7 × 600 = 420, 70%
	assert april["forecast"].iloc[0] == pytest.approx(420)
	assert scored["achievement"].iloc[0] == pytest.approx(0.7)
	statuses = np.asarray(scored["status"], dtype=object)
	assert list(statuses) == ["Red", "Green"]
	assert forecast_status(statuses[:1], statuses[1:], StatusBands())[0] == "At Risk"


# -- properties ---------------------------------------------------------------------------

positive = st.floats(min_value=1, max_value=1e5, allow_nan=False, allow_infinity=False)
value = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
AGGREGATIONS = ["Sum", "Average", "Last", "Min", "Max"]


@given(st.lists(positive, min_size=3, max_size=12), st.integers(0, 11), st.sampled_from(AGGREGATIONS))
def test_on_plan_forecasts_exactly_its_target(targets, reported, how):
	# Sum: every month exactly on its (seasonal) plan; the others: a level target met each month
	if how != "Sum":
		targets = [targets[0]] * len(targets)
	reported = max(min(reported, len(targets) - 1), 2)
	actuals = [*targets[: reported + 1], *[NAN] * (len(targets) - reported - 1)]
	result = forecast_of({"k": (how, actuals, targets)})
	row = result.loc[("k", reported)]
	assert row.forecast == pytest.approx(row.forecast_target, rel=1e-9)
	expected = sum(targets) if how == "Sum" else targets[0]
	assert row.forecast_target == pytest.approx(expected, rel=1e-9)


@given(
	st.lists(positive, min_size=4, max_size=12),
	st.lists(positive, min_size=12, max_size=12),
	st.integers(0, 11),
	st.floats(0.01, 1000),
)
def test_sum_forecast_is_monotone_in_each_actual(targets, actuals, which, raise_by):
	size = len(targets)
	reported = size - 2
	actuals = [*actuals[: reported + 1], *[NAN] * (size - reported - 1)]
	which = which % (reported + 1)
	higher = list(actuals)
	higher[which] += raise_by
	before = forecast_of({"k": ("Sum", actuals, targets)}).loc[("k", reported)].forecast
	after = forecast_of({"k": ("Sum", higher, targets)}).loc[("k", reported)].forecast
	assert after > before


@given(
	st.lists(value, min_size=3, max_size=6),
	st.sampled_from(["Average", "Last", "Min", "Max"]),
	st.floats(0.01, 1000),
	st.floats(-1000, 1000),
)
def test_trend_forecast_rises_with_the_latest_actual_and_shifts_with_all(actuals, how, raise_by, shift):
	# A trend cannot rise with every actual (a higher early value flattens the line); it rises
	# with the latest one, and moves with the actuals when they all move together.
	size = 8
	series = [*actuals, *[NAN] * (size - len(actuals))]
	last = len(actuals) - 1
	base = forecast_of({"k": (how, series, [100] * size)}).loc[("k", last)].forecast
	higher = list(series)
	higher[last] += raise_by
	assert forecast_of({"k": (how, higher, [100] * size)}).loc[("k", last)].forecast >= base - 1e-6
	shifted = [value + shift for value in series]
	moved = forecast_of({"k": (how, shifted, [100] * size)}).loc[("k", last)].forecast
	assert moved == pytest.approx(base + shift, abs=1e-6 * (1 + abs(base) + abs(shift)))


@given(positive, st.floats(0.5, 100), st.integers(3, 6), st.sampled_from(["Average", "Last", "Max"]))
def test_lower_is_better_forecasts_the_right_direction(start, step, reported, how):
	# a cost rising every month (worse) forecasts a lower achievement than today's; falling, higher
	size = 12
	target = start * 2
	for direction in (1, -1):
		actuals = [start + direction * step * month for month in range(reported)]
		assume(min(actuals) > 0)
		series = [*actuals, *[NAN] * (size - reported)]
		row = forecast_of({"k": (how, series, [target] * size)}).loc[("k", reported - 1)]
		columns = {
			"method": np.array(["Lower is Better"] * 2),
			"actual": np.array([row.ytd_actual, row.forecast]),
			"target": np.array([row.ytd_target, row.forecast_target]),
		}
		today, forecast_achievement = score_frame(columns)["achievement_raw"]
		if direction == 1:
			assert forecast_achievement < today
		else:
			assert forecast_achievement >= today


@given(st.lists(st.tuples(positive, positive), min_size=3, max_size=12), st.sampled_from(AGGREGATIONS))
def test_band_holds_the_forecast(pairs, how):
	actuals = [actual for actual, _target in pairs]
	targets = [target for _actual, target in pairs]
	size = len(pairs) + 3
	result = forecast_of({"k": (how, [*actuals, NAN, NAN, NAN], [*targets, *targets[-1:] * 3])})
	row = result.loc[("k", len(pairs) - 1)]
	assert row.forecast_low <= row.forecast + 1e-6 * abs(row.forecast) + 1e-9
	assert row.forecast <= row.forecast_high + 1e-6 * abs(row.forecast) + 1e-9
	assert size > len(pairs)


def test_items_do_not_leak_into_each_other():
	# the second item's first periods must not use the first item's window
	result = forecast_of(
		{"a": ("Last", [1, 2, 3, 4, 5, 6], [5] * 6), "b": ("Last", [100, 100, 100, NAN, NAN, NAN], [100] * 6)}
	)
	assert result.loc[("b", 2)].forecast == pytest.approx(100)
	assert np.isnan(result.loc[("b", 1)].forecast)
