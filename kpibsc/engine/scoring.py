"""Achievement per scoring method, and scores, caps and RAG status on top of it.

Achievement is a fraction: 1.0 means the target was met exactly. Every method is a
vectorised kernel over numpy arrays. `achievement()` takes a column mapping (a DataFrame
or a dict of arrays) and runs each method's kernel once on its rows; `ScoringRule`
scores one value by calling the same function with one-row columns, so the bulk and
single-document paths cannot disagree.
"""

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from kpibsc.engine.arrays import factorize
from kpibsc.engine.errors import InvalidMethodError, InvalidTargetError, InvalidThresholdError, ScaleError, _
from kpibsc.engine.formula import compile_formula


class Method(StrEnum):
	HIGHER_IS_BETTER = "Higher is Better"
	LOWER_IS_BETTER = "Lower is Better"
	TARGET_RANGE = "Target Range"
	YES_NO = "Yes/No"
	STEP_BANDS = "Step Bands"
	THRESHOLDS = "Thresholds"
	FORMULA = "Formula"


# Names a formula may use; `min` and `max` are the KPI's bounds (`lower`, `upper`).
FORMULA_NAMES = frozenset(
	{"actual", "target", "baseline", "previous", "min", "max", "tolerance", "red_flag", "stretch"}
)


@dataclass(frozen=True)
class ThresholdPoints:
	"""Achievement reached at the red flag, the goal and the stretch value.

	The defaults put goal at 100% with red flag and stretch half a goal below and above —
	Spider Impact's 3.33 / 6.67 / 10 on its 0-10 scale, rescaled so the goal is 100%.
	"""

	red_flag: float = 0.5
	goal: float = 1.0
	stretch: float = 1.5

	def __post_init__(self):
		if not self.red_flag < self.goal < self.stretch:
			raise InvalidThresholdError(
				_("Threshold points must rise from red flag to goal to stretch, got {0}, {1}, {2}."),
				self.red_flag,
				self.goal,
				self.stretch,
			)


DEFAULT_POINTS = ThresholdPoints()


def achievement(
	columns: Mapping, *, points: ThresholdPoints = DEFAULT_POINTS, label_column: str = "item"
) -> np.ndarray:
	"""Achievement fraction for every row. NaN where the actual is missing.

	Required columns: method, actual, target. Optional, by method: lower, upper,
	tolerance (Target Range; Lower is Better with a zero target), red_flag, stretch
	(Thresholds), steps and direction (Step Bands), formula, baseline, previous (Formula).
	"""
	return _achievement(columns, _method_codes(columns["method"]), points, label_column)


def _method_codes(method_column) -> tuple[np.ndarray, pd.Index]:
	"""The method column factorized once, for the kernels and the status zones (a categorical
	column is not converted to a million Python strings to be compared)."""
	if not isinstance(method_column, pd.Series | pd.Categorical):
		method_column = np.asarray(method_column, dtype=object)
	return factorize(method_column)


def _achievement(columns: Mapping, method_codes: tuple, points: ThresholdPoints, label_column: str):
	method_codes, methods = method_codes
	size = len(method_codes)
	rows = _Rows(columns, size, label_column)
	result = np.full(size, np.nan)

	for code, method in enumerate(methods):
		mask = method_codes == code
		try:
			kernel = _KERNELS[Method(method)]
		except ValueError:
			raise InvalidMethodError(
				_("KPI {0}: unknown scoring method {1}. Use one of: {2}."),
				rows.label(mask),
				method,
				", ".join(m.value for m in Method),
			)
		result[mask] = kernel(rows, mask, points)
	return result


