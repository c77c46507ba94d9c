"""What a pay run will cost before it is paid: P1, P2 and P3 per department and in total,
against a budget, under one of three scenarios for P3.

Current Scores: the bands (or scores) the employees have now, so the figures are what the
run pays. Forced Distribution: bands given by rank to meet the quotas of the band scale
(per department, the employee ID breaking ties), as a calibration would. What-if Shares:
bands in the shares the user types (A 10% / B 60% / C 30%); each employee then costs the
expected P3, the P3 base times the share-weighted band coefficient, so a department of n
costs n × share × the band's P3 summed over the bands. P1 and P2 do not depend on
performance and are the same in every scenario.

Everything goes through `compute_pay`, so proration and rounding are the run's own.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from kpibsc.engine.bands import BandScale, forced_distribution
from kpibsc.engine.errors import PayError, _, choice
from kpibsc.engine.pay import Combine, P3Mode, compute_pay

AMOUNTS = ("p1", "p2", "p3", "total")


class ScenarioKind(StrEnum):
	CURRENT = "Current Scores"
	FORCED = "Forced Distribution"
	WHAT_IF = "What-if Shares"


@dataclass(frozen=True)
class Scenario:
	"""The scenario, and for What-if Shares the percent of people in each band (adding up to 100)."""

	kind: ScenarioKind | str = ScenarioKind.CURRENT
	shares: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CostPolicy:
	"""The pay policy as `compute_pay` takes it, the band scale and the forced distribution
	quotas ((band, percent) from the best band down)."""

	scale: BandScale
	p3_mode: P3Mode | str = P3Mode.BAND_COEFFICIENT
	combine: Combine | str = Combine.PRODUCT
	prorate_p3: bool = False
	pool: float | None = None
	precision: int = 0
	quotas: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class PayCost:
	"""`departments`: one row per department (headcount, p1, p2, p3, total, budget, variance);
	`total`: the same for everyone; `employees`: each employee's band and amounts."""

	departments: pd.DataFrame
	total: pd.Series
	employees: pd.DataFrame


def simulate_pay_cost(
	employees: pd.DataFrame,
	policy: CostPolicy,
	scenario: Scenario,
	budgets: Mapping[str, float] | None = None,
	total_budget: float | None = None,
) -> PayCost:
	"""The cost of paying `employees` under `scenario`.

	`employees` has the columns `compute_pay` reads, plus `department` and `employee` (the
	tie-break of a forced distribution), and `score` for a forced distribution (or for the
	current bands when there is no `band_coefficient`). `budgets` maps a department to its
	budget; the total budget is `total_budget`, or else the sum of the department budgets when every
	department has one.
	Variance is budget minus cost: negative means over budget."""
	kind = choice(ScenarioKind, scenario.kind, PayError)
	frame = employees.copy()
	frame["department"] = frame.get("department", pd.Series("", index=frame.index)).fillna("")
	score = frame.get("score", pd.Series(np.nan, index=frame.index)).astype(float)
	if kind != ScenarioKind.CURRENT and choice(P3Mode, policy.p3_mode, PayError) != P3Mode.BAND_COEFFICIENT:
		raise PayError(
			_(
				"{0} changes rank bands, but this pay policy pays P3 by {1}, not by band: only Current Scores applies."
			),
			kind.value,
			policy.p3_mode,
		)
	band = pd.Series(None, index=frame.index, dtype=object)
	if kind == ScenarioKind.CURRENT:
		if "band_coefficient" not in frame:
			band[:] = policy.scale.assign(score)
			frame["band_coefficient"] = policy.scale.coefficients(band)
		elif "rank_band" in frame:
			band = frame["rank_band"]
	elif kind == ScenarioKind.FORCED:
		if not policy.quotas:
			raise PayError(_("A forced distribution needs the distribution percent of each rank band."))
		tiebreak = frame["employee"] if "employee" in frame else None
		band[:] = forced_distribution(score, policy.quotas, groups=frame["department"], tiebreak=tiebreak)
		frame["band_coefficient"] = policy.scale.coefficients(band)
	else:
		frame["band_coefficient"] = expected_coefficient(policy.scale, scenario.shares)
	pay = compute_pay(
		frame,
		p3_mode=policy.p3_mode,
		combine=policy.combine,
		prorate_p3=policy.prorate_p3,
		pool=policy.pool,
		precision=policy.precision,
	)
	people = pd.concat([frame[["department"]].assign(employee=frame.get("employee"), band=band), pay], axis=1)
	departments = people.groupby("department", sort=True)[list(AMOUNTS)].sum()
	departments.insert(0, "headcount", people.groupby("department", sort=True).size())
	budgets = dict(budgets or {})
	departments["budget"] = [budgets.get(department, np.nan) for department in departments.index]
	departments["variance"] = departments["budget"] - departments["total"]
	total = departments[["headcount", *AMOUNTS]].sum()
	if total_budget is None and budgets and departments["budget"].notna().all():
		total_budget = sum(budgets.get(department) for department in departments.index)
	total["budget"] = np.nan if total_budget is None else float(total_budget)
	total["variance"] = total["budget"] - total["total"]
	return PayCost(departments=departments, total=total, employees=people)


def expected_coefficient(scale: BandScale, shares: Mapping[str, float]) -> float:
	"""The band coefficient one employee costs on average when the bands come in `shares`
	(percent per band code): the sum of share × coefficient."""
	known = {band.code: band.coefficient for band in scale.bands}
	unknown = sorted(set(shares) - set(known))
	if unknown:
		raise PayError(
			_("No rank band {0}: use the bands of the scale, {1}."), ", ".join(unknown), ", ".join(known)
		)
	percents = np.array([float(shares[code]) for code in shares], dtype=float)
	if not len(percents) or np.isnan(percents).any() or (percents < 0).any():
		raise PayError(_("What-if shares must be a percent of zero or more for each band."))
	if abs(percents.sum() - 100.0) > 1e-6:
		raise PayError(_("What-if shares must add up to 100, not {0}."), round(float(percents.sum()), 6))
	return float(sum(float(shares[code]) * known[code] for code in shares) / 100.0)
