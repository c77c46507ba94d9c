"""Cascading a scorecard item to the units below it: which target each child gets.

- Same Target: every child gets the parent's target and thresholds.
- Split Target: the children's targets add up to the parent's (evenly or by weights);
  only for KPIs summed over periods — half of a 95% on-time rate means nothing.
- Contributes: the parent's actual is aggregated from the children's. A summed KPI is
  split like Split Target (each child owns its share); any other KPI keeps the parent's
  target, since an average of children on target is on target.
"""

from enum import StrEnum

import numpy as np

from kpibsc.engine.errors import EngineError, _, choice
from kpibsc.engine.periods import Aggregation
from kpibsc.engine.rounding import distribute, round_half_up


class CascadeError(EngineError):
	pass


class CascadeMode(StrEnum):
	SAME_TARGET = "Same Target"
	SPLIT_TARGET = "Split Target"
	CONTRIBUTES = "Contributes"


# Values in the KPI's own units that scale with a child's share of a split target.
SCALED_VALUES = ("lower_bound", "upper_bound", "tolerance", "red_flag", "stretch")


def cascade_shares(weights) -> np.ndarray:
	"""Each child's share of a split (adds up to 1); all-zero weights split evenly."""
	weights = np.asarray(weights, dtype=float)
	if weights.size == 0:
		raise CascadeError(_("There is nobody to cascade to."))
	if np.isnan(weights).any() or (weights < 0).any():
		raise CascadeError(_("Cascade weights may not be negative or empty."))
	if weights.sum() == 0:
		return np.full(weights.size, 1.0 / weights.size)
	return weights / weights.sum()


def splits_target(mode: CascadeMode | str, aggregation: Aggregation | str, label: str = "") -> bool:
	"""Whether children get a share of the target (True) or the whole target (False)."""
	mode = choice(CascadeMode, mode, CascadeError)
	summed = choice(Aggregation, aggregation, CascadeError) == Aggregation.SUM
	if mode == CascadeMode.SPLIT_TARGET and not summed:
		raise CascadeError(
			_(
				"KPI {0} is aggregated by {1}, so its target cannot be split between children. "
				"Use Same Target or Contributes."
			),
			label,
			aggregation,
		)
	return mode != CascadeMode.SAME_TARGET and summed


def cascade_item(
	mode: CascadeMode | str,
	aggregation: Aggregation | str,
	values: dict[str, float | None],
	weights,
	precision: int = 2,
	label: str = "",
) -> list[dict[str, float | None]]:
	"""The target and thresholds of each child for one parent item.

	`values` holds the parent's `target` and any of SCALED_VALUES (None when unset).
	A split target is rounded so the children's targets add up to the parent's exactly.
	"""
	shares = cascade_shares(weights)
	if not splits_target(mode, aggregation, label):
		return [dict(values) for _share in shares]
	target = float(values.get("target") or 0.0)
	targets = distribute([target], [target * shares], precision)[0]
	children = [{"target": float(child_target)} for child_target in targets]
	for field in SCALED_VALUES:
		value = values.get(field)
		scaled = None if value is None else round_half_up(value * shares, precision)
		for index, child in enumerate(children):
			child[field] = None if scaled is None else float(scaled[index])
	return children
