"""Achievement, score and status per scoring method, with hand-computed expectations."""

import numpy as np
import pandas as pd
import pytest

from kpibsc.engine import (
	FIVE_POINT,
	PERCENT,
	TEN_POINT,
	Method,
	ScorePolicy,
	ScoreScale,
	ScoringRule,
	StatusBands,
	ThresholdPoints,
	achievement,
	convert_score,
	score_frame,
)
from kpibsc.engine.errors import (
	FormulaError,
	InvalidMethodError,
	InvalidTargetError,
	InvalidThresholdError,
	ScaleError,
)

HIGHER = ScoringRule(Method.HIGHER_IS_BETTER)
LOWER = ScoringRule(Method.LOWER_IS_BETTER)


@pytest.mark.parametrize(
	"actual, target, expected",
	[
		(80, 100, 0.8),
		(100, 100, 1.0),
		(150, 100, 1.5),
		(0, 100, 0.0),
		(-20, 100, -0.2),
		# negative target (a loss of at most 100): a loss of 50 beats it by half
		(-50, -100, 1.5),
		(-150, -100, 0.5),
		(2.5, 2.0, 1.25),
	],
)
def test_higher_is_better(actual, target, expected):
	assert HIGHER.achievement(actual, target) == pytest.approx(expected)


@pytest.mark.parametrize(
	"actual, target, expected",
	[
		(80, 100, 1.2),  # spent 80 of a 100 budget
		(100, 100, 1.0),
		(150, 100, 0.5),
		(200, 100, 0.0),
		(250, 100, -0.5),  # floored to 0 by the score policy, not here
		(-120, -100, 1.2),
	],
)
def test_lower_is_better(actual, target, expected):
	assert LOWER.achievement(actual, target) == pytest.approx(expected)


def test_shown_achievement_floors_like_the_score_but_is_not_capped():
	policy = ScorePolicy()
	# spent 264 of a budget of 10: -2,540% reached, shown (and scored) as 0%
	far_off = LOWER.score(264, 10, policy)
	assert far_off.achievement_raw == pytest.approx(-24.4)
	assert (policy.shown(far_off.achievement_raw), far_off.score) == (0.0, 0.0)
	shown = policy.shown(np.array([-24.4, -0.5, 0.0, 0.8, 1.4, np.nan]))
	np.testing.assert_array_equal(shown, [0.0, 0.0, 0.0, 0.8, 1.4, np.nan])  # 140% stays 140%
	assert ScorePolicy(achievement_floor=None).shown(-0.5) == -0.5
	assert ScorePolicy(achievement_floor=-0.2).shown(-0.5) == -0.2


def test_lower_is_better_zero_target_without_tolerance_is_all_or_nothing():
	assert LOWER.achievement(0, 0) == 1.0
	assert LOWER.achievement(1, 0) == 0.0
	assert LOWER.achievement(-1, 0) == 1.0


def test_lower_is_better_zero_target_falls_off_over_tolerance():
	rule = ScoringRule(Method.LOWER_IS_BETTER, tolerance=4)
	assert rule.achievement(0, 0) == 1.0
	assert rule.achievement(1, 0) == pytest.approx(0.75)
	assert rule.achievement(4, 0) == 0.0
	assert rule.achievement(6, 0) == pytest.approx(-0.5)


def test_higher_is_better_zero_target_is_refused_with_the_kpi_named():
	rule = ScoringRule(Method.HIGHER_IS_BETTER, label="REV-01")
	with pytest.raises(InvalidTargetError, match="REV-01") as error:
		rule.achievement(10, 0)
	assert "non-zero target" in str(error.value)
	assert error.value.template.startswith("KPI {0}")


def test_missing_target_is_refused():
	with pytest.raises(InvalidTargetError):
		HIGHER.achievement(10, None)
	assert HIGHER.achievement(None, None) is None
	with pytest.raises(InvalidTargetError):
		LOWER.achievement(10, None)


@pytest.mark.parametrize("rule", [HIGHER, LOWER, ScoringRule(Method.YES_NO)])
def test_missing_actual_gives_no_achievement(rule):
	assert rule.achievement(None, 100) is None
	result = rule.score(None, 100)
	assert result.score is None
	assert result.status == "No Data"


