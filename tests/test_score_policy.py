"""Score policies from settings, per-row caps and scale conversion (issue #14, item 1)."""

import numpy as np
import pandas as pd
import pytest

from kpibsc.engine import (
	FIVE_POINT,
	PERCENT,
	TEN_POINT,
	Method,
	ScorePolicy,
	policy_from_settings,
	score_frame,
)
from kpibsc.engine.errors import InvalidThresholdError, ScaleError


def higher(actuals, caps=None):
	frame = pd.DataFrame(
		{
			"item": [f"K{i}" for i in range(len(actuals))],
			"method": Method.HIGHER_IS_BETTER.value,
			"actual": actuals,
			"target": 100.0,
		}
	)
	if caps is not None:
		frame["achievement_cap"] = caps
	return frame


def test_the_default_row_is_todays_policy():
	assert policy_from_settings() == ScorePolicy()


def test_five_point_scale_with_amber_70_green_95():
	# by hand: 60/100 -> 3.0 Red; 72/100 -> 3.6 Amber; 96/100 -> 4.8 Green; 130/100 -> 5.0 Green
	policy = policy_from_settings("0-5", 0, 100, False, 70, 95)
	scored = score_frame(higher([60.0, 72.0, 96.0, 130.0, np.nan]), policy)
	assert scored["score"].round(6).tolist()[:4] == [3.0, 3.6, 4.8, 5.0]
	assert list(scored["status"]) == ["Red", "Amber", "Green", "Green", "No Data"]
	assert not scored["above_scale"].any()


def test_row_caps_replace_the_policy_cap_row_by_row():
	# cap 120% with scores above the scale allowed; row 2 capped at 100%, row 3 at 110%
	policy = policy_from_settings("0-10", 0, 120, True, 80, 100)
	scored = score_frame(higher([150.0, 150.0, 150.0], caps=[np.nan, 1.0, 1.1]), policy)
	assert scored["score"].round(6).tolist() == [12.0, 10.0, 11.0]
	assert scored["above_scale"].tolist() == [True, False, True]
	assert scored["achievement_raw"].tolist() == [1.5, 1.5, 1.5]


def test_a_row_cap_above_the_scale_needs_the_policy_to_allow_it():
	with pytest.raises(ScaleError, match="above the top of the Percent scale"):
		score_frame(higher([150.0], caps=[1.2]), ScorePolicy())


def test_a_row_cap_below_the_floor_is_refused():
	with pytest.raises(ScaleError, match="floor"):
		score_frame(higher([50.0], caps=[0.4]), policy_from_settings("Percent", 50, 100))


@pytest.mark.parametrize(
	"arguments, error",
	[
		(("Percent", 60, 50), ScaleError),  # floor above cap
		(("Percent", 0, 120, False), ScaleError),  # above the scale without saying so
		(("Percent", 0, 100, False, 90, 90), InvalidThresholdError),  # thresholds not rising
		(("0-7",), ScaleError),
	],
)
def test_bad_settings_are_refused(arguments, error):
	with pytest.raises(error):
		policy_from_settings(*arguments)


@pytest.mark.parametrize(
	"scale, score, percent", [(FIVE_POINT, 3.6, 72.0), (TEN_POINT, 8.5, 85.0), (PERCENT, 64.0, 64.0)]
)
def test_scores_convert_to_percent_for_reviews_and_pay(scale, score, percent):
	assert ScorePolicy(scale=scale).to_percent(score) == pytest.approx(percent)