class _Rows:
	"""Column access with defaults, and the row label used in error messages."""

	def __init__(self, columns: Mapping, size: int, label_column: str):
		self.columns, self.size, self.label_column = columns, size, label_column

	def get(self, name: str, mask: np.ndarray) -> np.ndarray:
		values = self.columns.get(name) if hasattr(self.columns, "get") else None
		if values is None:
			return np.full(int(mask.sum()), np.nan)
		values = np.asarray(values)
		if values.dtype.kind not in "fiub":
			values = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
		return values[mask].astype(float, copy=False)

	def get_objects(self, name: str, mask: np.ndarray, default=None) -> np.ndarray:
		values = self.columns.get(name) if hasattr(self.columns, "get") else None
		if values is None:
			return np.full(int(mask.sum()), default, dtype=object)
		return np.asarray(values, dtype=object)[mask]

	def label(self, mask: np.ndarray, offending: np.ndarray | None = None) -> str:
		labels = self.columns.get(self.label_column) if hasattr(self.columns, "get") else None
		positions = np.flatnonzero(mask)
		if offending is not None:
			positions = positions[offending]
		first = positions[0] if len(positions) else 0
		if labels is not None:
			return str(np.asarray(labels, dtype=object)[first])
		return f"row {first + 1}"


def _relative(actual, target, higher_is_better):
	"""1 + (actual - target) / |target|: actual / target for a positive target, and a
	symmetric measure for a negative one (a loss target of -100 met at -50 is 150%).
	`higher_is_better` is one bool for all rows or one per row."""
	with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
		if isinstance(higher_is_better, bool):
			gap = np.subtract(actual, target) if higher_is_better else np.subtract(target, actual)
		else:
			gap = np.where(higher_is_better, actual - target, target - actual)
		# in place: `gap` is a new array (the columns it came from are the caller's)
		gap = np.divide(gap, np.abs(target), out=gap if gap.ndim else None)
		return np.add(gap, 1.0, out=gap if gap.ndim else None)


def _require_nonzero_target(rows, mask, target, method, actual=None):
	if not ((target == 0).any() or np.isnan(target).any()):
		return
	# A row without an actual needs no target yet (nothing to score).
	actual = rows.get("actual", mask) if actual is None else actual
	bad = ((target == 0) | np.isnan(target)) & ~np.isnan(actual)
	if bad.any():
		raise InvalidTargetError(
			_(
				"KPI {0}: the target is {1}, but '{2}' compares the actual with the target. Set a non-zero target or choose another scoring method."
			),
			rows.label(mask, bad),
			target[bad][0],
			method,
		)


def _higher_is_better(rows, mask, points):
	actual, target = rows.get("actual", mask), rows.get("target", mask)
	_require_nonzero_target(rows, mask, target, Method.HIGHER_IS_BETTER, actual)
	return _relative(actual, target, True)


def _lower_is_better(rows, mask, points):
	actual, target = rows.get("actual", mask), rows.get("target", mask)
	no_target = np.isnan(target) & ~np.isnan(actual)
	if no_target.any():
		raise InvalidTargetError(
			_("KPI {0}: '{1}' needs a target."), rows.label(mask, no_target), Method.LOWER_IS_BETTER
		)
	zero = target == 0
	if not zero.any():  # missing actuals stay missing through the arithmetic
		return _relative(actual, target, False)
	tolerance = rows.get("tolerance", mask)
	with np.errstate(divide="ignore", invalid="ignore"):
		result = _relative(actual, np.where(zero, 1.0, target), False)
		# A zero target (zero accidents): full marks at or below zero, falling to 0% at the
		# tolerance; with no tolerance, anything above zero scores 0%.
		zero_target = np.where(tolerance > 0, 1.0 - actual / tolerance, np.where(actual <= 0, 1.0, 0.0))
	result = np.where(zero, zero_target, result)
	return np.where(np.isnan(actual), np.nan, result)


