"""3P pay: P1 position pay, P2 person pay, P3 performance pay.

P1 pays for the job (a grade/level table, or a unit rate times the job's value
coefficient); P2 pays for the person (competency, seniority and qualification
coefficients on a P2 base); P3 pays for results (a band coefficient on a P3 base, the
achievement times a bonus rate, or a pool shared in proportion to scores).
`compute_pay` does all three for a whole payroll as one vectorised pass.
"""

from collections.abc import Mapping, Sequence
from enum import StrEnum

import numpy as np
import pandas as pd

from kpibsc.engine.errors import PayError, _, choice
from kpibsc.engine.rounding import distribute, round_half_up


class P3Mode(StrEnum):
	BAND_COEFFICIENT = "Band Coefficient"
	ACHIEVEMENT_BONUS = "Achievement Bonus"
	BONUS_POOL = "Bonus Pool"


class Combine(StrEnum):
	PRODUCT = "Product"
	SUM = "Sum"


def position_pay(unit_rate, job_value_coefficient):
	"""P1 as unit rate × job value coefficient (e.g. 1,000,000 × 3.2 points)."""
	return _non_negative(unit_rate, "P1 unit rate") * _non_negative(
		job_value_coefficient, "job value coefficient"
	)


def table_lookup(keys: Sequence, table: Mapping) -> np.ndarray:
	"""Amounts from a table keyed by e.g. (grade, level); NaN for keys not in the table."""
	return np.array([table.get(key, np.nan) for key in keys], dtype=float)


def band_lookup(values, thresholds: Sequence[float], results: Sequence[float]) -> np.ndarray:
	"""The result of the highest threshold at or below each value (seniority years ->
	coefficient). Below the first threshold the result is the first result."""
	thresholds = np.asarray(thresholds, dtype=float)
	if len(thresholds) != len(results) or not len(thresholds):
		raise PayError(_("A band table needs one result per threshold."))
	if (np.diff(thresholds) <= 0).any():
		raise PayError(_("Band table thresholds must rise: {0}."), ", ".join(map(str, thresholds)))
	position = np.searchsorted(thresholds, np.asarray(values, dtype=float), side="right") - 1
	return np.asarray(results, dtype=float)[np.maximum(position, 0)]


def person_pay(base, coefficients: Sequence, combine: Combine | str = Combine.PRODUCT):
	"""P2: the P2 base times the person's coefficients, multiplied or added."""
	base = _non_negative(base, "P2 base")
	arrays = [_non_negative(coefficient, "P2 coefficient") for coefficient in coefficients]
	if not arrays:
		return base
	factor = (
		np.prod(arrays, axis=0)
		if choice(Combine, combine, PayError) == Combine.PRODUCT
		else np.sum(arrays, axis=0)
	)
	return base * factor


def performance_pay(
	mode: P3Mode | str,
	base=None,
	band_coefficient=None,
	achievement=None,
	bonus_rate=None,
	scores=None,
	pool: float | None = None,
	precision: int = 0,
):
	"""P3 by one of three policies.

	Band Coefficient: base × band coefficient (a B band at 120% of a 2,000,000 base).
	Achievement Bonus: base × achievement × bonus rate.
	Bonus Pool: the pool shared in proportion to scores, rounded so the shares add up to it.
	"""
	mode = choice(P3Mode, mode, PayError)
	if mode == P3Mode.BAND_COEFFICIENT:
		return _non_negative(base, "P3 base") * np.nan_to_num(np.asarray(band_coefficient, dtype=float))
	if mode == P3Mode.ACHIEVEMENT_BONUS:
		return (
			_non_negative(base, "P3 base")
			* np.maximum(np.nan_to_num(np.asarray(achievement, dtype=float)), 0.0)
			* _non_negative(bonus_rate, "bonus rate")
		)
	return share_pool(pool, scores, precision)


