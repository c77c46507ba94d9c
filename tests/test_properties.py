"""Invariants of the engine, checked on generated data (hypothesis)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpibsc.engine import (
	Method,
	MissingPolicy,
	ScorePolicy,
	ScoringRule,
	forced_distribution,
	phase_target,
	rollup,
	score_frame,
	split_periods,
	weighted_score,
)
from kpibsc.engine.rounding import distribute, round_half_up

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
nonzero = finite.filter(lambda value: abs(value) > 1e-3)
positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False)
score = st.floats(min_value=0, max_value=150, allow_nan=False)


@given(nonzero, finite, finite)
def test_higher_is_better_is_monotonic(target, a, b):
	low, high = sorted((a, b))
	rule = ScoringRule(Method.HIGHER_IS_BETTER)
	assert rule.achievement(low, target) <= rule.achievement(high, target) + 1e-9


@given(finite, finite, finite)
def test_lower_is_better_is_monotonic_including_zero_target(target, a, b):
	low, high = sorted((a, b))
	for rule in (ScoringRule(Method.LOWER_IS_BETTER), ScoringRule(Method.LOWER_IS_BETTER, tolerance=5)):
		assert rule.achievement(low, target) >= rule.achievement(high, target) - 1e-9


@given(finite, nonzero, st.floats(0, 1), st.floats(1, 3))
def test_caps_are_respected(actual, target, floor, cap):
	policy = ScorePolicy(achievement_floor=floor, achievement_cap=cap, above_scale=cap > 1)
	for method in (Method.HIGHER_IS_BETTER, Method.LOWER_IS_BETTER):
		result = ScoringRule(method).score(actual, target, policy)
		assert floor - 1e-12 <= result.achievement <= cap + 1e-12
		assert floor * 100 - 1e-9 <= result.score <= cap * 100 + 1e-9


@given(st.lists(st.tuples(positive, score), min_size=1, max_size=12), score)
def test_rollup_of_equal_scores_is_that_score(pairs, value):
	weights = [weight for weight, _score in pairs]
	assert weighted_score(weights, [value] * len(weights)) == pytest.approx(value)


@given(st.lists(st.tuples(positive, score), min_size=1, max_size=12), st.floats(0.001, 1000))
def test_rollup_is_invariant_to_scaling_weights(pairs, factor):
	weights = [weight for weight, _score in pairs]
	scores = [s for _weight, s in pairs]
	assert weighted_score([w * factor for w in weights], scores) == pytest.approx(
		weighted_score(weights, scores)
	)


@given(st.lists(st.tuples(positive, st.one_of(st.none(), score)), min_size=1, max_size=12))
def test_rollup_lies_between_child_scores(pairs):
	known = [s for _w, s in pairs if s is not None]
	result = weighted_score([w for w, _s in pairs], [s for _w, s in pairs])
	if not known:
		assert result is None
	else:
		assert min(known) - 1e-9 <= result <= max(known) + 1e-9
		zero = weighted_score([w for w, _s in pairs], [s for _w, s in pairs], MissingPolicy.ZERO)
		assert zero <= result + 1e-9


methods = st.sampled_from(
	[
		Method.HIGHER_IS_BETTER,
		Method.LOWER_IS_BETTER,
		Method.TARGET_RANGE,
		Method.YES_NO,
		Method.STEP_BANDS,
		Method.THRESHOLDS,
		Method.FORMULA,
	]
)
STEPS = ((1.0, 1.0), (0.9, 0.5))


@settings(max_examples=60)
@given(st.lists(st.tuples(methods, st.one_of(st.none(), finite), nonzero), min_size=1, max_size=40))
def test_bulk_equals_single(rows):
	frame = pd.DataFrame(
		{
			"method": [method for method, _a, _t in rows],
			"actual": [np.nan if a is None else a for _m, a, _t in rows],
			"target": [t for _m, _a, t in rows],
			"lower": [t - 10 for _m, _a, t in rows],
			"upper": [t + 10 for _m, _a, t in rows],
			"tolerance": 5.0,
			"red_flag": [t - abs(t) / 2 for _m, _a, t in rows],
			"stretch": [t + abs(t) / 2 for _m, _a, t in rows],
			"formula": "actual / target * 0.5 + 0.5",
		}
	)
	frame["steps"] = [STEPS] * len(rows)
	bulk = score_frame(frame)
	for position, (method, actual, target) in enumerate(rows):
		rule = ScoringRule(
			method,
			lower=target - 10,
			upper=target + 10,
			tolerance=5.0,
			red_flag=target - abs(target) / 2,
			stretch=target + abs(target) / 2,
			steps=STEPS,
			formula="actual / target * 0.5 + 0.5",
		)
		single = rule.score(actual, target)
		expected = bulk.iloc[position]
		if single.score is None:
			assert np.isnan(expected.score)
		else:
			assert expected.score == pytest.approx(single.score, nan_ok=True)
		assert expected.status == single.status


# (method, actual, target) -> (score, status), worked out by hand from docs/scoring.md with the
# rows built as in test_bulk_equals_single: band target +/- 10 with tolerance 5, red flag
# target - |target|/2, stretch target + |target|/2, steps >= 100% -> 100% and >= 90% -> 50%,
# formula actual / target * 0.5 + 0.5; default policy (floor 0, cap 100%, Percent scale;
# Red below 80%, Amber below 100%, Green from 100%)
HAND_WORKED = [
	# 1 + (90 - 120) / 120 = 75%
	((Method.HIGHER_IS_BETTER, 90.0, 120.0), (75.0, "Red")),
	# a loss of 50 against a loss of no more than 100: 1 + (-50 + 100) / 100 = 150%, capped
	((Method.HIGHER_IS_BETTER, -50.0, -100.0), (100.0, "Green")),
	# 1 + (120 - 90) / 120 = 125%, capped
	((Method.LOWER_IS_BETTER, 90.0, 120.0), (100.0, "Green")),
	# 1 + (120 - 150) / 120 = 75%
	((Method.LOWER_IS_BETTER, 150.0, 120.0), (75.0, "Red")),
	# band 90-110: 105 is inside, 100%; 112 is 2 outside, 1 - 2 / 5 = 60%; 117 is 7 outside, 0%
	((Method.TARGET_RANGE, 105.0, 100.0), (100.0, "Green")),
	((Method.TARGET_RANGE, 112.0, 100.0), (60.0, "Red")),
	((Method.TARGET_RANGE, 117.0, 100.0), (0.0, "Red")),
	# any non-zero actual is a yes
	((Method.YES_NO, 3.0, 50.0), (100.0, "Green")),
	((Method.YES_NO, 0.0, 50.0), (0.0, "Red")),
	# 95 of 100 is 95%: the step from 90% gives 50%; 100 of 100 the step from 100%
	((Method.STEP_BANDS, 95.0, 100.0), (50.0, "Red")),
	((Method.STEP_BANDS, 100.0, 100.0), (100.0, "Green")),
	# red flag 50 -> 50%, goal 100 -> 100%, stretch 150 -> 150%:
	# 90 is 50% + (90 - 50) / 50 x 50% = 90%, between red flag and goal, so Amber
	((Method.THRESHOLDS, 90.0, 100.0), (90.0, "Amber")),
	# 40 is below the red flag: the line goes on down, 50% - 10 / 50 x 50% = 40%, Red
	((Method.THRESHOLDS, 40.0, 100.0), (40.0, "Red")),
	# 125 is 100% + 25 / 50 x 50% = 125%, capped at 100, Green
	((Method.THRESHOLDS, 125.0, 100.0), (100.0, "Green")),
	# 60 / 100 x 0.5 + 0.5 = 80%, just Amber
	((Method.FORMULA, 60.0, 100.0), (80.0, "Amber")),
	# no actual: no score
	((Method.HIGHER_IS_BETTER, None, 100.0), (None, "No Data")),
]


def test_bulk_and_single_give_the_hand_worked_scores():
	"""test_bulk_equals_single only compares the engine with itself: these pin the numbers."""
	rows = [row for row, _expected in HAND_WORKED]
	frame = pd.DataFrame(
		{
			"method": [method for method, _a, _t in rows],
			"actual": [np.nan if a is None else a for _m, a, _t in rows],
			"target": [t for _m, _a, t in rows],
			"lower": [t - 10 for _m, _a, t in rows],
			"upper": [t + 10 for _m, _a, t in rows],
			"tolerance": 5.0,
			"red_flag": [t - abs(t) / 2 for _m, _a, t in rows],
			"stretch": [t + abs(t) / 2 for _m, _a, t in rows],
			"formula": "actual / target * 0.5 + 0.5",
		}
	)
	frame["steps"] = [STEPS] * len(rows)
	bulk = score_frame(frame)
	for position, ((method, actual, target), (score, status)) in enumerate(HAND_WORKED):
		single = ScoringRule(
			method,
			lower=target - 10,
			upper=target + 10,
			tolerance=5.0,
			red_flag=target - abs(target) / 2,
			stretch=target + abs(target) / 2,
			steps=STEPS,
			formula="actual / target * 0.5 + 0.5",
		).score(actual, target)
		case = (method, actual, target)
		if score is None:
			assert single.score is None, case
			assert np.isnan(bulk.iloc[position].score), case
		else:
			assert single.score == pytest.approx(score), case
			assert bulk.iloc[position].score == pytest.approx(score), case
		assert (single.status, bulk.iloc[position].status) == (status, status), case


@given(st.floats(-1e7, 1e7, allow_nan=False), st.sampled_from(["Equal", "By Days"]), st.integers(0, 2))
def test_rounded_phasing_keeps_the_total(total, phasing, precision):
	periods = split_periods(pd.Timestamp("2024-01-01").date(), pd.Timestamp("2024-12-31").date(), "Monthly")
	phased = phase_target(total, periods, phasing=phasing, precision=precision)
	assert phased.sum() == pytest.approx(round_half_up(total, precision), abs=10**-precision / 2)


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=20), st.integers(0, 2))
def test_distribute_adds_up(parts, precision):
	total = sum(parts)
	rounded = distribute([total], [parts], precision)[0]
	assert rounded.sum() == pytest.approx(round_half_up(total, precision), abs=10**-precision / 2)
	assert np.all(np.abs(rounded - np.asarray(parts)) <= 10**-precision + 1e-9)


@given(st.lists(score, min_size=1, max_size=50))
def test_forced_distribution_fills_quotas_in_score_order(scores):
	quotas = [("A", 10), ("B", 20), ("C", 40), ("D", 20), ("E", 10)]
	bands = forced_distribution(scores, quotas)
	order = {"A": 0, "B": 1, "C": 2, "D": 3, "E": 4}
	ranked = sorted(zip(scores, bands, strict=True), key=lambda pair: -pair[0])
	positions = [order[band] for _score, band in ranked]
	assert positions == sorted(positions)
	for code, percent in quotas:
		assert abs(list(bands).count(code) - len(scores) * percent / 100) < 1