class TestTargetRange:
	rule = ScoringRule(Method.TARGET_RANGE, lower=95, upper=105, tolerance=10)

	@pytest.mark.parametrize(
		"actual, expected",
		[(95, 1.0), (100, 1.0), (105, 1.0), (110, 0.5), (90, 0.5), (115, 0.0), (80, 0.0), (102.5, 1.0)],
	)
	def test_full_inside_band_falling_off_over_tolerance(self, actual, expected):
		assert self.rule.achievement(actual, 100) == pytest.approx(expected)

	def test_without_tolerance_outside_is_zero(self):
		rule = ScoringRule(Method.TARGET_RANGE, lower=95, upper=105)
		assert rule.achievement(105, 100) == 1.0
		assert rule.achievement(105.01, 100) == 0.0

	def test_band_is_required(self):
		with pytest.raises(InvalidThresholdError, match="lower and the upper bound"):
			ScoringRule(Method.TARGET_RANGE, lower=95).achievement(100, 100)

	def test_reversed_band_is_refused(self):
		with pytest.raises(InvalidThresholdError, match="above the upper bound"):
			ScoringRule(Method.TARGET_RANGE, lower=105, upper=95).achievement(100, 100)

	def test_negative_tolerance_is_refused(self):
		with pytest.raises(InvalidThresholdError, match="tolerance"):
			ScoringRule(Method.TARGET_RANGE, lower=95, upper=105, tolerance=-1).achievement(100, 100)


def test_yes_no():
	rule = ScoringRule(Method.YES_NO)
	assert rule.achievement(1, 1) == 1.0
	assert rule.achievement(0, 1) == 0.0
	assert rule.achievement(3, 1) == 1.0


class TestStepBands:
	rule = ScoringRule(Method.STEP_BANDS, steps=((1.0, 1.0), (0.95, 0.6), (0.90, 0.4)))

	@pytest.mark.parametrize(
		"actual, expected",
		[(120, 1.0), (100, 1.0), (99.99, 0.6), (95, 0.6), (94, 0.4), (90, 0.4), (89.9, 0.0), (0, 0.0)],
	)
	def test_steps_on_achievement(self, actual, expected):
		assert self.rule.achievement(actual, 100) == pytest.approx(expected)

	def test_lower_is_better_direction(self):
		rule = ScoringRule(
			Method.STEP_BANDS, steps=((1.0, 1.0), (0.9, 0.5)), direction=Method.LOWER_IS_BETTER
		)
		assert rule.achievement(100, 100) == 1.0  # on budget
		assert rule.achievement(105, 100) == 0.5  # 5% over: 95% achievement
		assert rule.achievement(120, 100) == 0.0

	def test_needs_steps(self):
		with pytest.raises(InvalidThresholdError, match="at least one step"):
			ScoringRule(Method.STEP_BANDS).achievement(1, 1)

	def test_duplicate_and_decreasing_steps_are_refused(self):
		with pytest.raises(InvalidThresholdError, match="same achievement"):
			ScoringRule(Method.STEP_BANDS, steps=((1.0, 1.0), (1.0, 0.5))).achievement(1, 1)
		with pytest.raises(InvalidThresholdError, match="must not score less"):
			ScoringRule(Method.STEP_BANDS, steps=((1.0, 0.5), (0.9, 0.8))).achievement(1, 1)


