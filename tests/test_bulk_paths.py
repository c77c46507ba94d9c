"""The bulk paths' shortcuts (issue #19) against values worked out by hand: year to date
scanned as a matrix (items with the same number of periods) or as one run over all rows,
a roll-up level read in place or sorted by parent, small equal segments or `reduceat`, and
the scoring kernels' branches taken only when a row needs them."""

import numpy as np
import pandas as pd
import pytest

from kpibsc.engine import MissingPolicy, ScoringRule, StatusBands, rollup_long, score_frame, year_to_date
from kpibsc.engine.arrays import MAX_SCAN_COLUMNS, group_length, running_sum


def _frame(rows):
	return pd.DataFrame(rows, columns=["item", "period", "aggregation", "actual", "target"])


def _by_item(result, item, column):
	return result.loc[result["item"] == item, column].tolist()


class TestYearToDateMatrix:
	def test_each_items_sum_starts_from_zero(self):
		# After an item of 1e15 a period, a running sum over all rows less the sum before the
		# item would lose the small item's digits (floats 0.5 apart at 3e15); each item's own
		# sum keeps them, added in order as a loop would.
		frame = _frame(
			[("big", p, "Sum", 1e15, 1e15) for p in (1, 2, 3)]
			+ [("small", 1, "Sum", 0.1, 1.0), ("small", 2, "Sum", 0.2, 1.0), ("small", 3, "Sum", 0.3, 1.0)]
		)
		result = year_to_date(frame)
		assert _by_item(result, "small", "ytd_actual") == [0.1, 0.30000000000000004, 0.6000000000000001]
		assert _by_item(result, "small", "ytd_target") == [1.0, 2.0, 3.0]
		assert _by_item(result, "big", "ytd_actual") == [1e15, 2e15, 3e15]

	def test_an_item_without_actuals_yet_takes_nothing_from_the_item_before(self):
		frame = _frame(
			[
				("a", 1, "Last", 7.0, 1.0),
				("a", 2, "Last", 8.0, 1.0),
				("b", 1, "Last", np.nan, 2.0),
				("b", 2, "Last", 9.0, 3.0),
				("c", 1, "Average", np.nan, 4.0),
				("c", 2, "Average", 6.0, 5.0),
			]
		)
		result = year_to_date(frame)
		assert _by_item(result, "a", "ytd_actual") == [7.0, 8.0]
		b = _by_item(result, "b", "ytd_actual")
		assert np.isnan(b[0]) and b[1] == 9.0
		assert _by_item(result, "b", "ytd_target") == [2.0, 3.0]
		c_actual, c_target = _by_item(result, "c", "ytd_actual"), _by_item(result, "c", "ytd_target")
		# an average of no reported period has neither actual nor target; then 6 against 5
		assert np.isnan(c_actual[0]) and np.isnan(c_target[0])
		assert (c_actual[1], c_target[1]) == (6.0, 5.0)

	def test_unsorted_input_comes_back_sorted(self):
		frame = _frame(
			[
				("b", 2, "Sum", 2.0, 10.0),
				("a", 2, "Last", np.nan, 5.0),
				("b", 1, "Sum", 1.0, 10.0),
				("a", 1, "Last", 4.0, 6.0),
			]
		)
		result = year_to_date(frame)
		assert result["item"].tolist() == ["a", "a", "b", "b"]
		assert result["period"].tolist() == [1, 2, 1, 2]
		assert result["ytd_actual"].tolist() == [4.0, 4.0, 1.0, 3.0]
		assert result["ytd_target"].tolist() == [6.0, 5.0, 10.0, 20.0]

	def test_items_with_different_numbers_of_periods(self):
		# not a matrix: one run over all rows
		frame = _frame(
			[
				("a", 1, "Sum", 1.0, 2.0),
				("a", 2, "Sum", 2.0, 2.0),
				("a", 3, "Sum", 3.0, 2.0),
				("b", 1, "Last", np.nan, 7.0),
				("b", 2, "Last", 5.0, 8.0),
				("c", 1, "Average", 4.0, 3.0),
			]
		)
		result = year_to_date(frame)
		assert _by_item(result, "a", "ytd_actual") == [1.0, 3.0, 6.0]
		assert _by_item(result, "a", "ytd_target") == [2.0, 4.0, 6.0]
		b = _by_item(result, "b", "ytd_actual")
		assert np.isnan(b[0]) and b[1] == 5.0
		assert (_by_item(result, "c", "ytd_actual"), _by_item(result, "c", "ytd_target")) == ([4.0], [3.0])

	def test_more_periods_than_the_matrix_scan_takes(self):
		weeks = MAX_SCAN_COLUMNS + 6
		frame = _frame(
			[("w", week, "Sum", 1.0, 2.0) for week in range(1, weeks + 1)]
			+ [("v", week, "Last", float(week) if week % 2 else np.nan, 3.0) for week in range(1, weeks + 1)]
		)
		result = year_to_date(frame)
		assert _by_item(result, "w", "ytd_actual") == [float(week) for week in range(1, weeks + 1)]
		assert _by_item(result, "w", "ytd_target") == [2.0 * week for week in range(1, weeks + 1)]
		# the latest odd week: 1, 1, 3, 3, 5, 5, ...
		assert _by_item(result, "v", "ytd_actual") == [
			float(week - 1 + week % 2) for week in range(1, weeks + 1)
		]

	def test_one_period_per_item(self):
		frame = _frame(
			[
				("a", 1, "Sum", 3.0, 4.0),
				("b", 1, "Average", np.nan, 4.0),
				("c", 1, "Min", 2.0, 5.0),
				("d", 1, "Last", 6.0, 7.0),
			]
		)
		result = year_to_date(frame)
		assert result["ytd_actual"].tolist()[::2] == [3.0, 2.0]
		assert np.isnan(result["ytd_actual"].iloc[1]) and result["ytd_actual"].iloc[3] == 6.0
		assert result["ytd_target"].tolist()[::2] == [4.0, 5.0]

	def test_min_and_max_among_other_aggregations(self):
		frame = _frame(
			[("m", p, "Min", a, t) for p, a, t in ((1, 5.0, 4.0), (2, np.nan, 4.0), (3, 3.0, 2.0))]
			+ [("x", p, "Max", a, t) for p, a, t in ((1, np.nan, 1.0), (2, 7.0, 6.0), (3, 4.0, 8.0))]
			+ [("s", p, "Sum", 1.0, 1.0) for p in (1, 2, 3)]
		)
		result = year_to_date(frame)
		assert _by_item(result, "m", "ytd_actual") == [5.0, 5.0, 3.0]
		assert _by_item(result, "m", "ytd_target") == [4.0, 4.0, 2.0]
		x = _by_item(result, "x", "ytd_actual")
		assert np.isnan(x[0]) and x[1:] == [7.0, 7.0]
		assert _by_item(result, "x", "ytd_target")[1:] == [6.0, 8.0]
		assert _by_item(result, "s", "ytd_actual") == [1.0, 2.0, 3.0]

	def test_the_frames_index_and_attributes_come_back(self):
		frame = _frame([("b", 1, "Sum", 3.0, 1.0), ("a", 2, "Sum", 2.0, 1.0), ("a", 1, "Sum", 1.0, 1.0)])
		frame.index = [7, 7, 8]  # labels need not be unique
		frame.attrs["source"] = "test"
		result = year_to_date(frame)
		assert result.index.tolist() == [8, 7, 7]
		assert result["ytd_actual"].tolist() == [1.0, 3.0, 3.0]
		assert result.attrs == {"source": "test"}
		assert "ytd_actual" not in frame.columns  # the caller's frame is left as it was

	def test_empty_frame(self):
		result = year_to_date(_frame([]))
		assert result.empty
		assert {"ytd_actual", "ytd_target"} <= set(result.columns)


