"""Periods, target phasing and period aggregation (including year to date).

A period is an inclusive date range. Targets are phased into periods (equal shares, by
calendar days, or by weights such as an ERPNext Monthly Distribution); a planner may pin
some periods' targets, and the rest of the target is spread over the other periods the
same way. Actuals are aggregated over periods by sum, average, last, min or max;
year-to-date achievement pairs each aggregation with the matching target.
"""

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import pandas as pd

from kpibsc.engine.arrays import factorize, group_length, running_last, running_sum
from kpibsc.engine.errors import AggregationError, PhasingError, _, choice
from kpibsc.engine.rounding import distribute, round_half_up


class Frequency(StrEnum):
	WEEKLY = "Weekly"
	MONTHLY = "Monthly"
	QUARTERLY = "Quarterly"
	HALF_YEARLY = "Half-Yearly"
	YEARLY = "Yearly"


class Aggregation(StrEnum):
	SUM = "Sum"
	AVERAGE = "Average"
	LAST = "Last"
	MIN = "Min"
	MAX = "Max"


class Phasing(StrEnum):
	EQUAL = "Equal"
	BY_DAYS = "By Days"
	WEIGHTS = "Weights"


_MONTHS_PER_PERIOD = {
	Frequency.MONTHLY: 1,
	Frequency.QUARTERLY: 3,
	Frequency.HALF_YEARLY: 6,
	Frequency.YEARLY: 12,
}


@dataclass(frozen=True, order=True)
class Period:
	start: date
	end: date

	@property
	def days(self) -> int:
		return (self.end - self.start).days + 1


def split_periods(start: date, end: date, frequency: Frequency | str) -> list[Period]:
	"""Calendar periods covering start..end; the first and last may be partial.

	Months, quarters and halves are aligned to the month in which `start` falls
	(a fiscal year from April gives quarters April-June, ...); weeks run from `start`.
	"""
	if end < start:
		raise PhasingError(_("The period ends on {0}, before it starts on {1}."), end, start)
	frequency = choice(Frequency, frequency, PhasingError)
	periods = []
	if frequency == Frequency.WEEKLY:
		cursor = start
		while cursor <= end:
			periods.append(Period(cursor, min(cursor + timedelta(days=6), end)))
			cursor += timedelta(days=7)
		return periods

	step = _MONTHS_PER_PERIOD[frequency]
	year, month = start.year, start.month
	cursor = start
	while cursor <= end:
		year, month = add_months(year, month, step)
		next_start = date(year, month, 1)
		periods.append(Period(cursor, min(next_start - timedelta(days=1), end)))
		cursor = next_start
	return periods


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
	"""(year, month) `months` calendar months on (or back, when negative)."""
	index = year * 12 + (month - 1) + months
	return index // 12, index % 12 + 1


def month_weights(periods: Sequence[Period], percentages: Mapping[int, float]) -> np.ndarray:
	"""Weights of periods from percentages per calendar month (1-12), as in ERPNext's
	Monthly Distribution. A period that covers part of a month gets that part's share
	by days, so the same distribution serves weekly, monthly and quarterly periods."""
	if any(value < 0 for value in percentages.values()):
		raise PhasingError(_("Monthly distribution percentages may not be negative."))
	weights = np.zeros(len(periods))
	for position, period in enumerate(periods):
		cursor = period.start
		while cursor <= period.end:
			month_days = calendar.monthrange(cursor.year, cursor.month)[1]
			month_end = date(cursor.year, cursor.month, month_days)
			overlap_end = min(month_end, period.end)
			share = ((overlap_end - cursor).days + 1) / month_days
			weights[position] += percentages.get(cursor.month, 0.0) * share
			cursor = overlap_end + timedelta(days=1)
	return weights


