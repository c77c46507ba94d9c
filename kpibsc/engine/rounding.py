"""Money and quantity rounding that keeps totals whole."""

import numpy as np

from kpibsc.engine.errors import PayError, _

# A nudge of a few units in the last place lets 2.675 (stored as 2.67499999...) round the way
# a person expects. A fixed relative epsilon would round 5,000,000.00 up to 5,000,000.01.
_ULPS = 4


def _nudge(scaled):
	return _ULPS * np.spacing(np.abs(scaled))


def round_half_up(values, precision: int = 0):
	"""Round half away from zero to `precision` decimals (currency rounding)."""
	if precision < 0:
		raise PayError(_("Rounding precision may not be negative, got {0}."), precision)
	values = np.asarray(values, dtype=float)
	factor = 10.0**precision
	scaled = np.abs(values) * factor
	rounded = np.floor(scaled + 0.5 + _nudge(scaled))
	return np.sign(values) * rounded / factor


def distribute(totals, parts, precision: int = 0):
	"""Round each row of `parts` to `precision` so that it adds up to the row's rounded total
	(largest remainder method: the units lost to rounding down go to the largest remainders)."""
	totals = round_half_up(np.asarray(totals, dtype=float), precision)
	parts = np.atleast_2d(np.asarray(parts, dtype=float))
	factor = 10.0**precision
	scaled = parts * factor
	floored = np.floor(scaled + _nudge(scaled))
	remainders = scaled - floored
	missing_units = np.rint(totals * factor - floored.sum(axis=1)).astype(int)
	order = np.argsort(-remainders, axis=1, kind="stable")
	ranks = np.empty_like(order)
	rows = np.arange(parts.shape[0])[:, None]
	ranks[rows, order] = np.arange(parts.shape[1])[None, :]
	# Negative totals (a loss target) give negative missing units: take units away instead.
	adjust = np.where(ranks < np.abs(missing_units)[:, None], np.sign(missing_units)[:, None], 0)
	return (floored + adjust) / factor
