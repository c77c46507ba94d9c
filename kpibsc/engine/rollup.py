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

from kpibsc.engine.arrays import factorize
from kpibsc.engine.errors import InvalidWeightError, TreeError, _, choice


class MissingPolicy(StrEnum):
	SKIP = "Skip and Renormalise"
	ZERO = "Count as Zero"


def rollup(
	tree: pd.DataFrame,
	leaf_scores: pd.DataFrame | pd.Series,
	missing: MissingPolicy | str = MissingPolicy.SKIP,
) -> pd.DataFrame | pd.Series:
	"""Scores of every node of `tree` for every period.

	tree: columns node, parent (None/NaN for a root), weight — one row per node.
	leaf_scores: index node, one column per period (or a Series for one period); scores
	of nodes that have children are ignored — they are computed from the children.
	Returns a DataFrame indexed like `tree.node` with the periods as columns.
	"""
	structure = _Tree(tree)
	as_series = isinstance(leaf_scores, pd.Series)
	leaf_frame = leaf_scores.to_frame() if as_series else leaf_scores
	scores = leaf_frame.reindex(structure.nodes).to_numpy(dtype=float, copy=True)
	result = pd.DataFrame(structure.roll(scores, missing), index=structure.nodes, columns=leaf_frame.columns)
	return result.iloc[:, 0].rename(leaf_scores.name) if as_series else result


