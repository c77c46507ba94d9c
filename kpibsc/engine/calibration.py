"""Calibration arithmetic: how many people each rank band may hold under the forced-distribution
quotas, and where a person sits on the 9-box grid (performance from the final score x potential).

Performance is Low below `medium_from`, High from `high_from`, Medium in between; a missing score has no level, and a missing potential no box (the person
is "not rated"). The box names are the usual ones, best (Star) to worst (Underperformer).
"""

from collections.abc import Sequence

import numpy as np

from kpibsc.engine.bands import _quota_counts
from kpibsc.engine.errors import EngineError, _

LEVELS = ("Low", "Medium", "High")

# (performance, potential) -> the box's standard name
BOX_NAMES = {
	("High", "High"): "Star",
	("Medium", "High"): "High Potential",
	("Low", "High"): "Enigma",
	("High", "Medium"): "High Performer",
	("Medium", "Medium"): "Core Player",
	("Low", "Medium"): "Inconsistent Player",
	("High", "Low"): "Trusted Professional",
	("Medium", "Low"): "Effective Employee",
	("Low", "Low"): "Underperformer",
}

# the names, marked for the catalogue (the Frappe layer translates them)
_BOX_LABELS = (
	_("Star"),
	_("High Potential"),
	_("Enigma"),
	_("High Performer"),
	_("Core Player"),
	_("Inconsistent Player"),
	_("Trusted Professional"),
	_("Effective Employee"),
	_("Underperformer"),
)


class NineBoxError(EngineError):
	pass


def band_quotas(size: int, quotas: Sequence[tuple[str, float]]) -> dict[str, int] | None:
	"""How many of `size` people each band may hold: quotas are (code, percent) adding up to
	100, rounded by largest remainder as the forced distribution rounds them, so they add up
	to `size`. None when no band has a quota (the distribution is not forced)."""
	percents = np.array([percent for _code, percent in quotas], dtype=float)
	if not len(percents) or not percents.any():
		return None
	counts = _quota_counts(int(size), percents)
	return {code: int(count) for (code, _percent), count in zip(quotas, counts, strict=True)}


def check_cutoffs(medium_from: float, high_from: float) -> None:
	if not medium_from < high_from:
		raise NineBoxError(
			_("High performance must start above medium performance: {0} is not above {1}."),
			high_from,
			medium_from,
		)


def performance_levels(scores, medium_from: float, high_from: float) -> np.ndarray:
	"""Low, Medium or High for each final score; None where the score is missing."""
	check_cutoffs(medium_from, high_from)
	scores = np.asarray(scores, dtype=float)
	position = np.searchsorted([medium_from, high_from], np.nan_to_num(scores, nan=-np.inf), side="right")
	levels = np.array(LEVELS, dtype=object)[position]
	levels[np.isnan(scores)] = None
	return levels


def nine_box(scores, potentials: Sequence, medium_from: float, high_from: float) -> tuple:
	"""(performance levels, box names) of each person; the box is None where the score or the
	potential is missing or the potential is not Low, Medium or High."""
	levels = performance_levels(scores, medium_from, high_from)
	boxes = np.array(
		[BOX_NAMES.get((level, potential)) for level, potential in zip(levels, potentials, strict=True)],
		dtype=object,
	)
	return levels, boxes