def _target_range(rows, mask, points):
	actual = rows.get("actual", mask)
	lower, upper, tolerance = rows.get("lower", mask), rows.get("upper", mask), rows.get("tolerance", mask)
	missing = np.isnan(lower) | np.isnan(upper)
	if missing.any():
		raise InvalidThresholdError(
			_("KPI {0}: '{1}' needs both the lower and the upper bound of the band."),
			rows.label(mask, missing),
			Method.TARGET_RANGE,
		)
	reversed_band = lower > upper
	if reversed_band.any():
		raise InvalidThresholdError(
			_("KPI {0}: the lower bound {1} is above the upper bound {2}."),
			rows.label(mask, reversed_band),
			lower[reversed_band][0],
			upper[reversed_band][0],
		)
	if (tolerance < 0).any():
		raise InvalidThresholdError(
			_("KPI {0}: the tolerance may not be negative."), rows.label(mask, tolerance < 0)
		)
	distance = np.subtract(lower, actual)
	np.maximum(distance, np.subtract(actual, upper), out=distance)
	np.maximum(distance, 0.0, out=distance)
	with np.errstate(divide="ignore", invalid="ignore"):
		falling = np.divide(distance, tolerance)
	np.subtract(1.0, falling, out=falling)
	np.maximum(falling, 0.0, out=falling)
	tolerant = tolerance > 0
	if tolerant.all():  # a missing actual is a missing distance, and stays missing
		return falling
	result = np.where(tolerant, falling, np.where(distance == 0, 1.0, 0.0))
	return np.where(np.isnan(actual), np.nan, result)


def _yes_no(rows, mask, points):
	actual = rows.get("actual", mask)
	return np.where(np.isnan(actual), np.nan, (actual != 0).astype(float))


def _step_bands(rows, mask, points):
	actual, target = rows.get("actual", mask), rows.get("target", mask)
	_require_nonzero_target(rows, mask, target, Method.STEP_BANDS)
	directions = rows.get_objects("direction", mask, Method.HIGHER_IS_BETTER)
	ratio = _relative(actual, target, directions != Method.LOWER_IS_BETTER)
	table_codes, tables = _factorize_objects(rows.get_objects("steps", mask))
	result = np.full(len(actual), np.nan)
	for code, table in enumerate(tables):
		rows_of_table = table_codes == code
		thresholds, values = _parse_steps(table, rows.label(mask, rows_of_table))
		position = np.searchsorted(thresholds, ratio[rows_of_table], side="right") - 1
		result[rows_of_table] = np.where(position >= 0, values[np.maximum(position, 0)], 0.0)
	return np.where(np.isnan(actual), np.nan, result)


def _factorize_objects(values: np.ndarray) -> tuple[np.ndarray, list]:
	"""Codes and distinct values of an object column whose values may be tuples or None."""
	codes, uniques = pd.factorize(pd.Series(list(values), dtype=object), use_na_sentinel=False)
	return np.asarray(codes), list(uniques)


def _parse_steps(table, label):
	if not isinstance(table, tuple | list) or not table:
		raise InvalidThresholdError(_("KPI {0}: 'Step Bands' needs at least one step."), label)
	steps = sorted((float(threshold), float(value)) for threshold, value in table)
	thresholds = np.array([threshold for threshold, _value in steps])
	values = np.array([value for _threshold, value in steps])
	if len(set(thresholds)) != len(thresholds):
		raise InvalidThresholdError(_("KPI {0}: two steps start at the same achievement."), label)
	if (np.diff(values) < 0).any():
		raise InvalidThresholdError(_("KPI {0}: a higher step must not score less than a lower one."), label)
	return thresholds, values


