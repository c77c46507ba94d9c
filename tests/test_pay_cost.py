"""Pay-cost simulation: P1, P2, P3 per department under current scores, forced distribution
and what-if band shares, against budgets. Expected figures worked by hand in the comments."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpibsc.engine.bands import FIVE_BANDS
from kpibsc.engine.errors import PayError
from kpibsc.engine.pay_cost import CostPolicy, Scenario, expected_coefficient, simulate_pay_cost

QUOTAS = (("A", 20.0), ("B", 30.0), ("C", 30.0), ("D", 10.0), ("E", 10.0))
POLICY = CostPolicy(FIVE_BANDS, quotas=QUOTAS)


def people() -> pd.DataFrame:
	"""Sales: E1 (P1 5,000,000, score 95 → A), E2 (4,000,000, 82 → B); Ops: E3 (3,000,000,
	75 → C), E4 (3,000,000, 60 → D). P2 = the 2,000,000 base; P3 = 2,000,000 × the band's
	coefficient (A 1.4, B 1.2, C 1.0, D 0.8)."""
	return pd.DataFrame(
		{
			"employee": ["E1", "E2", "E3", "E4"],
			"department": ["Sales", "Sales", "Ops", "Ops"],
			"p1_amount": [5_000_000.0, 4_000_000.0, 3_000_000.0, 3_000_000.0],
			"p2_base": 2_000_000.0,
			"p3_base": 2_000_000.0,
			"score": [95.0, 82.0, 75.0, 60.0],
		}
	)


def amounts(result, department) -> list[float]:
	return result.departments.loc[department, ["headcount", "p1", "p2", "p3", "total"]].tolist()


class TestScenarios:
	def test_current_scores(self):
		# Sales: P3 2,800,000 + 2,400,000 = 5,200,000; total 9,000,000 + 4,000,000 + 5,200,000
		# Ops: P3 2,000,000 + 1,600,000 = 3,600,000; total 6,000,000 + 4,000,000 + 3,600,000
		result = simulate_pay_cost(people(), POLICY, Scenario("Current Scores"))
		assert amounts(result, "Sales") == [2, 9_000_000, 4_000_000, 5_200_000, 18_200_000]
		assert amounts(result, "Ops") == [2, 6_000_000, 4_000_000, 3_600_000, 13_600_000]
		assert result.total["total"] == 31_800_000
		assert result.employees["band"].tolist() == ["A", "B", "C", "D"]

	def test_current_bands_given(self):
		# the run's own bands (a calibrated review) win over the band of the score: E1 is C
		frame = people().assign(rank_band=["C", "B", "C", "D"], band_coefficient=[1.0, 1.2, 1.0, 0.8])
		result = simulate_pay_cost(frame, POLICY, Scenario("Current Scores"))
		assert result.departments.loc["Sales", "p3"] == 2_000_000 + 2_400_000

	def test_forced_distribution_per_department(self):
		# two people a department; 20/30/30/10/10 of 2 is 0.4/0.6/0.6/0.2/0.2: floors 0, the two
		# largest remainders (B, C) get one each. The better score gets B (1.2), the other C (1.0):
		# P3 2,400,000 + 2,000,000 = 4,400,000 in both departments
		result = simulate_pay_cost(people(), POLICY, Scenario("Forced Distribution"))
		assert result.employees["band"].tolist() == ["B", "C", "B", "C"]
		assert amounts(result, "Sales") == [2, 9_000_000, 4_000_000, 4_400_000, 17_400_000]
		assert amounts(result, "Ops") == [2, 6_000_000, 4_000_000, 4_400_000, 14_400_000]
		assert result.total["p3"] == 8_800_000

	def test_what_if_shares(self):
		# A 10% / B 60% / C 30%: one employee costs 0.1 × 2,800,000 + 0.6 × 2,400,000
		# + 0.3 × 2,000,000 = 2,320,000 of P3; four cost 9,280,000
		result = simulate_pay_cost(people(), POLICY, Scenario("What-if Shares", {"A": 10, "B": 60, "C": 30}))
		assert amounts(result, "Sales") == [2, 9_000_000, 4_000_000, 4_640_000, 17_640_000]
		assert amounts(result, "Ops") == [2, 6_000_000, 4_000_000, 4_640_000, 14_640_000]
		assert result.total[["p3", "total"]].tolist() == [9_280_000, 32_280_000]

	def test_budget_and_variance(self):
		# budget minus cost: Sales 18,000,000 - 18,200,000 = -200,000 (over);
		# Ops 15,000,000 - 13,600,000 = 1,400,000; total 33,000,000 - 31,800,000 = 1,200,000
		result = simulate_pay_cost(
			people(), POLICY, Scenario(), budgets={"Sales": 18_000_000, "Ops": 15_000_000}
		)
		assert result.departments["variance"].to_dict() == {"Ops": 1_400_000, "Sales": -200_000}
		assert result.total[["budget", "variance"]].tolist() == [33_000_000, 1_200_000]

	def test_total_budget_only_when_given_or_every_department_has_one(self):
		partial = simulate_pay_cost(people(), POLICY, Scenario(), budgets={"Sales": 18_000_000})
		assert np.isnan(partial.departments.loc["Ops", "budget"])
		assert np.isnan(partial.total["budget"])
		given_total = simulate_pay_cost(people(), POLICY, Scenario(), total_budget=30_000_000)
		assert given_total.total["variance"] == -1_800_000

	def test_proration_is_the_runs(self):
		# E4 is paid 13 of 26 days: P1 1,500,000 and P2 1,000,000; P3 is prorated only when the
		# policy says so: 0.8 × 2,000,000 × 13/26 = 800,000
		frame = people().assign(payment_days=[26, 26, 26, 13], working_days=26)
		policy = CostPolicy(FIVE_BANDS, prorate_p3=True)
		result = simulate_pay_cost(frame, policy, Scenario())
		assert amounts(result, "Ops") == [2, 4_500_000, 3_000_000, 2_800_000, 10_300_000]

	def test_no_department(self):
		frame = people().assign(department=["Sales", None, None, None])
		result = simulate_pay_cost(frame, POLICY, Scenario())
		assert result.departments["headcount"].to_dict() == {"": 3, "Sales": 1}


class TestRefusals:
	def test_shares_must_add_up_to_100(self):
		with pytest.raises(PayError, match="add up to 100"):
			simulate_pay_cost(people(), POLICY, Scenario("What-if Shares", {"A": 10, "B": 60}))

	def test_unknown_band(self):
		with pytest.raises(PayError, match="No rank band Z"):
			expected_coefficient(FIVE_BANDS, {"A": 50, "Z": 50})

	def test_negative_share(self):
		with pytest.raises(PayError, match="zero or more"):
			expected_coefficient(FIVE_BANDS, {"A": 110, "B": -10})

	def test_band_scenarios_need_a_band_policy(self):
		policy = CostPolicy(FIVE_BANDS, p3_mode="Achievement Bonus", quotas=QUOTAS)
		with pytest.raises(PayError, match="only Current Scores"):
			simulate_pay_cost(people(), policy, Scenario("Forced Distribution"))
		assert (
			simulate_pay_cost(people().assign(achievement=0.5), policy, Scenario()).total["p3"] == 4_000_000
		)

	def test_forced_needs_quotas(self):
		with pytest.raises(PayError, match="distribution percent"):
			simulate_pay_cost(people(), CostPolicy(FIVE_BANDS), Scenario("Forced Distribution"))

	def test_unknown_scenario(self):
		with pytest.raises(PayError, match="not a valid choice"):
			simulate_pay_cost(people(), POLICY, Scenario("Guess"))


# -- properties -------------------------------------------------------------------------------

money = st.integers(min_value=0, max_value=50_000_000).map(float)
staff = st.lists(
	st.tuples(st.sampled_from(["Sales", "Ops", "HR"]), money, st.floats(0, 100, allow_nan=False)),
	min_size=1,
	max_size=30,
)
shares = st.lists(st.integers(0, 10), min_size=5, max_size=5).filter(sum)


def frame_of(rows) -> pd.DataFrame:
	return pd.DataFrame(
		{
			"employee": [f"E{index:03}" for index in range(len(rows))],
			"department": [row[0] for row in rows],
			"p1_amount": [row[1] for row in rows],
			"p2_base": 1_000_000.0,
			"p3_base": 2_000_000.0,
			"score": [row[2] for row in rows],
		}
	)


def scenarios(weights):
	total = sum(weights)
	codes = [band.code for band in FIVE_BANDS.bands]
	what_if = {code: 100.0 * weight / total for code, weight in zip(codes, weights, strict=True)}
	return [Scenario("Current Scores"), Scenario("Forced Distribution"), Scenario("What-if Shares", what_if)]


@given(staff, shares)
def test_p1_and_p2_do_not_depend_on_the_scenario(rows, weights):
	results = [simulate_pay_cost(frame_of(rows), POLICY, scenario) for scenario in scenarios(weights)]
	for result in results:
		# P1 is each person's amount; P2 the 1,000,000 base for everyone
		assert result.total["p1"] == sum(row[1] for row in rows)
		assert result.total["p2"] == 1_000_000 * len(rows)


@given(staff, shares)
def test_departments_add_up_to_the_total(rows, weights):
	for scenario in scenarios(weights):
		result = simulate_pay_cost(frame_of(rows), POLICY, scenario)
		for column in ("headcount", "p1", "p2", "p3", "total"):
			assert result.departments[column].sum() == result.total[column]
		assert (result.departments["p1"] + result.departments["p2"] + result.departments["p3"]).equals(
			result.departments["total"]
		)


@given(staff, st.sampled_from(FIVE_BANDS.bands))
def test_everyone_in_one_band(rows, band):
	# 100% in one band: every employee costs the P3 base × that band's coefficient
	result = simulate_pay_cost(frame_of(rows), POLICY, Scenario("What-if Shares", {band.code: 100}))
	assert result.total["p3"] == len(rows) * round(2_000_000 * band.coefficient)


@given(staff)
def test_forced_distribution_spends_by_quota(rows):
	# each department's band counts follow the quotas, so its P3 lies between everyone at the
	# lowest band and everyone at the highest, and the bands are handed out best score first
	result = simulate_pay_cost(frame_of(rows), POLICY, Scenario("Forced Distribution"))
	people = result.employees.assign(score=[row[2] for row in rows])
	rank = {band.code: band.min_score for band in FIVE_BANDS.bands}
	for _department, group in people.groupby("department"):
		ordered = group.sort_values(["score", "employee"], ascending=[False, True])
		floors = [rank[code] for code in ordered["band"]]
		assert floors == sorted(floors, reverse=True)
		assert 1_200_000 * len(group) <= group["p3"].sum() <= 2_800_000 * len(group)
