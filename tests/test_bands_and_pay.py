"""Rank bands, forced distribution, money rounding and 3P pay."""

import numpy as np
import pandas as pd
import pytest

from kpibsc.engine import FIVE_BANDS, Band, BandScale, Combine, P3Mode, compute_pay, forced_distribution
from kpibsc.engine.errors import BandDefinitionError, DistributionError, PayError
from kpibsc.engine.pay import band_lookup, person_pay, position_pay, prorate, share_pool, table_lookup
from kpibsc.engine.rounding import distribute, round_half_up


class TestBandScale:
	@pytest.mark.parametrize(
		"score, band",
		[
			(100, "A"),
			(90, "A"),
			(89.99, "B"),
			(80, "B"),
			(70, "C"),
			(50, "D"),
			(49.9, "E"),
			(0, "E"),
			(-3, "E"),
		],
	)
	def test_five_bands(self, score, band):
		assert FIVE_BANDS.assign([score])[0] == band

	def test_missing_score_has_no_band(self):
		assert FIVE_BANDS.assign([np.nan])[0] is None

	def test_coefficients_140_to_60(self):
		assert FIVE_BANDS.coefficients(["A", "B", "C", "D", "E", None]).tolist()[:5] == [
			1.4,
			1.2,
			1.0,
			0.8,
			0.6,
		]
		assert np.isnan(FIVE_BANDS.coefficients([None])[0])

	def test_from_ranges(self):
		scale = BandScale.from_ranges([("B", 60, 85, 1.0), ("A", 85, 200, 1.3), ("C", 0, 60, 0.5)])
		assert scale.assign([90, 85, 70, 10]).tolist() == ["A", "A", "B", "C"]

	def test_overlap_and_gap_are_refused(self):
		with pytest.raises(BandDefinitionError, match="overlap"):
			BandScale.from_ranges([("A", 80, 100, 1), ("B", 50, 85, 1)])
		with pytest.raises(BandDefinitionError, match="gap"):
			BandScale.from_ranges([("A", 90, 100, 1), ("B", 50, 85, 1)])
		with pytest.raises(BandDefinitionError, match="not above its start"):
			BandScale.from_ranges([("A", 90, 90, 1)])

	def test_bad_definitions(self):
		with pytest.raises(BandDefinitionError):
			BandScale(())
		with pytest.raises(BandDefinitionError, match="unique"):
			BandScale((Band("A", 90), Band("A", 50)))
		with pytest.raises(BandDefinitionError, match="same score"):
			BandScale((Band("A", 90), Band("B", 90)))
		with pytest.raises(BandDefinitionError, match="negative"):
			BandScale((Band("A", 90, -1),))


class TestForcedDistribution:
	quotas = (("A", 20), ("B", 30), ("C", 50))

	def test_quota_by_largest_remainder(self):
		scores = [50, 90, 70, 65, 60, 80]
		# 6 people: 1.2 A, 1.8 B, 3 C -> 1, 2, 3
		assert forced_distribution(scores, self.quotas).tolist() == ["C", "A", "B", "C", "C", "B"]

	def test_ties_are_settled_by_the_tiebreak_key(self):
		scores = [70, 70, 70, 70, 70]
		ids = ["E-5", "E-2", "E-4", "E-1", "E-3"]
		bands = forced_distribution(scores, self.quotas, tiebreak=ids)
		assert dict(zip(ids, bands, strict=True)) == {
			"E-1": "A",
			"E-2": "B",
			"E-3": "B",
			"E-4": "C",
			"E-5": "C",
		}
		assert bands.tolist() == forced_distribution(scores, self.quotas, tiebreak=ids).tolist()

	def test_per_group_and_missing_scores(self):
		scores = [90, 10, np.nan, 50, 40]
		groups = ["sales", "sales", "sales", "ops", "ops"]
		bands = forced_distribution(scores, [("Top", 50), ("Rest", 50)], groups=groups)
		assert bands.tolist() == ["Top", "Rest", None, "Top", "Rest"]

	@pytest.mark.parametrize(
		"quotas, message",
		[
			([("A", 20), ("B", 30)], "add up to 100, not 50"),
			([("A", 120), ("B", -20)], "negative"),
			([], "at least one"),
		],
	)
	def test_quotas_must_add_to_100(self, quotas, message):
		with pytest.raises(DistributionError, match=message):
			forced_distribution([1, 2], quotas)


class TestRounding:
	@pytest.mark.parametrize(
		"value, precision, expected",
		[
			(2.675, 2, 2.68),
			(2.5, 0, 3.0),
			(-2.5, 0, -3.0),
			(1234567.5, 0, 1234568.0),
			(0.125, 2, 0.13),
			(1.005, 2, 1.01),
			# large whole amounts stay whole (a relative epsilon once made these .01 more)
			(5_000_000.0, 2, 5_000_000.0),
			(500_000_000_000.0, 0, 500_000_000_000.0),
			(4_999_999.995, 2, 5_000_000.0),
		],
	)
	def test_half_up(self, value, precision, expected):
		assert round_half_up(value, precision) == expected

	def test_negative_precision_refused(self):
		with pytest.raises(PayError):
			round_half_up(1.0, -1)

	def test_distribute_keeps_totals(self):
		parts = distribute([100.0], [[100 / 3] * 3], 0)
		assert parts.tolist() == [[34.0, 33.0, 33.0]]
		assert distribute([10.0], [[2.5, 2.5, 2.5, 2.5]], 0).sum() == 10