def _thresholds(rows, mask, points):
	actual = rows.get("actual", mask)
	red_flag, goal, stretch = rows.get("red_flag", mask), rows.get("target", mask), rows.get("stretch", mask)
	missing = np.isnan(red_flag) | np.isnan(goal)
	if missing.any():
		raise InvalidThresholdError(
			_("KPI {0}: '{1}' needs a red flag and a goal (target)."),
			rows.label(mask, missing),
			Method.THRESHOLDS,
		)
	rising = goal > red_flag
	out_of_order = (goal == red_flag) | (
		~np.isnan(stretch) & ((rising & (stretch <= goal)) | (~rising & (stretch >= goal)))
	)
	if out_of_order.any():
		raise InvalidThresholdError(
			_(
				"KPI {0}: red flag {1}, goal {2} and stretch {3} must run in one direction (all rising or all falling)."
			),
			rows.label(mask, out_of_order),
			red_flag[out_of_order][0],
			goal[out_of_order][0],
			stretch[out_of_order][0],
		)
	# The same formula serves rising and falling KPIs: the ratios flip sign together.
	toward_goal = (actual - red_flag) / (goal - red_flag)
	below_goal = np.maximum(points.red_flag + (points.goal - points.red_flag) * toward_goal, 0.0)
	with np.errstate(divide="ignore", invalid="ignore"):
		toward_stretch = np.minimum((actual - goal) / (stretch - goal), 1.0)
	above_goal = np.where(
		np.isnan(stretch), below_goal, points.goal + (points.stretch - points.goal) * toward_stretch
	)
	return np.where(toward_goal <= 1.0, below_goal, above_goal)


def _formula(rows, mask, points):
	formula_codes, sources = _factorize_objects(rows.get_objects("formula", mask))
	variables = {
		"actual": rows.get("actual", mask),
		"target": rows.get("target", mask),
		"baseline": rows.get("baseline", mask),
		"previous": rows.get("previous", mask),
		"min": rows.get("lower", mask),
		"max": rows.get("upper", mask),
		"tolerance": rows.get("tolerance", mask),
		"red_flag": rows.get("red_flag", mask),
		"stretch": rows.get("stretch", mask),
	}
	result = np.full(int(mask.sum()), np.nan)
	for code, source in enumerate(sources):
		rows_of_formula = formula_codes == code
		formula = compile_formula(source, FORMULA_NAMES)
		values = formula.evaluate({name: value[rows_of_formula] for name, value in variables.items()})
		result[rows_of_formula] = np.broadcast_to(values, (int(rows_of_formula.sum()),))
	result[~np.isfinite(result)] = np.nan
	return np.where(np.isnan(variables["actual"]), np.nan, result)


_KERNELS = {
	Method.HIGHER_IS_BETTER: _higher_is_better,
	Method.LOWER_IS_BETTER: _lower_is_better,
	Method.TARGET_RANGE: _target_range,
	Method.YES_NO: _yes_no,
	Method.STEP_BANDS: _step_bands,
	Method.THRESHOLDS: _thresholds,
	Method.FORMULA: _formula,
}


# Scales, caps and status -------------------------------------------------------------


@dataclass(frozen=True)
class ScoreScale:
	"""A score scale: `minimum` is 0% achievement, `maximum` is 100%."""

	name: str
	minimum: float = 0.0
	maximum: float = 100.0

	def __post_init__(self):
		if not self.maximum > self.minimum:
			raise ScaleError(
				_("The score scale {0} must end above where it starts ({1} to {2})."),
				self.name,
				self.minimum,
				self.maximum,
			)

	def from_achievement(self, achievement):
		return self.minimum + np.asarray(achievement, dtype=float) * (self.maximum - self.minimum)

	def to_achievement(self, score):
		return (np.asarray(score, dtype=float) - self.minimum) / (self.maximum - self.minimum)


PERCENT = ScoreScale("Percent", 0.0, 100.0)
FIVE_POINT = ScoreScale("0-5", 0.0, 5.0)
TEN_POINT = ScoreScale("0-10", 0.0, 10.0)
SCALES = {scale.name: scale for scale in (PERCENT, FIVE_POINT, TEN_POINT)}


def convert_score(score, from_scale: ScoreScale, to_scale: ScoreScale):
	"""A score on one scale expressed on another (70 on Percent is 3.5 on 0-5)."""
	return to_scale.from_achievement(from_scale.to_achievement(score))