def phase_shares(
	periods: Sequence[Period], phasing: Phasing | str = Phasing.EQUAL, weights: Sequence[float] | None = None
) -> np.ndarray:
	"""Each period's share of an additive target; the shares add up to 1."""
	if not periods:
		raise PhasingError(_("There are no periods to phase the target into."))
	phasing = choice(Phasing, phasing, PhasingError)
	if phasing == Phasing.EQUAL:
		raw = np.ones(len(periods))
	elif phasing == Phasing.BY_DAYS:
		raw = np.array([period.days for period in periods], dtype=float)
	else:
		if weights is None or len(weights) != len(periods):
			raise PhasingError(
				_("Phasing by weights needs one weight per period: {0} periods, {1} weights."),
				len(periods),
				0 if weights is None else len(weights),
			)
		raw = np.asarray(weights, dtype=float)
		if (raw < 0).any() or not np.isfinite(raw).all():
			raise PhasingError(_("Phasing weights must be zero or positive numbers."))
		if raw.sum() == 0:
			raise PhasingError(_("Phasing weights add up to zero, so the target cannot be phased."))
	return raw / raw.sum()


def phase_target(
	target: float,
	periods: Sequence[Period],
	aggregation: Aggregation | str = Aggregation.SUM,
	phasing: Phasing | str = Phasing.EQUAL,
	weights: Sequence[float] | None = None,
	precision: int | None = None,
	pinned: Sequence[float | None] | None = None,
	label: str = "",
) -> np.ndarray:
	"""The target of each period. Only a sum KPI's target is split; an average, last,
	min or max KPI (a rate, a level) has the same target in every period. `pinned` holds a
	fixed target per period (None or NaN where the period is not pinned)."""
	pins = None if pinned is None else np.array([[np.nan if pin is None else pin for pin in pinned]], float)
	return phase_targets(
		np.array([target], dtype=float), periods, aggregation, phasing, weights, precision, pins, [label]
	)[0]


def phase_targets(
	targets: np.ndarray,
	periods: Sequence[Period],
	aggregation: Aggregation | str = Aggregation.SUM,
	phasing: Phasing | str = Phasing.EQUAL,
	weights: Sequence[float] | None = None,
	precision: int | None = None,
	pinned: np.ndarray | None = None,
	labels: Sequence[str] | None = None,
) -> np.ndarray:
	"""Phased targets for many items sharing periods and phasing: shape (items, periods).
	With `precision`, each row is rounded so it still adds up to its total.

	`pinned` (items, periods) fixes some periods' targets (NaN elsewhere): a sum KPI's other
	periods share what is left of the target in the phasing's proportions (1,500 for a
	quarter with February pinned at 800: January and March 350 each, Equal or By Days);
	another KPI's pinned periods simply have their own target."""
	targets = np.asarray(targets, dtype=float)
	shares = phase_shares(periods, phasing, weights)
	pins = _pins(pinned, targets.size, len(periods), precision)
	if _aggregation(aggregation) != Aggregation.SUM:
		phased = np.repeat(targets[:, None], len(periods), axis=1)
		return phased if pins is None else np.where(np.isnan(pins), phased, pins)
	if pins is None or np.isnan(pins).all():
		phased = targets[:, None] * shares[None, :]
		if precision is not None:
			phased = distribute(targets, phased, precision)
		return phased
	return _phase_around_pins(targets, shares, pins, precision, labels)


def _pins(pinned, items: int, periods: int, precision: int | None) -> np.ndarray | None:
	if pinned is None:
		return None
	pins = np.asarray(pinned, dtype=float)
	if pins.shape != (items, periods):
		raise PhasingError(
			_("Pinned targets need one value or none per period: {0} periods, {1} values."),
			periods,
			pins.shape[-1] if pins.ndim else 0,
		)
	if np.isinf(pins).any():
		raise PhasingError(_("A pinned target must be a number."))
	return pins if precision is None else np.where(np.isnan(pins), np.nan, round_half_up(pins, precision))