def rollup_long(
	tree: pd.DataFrame, leaves: pd.DataFrame, missing: MissingPolicy | str = MissingPolicy.SKIP
) -> pd.DataFrame:
	"""`rollup` for scores in long form (columns node, period, score), as they are stored:
	returns one row per node and period that has a score."""
	structure = _Tree(tree)
	period_codes, periods = factorize(leaves["period"])
	positions = structure.positions(leaves["node"])
	if (positions < 0).any():
		raise TreeError(
			_("The scored node {0} is not in the tree."), leaves["node"].to_numpy()[positions < 0][0]
		)
	width = len(periods)
	scores = np.full((len(structure.nodes), width), np.nan)
	scores.reshape(-1)[positions * width + period_codes] = leaves["score"].to_numpy(dtype=float)
	rolled = structure.roll(scores, missing).reshape(-1)
	# node by node, period by period, as the matrix lies; cells without a score left out
	# (few: counted from the missing cells, each node repeated once per scored period)
	unscored = np.flatnonzero(np.isnan(rolled))
	periods_scored = width - np.bincount(unscored // width, minlength=len(structure.nodes))
	period_column = np.tile(periods.to_numpy(), len(structure.nodes))
	if len(unscored):
		scored = np.ones(len(rolled), dtype=bool)
		scored[unscored] = False
		period_column, rolled = period_column[scored], rolled[scored]
	return pd.DataFrame(
		{
			"node": np.repeat(structure.nodes.to_numpy(), periods_scored),
			"period": period_column,
			"score": rolled,
		},
		copy=False,
	)


class _Tree:
	"""A validated tree: node index, parent positions, weights and depths."""

	def __init__(self, tree: pd.DataFrame):
		self.nodes = pd.Index(tree["node"])
		ids = self.nodes.to_numpy()
		# Integer ids 0..n-1 in order (as factorized names are) are their own positions:
		# no duplicates to look for, no hash lookups.
		self.dense_ids = ids.dtype.kind in "iu" and bool(np.array_equal(ids, np.arange(len(ids))))
		if not self.dense_ids and self.nodes.has_duplicates:
			raise TreeError(
				_("The node {0} appears twice in the tree."), self.nodes[self.nodes.duplicated()][0]
			)
		weights = np.nan_to_num(pd.to_numeric(tree["weight"], errors="coerce").to_numpy(dtype=float), nan=0.0)
		if (weights < 0).any():
			raise InvalidWeightError(
				_("The weight of {0} is {1}; weights may not be negative."),
				self.nodes[weights < 0][0],
				weights[weights < 0][0],
			)
		self.weights = weights
		has_parent = tree["parent"].notna().to_numpy()
		parents = np.full(len(self.nodes), -1)
		parents[has_parent] = self.positions(tree["parent"].to_numpy()[has_parent])
		unknown = has_parent & (parents < 0)
		if unknown.any():
			raise TreeError(
				_("The parent {0} of {1} is not in the tree."),
				tree["parent"].to_numpy()[unknown][0],
				self.nodes[unknown][0],
			)
		self.parents = parents
		self.depth = _depths(parents, self.nodes)

	def positions(self, nodes) -> np.ndarray:
		"""Position in the tree of each of `nodes`, -1 for a node not in it."""
		values = np.asarray(nodes)
		if self.dense_ids and values.dtype.kind in "iuf":
			whole = values.astype(np.int64) if values.dtype.kind == "f" else values
			known = (whole >= 0) & (whole < len(self.nodes))
			if values.dtype.kind == "f":
				known &= whole == values
			return whole if known.all() else np.where(known, whole, -1)
		return self.nodes.get_indexer(pd.Index(values))

	def roll(self, scores: np.ndarray, missing: MissingPolicy | str) -> np.ndarray:
		missing = choice(MissingPolicy, missing, TreeError)
		if scores.ndim == 1:
			scores = scores[:, None]
		has_children = np.zeros(len(self.nodes), dtype=bool)
		has_children[self.parents[self.parents >= 0]] = True
		scores[has_children] = np.nan
		for level in range(int(self.depth.max(initial=0)), 0, -1):
			children = np.flatnonzero(self.depth == level)
			parents = self.parents[children]
			if children[-1] - children[0] == len(children) - 1 and _ascending(parents):
				# a block of rows already in their parents' order: read in place
				child_scores = scores[children[0] : children[-1] + 1]
			else:
				# children of the same parent side by side (in their order), for `reduceat`
				order = np.argsort(parents, kind="stable")
				children, parents = children[order], parents[order]
				child_scores = scores[children]
			targets, parent_scores = _weighted_means(parents, self.weights[children], child_scores, missing)
			scores[targets] = parent_scores
		return scores


def _ascending(values: np.ndarray) -> bool:
	return bool(np.all(values[1:] >= values[:-1]))


def _weighted_means(parents, weights, child_scores, missing):
	"""Weighted mean of child scores per parent, for every period column at once.

	`parents` is sorted (children of a parent are contiguous): each sum is one `reduceat`
	over whole rows. Returns the distinct parents and their scores (one row each)."""
	firsts = np.flatnonzero(np.concatenate(([True], parents[1:] != parents[:-1])))
	targets = parents[firsts]
	known = ~np.isnan(child_scores)
	column = weights[:, None]
	periods = child_scores.shape[1]
	skip = missing == MissingPolicy.SKIP
	# the weighted scores and (skip) the scored children's weights side by side: one `reduceat`
	both = np.empty((len(parents), 2 * periods if skip else periods))
	filled = both[:, :periods]
	np.multiply(child_scores, column, out=filled)
	np.copyto(filled, 0.0, where=~known)
	if skip:
		np.multiply(known, column, out=both[:, periods:])
	sums = _segment_sums(both, firsts)
	weighted = sums[:, :periods]
	total_weight = np.add.reduceat(weights, firsts)
	if skip:
		weight_sum = sums[:, periods:]
	else:  # every child counts, scored or not: the same sum in every period
		weight_sum = np.repeat(total_weight[:, None], periods, axis=1)
	with np.errstate(invalid="ignore", divide="ignore"):
		result = weighted / weight_sum
		result[weight_sum <= 0] = np.nan
		# Every child weighs zero: fall back to equal weights among the counted children.
		# (If only the scored children weigh zero, they carry no weight: no score.)
		unweighted = total_weight <= 0
		if unweighted.any():
			counted = known if missing == MissingPolicy.SKIP else np.ones_like(known)
			equal_sum = np.add.reduceat(counted.astype(float), firsts, axis=0)
			equal = np.add.reduceat(np.where(known, child_scores, 0.0), firsts, axis=0)
			result[unweighted] = (equal / equal_sum)[unweighted]
	return targets, result


def _segment_sums(values: np.ndarray, firsts: np.ndarray) -> np.ndarray:
	"""Sum of the rows of each contiguous segment (starting at `firsts`), as `reduceat` adds
	them. Small segments of one size (every employee with four KPIs) are added as slices of a
	3-d block, without `reduceat`'s cost per segment, in its order: the first row plus the sum
	of the others (up to 8 rows, where that sum runs row after row)."""
	rows, size = len(values), len(values) // max(len(firsts), 1)
	if 1 < size <= 8 and rows == size * len(firsts) and np.array_equal(firsts, np.arange(0, rows, size)):
		block = values.reshape(len(firsts), size, -1)
		others = block[:, 1].copy()
		for position in range(2, size):
			others += block[:, position]
		return np.add(block[:, 0], others, out=others)
	return np.add.reduceat(values, firsts, axis=0)


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
