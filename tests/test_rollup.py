"""Weighted roll-up through trees, with the missing-actuals policy."""

import numpy as np
import pandas as pd
import pytest

from kpibsc.engine import MissingPolicy, normalise_weights, rollup, weighted_score
from kpibsc.engine.errors import InvalidWeightError, TreeError


def test_weighted_mean():
	assert weighted_score([30, 70], [100, 50]) == pytest.approx(65)


def test_missing_is_skipped_and_weights_renormalised():
	assert weighted_score([30, 70], [100, None]) == pytest.approx(100)
	assert weighted_score([30, 70], [None, None]) is None


def test_missing_counts_as_zero_when_asked():
	assert weighted_score([30, 70], [100, None], MissingPolicy.ZERO) == pytest.approx(30)
	assert weighted_score([30, 70], [None, None], MissingPolicy.ZERO) == 0.0


def test_all_zero_weights_average_equally():
	assert weighted_score([0, 0, 0], [90, 60, 30]) == pytest.approx(60)
	assert weighted_score([0, 0], [90, None]) == pytest.approx(90)


def test_zero_weight_child_does_not_count_when_others_weigh():
	assert weighted_score([0, 1], [0, 80]) == pytest.approx(80)
	# the only scored child weighs nothing: no score, rather than 100% of its score
	assert weighted_score([0, 1], [80, None]) is None


def test_empty():
	assert weighted_score([], []) is None
	empty = rollup(pd.DataFrame({"node": [], "parent": [], "weight": []}), pd.DataFrame())
	assert empty.empty


def test_negative_weight_is_refused():
	with pytest.raises(InvalidWeightError, match="may not be negative"):
		weighted_score([-1, 2], [50, 50])


def test_mismatched_lengths():
	with pytest.raises(InvalidWeightError):
		weighted_score([1, 2], [50])


def _company():
	"""KPI items -> employees -> departments -> company."""
	return pd.DataFrame(
		[
			("company", None, 1),
			("sales", "company", 60),
			("ops", "company", 40),
			("ann", "sales", 1),
			("bob", "sales", 1),
			("cat", "ops", 1),
			("ann-rev", "ann", 70),
			("ann-calls", "ann", 30),
			("bob-rev", "bob", 100),
			("cat-cost", "cat", 50),
			("cat-safety", "cat", 50),
		],
		columns=["node", "parent", "weight"],
	)


def test_three_levels_over_two_periods():
	leaves = pd.DataFrame(
		{
			"jan": [100.0, 50.0, 80.0, 90.0, np.nan],
			"feb": [np.nan, np.nan, 60.0, np.nan, np.nan],
		},
		index=["ann-rev", "ann-calls", "bob-rev", "cat-cost", "cat-safety"],
	)
	result = rollup(_company(), leaves)
	# ann = 0.7*100 + 0.3*50 = 85; sales = (85 + 80)/2 = 82.5; ops = cat = 90
	assert result.loc["ann", "jan"] == pytest.approx(85)
	assert result.loc["sales", "jan"] == pytest.approx(82.5)
	assert result.loc["cat", "jan"] == pytest.approx(90)
	assert result.loc["company", "jan"] == pytest.approx(0.6 * 82.5 + 0.4 * 90)
	# feb: only bob reported; ops has nothing, so the company is sales alone
	assert np.isnan(result.loc["ann", "feb"])
	assert result.loc["sales", "feb"] == pytest.approx(60)
	assert np.isnan(result.loc["ops", "feb"])
	assert result.loc["company", "feb"] == pytest.approx(60)


def test_three_levels_counting_missing_as_zero():
	leaves = pd.Series([100.0, 50.0, 80.0, 90.0], index=["ann-rev", "ann-calls", "bob-rev", "cat-cost"])
	result = rollup(_company(), leaves, MissingPolicy.ZERO)
	assert result["cat"] == pytest.approx(45)
	assert result["company"] == pytest.approx(0.6 * 82.5 + 0.4 * 45)


def test_parent_scores_given_as_leaves_are_ignored():
	leaves = pd.Series([100.0, 50.0, 0.0], index=["ann-rev", "ann-calls", "ann"])
	assert rollup(_company(), leaves)["ann"] == pytest.approx(85)


def test_scaling_all_weights_changes_nothing():
	tree = _company()
	scaled = tree.assign(weight=tree["weight"] * 7.5)
	leaves = pd.Series(
		[100.0, 50.0, 80.0, 90.0, 40.0], index=["ann-rev", "ann-calls", "bob-rev", "cat-cost", "cat-safety"]
	)
	pd.testing.assert_series_equal(rollup(tree, leaves), rollup(scaled, leaves))


def test_cycle_is_refused():
	tree = pd.DataFrame({"node": ["a", "b", "c"], "parent": ["b", "c", "a"], "weight": [1, 1, 1]})
	with pytest.raises(TreeError, match="cycle"):
		rollup(tree, pd.Series([1.0], index=["a"]))


def test_unknown_parent_and_duplicates_are_refused():
	with pytest.raises(TreeError, match="not in the tree"):
		rollup(pd.DataFrame({"node": ["a"], "parent": ["ghost"], "weight": [1]}), pd.Series(dtype=float))
	with pytest.raises(TreeError, match="appears twice"):
		rollup(
			pd.DataFrame({"node": ["a", "a"], "parent": [None, None], "weight": [1, 1]}),
			pd.Series(dtype=float),
		)


def test_normalise_weights():
	assert normalise_weights([1, 3]).tolist() == [25, 75]
	assert normalise_weights([0, 0]).tolist() == [50, 50]
	assert normalise_weights([2, 2], total=1).tolist() == [0.5, 0.5]
	assert normalise_weights([]).size == 0
	with pytest.raises(InvalidWeightError):
		normalise_weights([1, -1])
