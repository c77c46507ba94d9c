"""Where each scorecard item will end its period, from the periods reported so far.

`forecast()` takes the frame `year_to_date` returns (one row per item and period, sorted)
and adds, for every row, the forecast for the end of the item's period as it stood at that
period, so the same pass gives today's forecast and the ones made earlier (a backtest):

- Sum KPIs run on the phased plan: actual to date ÷ target to date × the full target, so a
  seasonal plan is respected (60 against a plan of 50 to date, out of 200: 240).
- Average, Last, Min and Max KPIs follow a least-squares line through the last `window`
  reported periods, projected over the periods still to come and aggregated the KPI's way
  with the actuals already reported.
- The low–high band comes from the period-to-period variance: the spread of the monthly
  achievement ratio (Sum) or of the actuals around their line (the others), over what is
  still to come. It closes to the actual in the last period.
- Below `min_periods` reported periods, or with no plan to date, there is no forecast
  (NaN) and `forecast_note` says why.

The forecast is scored like an actual, against `forecast_target` (the full period's target
paired the KPI's way), with `score_frame`; `forecast_status` then marks **At Risk** the
items whose forecast falls below the Amber threshold while their status is still Green or
Amber. Nothing here loops over items.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpibsc.engine.errors import ForecastError, _
from kpibsc.engine.periods import Aggregation, _aggregation
from kpibsc.engine.scoring import StatusBands

NOT_ENOUGH_DATA = "Not Enough Data"
NO_PLAN_TO_DATE = "No Plan To Date"
AT_RISK = "At Risk"


class Trend:
	UP = "Up"
	DOWN = "Down"
	FLAT = "Flat"


@dataclass(frozen=True)
class ForecastPolicy:
	"""`min_periods` reported periods are needed for a forecast; the trend uses the last
	`window` of them; a change over the window under `flat` of the mean reads Flat."""

	min_periods: int = 3
	window: int = 6
	flat: float = 0.01

	def __post_init__(self):
		if self.min_periods < 1 or self.window < max(self.min_periods, 2):
			raise ForecastError(
				_(
					"A forecast needs at least one reported period and a window of two or more, got {0} and {1}."
				),
				self.min_periods,
				self.window,
			)


def forecast(frame: pd.DataFrame, policy: ForecastPolicy = ForecastPolicy()) -> pd.DataFrame:
	"""Forecast columns for every row of a `year_to_date` frame (same order and index).

	Needs item, period, aggregation, actual, target, ytd_actual and ytd_target, rows of an
	item contiguous and in period order. Returns forecast, forecast_low, forecast_high,
	forecast_target, trend (Up, Down, Flat or None) and forecast_note (None or a reason).
	"""
	size = len(frame)
	if size == 0:
		return pd.DataFrame(
			columns=[
				"forecast",
				"forecast_low",
				"forecast_high",
				"forecast_target",
				"trend",
				"forecast_note",
			],
			index=frame.index,
		)
	actual = frame["actual"].to_numpy(dtype=float)
	target = frame["target"].to_numpy(dtype=float)
	ytd_actual = frame["ytd_actual"].to_numpy(dtype=float)
	ytd_target = frame["ytd_target"].to_numpy(dtype=float)
	reported = ~np.isnan(actual)
	item = frame["item"].to_numpy()
	first = np.ones(size, dtype=bool)
	first[1:] = item[1:] != item[:-1]
	start = np.maximum.accumulate(np.where(first, np.arange(size), 0))
	group = np.cumsum(first) - 1
	position = np.arange(size) - start  # 0 for an item's first period
	periods = np.bincount(group)[group]  # periods in the item's year
	after = periods - 1 - position  # periods still to come after this one

	def running_sum(values):
		total = np.cumsum(values)
		return total - np.concatenate(([0.0], total))[start]

	count = running_sum(reported.astype(float))
	codes, names = pd.factorize(frame["aggregation"])
	how = np.array([_aggregation(name) for name in names], dtype=object)[codes]
	is_sum = how == Aggregation.SUM

	# the series the trend is drawn through: the achievement ratio for Sum (its actuals follow
	# the plan's seasons), the actual otherwise
	with np.errstate(divide="ignore", invalid="ignore"):
		ratio = np.where(target != 0, actual / target, np.nan)
	signal = np.where(is_sum, ratio, actual)
	fit = _window_fit(signal, position, group, start, policy.window)

	full_target = _full_targets(how, target, group, count, after, ytd_target)
	result = np.full(size, np.nan)
	half_band = np.zeros(size)

	# Sum: run rate on the phased plan
	with np.errstate(divide="ignore", invalid="ignore"):
		run_rate = ytd_actual / ytd_target
		result = np.where(is_sum, run_rate * full_target, result)
	remaining = full_target - ytd_target
	half_band = np.where(is_sum, fit.spread * np.abs(remaining), half_band)

	# Average / Last / Min / Max: the line through the window, over the periods to come
	line_next = fit.intercept + fit.slope * (position + 1)
	line_end = fit.intercept + fit.slope * (periods - 1)
	later_sum = fit.intercept * after + fit.slope * after * (position + 1 + periods - 1) / 2.0
	with np.errstate(divide="ignore", invalid="ignore"):
		average = (ytd_actual * count + later_sum) / (count + after)
	projected = {
		Aggregation.AVERAGE: average,
		Aggregation.LAST: line_end,
		Aggregation.MIN: np.minimum(ytd_actual, np.minimum(line_next, line_end)),
		Aggregation.MAX: np.maximum(ytd_actual, np.maximum(line_next, line_end)),
	}
	share = np.divide(after, count + after, out=np.zeros(size), where=(count + after) > 0)
	for name, values in projected.items():
		rows = how == name
		result[rows] = np.where(after[rows] > 0, values[rows], ytd_actual[rows])
		spread = fit.residual * (share if name == Aggregation.AVERAGE else 1.0)
		half_band[rows] = np.where(after[rows] > 0, spread[rows], 0.0)

	low, high = result - half_band, result + half_band
	# what is already reported bounds a Min from above and a Max from below
	low = np.where(how == Aggregation.MAX, np.maximum(low, ytd_actual), low)
	high = np.where(how == Aggregation.MIN, np.minimum(high, ytd_actual), high)

	enough = count >= policy.min_periods
	no_plan = is_sum & enough & ((ytd_target == 0) | np.isnan(ytd_target))
	missing = ~enough | no_plan | ~np.isfinite(result)
	note = np.where(no_plan, NO_PLAN_TO_DATE, np.where(missing, NOT_ENOUGH_DATA, None))

	return pd.DataFrame(
		{
			"forecast": np.where(missing, np.nan, result),
			"forecast_low": np.where(missing, np.nan, low),
			"forecast_high": np.where(missing, np.nan, high),
			"forecast_target": full_target,
			"trend": np.where(enough, _trend(fit, policy.flat), None),
			"forecast_note": note,
		},
		index=frame.index,
	)


class _Fit:
	"""Least-squares line per row through the last `window` reported values up to the row."""

	def __init__(self, intercept, slope, residual, spread, mean, used):
		self.intercept, self.slope, self.residual = intercept, slope, residual
		self.spread, self.mean, self.used = spread, mean, used


def _window_fit(values, position, group, start, window) -> _Fit:
	size = len(values)
	reported = np.flatnonzero(~np.isnan(values))
	x, y = position[reported].astype(float), values[reported]
	# sums over the compressed (reported-only) rows; a window is a difference of prefix sums
	sums = {
		"n": np.ones(len(reported)),
		"x": x,
		"y": y,
		"xx": x * x,
		"xy": x * y,
		"yy": y * y,
	}
	compressed_group = group[reported]
	new_group = np.ones(len(reported), dtype=bool)
	new_group[1:] = compressed_group[1:] != compressed_group[:-1]
	group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(reported)), 0))
	low = np.maximum(np.arange(len(reported)) + 1 - window, group_start)
	windowed = {}
	for name, column in sums.items():
		prefix = np.concatenate(([0.0], np.cumsum(column)))
		windowed[name] = prefix[np.arange(len(reported)) + 1] - prefix[low]

	# each row takes the window of the latest reported row at or before it, in its item
	latest = np.full(size, -1)
	latest[reported] = np.arange(len(reported))
	latest = np.maximum.accumulate(latest)
	latest_row = np.where(latest >= 0, reported[np.maximum(latest, 0)] if len(reported) else 0, -1)
	valid = (latest >= 0) & (latest_row >= start)
	pick = np.maximum(latest, 0)

	def spread_out(values):
		out = np.full(size, np.nan)
		if len(reported):
			out[valid] = values[pick[valid]]
		return out

	n, sx, sy = (spread_out(windowed[name]) for name in ("n", "x", "y"))
	sxx, sxy, syy = (spread_out(windowed[name]) for name in ("xx", "xy", "yy"))
	with np.errstate(divide="ignore", invalid="ignore"):
		mean = sy / n
		centred_xx = sxx - sx * sx / n
		centred_xy = sxy - sx * sy / n
		centred_yy = np.maximum(syy - sy * sy / n, 0.0)
		slope = np.where(centred_xx > 0, centred_xy / centred_xx, 0.0)
		intercept = mean - slope * sx / n
		residual_ss = np.maximum(centred_yy - slope * centred_xy, 0.0)
		residual = np.where(n > 2, np.sqrt(residual_ss / (n - 2)), 0.0)
		spread = np.where(n > 1, np.sqrt(centred_yy / (n - 1)), 0.0)
	return _Fit(intercept, slope, residual, spread, mean, n)


def _full_targets(how, target, group, count, after, ytd_target):
	"""The target the forecast is compared with: the whole period's, paired the KPI's way
	(Sum: all targets; Average: the reported periods' and the ones to come; Last: the final
	period's; Min/Max: over the reported periods and the ones to come)."""
	by_group = pd.Series(target).groupby(group)
	total = by_group.transform("sum").to_numpy()
	last = by_group.transform("last").to_numpy()
	# the targets of the periods after this row: suffix sums, minima and maxima
	reverse = pd.Series(target[::-1]).groupby(group[::-1])
	later_sum = reverse.cumsum().to_numpy()[::-1] - target
	later_min = _shift_suffix(reverse.cummin().to_numpy()[::-1], group)
	later_max = _shift_suffix(reverse.cummax().to_numpy()[::-1], group)
	full = np.full(len(target), np.nan)
	with np.errstate(divide="ignore", invalid="ignore"):
		average = (ytd_target * count + later_sum) / (count + after)
	full = np.where(how == Aggregation.SUM, total, full)
	full = np.where(
		how == Aggregation.AVERAGE, np.where(count > 0, average, by_group.transform("mean").to_numpy()), full
	)
	full = np.where(how == Aggregation.LAST, last, full)
	full = np.where(how == Aggregation.MIN, np.fmin(ytd_target, later_min), full)
	full = np.where(how == Aggregation.MAX, np.fmax(ytd_target, later_max), full)
	return full


def _shift_suffix(suffix: np.ndarray, group: np.ndarray) -> np.ndarray:
	"""From "this period and after" to "after this period" (NaN in an item's last period)."""
	shifted = np.full(len(suffix), np.nan)
	same = group[1:] == group[:-1]
	shifted[:-1] = np.where(same, suffix[1:], np.nan)
	return shifted


def _trend(fit: _Fit, flat: float) -> np.ndarray:
	change = fit.slope * (fit.used - 1)
	level = np.abs(fit.mean)
	with np.errstate(invalid="ignore"):
		is_flat = (np.abs(change) <= flat * level) | (fit.used < 2) | np.isnan(change)
	return np.where(is_flat, Trend.FLAT, np.where(change > 0, Trend.UP, Trend.DOWN)).astype(object)


def forecast_status(
	forecast_status: np.ndarray, current_status: np.ndarray, bands: StatusBands
) -> np.ndarray:
	"""The forecast's status, **At Risk** where it falls below the Amber threshold while the
	current status is still Amber or better, and Not Enough Data where there is no forecast.

	`forecast_status` is what `score_frame` gave the forecast (the bands' `missing` where
	there is none), `current_status` the year-to-date status."""
	names = bands.names
	code = {name: position for position, name in enumerate(names)}
	missing = len(names) - 1
	amber = max(bands.met - 1, 1)
	forecast_codes = np.array([code.get(name, missing) for name in forecast_status], dtype=int)
	current_codes = np.array([code.get(name, missing) for name in current_status], dtype=int)
	at_risk = (forecast_codes < amber) & (current_codes >= amber) & (current_codes < missing)
	labels = np.array([*names[:-1], NOT_ENOUGH_DATA], dtype=object)
	return np.where(at_risk, AT_RISK, labels[forecast_codes])
