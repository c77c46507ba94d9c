"""Calibration: band quotas against forced-distribution percentages, and the 9-box placement.
Every expected value is worked out by hand in the comments."""

import numpy as np
import pytest

from kpibsc.engine.calibration import BOX_NAMES, NineBoxError, band_quotas, nine_box, performance_levels

QUOTAS = [("A", 10), ("B", 20), ("C", 40), ("D", 20), ("E", 10)]


class TestBandQuotas:
	def test_ten_people_split_exactly(self):
		# 10 x 10/20/40/20/10 % = 1, 2, 4, 2, 1
		assert band_quotas(10, QUOTAS) == {"A": 1, "B": 2, "C": 4, "D": 2, "E": 1}

	def test_largest_remainder_adds_up(self):
		# 7 people: 0.7, 1.4, 2.8, 1.4, 0.7 -> floors 0, 1, 2, 1, 0 (4); the 3 left go to the
		# largest remainders .8 (C), then .7 (A), .7 (E) in band order: 1, 1, 3, 1, 1
		assert band_quotas(7, QUOTAS) == {"A": 1, "B": 1, "C": 3, "D": 1, "E": 1}
		assert sum(band_quotas(7, QUOTAS).values()) == 7

	def test_no_quota_is_no_forced_distribution(self):
		assert band_quotas(5, [("A", 0), ("B", 0)]) is None
		assert band_quotas(5, []) is None

	def test_nobody(self):
		assert band_quotas(0, QUOTAS) == {"A": 0, "B": 0, "C": 0, "D": 0, "E": 0}


class TestNineBox:
	@pytest.mark.parametrize(
		"score, level",
		[(100, "High"), (90, "High"), (89.99, "Medium"), (70, "Medium"), (69.99, "Low"), (0, "Low")],
	)
	def test_levels_at_the_default_cutoffs(self, score, level):
		# Medium from 70, High from 90; each cut-off belongs to the level it starts
		assert performance_levels([score], 70, 90)[0] == level

	def test_missing_score_has_no_level(self):
		assert performance_levels([np.nan], 70, 90)[0] is None

	def test_placement(self):
		scores = [95, 95, 80, 60, 60, np.nan, 85]
		potentials = ["High", "Low", "Medium", "High", "Low", "High", None]
		levels, boxes = nine_box(scores, potentials, 70, 90)
		assert levels.tolist() == ["High", "High", "Medium", "Low", "Low", None, "Medium"]
		assert boxes.tolist() == [
			"Star",
			"Trusted Professional",
			"Core Player",
			"Enigma",
			"Underperformer",
			None,  # no score
			None,  # not rated
		]

	def test_custom_cutoffs(self):
		# Medium from 50, High from 80: 79 is Medium, 80 High, 49 Low
		_levels, boxes = nine_box([79, 80, 49], ["Medium", "Medium", "Medium"], 50, 80)
		assert boxes.tolist() == ["Core Player", "High Performer", "Inconsistent Player"]

	def test_nine_distinct_boxes(self):
		assert len(set(BOX_NAMES.values())) == 9

	def test_cutoffs_must_rise(self):
		with pytest.raises(NineBoxError, match="must start above"):
			performance_levels([50], 90, 70)
		with pytest.raises(NineBoxError):
			performance_levels([50], 80, 80)
