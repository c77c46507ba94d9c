"""Performance review arithmetic: competency scores from ratings, the final score, and the
KPI score of a review period from a scorecard's period scores.

Scores are percentages like the scorecard's. Ratings are on a 1..scale_max scale (5 by
default); a competency score is the weighted average rating as a share of the scale's top.
The final score is, by default, the weighted mean of the KPI score and the competency
score; a company may write its own formula over the same names (checked against the
engine's formula whitelist, never `eval`).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpibsc.engine.errors import EngineError, _
from kpibsc.engine.formula import compile_formula

FORMULA_NAMES = frozenset(
	{"kpi_score", "competency_score", "self_score", "manager_score", "kpi_weight", "competency_weight"}
)
COMPETENCIES_ONLY = "Competencies Only"


class ReviewError(EngineError):
	pass


@dataclass(frozen=True)
class ReviewPolicy:
	kpi_weight: float = 70.0
	competency_weight: float = 30.0
	scale_max: int = 5
	formula: str | None = None

	def __post_init__(self):
		if self.kpi_weight < 0 or self.competency_weight < 0:
			raise ReviewError(_("Review weights may not be negative."))
		if self.kpi_weight + self.competency_weight <= 0:
			raise ReviewError(_("The KPI and competency weights cannot both be 0."))
		if int(self.scale_max) < 2:
			raise ReviewError(_("The rating scale must go up to at least 2, not {0}."), self.scale_max)
		if self.formula and self.formula.strip():
			compile_formula(self.formula.strip(), FORMULA_NAMES)  # raises FormulaError


def check_ratings(ratings: Sequence, scale_max: int, label: str = "") -> None:
	"""Ratings run from 1 to the top of the scale; empty or 0 means not rated yet."""
	values = ratings_array(ratings)
	given = values[~np.isnan(values)]
	wrong = given[(given < 1) | (given > scale_max)]
	if len(wrong):
		raise ReviewError(
			_("{0}: rating {1} is outside the scale 1 to {2}."), label or "?", float(wrong[0]), scale_max
		)


def ratings_array(ratings: Sequence) -> np.ndarray:
	"""Ratings as floats, NaN where not rated (empty, or 0: a number field's empty value)."""
	values = pd.to_numeric(pd.Series(list(ratings), dtype=object), errors="coerce").to_numpy(dtype=float)
	values[values == 0] = np.nan
	return values


def competency_scores(reviews: Sequence, weights: Sequence, ratings: Sequence, scale_max: int) -> pd.Series:
	"""Per review, the weighted average rating in percent of the scale's top; NaN when a
	review has no rating (or only zero weights). Unrated competencies are left out."""
	frame = pd.DataFrame(
		{
			"review": list(reviews),
			"weight": pd.to_numeric(pd.Series(list(weights), dtype=object), errors="coerce").fillna(0.0),
			"rating": ratings_array(ratings),
		}
	)
	if (frame["weight"] < 0).any():
		raise ReviewError(_("Competency weights may not be negative."))
	rated = frame.dropna(subset=["rating"])
	rated = rated.assign(weighted=rated["weight"] * rated["rating"])
	sums = rated.groupby("review", sort=False)[["weighted", "weight"]].sum()
	scores = (sums["weighted"] / sums["weight"].where(sums["weight"] > 0)) / float(scale_max) * 100.0
	return scores.reindex(pd.unique(frame["review"]))


def final_scores(
	kpi_score: Sequence,
	competency_score: Sequence,
	policy: ReviewPolicy,
	modes: Sequence | None = None,
	self_score: Sequence | None = None,
	manager_score: Sequence | None = None,
) -> np.ndarray:
	"""Final score per review. In *Competencies Only* mode the competency score is final.
	Without a formula: (kpi × kpi weight + competency × competency weight) / total weight,
	where a missing competency score leaves the KPI score alone (and vice versa)."""
	kpi = np.asarray(kpi_score, dtype=float)
	competency = np.asarray(competency_score, dtype=float)
	size = len(kpi)
	only_competencies = (
		np.zeros(size, dtype=bool) if modes is None else np.asarray(modes, dtype=object) == COMPETENCIES_ONLY
	)
	if policy.formula and policy.formula.strip():
		formula = compile_formula(policy.formula.strip(), FORMULA_NAMES)
		result = np.broadcast_to(
			formula.evaluate(
				{
					"kpi_score": kpi,
					"competency_score": competency,
					"self_score": np.full(size, np.nan)
					if self_score is None
					else np.asarray(self_score, float),
					"manager_score": np.full(size, np.nan)
					if manager_score is None
					else np.asarray(manager_score, float),
					"kpi_weight": np.full(size, float(policy.kpi_weight)),
					"competency_weight": np.full(size, float(policy.competency_weight)),
				}
			),
			(size,),
		).astype(float)
	else:
		weights_kpi = np.where(np.isnan(kpi), 0.0, policy.kpi_weight)
		weights_competency = np.where(np.isnan(competency), 0.0, policy.competency_weight)
		total = weights_kpi + weights_competency
		with np.errstate(all="ignore"):
			result = (
				np.nan_to_num(kpi) * weights_kpi + np.nan_to_num(competency) * weights_competency
			) / total
		result = np.where(total > 0, result, np.nan)
	result = np.where(only_competencies, competency, result)
	return np.where(np.isfinite(result), result, np.nan)


def period_kpi_scores(
	frame: pd.DataFrame, starts: Sequence, ends: Sequence, keys: Sequence
) -> tuple[np.ndarray, np.ndarray]:
	"""The KPI score of each review: the mean of its scorecard's period scores whose period
	lies within the review's dates (periods with no data left out), NaN when none has data;
	and how many periods counted.

	`frame` has columns key, period_start, period_end, score, has_data (one row per
	scorecard period, `key` naming the employee or review it belongs to)."""
	reviews = pd.DataFrame(
		{"key": list(keys), "start": pd.to_datetime(list(starts)), "end": pd.to_datetime(list(ends))}
	)
	reviews["row"] = np.arange(len(reviews))
	means, counts = np.full(len(reviews), np.nan), np.zeros(len(reviews), dtype=int)
	if frame.empty:
		return means, counts
	periods = frame.assign(
		period_start=pd.to_datetime(frame["period_start"]), period_end=pd.to_datetime(frame["period_end"])
	)
	periods = periods[periods["has_data"].astype(bool)]
	pairs = reviews.merge(periods, on="key", how="inner")
	inside = pairs[(pairs["period_start"] >= pairs["start"]) & (pairs["period_end"] <= pairs["end"])]
	grouped = inside.groupby("row")["score"].agg(["mean", "size"])
	rows = grouped.index.to_numpy(dtype=int)
	means[rows] = grouped["mean"].to_numpy(dtype=float)
	counts[rows] = grouped["size"].to_numpy(dtype=int)
	return means, counts