def share_pool(pool: float | None, scores, precision: int = 0) -> np.ndarray:
	"""A bonus pool split in proportion to (non-negative) scores; missing scores get 0."""
	if pool is None or pool < 0:
		raise PayError(_("A bonus pool must be zero or more, got {0}."), pool)
	scores = np.maximum(np.nan_to_num(np.asarray(scores, dtype=float)), 0.0)
	if not scores.size:
		return scores
	if scores.sum() == 0:
		return np.zeros_like(scores)
	return distribute([pool], pool * scores / scores.sum(), precision)[0]


def prorate(amounts, payment_days, working_days):
	"""Amounts scaled by payment days over working days, both as HRMS's salary slip counts
	them: a joiner on the 11th of a 31-day month with Sundays off is paid 18 of 27 days; half
	a day of leave without pay leaves 26.5 of 27. A period with no working days at all (every
	day a holiday) pays nothing, as HRMS pays no payment-days component then."""
	payment_days = np.asarray(payment_days, dtype=float)
	working_days = np.asarray(working_days, dtype=float)
	if (working_days < 0).any():
		raise PayError(_("Working days may not be negative."))
	if ((payment_days < 0) | (payment_days > working_days)).any():
		raise PayError(_("Payment days must be between 0 and the working days of the period."))
	share = np.divide(
		payment_days,
		working_days,
		out=np.zeros(np.broadcast(payment_days, working_days).shape),
		where=working_days > 0,
	)
	return np.asarray(amounts, dtype=float) * share


def compute_pay(
	frame: pd.DataFrame,
	p3_mode: P3Mode | str = P3Mode.BAND_COEFFICIENT,
	combine: Combine | str = Combine.PRODUCT,
	prorate_p3: bool = False,
	pool: float | None = None,
	precision: int = 0,
) -> pd.DataFrame:
	"""P1, P2, P3 and their total for every employee row.

	Columns: p1_amount, or p1_rate and p1_coefficient; p2_base with any of
	competency_coefficient, seniority_coefficient, qualification_coefficient; p3_base with
	band_coefficient (Band Coefficient), achievement and bonus_rate (Achievement Bonus), or
	score (Bonus Pool); payment_days and working_days for proration (optional).
	P1 and P2 are prorated by payment days; P3 only when `prorate_p3` (it pays for
	results, which a part month may already reflect).
	"""
	column = frame.get
	if "p1_amount" in frame:
		p1 = _non_negative(frame["p1_amount"].fillna(0.0), "P1 amount")
	else:
		p1 = position_pay(column("p1_rate", 0.0), column("p1_coefficient", 0.0))
	p2_coefficients = [
		frame[name].fillna(1.0 if choice(Combine, combine, PayError) == Combine.PRODUCT else 0.0)
		for name in ("competency_coefficient", "seniority_coefficient", "qualification_coefficient")
		if name in frame
	]
	p2 = person_pay(
		column("p2_base", pd.Series(0.0, index=frame.index)).fillna(0.0), p2_coefficients, combine
	)
	p3 = performance_pay(
		p3_mode,
		base=column("p3_base", pd.Series(0.0, index=frame.index)).fillna(0.0),
		band_coefficient=column("band_coefficient"),
		achievement=column("achievement"),
		bonus_rate=column("bonus_rate", 1.0),
		scores=column("score"),
		pool=pool,
		precision=precision,
	)
	if "payment_days" in frame and "working_days" in frame:
		p1 = prorate(p1, frame["payment_days"], frame["working_days"])
		p2 = prorate(p2, frame["payment_days"], frame["working_days"])
		if prorate_p3:
			p3 = prorate(p3, frame["payment_days"], frame["working_days"])
	result = pd.DataFrame(
		{
			"p1": round_half_up(p1, precision),
			"p2": round_half_up(p2, precision),
			"p3": round_half_up(p3, precision),
		},
		index=frame.index,
	)
	result["total"] = round_half_up(result["p1"] + result["p2"] + result["p3"], precision)
	return result


def _non_negative(values, what: str):
	array = np.asarray(values, dtype=float)
	if (array < 0).any():
		raise PayError(_("The {0} may not be negative, got {1}."), what, array[array < 0].flat[0])
	return array