@dataclass(frozen=True)
class StatusBands:
	"""RAG status from achievement: each threshold starts a band; below the first is `below`.

	The status of 100% achievement (Green by default) is the one a met goal gets, and the band
	just under it (Amber) the one of a KPI between its red flag and its goal (`zones`)."""

	thresholds: tuple[tuple[float, str], ...] = ((0.8, "Amber"), (1.0, "Green"))
	below: str = "Red"
	missing: str = "No Data"

	def __post_init__(self):
		starts = [start for start, _status in self.thresholds]
		names = [self.below, *(status for _start, status in self.thresholds), self.missing]
		if len(set(names)) != len(names):
			raise InvalidThresholdError(_("Status names must differ: {0}."), ", ".join(names))
		if any(later <= earlier for earlier, later in itertools.pairwise(starts)):
			raise InvalidThresholdError(
				_("Status thresholds must rise, got {0}."), ", ".join(str(start) for start in starts)
			)

	@property
	def names(self) -> list[str]:
		return [self.below, *(status for _start, status in self.thresholds), self.missing]

	def codes(self, achievement) -> np.ndarray:
		"""Position of each achievement's status in `names` (the last one for missing)."""
		return self._codes(achievement).astype(np.intp)

	def _codes(self, achievement) -> np.ndarray:
		"""`codes` in the smallest integer type that holds them (a categorical's own)."""
		achievement = np.asarray(achievement, dtype=float)
		dtype = np.int8 if len(self.names) < 127 else np.intp
		# the number of thresholds reached: a comparison per band beats a binary search
		codes = np.zeros(achievement.shape, dtype=dtype)
		for start, _status in self.thresholds:
			codes += achievement >= start
		codes[np.isnan(achievement)] = len(self.names) - 1
		return codes

	@property
	def met(self) -> int:
		"""Code of the status a met target (100%) gets."""
		return int(self.codes(np.array([1.0]))[0])

	def assign(self, achievement) -> pd.Categorical:
		"""Status of each achievement, as a categorical (cheap for millions of rows)."""
		return pd.Categorical.from_codes(self._codes(achievement), self.names)