class TestRunningSums:
	def test_group_length(self):
		assert group_length(np.array([0, 3, 6]), 9) == 3
		assert group_length(np.array([0, 3, 5]), 9) is None  # 3, 2 and 4 rows
		assert group_length(np.array([0]), MAX_SCAN_COLUMNS + 1) is None
		assert group_length(np.array([], dtype=int), 0) is None

	def test_matrix_and_single_run_agree_and_count_exactly(self):
		values = np.array([True, False, True, True, True, False])
		firsts = np.array([0, 3])
		for length in (3, None):
			counts = running_sum(values, firsts, length, dtype=np.int64)
			assert counts.tolist() == [1, 1, 2, 1, 2, 2]
			assert counts.dtype == np.int64
			assert running_sum(np.array([1.5, 2.0, 0.5, 4.0, 1.0, 1.0]), firsts, length).tolist() == [
				1.5,
				3.5,
				4.0,
				4.0,
				5.0,
				6.0,
			]


def _tree(rows):
	return pd.DataFrame(rows, columns=["node", "parent", "weight"])


def _scores(result):
	return {(row.node, row.period): row.score for row in result.itertuples()}


class TestRollupLevels:
	def test_children_out_of_their_parents_order(self):
		# integer ids as the services factorize them: items 0-3 alternate between employees 4 and 5
		tree = _tree(
			[(0, 4, 1.0), (1, 5, 1.0), (2, 4, 3.0), (3, 5, 1.0), (4, 6, 1.0), (5, 6, 1.0), (6, None, 1.0)]
		)
		leaves = pd.DataFrame({"node": [0, 1, 2, 3], "period": 1, "score": [40.0, 90.0, 80.0, np.nan]})
		scores = _scores(rollup_long(tree, leaves))
		assert scores[(4, 1)] == pytest.approx((40 + 3 * 80) / 4)  # 70
		assert scores[(5, 1)] == pytest.approx(90)  # item 3 unscored: skipped
		assert scores[(6, 1)] == pytest.approx(80)

	def test_equal_small_and_large_segments(self):
		# employee 100 has 9 items (over 8: summed by reduceat), 101 to 103 two each
		rows = [(item, 100, 1.0) for item in range(9)]
		rows += [
			(9, 101, 1.0),
			(10, 101, 3.0),
			(11, 102, 1.0),
			(12, 102, 1.0),
			(13, 103, 2.0),
			(14, 103, 2.0),
		]
		rows += [(100, 200, 1.0), (101, 200, 1.0), (102, 200, 1.0), (103, 200, 1.0), (200, None, 1.0)]
		leaves = pd.DataFrame(
			{
				"node": list(range(15)) * 2,
				"period": [1] * 15 + [2] * 15,
				"score": [10.0 * item for item in range(9)]
				+ [20, 60, 50, np.nan, np.nan, np.nan]
				+ [50.0] * 15,
			}
		)
		scores = _scores(rollup_long(_tree(rows), leaves))
		assert scores[(100, 1)] == pytest.approx(40)  # (0 + 10 + ... + 80) / 9
		assert scores[(101, 1)] == pytest.approx((20 + 3 * 60) / 4)  # 50
		assert scores[(102, 1)] == pytest.approx(50)
		assert (103, 1) not in scores  # no scored item: no row
		assert scores[(200, 1)] == pytest.approx((40 + 50 + 50) / 3)
		assert all(scores[(node, 2)] == pytest.approx(50) for node in (100, 101, 102, 103, 200))

	def test_counting_missing_as_zero_in_equal_segments(self):
		tree = _tree([(0, 2, 1.0), (1, 2, 3.0), (2, None, 1.0)])
		leaves = pd.DataFrame({"node": [0, 1], "period": 1, "score": [80.0, np.nan]})
		assert _scores(rollup_long(tree, leaves, MissingPolicy.ZERO))[(2, 1)] == pytest.approx(20)

	def test_no_leaf_scores(self):
		tree = _tree([("a", None, 1.0), ("b", "a", 1.0)])
		result = rollup_long(tree, pd.DataFrame({"node": [], "period": [], "score": []}))
		assert result.empty
		assert list(result.columns) == ["node", "period", "score"]


