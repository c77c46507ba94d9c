"""Mid-period revisions of targets and weights: what is in force in each period.

A revision changes an item's target or weight from an *effective* period on; the periods
before it keep what they had. Targets are stored per item and period, so a revised target is
simply a new phasing of the later periods (the earlier ones pinned); a weight is stored once
per item, so the weight in force in a period comes from the revisions: the new weight of the
last revision effective at or before the period, or, before the first one, the weight that
revision replaced. Revisions of one scorecard go forward in time (an approved revision's
effective period is never before an earlier one's), so approval order is effective order.

"As originally set" is each period's value before the first revision that changed it.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpibsc.engine.errors import InvalidWeightError, _
from kpibsc.engine.rollup import normalise_weights


def weights_in_force(rows: pd.DataFrame, revisions: pd.DataFrame) -> np.ndarray:
	"""The weight of each row (columns item, period, weight: the item's current weight) in
	its period, given the approved weight revisions (columns item, effective_from,
	old_weight, new_weight) in approval order. Rows of items without revisions keep theirs."""
	weights = rows["weight"].to_numpy(dtype=float, copy=True)
	if revisions.empty or rows.empty:
		return weights
	revisions = revisions.reset_index(drop=True).assign(order=lambda frame: np.arange(len(frame)))
	original = revisions.groupby("item", sort=False)["old_weight"].first()
	revised = rows["item"].isin(original.index).to_numpy()
	if not revised.any():
		return weights
	# the last revision of a period wins: one per item and effective period, in time order
	latest = (
		revisions.sort_values(["effective_from", "order"])
		.drop_duplicates(["item", "effective_from"], keep="last")
		.assign(effective_from=lambda frame: pd.to_datetime(frame["effective_from"]))
	)
	left = pd.DataFrame(
		{
			"position": np.flatnonzero(revised),
			"item": rows["item"].to_numpy()[revised],
			"period": pd.to_datetime(rows["period"].to_numpy()[revised]),
		}
	).sort_values("period", kind="stable")
	matched = pd.merge_asof(
		left,
		latest[["item", "effective_from", "new_weight"]],
		left_on="period",
		right_on="effective_from",
		by="item",
		direction="backward",
	)
	before_first = matched["item"].map(original)
	in_force = matched["new_weight"].where(matched["effective_from"].notna(), before_first)
	weights[matched["position"].to_numpy()] = in_force.to_numpy(dtype=float)
	return weights


def originally_set(rows: pd.DataFrame, changes: pd.DataFrame) -> np.ndarray:
	"""Each row's value (columns item, period, value: as it stands now) as it was before the
	first revision that changed it. `changes` (columns item, period, old_value) holds the
	values revisions replaced, in approval order: the first change of a period is the original."""
	values = rows["value"].to_numpy(dtype=float, copy=True)
	if changes.empty or rows.empty:
		return values
	first = changes.assign(period=pd.to_datetime(changes["period"])).drop_duplicates(
		["item", "period"], keep="first"
	)
	lookup = pd.Series(
		first["old_value"].to_numpy(dtype=float),
		index=pd.MultiIndex.from_arrays([first["item"], first["period"]]),
	)
	keys = pd.MultiIndex.from_arrays([rows["item"], pd.to_datetime(rows["period"])])
	found = lookup.reindex(keys).to_numpy(dtype=float)
	return np.where(np.isnan(found), values, found)


def revised_weights(
	current: Sequence[float],
	new: Sequence[float | None],
	normalise: bool,
	total: float = 100.0,
	tolerance: float = 0.01,
	labels: Sequence[str] | None = None,
) -> np.ndarray:
	"""The items' weights after a revision: `new` holds a weight per item or None where it
	stays. A scorecard that normalises its weights scales them to `total`; one that does not
	must add up to `total` (within `tolerance`), so a revision moves weight between KPIs."""
	weights = np.asarray(current, dtype=float).copy()
	wanted = np.array([np.nan if value is None else float(value) for value in new], dtype=float)
	if wanted.shape != weights.shape:
		raise InvalidWeightError(_("There are {0} weights for {1} KPIs."), wanted.size, weights.size)
	weights = np.where(np.isnan(wanted), weights, wanted)
	negative = np.flatnonzero(weights < 0)
	if negative.size:
		label = labels[negative[0]] if labels is not None else negative[0] + 1
		raise InvalidWeightError(
			_("KPI {0}: the weight {1} is negative; weights may not be negative."),
			label,
			weights[negative[0]],
		)
	if normalise:
		return normalise_weights(weights, total)
	if abs(weights.sum() - total) > tolerance:
		raise InvalidWeightError(
			_(
				"The weights would add up to {0}, not {1}. Revise the other KPIs' weights in the same revision so they still add up to {1}."
			),
			round(float(weights.sum()), 4),
			total,
		)
	return weights
