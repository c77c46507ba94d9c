"""Weighted roll-up of scores through any tree.

The tree is a table of nodes with their parent and weight (KPI item -> objective ->
perspective -> scorecard, or employee -> department -> company). Leaf scores come per
period as columns of a matrix, so one pass over the tree's levels rolls up every period
at once. A parent's score is the weighted mean of its children's scores; weights are
normalised by their sum, so only their ratios matter.

Missing scores follow an explicit policy: `skip` leaves the child out and renormalises
the remaining weights; `zero` counts the child as a score of zero. Children whose weights
are all zero are averaged with equal weights.
"""

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
import pandas as pd

from kpibsc.engine.errors import InvalidWeightError, TreeError, _


class MissingPolicy(StrEnum):
	SKIP = "Skip and Renormalise"
	ZERO = "Count as Zero"


def rollup(
	tree: pd.DataFrame,
	leaf_scores: pd.DataFrame | pd.Series,
	missing: MissingPolicy | str = MissingPolicy.SKIP,
) -> pd.DataFrame:
	"""Scores of every node of `tree` for every period.

	tree: columns node, parent (None/NaN for a root), weight — one row per node.
	leaf_scores: index node, one column per period (or a Series for one period); scores
	of nodes that have children are ignored — they are computed from the children.
	Returns a DataFrame indexed like `tree.node` with the periods as columns.
	"""
	missing = MissingPolicy(missing)
	nodes = pd.Index(tree["node"])
	if nodes.has_duplicates:
		duplicated = nodes[nodes.duplicated()][0]
		raise TreeError(_("The node {0} appears twice in the tree."), duplicated)
	weights = pd.to_numeric(tree["weight"], errors="coerce").to_numpy(dtype=float)
	weights = np.nan_to_num(weights, nan=0.0)
	if (weights < 0).any():
		raise InvalidWeightError(
			_("The weight of {0} is {1}; weights may not be negative."),
			nodes[weights < 0][0],
			weights[weights < 0][0],
		)
	parent_positions = nodes.get_indexer(pd.Index(tree["parent"]))
	has_parent = tree["parent"].notna().to_numpy()
	unknown = has_parent & (parent_positions < 0)
	if unknown.any():
		raise TreeError(
			_("The parent {0} of {1} is not in the tree."),
			tree["parent"].to_numpy()[unknown][0],
			nodes[unknown][0],
		)
	depth = _depths(parent_positions, nodes)

	as_series = isinstance(leaf_scores, pd.Series)
	leaf_frame = leaf_scores.to_frame() if as_series else leaf_scores
	periods = leaf_frame.columns
	scores = leaf_frame.reindex(nodes).to_numpy(dtype=float, copy=True)
	if scores.ndim == 1:
		scores = scores[:, None]

	has_children = np.zeros(len(nodes), dtype=bool)
	has_children[parent_positions[parent_positions >= 0]] = True
	scores[has_children] = np.nan

	for level in range(int(depth.max(initial=0)), 0, -1):
		children = np.flatnonzero(depth == level)
		parents = parent_positions[children]
		scores[np.unique(parents)] = _weighted_means(
			parents, weights[children], scores[children], len(nodes), missing
		)[np.unique(parents)]

	result = pd.DataFrame(scores, index=nodes, columns=periods)
	return result.iloc[:, 0].rename(leaf_scores.name) if as_series else result


def _weighted_means(parents, weights, child_scores, size, missing):
	"""Weighted mean of child scores per parent, for every period column at once."""
	known = ~np.isnan(child_scores)
	filled = np.where(known, child_scores, 0.0)
	counted = known if missing == MissingPolicy.SKIP else np.ones_like(known)
	result = np.full((size, child_scores.shape[1]), np.nan)
	for column in range(child_scores.shape[1]):
		counts = counted[:, column].astype(float)
		weight_sum = np.bincount(parents, weights * counts, minlength=size)
		weighted = np.bincount(parents, weights * filled[:, column], minlength=size)
		# All counted weights zero: fall back to equal weights among the counted children.
		equal_sum = np.bincount(parents, counts, minlength=size)
		equal = np.bincount(parents, filled[:, column] * counts, minlength=size)
		with np.errstate(invalid="ignore", divide="ignore"):
			result[:, column] = np.where(weight_sum > 0, weighted / weight_sum, equal / equal_sum)
	return result


def _depths(parent_positions: np.ndarray, nodes: pd.Index) -> np.ndarray:
	"""Depth of each node (roots are 0); raises if the parent links form a cycle."""
	depth = np.zeros(len(parent_positions), dtype=int)
	ancestor = parent_positions.copy()
	for _step in range(len(parent_positions) + 1):
		climbing = ancestor >= 0
		if not climbing.any():
			return depth
		depth[climbing] += 1
		ancestor[climbing] = parent_positions[ancestor[climbing]]
	raise TreeError(_("The tree has a cycle through {0}."), nodes[ancestor >= 0][0])


def weighted_score(
	weights: Sequence[float],
	scores: Sequence[float | None],
	missing: MissingPolicy | str = MissingPolicy.SKIP,
) -> float | None:
	"""One parent's score from its children — the same roll-up on a two-level tree."""
	size = len(weights)
	if len(scores) != size:
		raise InvalidWeightError(_("There are {0} weights for {1} scores."), size, len(scores))
	tree = pd.DataFrame(
		{"node": ["parent", *range(size)], "parent": [None, *["parent"] * size], "weight": [1.0, *weights]}
	)
	leaves = pd.Series(
		[np.nan if score is None else score for score in scores], index=range(size), dtype=float
	)
	value = rollup(tree, leaves, missing).loc["parent"]
	return None if np.isnan(value) else float(value)


def normalise_weights(weights: Sequence[float], total: float = 100.0) -> np.ndarray:
	"""Weights scaled to add up to `total`; all-zero weights become equal shares."""
	weights = np.asarray(weights, dtype=float)
	if (weights < 0).any():
		raise InvalidWeightError(_("Weights may not be negative, got {0}."), weights[weights < 0][0])
	if weights.size == 0:
		return weights
	if weights.sum() == 0:
		return np.full(weights.size, total / weights.size)
	return weights * (total / weights.sum())