class TestThresholds:
	rising = ScoringRule(Method.THRESHOLDS, red_flag=50, stretch=150)
	falling = ScoringRule(Method.THRESHOLDS, red_flag=20, stretch=5)  # days to close; goal 10

	@pytest.mark.parametrize(
		"actual, expected",
		[
			(50, 0.5),
			(75, 0.75),
			(100, 1.0),
			(125, 1.25),
			(150, 1.5),
			(300, 1.5),
			(25, 0.25),
			(0, 0.0),
			(-10, 0.0),
		],
	)
	def test_rising(self, actual, expected):
		assert self.rising.achievement(actual, 100) == pytest.approx(expected)

	@pytest.mark.parametrize(
		"actual, expected", [(20, 0.5), (15, 0.75), (10, 1.0), (7.5, 1.25), (5, 1.5), (1, 1.5), (40, 0.0)]
	)
	def test_falling(self, actual, expected):
		assert self.falling.achievement(actual, 10) == pytest.approx(expected)

	def test_spider_impact_scale(self):
		"""Red flag, goal and stretch at 3.33, 6.67 and 10 on a 0-10 scale."""
		points = ThresholdPoints(red_flag=1 / 3, goal=2 / 3, stretch=1.0)
		policy = ScorePolicy(scale=TEN_POINT, points=points, achievement_cap=1.0)
		assert self.rising.score(50, 100, policy).score == pytest.approx(10 / 3)
		assert self.rising.score(100, 100, policy).score == pytest.approx(20 / 3)
		assert self.rising.score(150, 100, policy).score == pytest.approx(10.0)

	def test_without_stretch_extrapolates(self):
		assert ScoringRule(Method.THRESHOLDS, red_flag=50).achievement(150, 100) == pytest.approx(1.5)

	def test_wrong_order_is_refused(self):
		with pytest.raises(InvalidThresholdError, match="one direction"):
			ScoringRule(Method.THRESHOLDS, red_flag=50, stretch=80).achievement(90, 100)
		with pytest.raises(InvalidThresholdError, match="one direction"):
			ScoringRule(Method.THRESHOLDS, red_flag=100).achievement(90, 100)
		with pytest.raises(InvalidThresholdError, match="red flag"):
			ScoringRule(Method.THRESHOLDS).achievement(90, 100)

	def test_threshold_points_must_rise(self):
		with pytest.raises(InvalidThresholdError):
			ThresholdPoints(red_flag=1.0, goal=1.0, stretch=1.5)


class TestFormula:
	def test_arithmetic_over_named_inputs(self):
		rule = ScoringRule(Method.FORMULA, formula="(actual - baseline) / (target - baseline)")
		assert rule.achievement(70, 100, baseline=40) == pytest.approx(0.5)

	def test_functions_and_conditions(self):
		rule = ScoringRule(Method.FORMULA, formula="min(actual / target, 1.1) if target > 0 else 0")
		assert rule.achievement(130, 100) == pytest.approx(1.1)
		rule = ScoringRule(Method.FORMULA, formula="if_(actual >= previous, 1, 0.5)")
		assert rule.achievement(10, 1, previous=9) == 1.0
		assert rule.achievement(8, 1, previous=9) == 0.5

	def test_min_and_max_are_bounds_and_functions(self):
		rule = ScoringRule(Method.FORMULA, formula="(actual - min) / (max - min)", lower=0, upper=200)
		assert rule.achievement(50, 1) == pytest.approx(0.25)
		rule = ScoringRule(Method.FORMULA, formula="max(actual, min, 3) / target", lower=2)
		assert rule.achievement(1, 6) == pytest.approx(0.5)

	def test_division_by_zero_gives_no_value(self):
		assert ScoringRule(Method.FORMULA, formula="actual / target").achievement(1, 0) is None

	@pytest.mark.parametrize(
		"formula, message",
		[
			("__import__('os').system('true')", "not allowed"),
			("actual.__class__", "not allowed"),
			("actual.real", "Attribute"),
			("[1, 2][0]", "not allowed"),
			("(lambda: 1)()", "not allowed"),
			("open('x')", "not allowed"),
			("'abc'", "only contain numbers"),
			("__builtins__", "not allowed"),
			("_secret", "not allowed"),
			("actual ** 1000", "largest allowed exponent"),
			("actual ** -1000", "largest allowed exponent"),
			("2 ** target", "power larger"),
			("salary * 2", "unknown name salary"),
			("actual +", "cannot be read"),
			("", "empty"),
			("actual + " * 100 + "1", "longer than"),
			("max(actual, key=1)", "keyword"),
			("True + actual", "only contain numbers"),
		],
	)
	def test_unsafe_or_broken_formulas_are_rejected(self, formula, message):
		with pytest.raises(FormulaError, match=message):
			ScoringRule(Method.FORMULA, formula=formula).achievement(100, 100)

	def test_wrong_argument_count(self):
		with pytest.raises(FormulaError, match="called with"):
			ScoringRule(Method.FORMULA, formula="sqrt(actual, 2)").achievement(4, 1)