class TestScoringBranches:
	def test_lower_is_better_with_and_without_zero_targets_in_one_frame(self):
		columns = {
			"item": ["zero", "plain", "unreported"],
			"method": ["Lower is Better"] * 3,
			"actual": np.array([5.0, 80.0, np.nan]),
			"target": np.array([0.0, 100.0, 100.0]),
			"tolerance": np.array([10.0, np.nan, np.nan]),
		}
		raw = score_frame(columns)["achievement_raw"].to_numpy()
		# 1 - 5/10; 1 + (100 - 80)/100; nothing to score
		assert raw[:2].tolist() == pytest.approx([0.5, 1.2])
		assert np.isnan(raw[2])

	def test_target_range_with_and_without_tolerance_in_one_frame(self):
		columns = {
			"item": ["tight-out", "tight-in", "loose-out", "loose-missing"],
			"method": ["Target Range"] * 4,
			"actual": np.array([111.0, 100.0, 120.0, np.nan]),
			"target": np.full(4, np.nan),
			"lower": np.full(4, 90.0),
			"upper": np.full(4, 110.0),
			"tolerance": np.array([0.0, 0.0, 20.0, 0.0]),
		}
		raw = score_frame(columns)["achievement_raw"].to_numpy()
		# outside a band without tolerance is 0, inside 1; 10 past the band of 20 tolerance 0.5
		assert raw[:3].tolist() == [0.0, 1.0, 0.5]
		assert np.isnan(raw[3])

	def test_zero_target_without_an_actual_is_not_refused(self):
		assert ScoringRule("Higher is Better").achievement(None, 0) is None

	def test_status_codes_from_a_categorical_method_column_with_unused_methods(self):
		method = pd.Categorical(
			["Yes/No", "Higher is Better"], categories=["Thresholds", "Higher is Better", "Yes/No"]
		)
		columns = {
			"item": ["done", "sales"],
			"method": method,
			"actual": np.array([0.0, 85.0]),
			"target": np.array([1.0, 100.0]),
		}
		scored = score_frame(columns)
		assert scored["status"].tolist() == ["Red", "Amber"]
		assert scored["achievement_raw"].tolist() == [0.0, 0.85]

	def test_status_codes_keep_their_type(self):
		codes = StatusBands().codes([0.5, 0.9, 1.0, np.nan])
		assert codes.tolist() == [0, 1, 2, 3]
		assert codes.dtype == np.intp
