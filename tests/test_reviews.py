"""Performance review arithmetic, checked by hand."""

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpibsc.engine.errors import FormulaError
from kpibsc.engine.reviews import (
	ReviewError,
	ReviewPolicy,
	check_ratings,
	competency_scores,
	final_scores,
	period_kpi_scores,
)


def test_competency_score_is_the_weighted_rating_share_of_the_scale():
	scores = competency_scores(["R1", "R1", "R2", "R2"], [60, 40, 50, 50], [4, 5, 3, None], 5)
	# R1: (60*4 + 40*5) / 100 = 4.4 of 5 = 88 %; R2: only the rated row counts, 3 of 5
	assert scores["R1"] == pytest.approx(88.0)
	assert scores["R2"] == pytest.approx(60.0)


def test_unrated_review_has_no_competency_score():
	scores = competency_scores(["R1", "R2", "R2"], [100, 100, 50], [None, 5, 0], 5)
	assert np.isnan(scores["R1"]) and scores["R2"] == 100.0
	assert list(scores.index) == ["R1", "R2"]


def test_negative_competency_weight_is_refused():
	with pytest.raises(ReviewError):
		competency_scores(["R1"], [-1], [3], 5)


def test_ratings_outside_the_scale_are_refused():
	check_ratings([1, 2.5, 5, None, "", 0], 5)  # 0 and empty: not rated yet
	for bad in (0.5, 6, -1):
		with pytest.raises(ReviewError):
			check_ratings([3, bad], 5, "Teamwork")


def test_final_score_by_weights():
	policy = ReviewPolicy(kpi_weight=70, competency_weight=30)
	result = final_scores([90.0, 80.0, np.nan, np.nan], [60.0, np.nan, 50.0, np.nan], policy)
	assert result[0] == pytest.approx(0.7 * 90 + 0.3 * 60)
	assert result[1] == pytest.approx(80.0)  # no competency score yet: the KPI score alone
	assert result[2] == pytest.approx(50.0)
	assert np.isnan(result[3])


def test_competencies_only_mode_ignores_the_kpi_score():
	policy = ReviewPolicy()
	result = final_scores(
		[90.0, 90.0], [60.0, 60.0], policy, modes=["KPI and Competencies", "Competencies Only"]
	)
	assert result[0] == pytest.approx(81.0)
	assert result[1] == pytest.approx(60.0)


def test_final_score_by_formula():
	policy = ReviewPolicy(formula="min(kpi_score, 100) * 0.5 + competency_score * 0.5")
	result = final_scores([120.0, 80.0], [60.0, 100.0], policy)
	assert list(result) == [80.0, 90.0]
	policy = ReviewPolicy(formula="if_(kpi_score >= 100, kpi_score + 5, kpi_score)")
	assert list(final_scores([100.0, 90.0], [0.0, 0.0], policy)) == [105.0, 90.0]


def test_bad_policies_are_refused():
	with pytest.raises(ReviewError):
		ReviewPolicy(kpi_weight=-1)
	with pytest.raises(ReviewError):
		ReviewPolicy(kpi_weight=0, competency_weight=0)
	with pytest.raises(ReviewError):
		ReviewPolicy(scale_max=1)
	with pytest.raises(FormulaError):
		ReviewPolicy(formula="__import__('os').system('ls')")
	with pytest.raises(FormulaError):
		ReviewPolicy(formula="salary * 2")


def day(month, number):
	return datetime.date(2025, month, number)


def test_period_kpi_score_is_the_mean_of_the_periods_with_data_inside_the_review():
	frame = pd.DataFrame(
		[
			("E1", day(1, 1), day(1, 31), 80.0, 1),
			("E1", day(2, 1), day(2, 28), 100.0, 1),
			("E1", day(3, 1), day(3, 31), 0.0, 0),  # no data: left out
			("E1", day(4, 1), day(4, 30), 50.0, 1),  # outside Q1
			("E2", day(1, 1), day(1, 31), 70.0, 1),
		],
		columns=["key", "period_start", "period_end", "score", "has_data"],
	)
	result, counts = period_kpi_scores(
		frame, [day(1, 1), day(1, 1), day(1, 1)], [day(3, 31)] * 3, ["E1", "E2", "E3"]
	)
	assert result[0] == pytest.approx(90.0)
	assert result[1] == pytest.approx(70.0)
	assert np.isnan(result[2])
	assert list(counts) == [2, 1, 0]


@settings(max_examples=100, deadline=None)
@given(
	st.lists(st.floats(0, 150), min_size=1, max_size=20),
	st.lists(st.floats(0, 100), min_size=1, max_size=20),
	st.floats(0, 100),
	st.floats(0.1, 100),
)
def test_weighted_final_lies_between_its_parts(kpis, competencies, kpi_weight, competency_weight):
	size = min(len(kpis), len(competencies))
	policy = ReviewPolicy(kpi_weight=kpi_weight, competency_weight=competency_weight)
	result = final_scores(kpis[:size], competencies[:size], policy)
	low = np.minimum(kpis[:size], competencies[:size]) - 1e-9
	high = np.maximum(kpis[:size], competencies[:size]) + 1e-9
	assert ((result >= low) & (result <= high)).all()
