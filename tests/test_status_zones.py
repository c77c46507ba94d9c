"""Status that follows the method, and scores that stay on their scale (issue #14, item 2)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

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
	score_frame,
)
from kpibsc.engine.errors import ScaleError

RISING = ScoringRule(Method.THRESHOLDS, red_flag=80, stretch=110)  # goal = target 100
FALLING = ScoringRule(Method.THRESHOLDS, red_flag=20, stretch=5)  # days to close, goal 10
SPIDER = ScorePolicy(scale=TEN_POINT, points=ThresholdPoints(1 / 3, 2 / 3, 1.0))


@pytest.mark.parametrize(
	"actual, achievement, status",
	[
		(40, 0.0, "Red"),
		(79.9, 0.4975, "Red"),
		(80, 0.5, "Amber"),  # at the red flag: Amber (was Red: 50% is under the 80% band)
		(90, 0.75, "Amber"),
		(99.9, 0.9975, "Amber"),
		(100, 1.0, "Green"),
		(110, 1.5, "Green"),
		(130, 1.5, "Green"),
	],
)
def test_thresholds_status_follows_the_kpis_zones(actual, achievement, status):
	result = RISING.score(actual, 100)
	assert result.achievement_raw == pytest.approx(achievement)
	assert result.status == status


@pytest.mark.parametrize(
	"actual, status", [(25, "Red"), (20, "Amber"), (15, "Amber"), (10, "Green"), (5, "Green")]
)
def test_falling_thresholds_zones(actual, status):
	assert FALLING.score(actual, 10).status == status


@pytest.mark.parametrize(
	"actual, score, status",
	[(40, 2.67, "Red"), (50, 3.33, "Amber"), (75, 5.0, "Amber"), (100, 6.67, "Green"), (150, 10.0, "Green")],
)
def test_spider_impact_points_a_met_goal_is_green_on_a_0_10_scale(actual, score, status):
	"""Goal at 6.67 of 10 (achievement 66.7%): still Green, not Red as the 80% band would say."""
	rule = ScoringRule(Method.THRESHOLDS, red_flag=50, stretch=150)
	result = rule.score(actual, 100, SPIDER)
	assert result.score == pytest.approx(score, abs=0.005)
	assert result.status == status


def test_thresholds_reach_a_higher_band_past_the_goal():
	bands = StatusBands(thresholds=((0.8, "Amber"), (1.0, "Green"), (1.3, "Blue")))
	policy = ScorePolicy(status=bands)
	assert [RISING.score(actual, 100, policy).status for actual in (70, 90, 100, 105, 110)] == [
		"Red",
		"Amber",
		"Green",
		"Green",  # 125%
		"Blue",  # 150%
	]


@pytest.mark.parametrize(
	"actual, status", [(1, "Green"), (3, "Green"), (-1, "Green"), (0, "Red"), (None, "No Data")]
)
def test_yes_no_met_is_green(actual, status):
	for policy in (ScorePolicy(), SPIDER, ScorePolicy(scale=FIVE_POINT)):
		assert ScoringRule(Method.YES_NO).score(actual, None, policy).status == status


def test_other_methods_keep_status_by_achievement():
	assert ScoringRule(Method.HIGHER_IS_BETTER).score(90, 100).status == "Amber"
	assert ScoringRule(Method.HIGHER_IS_BETTER).score(79, 100).status == "Red"


def test_bulk_zones_match_single_rows():
	frame = pd.DataFrame(
		{
			"item": ["a", "b", "c", "d", "e"],
			"method": [Method.THRESHOLDS] * 3 + [Method.YES_NO, Method.HIGHER_IS_BETTER],
			"actual": [85.0, 15.0, np.nan, 0.0, 85.0],
			"target": [100.0, 10.0, 100.0, np.nan, 100.0],
			"red_flag": [80.0, 20.0, 80.0, np.nan, np.nan],
			"stretch": [110.0, 5.0, np.nan, np.nan, np.nan],
		}
	)
	result = score_frame(frame, SPIDER)
	assert result["status"].tolist() == ["Amber", "Amber", "No Data", "Red", "Amber"]
	assert result["status"].tolist()[:2] == [
		RISING.score(85, 100, SPIDER).status,
		FALLING.score(15, 10, SPIDER).status,
	]


# -- scores stay on their scale --------------------------------------------------------------


def test_default_policy_caps_at_the_top_of_the_scale():
	result = ScoringRule(Method.HIGHER_IS_BETTER).score(150, 100)
	assert (result.achievement_raw, result.score, result.above_scale) == (1.5, 100.0, False)
	assert RISING.score(110, 100, ScorePolicy(scale=FIVE_POINT)).score == 5.0


def test_scores_above_the_scale_only_when_the_policy_says_so():
	with pytest.raises(ScaleError, match="above the top of the Percent scale"):
		ScorePolicy(achievement_cap=1.2)
	with pytest.raises(ScaleError, match="above the top of the 0-10 scale"):
		ScorePolicy(achievement_cap=None, scale=TEN_POINT)
	policy = ScorePolicy(achievement_cap=1.2, above_scale=True)
	result = ScoringRule(Method.HIGHER_IS_BETTER).score(150, 100, policy)
	assert (result.score, result.above_scale) == (pytest.approx(120.0), True)
	assert ScoringRule(Method.HIGHER_IS_BETTER).score(100, 100, policy).above_scale is False
	frame = score_frame(
		{"method": [Method.HIGHER_IS_BETTER] * 3, "actual": [90.0, 110.0, np.nan], "target": [100.0] * 3},
		policy,
	)
	assert frame["above_scale"].tolist() == [False, True, False]


methods = st.sampled_from([Method.HIGHER_IS_BETTER, Method.LOWER_IS_BETTER, Method.THRESHOLDS, Method.YES_NO])
scales = st.sampled_from([PERCENT, FIVE_POINT, TEN_POINT, ScoreScale("1-5", 1, 5)])
numbers = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)
points = st.tuples(st.floats(0.05, 0.9), st.floats(0.05, 1.0), st.floats(0.01, 1.0)).map(
	lambda parts: ThresholdPoints(parts[0], parts[0] + parts[1], parts[0] + parts[1] + parts[2])
)


@given(methods, scales, points, st.floats(0.1, 1.0), numbers, numbers)
def test_no_score_exceeds_its_scale_without_an_explicit_policy(method, scale, points, cap, actual, target):
	assume(abs(target) > 1e-3)
	rule = ScoringRule(method, red_flag=target * 0.8 if target > 0 else target * 1.2)
	result = rule.score(actual, target, ScorePolicy(scale=scale, points=points, achievement_cap=cap))
	assert result.score <= scale.maximum + 1e-9
	assert result.above_scale is False


@given(
	points,
	scales,
	st.floats(1, 1e4),
	st.floats(0.01, 0.99),
	st.floats(0, 2),
	st.booleans(),
	st.one_of(st.none(), st.floats(1.01, 3)),
)
def test_a_met_goal_is_never_red_or_amber(points, scale, goal, red_share, past, falling, stretch_factor):
	"""Rising or falling, any points and scale: at or past the goal is Green."""
	red_flag = goal * red_share if not falling else goal / red_share
	stretch = (
		None if stretch_factor is None else (goal * stretch_factor if not falling else goal / stretch_factor)
	)
	actual = goal + past * (goal - red_flag)  # at or past the goal, in the KPI's direction
	rule = ScoringRule(Method.THRESHOLDS, red_flag=red_flag, stretch=stretch)
	result = rule.score(actual, goal, ScorePolicy(scale=scale, points=points))
	assert result.status == "Green"
	between = red_flag + 0.5 * (goal - red_flag)
	assert rule.score(between, goal, ScorePolicy(scale=scale, points=points)).status == "Amber"
	beyond = red_flag - 0.5 * (goal - red_flag)
	assert rule.score(beyond, goal, ScorePolicy(scale=scale, points=points)).status == "Red"