def _phase_around_pins(targets, shares, pins, precision, labels) -> np.ndarray:
	is_pinned = ~np.isnan(pins)
	pinned_total = np.where(is_pinned, pins, 0.0).sum(axis=1)
	remainder = targets - pinned_total
	free_shares = np.where(is_pinned, 0.0, shares[None, :])
	free_total = free_shares.sum(axis=1)
	unit = 0.5 * 10.0 ** -(precision if precision is not None else 9)
	tolerance = np.maximum(unit, 1e-9 * np.abs(targets))
	left = np.abs(remainder) > tolerance
	all_pinned = is_pinned.all(axis=1)

	def fail(rows, template):
		row = int(np.flatnonzero(rows)[0])
		label = labels[row] if labels is not None else row + 1
		raise PhasingError(template, label, pinned_total[row], targets[row], remainder[row])

	if (all_pinned & left).any():
		fail(
			all_pinned & left,
			_(
				"KPI {0}: every period's target is pinned, and the pins add up to {1}, not the target {2}. "
				"Unpin a period or change the target."
			),
		)
	overshoot = left & ((np.sign(remainder) != np.sign(targets)) | (targets == 0))
	if overshoot.any():
		fail(
			overshoot,
			_(
				"KPI {0}: the pinned targets add up to {1}, beyond the target {2}, which would leave {3} "
				"for the other periods. Lower the pins or raise the target."
			),
		)
	nowhere = left & ~all_pinned & (free_total == 0)
	if nowhere.any():
		fail(
			nowhere,
			_(
				"KPI {0}: the pins add up to {1} of the target {2}, and the periods not pinned have no "
				"weight to take the remaining {3}. Give them a weight or pin them."
			),
		)
	with np.errstate(divide="ignore", invalid="ignore"):
		spread = np.where(
			free_total[:, None] > 0, remainder[:, None] * free_shares / free_total[:, None], 0.0
		)
	if precision is not None:
		spread = distribute(remainder, spread, precision, eligible=~is_pinned)
	return np.where(is_pinned, pins, spread)


def aggregate(values: Sequence[float], aggregation: Aggregation | str) -> float | None:
	"""One value from a period's values (missing ones skipped); None if there are none."""
	frame = pd.DataFrame({"group": 0, "value": np.asarray(values, dtype=float)})
	result = aggregate_frame(frame, ["group"], "value", aggregation)
	return None if result.empty or np.isnan(result.iloc[0]) else float(result.iloc[0])


def aggregate_frame(
	frame: pd.DataFrame, by: list[str], value: str, aggregation: Aggregation | str
) -> pd.Series:
	"""Aggregate `value` per group; `last` is the last non-missing value in frame order."""
	function = {
		Aggregation.SUM: "sum",
		Aggregation.AVERAGE: "mean",
		Aggregation.LAST: "last",
		Aggregation.MIN: "min",
		Aggregation.MAX: "max",
	}[_aggregation(aggregation)]
	grouped = frame.dropna(subset=[value]).groupby(by, sort=True)[value]
	return grouped.agg(function)


def _aggregation(value) -> Aggregation:
	return choice(Aggregation, value, AggregationError)