@dataclass(frozen=True)
class ScorePolicy:
	"""How achievement becomes a score: floor and cap (fractions), scale, status bands.

	A score stays within its scale: the cap may go above 100% (a stretch result scoring 120
	on Percent) only when `above_scale` says so explicitly; reports then mark such scores
	"above scale" (`is_above_scale`)."""

	achievement_floor: float | None = 0.0
	achievement_cap: float | None = 1.0
	scale: ScoreScale = PERCENT
	status: StatusBands = field(default_factory=StatusBands)
	points: ThresholdPoints = DEFAULT_POINTS
	above_scale: bool = False

	def __post_init__(self):
		if (
			self.achievement_floor is not None
			and self.achievement_cap is not None
			and self.achievement_floor > self.achievement_cap
		):
			raise ScaleError(
				_("The achievement floor {0} is above the cap {1}."),
				self.achievement_floor,
				self.achievement_cap,
			)
		if not self.above_scale and (self.achievement_cap is None or self.achievement_cap > 1.0):
			raise ScaleError(
				_(
					"An achievement cap of {0} lets scores go above the top of the {1} scale ({2}). "
					"Set the cap to 1 (100%) or at most that, or allow scores above the scale."
				),
				"none" if self.achievement_cap is None else self.achievement_cap,
				self.scale.name,
				self.scale.maximum,
			)

	def is_above_scale(self, score) -> np.ndarray:
		"""True where a score is above the top of the scale (only when the policy allows it)."""
		with np.errstate(invalid="ignore"):
			return np.asarray(score, dtype=float) > self.scale.maximum

	def cap(self, achievement, row_caps=None):
		"""Achievement clipped to floor…cap. `row_caps` (optional, one per row, NaN where a
		row has none) replaces the policy's cap row by row — a scorecard item's own cap."""
		if row_caps is None:
			return np.clip(achievement, self.achievement_floor, self.achievement_cap)
		row_caps = np.asarray(row_caps, dtype=float)
		own = ~np.isnan(row_caps)
		if not self.above_scale and (row_caps[own] > 1.0).any():
			raise ScaleError(
				_(
					"An achievement cap of {0} lets scores go above the top of the {1} scale ({2}). "
					"Set the cap to 1 (100%) or at most that, or allow scores above the scale."
				),
				row_caps[own][row_caps[own] > 1.0][0],
				self.scale.name,
				self.scale.maximum,
			)
		if self.achievement_floor is not None and (row_caps[own] < self.achievement_floor).any():
			raise ScaleError(
				_("The achievement floor {0} is above the cap {1}."),
				self.achievement_floor,
				row_caps[own][row_caps[own] < self.achievement_floor][0],
			)
		default = np.inf if self.achievement_cap is None else self.achievement_cap
		upper = np.where(own, row_caps, default)
		lower = -np.inf if self.achievement_floor is None else self.achievement_floor
		return np.minimum(np.maximum(np.asarray(achievement, dtype=float), lower), upper)

	def to_percent(self, score):
		"""A score on this policy's scale as a Percent score (3.6 of 5 is 72), for what is
		measured in percent whatever the scorecard's scale: rank bands, reviews, pay."""
		return convert_score(score, self.scale, PERCENT)

	def shown(self, achievement):
		"""Achievement as reports show it: as reached above the cap (140% reads 140%; only the
		score stops at the cap), but never below the floor, where the score stops too, so a
		lower-is-better KPI far off its target reads 0%, not -2,543%. Missing stays missing."""
		if self.achievement_floor is None:
			return achievement
		return np.maximum(achievement, self.achievement_floor)


def policy_from_settings(
	scale: str = "Percent",
	floor_percent: float | None = 0.0,
	cap_percent: float | None = 100.0,
	above_scale: bool = False,
	amber_from: float = 80.0,
	green_from: float = 100.0,
) -> ScorePolicy:
	"""The policy a settings row describes in percent of achievement: Red below
	`amber_from`, Amber from it, Green from `green_from`."""
	if scale not in SCALES:
		raise ScaleError(_("Unknown score scale {0}. Use one of: {1}."), scale, ", ".join(SCALES))
	return ScorePolicy(
		achievement_floor=None if floor_percent is None else floor_percent / 100.0,
		achievement_cap=None if cap_percent is None else cap_percent / 100.0,
		scale=SCALES[scale],
		status=StatusBands(thresholds=((amber_from / 100.0, "Amber"), (green_from / 100.0, "Green"))),
		above_scale=bool(above_scale),
	)


def score_frame(
	columns: Mapping, policy: ScorePolicy = ScorePolicy(), label_column: str = "item"
) -> pd.DataFrame:
	"""Achievement (raw and capped), score, whether it is above the scale, and status.

	An optional `achievement_cap` column (fractions, NaN for none) caps rows on their own."""
	methods = _method_codes(columns["method"])
	raw = _achievement(columns, methods, policy.points, label_column)
	row_caps = columns.get("achievement_cap") if hasattr(columns, "get") else None
	capped = policy.cap(raw, row_caps)
	score = policy.scale.from_achievement(capped)
	index = columns.index if isinstance(columns, pd.DataFrame) else None
	codes = zones(columns, raw, policy.status, label_column, methods=methods)
	# copy=False: the new arrays become the frame's columns as they are, not stacked into one block
	return pd.DataFrame(
		{
			"achievement_raw": raw,
			"achievement": capped,
			"score": score,
			"above_scale": policy.is_above_scale(score),
			"status": pd.Categorical.from_codes(codes, policy.status.names),
		},
		index=index,
		copy=False,
	)


