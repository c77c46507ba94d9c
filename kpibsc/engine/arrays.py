"""Array helpers the bulk paths share: codes of a column without converting it to
Python objects, and running sums over contiguous groups."""

import numpy as np
import pandas as pd


def factorize(column) -> tuple[np.ndarray, pd.Index]:
	"""Integer codes (-1 for missing) and the distinct values of a column, as
	`pd.factorize` gives them, but cheaper for large columns: a categorical column's own
	codes are used (categories no row has are left out), and integers in a small range are
	counted into place instead of hashed. The uniques come sorted (categories in their order)."""
	dtype = getattr(column, "dtype", None)
	if isinstance(dtype, pd.CategoricalDtype):
		categorical = column.array if isinstance(column, pd.Series) else column
		codes, categories = np.asarray(categorical.codes), pd.Index(categorical.categories)
		used = np.bincount(codes + 1, minlength=len(categories) + 1)[1:] > 0
		if used.all():
			return codes, categories
		position = np.append(np.cumsum(used) - 1, -1)  # code -1 (missing) stays -1
		return position[codes], categories[used]
	values = np.asarray(column)
	if values.dtype.kind in "iu" and len(values):
		low, high = int(values.min()), int(values.max())
		if high - low <= 4 * len(values) + 1024:
			offset = values - low
			present = np.bincount(offset, minlength=high - low + 1) > 0
			uniques = pd.Index(np.flatnonzero(present) + low, dtype=values.dtype)
			if present.all():  # every value in the range occurs: the offset is the code
				return offset, uniques
			return (np.cumsum(present) - 1)[offset], uniques
	codes, uniques = pd.factorize(column, sort=True)
	return codes, pd.Index(uniques)


def running_sum(values: np.ndarray, firsts: np.ndarray) -> np.ndarray:
	"""Cumulative sum of `values` restarting at each group; groups are contiguous and
	`firsts` holds the position of each group's first row (ascending, starting at 0).
	The sum before each group is repeated over its rows (cheaper than a gather per row)."""
	total = np.cumsum(values, dtype=float)
	before = np.zeros(len(firsts))
	before[1:] = total[firsts[1:] - 1]
	total -= np.repeat(before, np.diff(np.append(firsts, len(values))))
	return total