def year_to_date(frame: pd.DataFrame) -> pd.DataFrame:
	"""Year-to-date actual and target for each item at each period.

	`frame` has one row per item and period with columns item, period (sortable),
	aggregation, actual (NaN when missing) and target. Pairings:
	sum — sum of actuals so far against the sum of targets so far (unreported periods
	still count in the target: the item is behind); average, min, max — the aggregate of
	the reported actuals against the same aggregate of those periods' targets;
	last — the latest reported actual against the current period's target.
	Returns the frame sorted by item and period with ytd_actual and ytd_target added.
	"""
	item, period = frame["item"].to_numpy(), frame["period"].to_numpy()
	new_item = _new_items(item)
	if not _is_sorted(item, period, new_item):
		frame = frame.sort_values(["item", "period"], kind="stable")
		new_item = _new_items(frame["item"].to_numpy())
	actual = frame["actual"].to_numpy(dtype=float)
	target = frame["target"].to_numpy(dtype=float)
	reported = ~np.isnan(actual)
	# Rows of an item are contiguous: `firsts` holds the position of each item's first row.
	firsts = np.flatnonzero(new_item)
	# Items with the same number of periods (the usual case) are scanned as a matrix.
	length = group_length(firsts, len(frame))
	aggregation_codes, aggregations = factorize(frame["aggregation"])
	hows = [_aggregation(name) for name in aggregations]
	count = running_sum(reported, firsts, length, dtype=np.int64)
	running_actual = running_sum(np.where(reported, actual, 0.0), firsts, length)

	ytd_actual = np.full(len(frame), np.nan)
	ytd_target = np.full(len(frame), np.nan)
	# copyto/divide with `where` write each aggregation's rows in one pass, no compress/scatter
	for code, how in enumerate(hows):
		rows = aggregation_codes == code if len(hows) > 1 else True
		if how == Aggregation.SUM:
			np.copyto(ytd_actual, running_actual, where=rows)
			np.copyto(ytd_target, running_sum(target, firsts, length), where=rows)
		elif how == Aggregation.AVERAGE:
			with np.errstate(invalid="ignore", divide="ignore"):
				np.divide(running_actual, count, out=ytd_actual, where=rows)
				reported_target = running_sum(np.where(reported, target, 0.0), firsts, length)
				np.divide(reported_target, count, out=ytd_target, where=rows)
		elif how == Aggregation.LAST:
			if length is not None:
				latest_actual = running_last(actual, length)
			else:
				# the position of the latest reported row so far; one of an earlier item's
				# where the item has none yet (count 0: made missing below)
				latest = np.maximum.accumulate(np.where(reported, np.arange(len(frame)), -1))
				latest_actual = actual[np.maximum(latest, 0)]
			np.copyto(ytd_actual, latest_actual, where=rows)
			np.copyto(ytd_target, target, where=rows)
		else:
			# cummin/cummax leave NaN where a period is unreported: carry the running value on.
			how_name = "cummin" if how == Aggregation.MIN else "cummax"
			rows = np.broadcast_to(rows, len(frame))
			groups = np.cumsum(new_item)[rows]
			ytd_actual[rows] = _running(actual[rows], groups, how_name)
			ytd_target[rows] = _running(np.where(reported, target, np.nan)[rows], groups, how_name)

	ytd_actual[count == 0] = np.nan
	return _with_columns(frame, {"ytd_actual": ytd_actual, "ytd_target": ytd_target})


def _with_columns(frame: pd.DataFrame, columns: dict) -> pd.DataFrame:
	"""The frame's columns, shared not copied, and new ones: `assign` would copy every column
	of a large frame, and setting a column on a shallow copy copies the new array."""
	if frame.columns.is_unique and not isinstance(frame.columns, pd.MultiIndex):
		result = pd.DataFrame({**dict(frame.items()), **columns}, index=frame.index, copy=False)
		result.attrs = frame.attrs
		return result
	result = frame.copy(deep=False)
	for name, values in columns.items():
		result[name] = values
	return result


def _new_items(item: np.ndarray) -> np.ndarray:
	"""True at each row whose item differs from the row before (and at the first row)."""
	new_item = np.ones(len(item), dtype=bool)
	new_item[1:] = item[1:] != item[:-1]
	return new_item


def _is_sorted(item: np.ndarray, period: np.ndarray, new_item: np.ndarray) -> bool:
	if len(item) < 2:
		return True
	try:
		return bool(np.all(item[1:] >= item[:-1]) and np.all(new_item[1:] | (period[1:] > period[:-1])))
	except TypeError:
		return False


def _running(values: np.ndarray, groups: np.ndarray, how: str) -> np.ndarray:
	series = getattr(pd.Series(values).groupby(groups), how)()
	return series.groupby(groups).ffill().to_numpy()