def zones(
	columns: Mapping,
	raw: np.ndarray,
	bands: StatusBands,
	label_column: str = "item",
	*,
	methods: tuple[np.ndarray, pd.Index] | None = None,
) -> np.ndarray:
	"""Status codes: by achievement, except where the method has its own zones.

	Thresholds: beyond the red flag (below it, or above it for a falling KPI) is Red, from the
	red flag to the goal Amber, at or past the goal Green (or better, if the achievement reaches
	a higher band), whatever points or scale the score uses. Yes/No: met is Green, not met Red.
	`methods` is the method column's codes and names if the caller has them (`_method_codes`).
	"""
	codes = bands._codes(raw)
	method_codes, names = _method_codes(columns["method"]) if methods is None else methods
	if Method.THRESHOLDS not in names and Method.YES_NO not in names:
		return codes

	def is_method(method: Method) -> np.ndarray:
		return np.isin(method_codes, [code for code, name in enumerate(names) if name == method])

	measured = ~np.isnan(raw)
	met, between = bands.met, max(bands.met - 1, 0)
	thresholds = is_method(Method.THRESHOLDS) & measured
	if thresholds.any():
		rows = _Rows(columns, len(raw), label_column)
		actual, red_flag, goal = (rows.get(name, thresholds) for name in ("actual", "red_flag", "target"))
		with np.errstate(divide="ignore", invalid="ignore"):
			toward_goal = (actual - red_flag) / (goal - red_flag)
		codes[thresholds] = np.where(
			toward_goal >= 1.0, np.maximum(met, codes[thresholds]), np.where(toward_goal >= 0.0, between, 0)
		)
	yes_no = is_method(Method.YES_NO) & measured
	codes[yes_no] = np.where(raw[yes_no] >= 1.0, met, 0)
	return codes


@dataclass(frozen=True)
class ItemResult:
	achievement_raw: float | None
	achievement: float | None
	score: float | None
	status: str
	above_scale: bool = False


@dataclass(frozen=True)
class ScoringRule:
	"""One KPI's scoring method and parameters, for scoring a single value."""

	method: Method | str = Method.HIGHER_IS_BETTER
	lower: float | None = None
	upper: float | None = None
	tolerance: float | None = None
	red_flag: float | None = None
	stretch: float | None = None
	steps: tuple[tuple[float, float], ...] | None = None
	direction: str = Method.HIGHER_IS_BETTER
	formula: str | None = None
	label: str = "KPI"

	def columns(self, actual, target, baseline=None, previous=None) -> dict:
		values = {
			"method": self.method,
			"actual": actual,
			"target": target,
			"baseline": baseline,
			"previous": previous,
			"lower": self.lower,
			"upper": self.upper,
			"tolerance": self.tolerance,
			"red_flag": self.red_flag,
			"stretch": self.stretch,
			"direction": self.direction,
			"formula": self.formula,
			"item": self.label,
		}
		columns = {name: np.array([_none_to_nan(value)], dtype=object) for name, value in values.items()}
		columns["steps"] = np.empty(1, dtype=object)
		columns["steps"][0] = self.steps
		return columns

	def score(
		self, actual, target, policy: ScorePolicy = ScorePolicy(), baseline=None, previous=None
	) -> ItemResult:
		row = score_frame(self.columns(actual, target, baseline, previous), policy).iloc[0]
		return ItemResult(
			achievement_raw=_nan_to_none(row.achievement_raw),
			achievement=_nan_to_none(row.achievement),
			score=_nan_to_none(row.score),
			status=row.status,
			above_scale=bool(row.above_scale),
		)

	def achievement(
		self, actual, target, baseline=None, previous=None, points=DEFAULT_POINTS
	) -> float | None:
		return _nan_to_none(achievement(self.columns(actual, target, baseline, previous), points=points)[0])


def _none_to_nan(value):
	return np.nan if value is None else value


def _nan_to_none(value):
	return None if value is None or np.isnan(value) else float(value)
