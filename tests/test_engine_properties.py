"""Invariants of the rest of the engine on generated data (hypothesis): Target Range, Step
Bands, Thresholds and Formula scoring, the roll-up through random trees, pay and pools, and
rank bands. Each property is stated from the method's definition (docs/scoring.md), never by
calling another engine function for the expected value."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpibsc.engine import MissingPolicy, ScoringRule, rollup
from kpibsc.engine.bands import BandScale
from kpibsc.engine.pay import compute_pay, share_pool
from kpibsc.engine.rounding import round_half_up
from kpibsc.engine.scoring import Method

value = st.floats(min_value=-1e5, max_value=1e5, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0.01, max_value=1e5, allow_nan=False, allow_infinity=False)
score = st.floats(min_value=0, max_value=150, allow_nan=False)
EPS = 1e-9


# -- Target Range -------------------------------------------------------------------------


@given(value, positive, st.floats(0, 1e4), value, value)
def test_target_range_is_full_inside_and_falls_with_distance(lower, width, tolerance, a, b):
	upper = lower + width
	rule = ScoringRule(Method.TARGET_RANGE, lower=lower, upper=upper, tolerance=tolerance)

	def distance(actual):
		return max(lower - actual, actual - upper, 0.0)

	for actual in (a, b):
		result = rule.achievement(actual, None)
		assert 0.0 <= result <= 1.0
		if distance(actual) == 0:
			assert result == 1.0
		elif tolerance == 0 or distance(actual) >= tolerance:
			assert result == 0.0
		else:
			assert result == pytest.approx(1 - distance(actual) / tolerance)
	near, far = sorted((a, b), key=distance)
	assert rule.achievement(near, None) >= rule.achievement(far, None) - EPS


# -- Step Bands ---------------------------------------------------------------------------

steps = st.lists(
	st.tuples(st.floats(0, 2), st.floats(0, 2)), min_size=1, max_size=6, unique_by=lambda step: step[0]
).map(
	# a higher step never scores less: pair the sorted thresholds with the sorted values
	lambda pairs: tuple(zip(sorted(p[0] for p in pairs), sorted(p[1] for p in pairs), strict=True))
)


@given(steps, positive, value, value)
def test_step_bands_score_a_step_value_and_rise_with_the_actual(table, target, a, b):
	rule = ScoringRule(Method.STEP_BANDS, steps=table)
	low, high = sorted((a, b))
	values = {step_value for _threshold, step_value in table} | {0.0}
	for actual in (low, high):
		result = rule.achievement(actual, target)
		assert result in values
		# the value of the highest step the achievement reaches, 0 below the first
		ratio = 1 + (actual - target) / target  # actual / target, as docs/scoring.md defines it
		reached = [step_value for threshold, step_value in table if ratio >= threshold]
		assert result == (reached[-1] if reached else 0.0)
	assert rule.achievement(low, target) <= rule.achievement(high, target)


@given(steps, positive, value, value)
def test_lower_is_better_step_bands_fall_with_the_actual(table, target, a, b):
	assume(a > 0 and b > 0)
	rule = ScoringRule(Method.STEP_BANDS, steps=table, direction=Method.LOWER_IS_BETTER)
	low, high = sorted((a, b))
	assert rule.achievement(low, target) >= rule.achievement(high, target)


# -- Thresholds ---------------------------------------------------------------------------


@st.composite
def thresholds(draw):
	"""Red flag, goal and stretch in one direction (rising or falling)."""
	red_flag = draw(value)
	gap = draw(positive)
	beyond = draw(positive)
	sign = draw(st.sampled_from([1, -1]))
	return red_flag, red_flag + sign * gap, red_flag + sign * (gap + beyond)


@given(thresholds(), value, value)
def test_thresholds_hit_their_points_and_move_one_way(points, a, b):
	red_flag, goal, stretch = points
	rule = ScoringRule(Method.THRESHOLDS, red_flag=red_flag, stretch=stretch)
	# red flag 50 %, goal 100 %, stretch 150 % (the default points)
	assert rule.achievement(red_flag, goal) == pytest.approx(0.5)
	assert rule.achievement(goal, goal) == pytest.approx(1.0)
	assert rule.achievement(stretch, goal) == pytest.approx(1.5)
	rising = goal > red_flag
	worse, better = sorted((a, b), reverse=not rising)
	low, high = rule.achievement(worse, goal), rule.achievement(better, goal)
	assert 0.0 <= low <= high + EPS <= 1.5 + 2 * EPS
	# halfway from red flag to goal is halfway from 50 % to 100 %
	assert rule.achievement((red_flag + goal) / 2, goal) == pytest.approx(0.75)


# -- Formula ------------------------------------------------------------------------------

FORMULAS = {
	"actual / target": lambda actual, target, baseline: actual / target,
	"(actual - baseline) / (target - baseline)": lambda actual, target, baseline: (
		(actual - baseline) / (target - baseline)
	),
	"min(actual / target, 1.2)": lambda actual, target, baseline: min(actual / target, 1.2),
	"2 - actual / target": lambda actual, target, baseline: 2 - actual / target,
}


@given(st.sampled_from(sorted(FORMULAS)), value, positive, value)
def test_formula_computes_what_it_says(formula, actual, target, baseline):
	assume(abs(target - baseline) > 1e-3)
	rule = ScoringRule(Method.FORMULA, formula=formula)
	expected = FORMULAS[formula](actual, target, baseline)
	assert rule.achievement(actual, target, baseline=baseline) == pytest.approx(expected)
	assert rule.achievement(None, target, baseline=baseline) is None  # no actual, no score


@given(value)
def test_formula_that_divides_by_zero_has_no_score(actual):
	assert ScoringRule(Method.FORMULA, formula="actual / target").achievement(actual, 0.0) is None


# -- roll-up through random trees ---------------------------------------------------------


@st.composite
def trees(draw):
	"""A random tree: node 0 is the root, every other node hangs below an earlier one; the
	leaves carry scores (some missing), every node a positive weight."""
	size = draw(st.integers(2, 25))
	parents = [None] + [draw(st.integers(0, node - 1)) for node in range(1, size)]
	weights = [draw(positive) for _node in range(size)]
	leaves = [node for node in range(size) if node not in parents]
	scores = {node: draw(st.one_of(st.none(), score)) for node in leaves}
	tree = pd.DataFrame({"node": range(size), "parent": parents, "weight": weights})
	return tree, leaves, scores


def roll(tree, scores, missing=MissingPolicy.SKIP):
	leaf_scores = pd.Series({node: np.nan if s is None else s for node, s in scores.items()}, dtype=float)
	return rollup(tree, leaf_scores, missing)


@settings(max_examples=150)
@given(trees())
def test_root_lies_between_its_leaves(data):
	tree, _leaves, scores = data
	known = [s for s in scores.values() if s is not None]
	root = roll(tree, scores).loc[0]
	if not known:
		assert np.isnan(root)
	else:
		assert min(known) - EPS <= root <= max(known) + EPS


@settings(max_examples=100)
@given(trees(), st.floats(0.001, 1000))
def test_rolled_scores_do_not_depend_on_the_scale_of_the_weights(data, factor):
	tree, _leaves, scores = data
	scaled = tree.assign(weight=tree.weight * factor)
	pd.testing.assert_series_equal(roll(scaled, scores), roll(tree, scores), rtol=1e-9)


@settings(max_examples=100)
@given(trees())
def test_counting_missing_as_zero_never_scores_higher_than_skipping(data):
	tree, _leaves, scores = data
	skipped, zeroed = roll(tree, scores, MissingPolicy.SKIP), roll(tree, scores, MissingPolicy.ZERO)
	known = ~np.isnan(skipped)
	assert (zeroed[known] <= skipped[known] + EPS).all()
	if all(s is not None for s in scores.values()):  # nothing missing: the policies agree
		pd.testing.assert_series_equal(zeroed, skipped, rtol=1e-9)


# -- pay ----------------------------------------------------------------------------------


@given(
	st.floats(0, 1e10, allow_nan=False),
	st.lists(st.one_of(st.none(), score), min_size=1, max_size=40),
	st.integers(0, 2),
)
def test_pool_shares_add_up_to_the_pool_exactly(pool, scores, precision):
	shares = share_pool(pool, [np.nan if s is None else s for s in scores], precision)
	counted = [s or 0.0 for s in scores]
	if sum(counted) == 0:
		assert (shares == 0).all()
		return
	unit = 10**precision  # in whole cents or dong, the sum is exact
	assert round(shares.sum() * unit) == round(round_half_up(pool, precision) * unit)
	for share, s in zip(shares, counted, strict=True):
		assert share >= 0
		assert abs(share - pool * s / sum(counted)) <= 10**-precision + 1e-6 * pool / unit
		if s == 0:
			assert share == 0


@given(
	st.floats(0, 1e8, allow_nan=False),
	st.floats(0, 1e8, allow_nan=False),
	st.floats(0, 3),
	st.integers(0, 31),
	st.integers(0, 31),
	st.integers(1, 31),
)
def test_more_payment_days_never_pay_less(p1, p2_base, coefficient, days_a, days_b, working):
	few, many = sorted((min(days_a, working), min(days_b, working)))
	frame = pd.DataFrame(
		{
			"p1_amount": [p1, p1],
			"p2_base": [p2_base, p2_base],
			"seniority_coefficient": [coefficient, coefficient],
			"p3_base": [1e6, 1e6],
			"band_coefficient": [1.0, 1.0],
			"payment_days": [few, many],
			"working_days": [working, working],
		}
	)
	pay = compute_pay(frame)
	for column in ("p1", "p2", "total"):
		assert pay[column].iloc[0] <= pay[column].iloc[1]
	assert pay["p3"].iloc[0] == pay["p3"].iloc[1] == 1e6  # P3 is not prorated by default
	# a full month pays the whole amount, rounded to whole dong
	full = compute_pay(frame.assign(payment_days=[working, working]))
	assert full["p1"].iloc[0] == round_half_up(p1, 0)


# -- rank bands ---------------------------------------------------------------------------


@st.composite
def band_ranges(draw):
	"""Bands that meet end to end, as a policy table writes them."""
	cuts = sorted(draw(st.lists(st.floats(0.5, 149.5), min_size=0, max_size=6, unique=True)))
	bounds = [0.0, *cuts, 150.0]
	assume(all(high - low > 1e-6 for low, high in itertools.pairwise(bounds)))
	return [
		(f"B{n}", low, high, draw(st.floats(0, 3)))
		for n, (low, high) in enumerate(itertools.pairwise(bounds))
	]


@given(band_ranges(), st.lists(st.one_of(st.none(), st.floats(-10, 200, allow_nan=False)), max_size=30))
def test_every_score_gets_exactly_one_band(ranges, scores):
	scale = BandScale.from_ranges(ranges)
	assigned = scale.assign([np.nan if s is None else s for s in scores])
	for s, code in zip(scores, assigned, strict=True):
		if s is None:
			assert code is None
			continue
		containing = [c for c, low, high, _k in ranges if low <= s < high]
		if s < 0:  # below every band: the lowest
			containing = [ranges[0][0]]
		elif s >= 150:  # above every band: the highest
			containing = [ranges[-1][0]]
		assert len(containing) == 1
		assert code == containing[0]