class TestThreeP:
	def test_position_pay(self):
		assert position_pay(1_000_000, 3.2) == pytest.approx(3_200_000)
		with pytest.raises(PayError, match="P1 unit rate"):
			position_pay(-1, 1)

	def test_grade_level_table(self):
		table = {("G1", 1): 5_000_000, ("G1", 2): 5_500_000}
		amounts = table_lookup([("G1", 2), ("G9", 1)], table)
		assert amounts[0] == 5_500_000 and np.isnan(amounts[1])

	def test_seniority_bands(self):
		assert band_lookup([0, 2.9, 3, 10], [0, 3, 5], [1.0, 1.05, 1.1]).tolist() == [1.0, 1.0, 1.05, 1.1]
		with pytest.raises(PayError, match="must rise"):
			band_lookup([1], [3, 1], [1, 2])

	def test_person_pay_product_and_sum(self):
		assert person_pay(2_000_000, [1.2, 1.05]) == pytest.approx(2_520_000)
		assert person_pay(2_000_000, [0.2, 0.1], Combine.SUM) == pytest.approx(600_000)
		assert person_pay(2_000_000, []) == 2_000_000

	def test_pool_shares_add_up_exactly(self):
		shares = share_pool(1_000_000, [90, 80, 70])
		assert shares.sum() == 1_000_000
		assert shares.tolist() == [375_000, 333_333, 291_667]
		assert share_pool(100, [0, 0]).tolist() == [0, 0]
		with pytest.raises(PayError):
			share_pool(-1, [1])

	def test_prorate(self):
		assert prorate(2_600_000, 13, 26) == pytest.approx(1_300_000)
		with pytest.raises(PayError):
			prorate(1, 27, 26)
		with pytest.raises(PayError):
			prorate(1, 1, 0)

	def test_prorate_by_hrms_payment_days(self):
		# a joiner on Saturday 11 January 2025, Sundays off: 18 of 27 working days
		assert prorate(6_000_000, 18, 27) == pytest.approx(4_000_000)
		# 3.5 days of leave without pay: 23.5 of 27
		assert prorate(10_000_000, 23.5, 27) == pytest.approx(8_703_703.7037, abs=1e-4)
		# a period of holidays only: HRMS counts 0 working and 0 payment days and pays nothing
		assert prorate([5_000_000, 1], [0, 10], [0, 20]).tolist() == [0, 0.5]
		with pytest.raises(PayError):
			prorate(1, 0, -1)

	def test_compute_pay_band_coefficient_with_mid_month_joiner(self):
		frame = pd.DataFrame(
			{
				"p1_rate": [1_000_000, 1_000_000],
				"p1_coefficient": [3.2, 2.5],
				"p2_base": [2_000_000, 2_000_000],
				"competency_coefficient": [1.2, 1.0],
				"seniority_coefficient": [1.05, np.nan],
				"p3_base": [3_000_000, 3_000_000],
				"band_coefficient": [1.4, 0.8],
				"payment_days": [26, 13],
				"working_days": [26, 26],
			}
		)
		result = compute_pay(frame)
		assert result.to_dict("records") == [
			{"p1": 3_200_000, "p2": 2_520_000, "p3": 4_200_000, "total": 9_920_000},
			{"p1": 1_250_000, "p2": 1_000_000, "p3": 2_400_000, "total": 4_650_000},
		]

	def test_compute_pay_achievement_bonus_rounded_to_cents(self):
		frame = pd.DataFrame(
			{"p1_amount": [100.0], "p3_base": [333.33], "achievement": [1.005], "bonus_rate": [0.5]}
		)
		result = compute_pay(frame, p3_mode=P3Mode.ACHIEVEMENT_BONUS, precision=2).iloc[0]
		assert result.p3 == pytest.approx(167.5)  # 333.33 * 1.005 * 0.5 = 167.498... -> 167.50
		assert result.total == pytest.approx(267.5)

	def test_compute_pay_pool_and_prorated_p3(self):
		frame = pd.DataFrame(
			{
				"p1_amount": [0.0, 0.0],
				"score": [75.0, 25.0],
				"payment_days": [10, 20],
				"working_days": [20, 20],
			}
		)
		pooled = compute_pay(frame, p3_mode=P3Mode.BONUS_POOL, pool=1000)
		assert pooled["p3"].tolist() == [750, 250]
		prorated = compute_pay(frame, p3_mode=P3Mode.BONUS_POOL, pool=1000, prorate_p3=True)
		assert prorated["p3"].tolist() == [375, 250]

	def test_missing_band_pays_no_p3(self):
		frame = pd.DataFrame({"p1_amount": [1.0], "p3_base": [100.0], "band_coefficient": [np.nan]})
		assert compute_pay(frame)["p3"].tolist() == [0.0]
