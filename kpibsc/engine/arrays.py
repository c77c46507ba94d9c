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
		if len(categories) <= 16:  # a comparison per category beats counting into intp
			used = np.array([bool((codes == code).any()) for code in range(len(categories))], dtype=bool)
		else:
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


# Up to this many rows per group, groups of equal length are scanned column by column.
MAX_SCAN_COLUMNS = 64


def group_length(firsts: np.ndarray, size: int) -> int | None:
	"""The number of rows of every group when all `size` rows fall in contiguous groups of
	the same length (at most MAX_SCAN_COLUMNS), as items with one row per period of the same
	periods do; None otherwise."""
	groups = len(firsts)
	if not groups or size % groups:
		return None
	length = size // groups
	if length > MAX_SCAN_COLUMNS or not np.array_equal(firsts, np.arange(0, size, length)):
		return None
	return length


def running_sum(values: np.ndarray, firsts: np.ndarray, length: int | None = None, dtype=float) -> np.ndarray:
	"""Cumulative sum of `values` restarting at each group; groups are contiguous and
	`firsts` holds the position of each group's first row (ascending, starting at 0).

	With `length` (every group has that many rows, see `group_length`), the groups are rows
	of a matrix summed column by column: each group's sum starts from zero, exactly as a loop
	over its rows would add. Otherwise one cumulative sum over all rows, less the sum before
	each group, repeated over its rows (cheaper than a gather per row). An integer `dtype`
	counts exactly either way."""
	if length is not None:
		matrix = np.array(values, dtype=dtype).reshape(-1, length)
		for column in range(1, length):
			matrix[:, column] += matrix[:, column - 1]
		return matrix.reshape(-1)
	total = np.cumsum(values, dtype=dtype)
	before = np.zeros(len(firsts), dtype=total.dtype)
	before[1:] = total[firsts[1:] - 1]
	total -= np.repeat(before, np.diff(np.append(firsts, len(values))))
	return total


def running_last(values: np.ndarray, length: int) -> np.ndarray:
	"""The last non-missing value so far in each group of `length` rows (NaN before the
	group's first one), column by column."""
	matrix = np.array(values, dtype=float).reshape(-1, length)
	for column in range(1, length):
		current = matrix[:, column]
		np.copyto(current, matrix[:, column - 1], where=np.isnan(current))
	return matrix.reshape(-1)
