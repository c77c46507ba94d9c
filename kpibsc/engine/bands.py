"""Rank bands from scores, and forced distribution.

A band scale is a list of bands, each from a minimum score (inclusive) up to the next
band's minimum. Forced distribution instead gives the top x% of a group the first band,
the next y% the second, and so on, ordering ties by a stable key so the same input
always gives the same answer.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpibsc.engine.errors import BandDefinitionError, DistributionError, _


@dataclass(frozen=True)
class Band:
	code: str
	min_score: float
	coefficient: float = 1.0
	label: str = ""


@dataclass(frozen=True)
class BandScale:
	"""Bands by their lower bound; a score below every bound gets the lowest band."""

	bands: tuple[Band, ...]

	def __post_init__(self):
		if not self.bands:
			raise BandDefinitionError(_("Define at least one rank band."))
		codes = [band.code for band in self.bands]
		if len(set(codes)) != len(codes):
			raise BandDefinitionError(_("Rank band codes must be unique: {0}."), ", ".join(codes))
		minimums = sorted(band.min_score for band in self.bands)
		if len(set(minimums)) != len(minimums):
			raise BandDefinitionError(_("Two rank bands start at the same score."))
		if any(band.coefficient < 0 for band in self.bands):
			raise BandDefinitionError(_("Rank band coefficients may not be negative."))
		object.__setattr__(self, "bands", tuple(sorted(self.bands, key=lambda band: band.min_score)))

	@classmethod
	def from_ranges(cls, ranges: Sequence[tuple[str, float, float, float]]) -> "BandScale":
		"""Bands given as (code, from score, to score, coefficient), as people write them
		in a policy table. The ranges must meet end to end: no overlap, no gap."""
		ordered = sorted(ranges, key=lambda band: band[1])
		for code, low, high, _coefficient in ordered:
			if high <= low:
				raise BandDefinitionError(
					_("Rank band {0} ends at {1}, not above its start {2}."), code, high, low
				)
		for (code, _low, high, _c), (next_code, next_low, _h, _nc) in itertools.pairwise(ordered):
			if next_low < high:
				raise BandDefinitionError(
					_("Rank bands {0} and {1} overlap: {1} starts at {2}, before {0} ends at {3}."),
					code,
					next_code,
					next_low,
					high,
				)
			if next_low > high:
				raise BandDefinitionError(
					_("There is a gap between rank bands {0} and {1}: from {2} to {3} no band applies."),
					code,
					next_code,
					high,
					next_low,
				)
		return cls(tuple(Band(code, low, coefficient) for code, low, _high, coefficient in ordered))

	def assign(self, scores) -> np.ndarray:
		"""Band code for each score; None where the score is missing."""
		scores = np.asarray(scores, dtype=float)
		minimums = np.array([band.min_score for band in self.bands])
		codes = np.array([band.code for band in self.bands], dtype=object)
		position = np.maximum(
			np.searchsorted(minimums, np.nan_to_num(scores, nan=-np.inf), side="right") - 1, 0
		)
		result = codes[position]
		result[np.isnan(scores)] = None
		return result

	def coefficients(self, codes) -> np.ndarray:
		"""Pay coefficient of each band code (NaN for a missing or unknown code)."""
		lookup = {band.code: band.coefficient for band in self.bands}
		return np.array([lookup.get(code, np.nan) for code in codes], dtype=float)


# The five-band scale many Vietnamese companies use, with its pay coefficients.
FIVE_BANDS = BandScale(
	(
		Band("A", 90.0, 1.4, "Excellent"),
		Band("B", 80.0, 1.2, "Good"),
		Band("C", 70.0, 1.0, "Fair"),
		Band("D", 50.0, 0.8, "Average"),
		Band("E", 0.0, 0.6, "Weak"),
	)
)


def forced_distribution(
	scores: Sequence[float],
	quotas: Sequence[tuple[str, float]],
	groups: Sequence | None = None,
	tiebreak: Sequence | None = None,
) -> np.ndarray:
	"""Band codes by quota: quotas are (code, percent) from the best band down and add up
	to 100. Within each group the people are ordered by score (highest first), then by
	`tiebreak` (e.g. employee ID) so ties are settled the same way every time. Quota
	counts are rounded by largest remainder, so they add up to the group's size.
	Missing scores get no band and do not count towards the group's size."""
	percents = np.array([percent for _code, percent in quotas], dtype=float)
	if not len(percents):
		raise DistributionError(_("A forced distribution needs at least one band."))
	if (percents < 0).any():
		raise DistributionError(_("Forced distribution percentages may not be negative."))
	if abs(percents.sum() - 100.0) > 1e-6:
		raise DistributionError(
			_("Forced distribution percentages must add up to 100, not {0}."), round(float(percents.sum()), 6)
		)
	scores = np.asarray(scores, dtype=float)
	size = len(scores)
	frame = pd.DataFrame(
		{
			"score": scores,
			"group": np.zeros(size, dtype=int) if groups is None else np.asarray(groups, dtype=object),
			"tiebreak": np.arange(size) if tiebreak is None else np.asarray(tiebreak, dtype=object),
			"position": np.arange(size),
		}
	)
	ranked = frame[~np.isnan(scores)].sort_values(
		["group", "score", "tiebreak"], ascending=[True, False, True], kind="stable"
	)
	rank = ranked.groupby("group", sort=False).cumcount().to_numpy()
	group_size = ranked.groupby("group", sort=False)["score"].transform("size").to_numpy()

	codes = np.array([code for code, _percent in quotas], dtype=object)
	band_position = np.empty(len(ranked), dtype=int)
	for size_of_group in np.unique(group_size):
		bounds = np.cumsum(_quota_counts(int(size_of_group), percents))
		rows = group_size == size_of_group
		band_position[rows] = np.searchsorted(bounds, rank[rows], side="right")

	result = np.full(size, None, dtype=object)
	result[ranked["position"].to_numpy()] = codes[band_position]
	return result


def _quota_counts(size: int, percents: np.ndarray) -> np.ndarray:
	exact = size * percents / 100.0
	counts = np.floor(exact + 1e-9).astype(int)
	shortfall = size - counts.sum()
	order = np.argsort(-(exact - counts), kind="stable")
	counts[order[:shortfall]] += 1
	return counts