def test_unknown_method_names_the_kpi():
	with pytest.raises(InvalidMethodError, match="KPI SAL-1: unknown scoring method Guess"):
		achievement({"method": ["Guess"], "actual": [1.0], "target": [1.0], "item": ["SAL-1"]})


def test_error_names_the_offending_row_in_bulk():
	frame = pd.DataFrame(
		{
			"item": ["ok", "also ok", "broken"],
			"method": [Method.HIGHER_IS_BETTER] * 3,
			"actual": [1.0, 2.0, 3.0],
			"target": [1.0, 1.0, 0.0],
		}
	)
	with pytest.raises(InvalidTargetError, match="KPI broken"):
		achievement(frame)


class TestPolicy:
	def test_floor_and_cap(self):
		policy = ScorePolicy(achievement_floor=0.0, achievement_cap=1.2, above_scale=True)
		assert HIGHER.score(150, 100, policy).score == pytest.approx(120.0)
		assert HIGHER.score(150, 100, policy).achievement_raw == pytest.approx(1.5)
		assert LOWER.score(300, 100, policy).score == 0.0

	def test_no_cap(self):
		policy = ScorePolicy(achievement_cap=None, above_scale=True)
		assert HIGHER.score(150, 100, policy).score == pytest.approx(150.0)

	def test_floor_above_cap_is_refused(self):
		with pytest.raises(ScaleError):
			ScorePolicy(achievement_floor=1.5, achievement_cap=1.2)

	@pytest.mark.parametrize("scale, expected", [(PERCENT, 80.0), (FIVE_POINT, 4.0), (TEN_POINT, 8.0)])
	def test_scales(self, scale, expected):
		assert HIGHER.score(80, 100, ScorePolicy(scale=scale)).score == pytest.approx(expected)

	def test_conversion_between_scales(self):
		assert convert_score(70, PERCENT, FIVE_POINT) == pytest.approx(3.5)
		assert convert_score(8, TEN_POINT, PERCENT) == pytest.approx(80)
		likert = ScoreScale("1-5", 1, 5)
		assert convert_score(3, likert, PERCENT) == pytest.approx(50)

	def test_scale_must_run_upwards(self):
		with pytest.raises(ScaleError):
			ScoreScale("broken", 5, 5)

	@pytest.mark.parametrize(
		"actual, status",
		[(50, "Red"), (79.9, "Red"), (80, "Amber"), (99, "Amber"), (100, "Green"), (130, "Green")],
	)
	def test_default_status(self, actual, status):
		assert HIGHER.score(actual, 100).status == status

	def test_custom_status_bands(self):
		bands = StatusBands(thresholds=((0.5, "Amber"), (0.9, "Green"), (1.2, "Blue")), below="Red")
		policy = ScorePolicy(status=bands)
		assert [HIGHER.score(a, 100, policy).status for a in (40, 60, 95, 125)] == [
			"Red",
			"Amber",
			"Green",
			"Blue",
		]

	def test_status_bands_must_rise(self):
		with pytest.raises(InvalidThresholdError):
			StatusBands(thresholds=((1.0, "Green"), (0.8, "Amber")))


def test_score_frame_mixes_methods_and_matches_single_rules():
	frame = pd.DataFrame(
		{
			"item": ["rev", "cost", "temp", "safety", "quality"],
			"method": [
				Method.HIGHER_IS_BETTER,
				Method.LOWER_IS_BETTER,
				Method.TARGET_RANGE,
				Method.YES_NO,
				Method.FORMULA,
			],
			"actual": [90.0, 90.0, 21.0, 1.0, np.nan],
			"target": [100.0, 100.0, 20.0, 1.0, 5.0],
			"lower": [np.nan, np.nan, 18.0, np.nan, np.nan],
			"upper": [np.nan, np.nan, 20.0, np.nan, np.nan],
			"tolerance": [np.nan, np.nan, 2.0, np.nan, np.nan],
			"formula": [None, None, None, None, "actual / target"],
		}
	)
	result = score_frame(frame)
	assert result["score"].tolist()[:4] == pytest.approx([90.0, 100.0, 50.0, 100.0])
	assert np.isnan(result["score"].iloc[4])
	assert result["status"].tolist() == ["Amber", "Green", "Red", "Green", "No Data"]
