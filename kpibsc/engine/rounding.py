"""Money and quantity rounding that keeps totals whole.

Count KPIs (customers, hires, defects...) are split and phased in whole units: `precision`
0 for them, 2 otherwise (`target_precision`), and the largest remainder method
(`distribute`) keeps the parts adding up to the whole: 48 customers over 5 people are
10, 10, 10, 9, 9.
"""

import re

import numpy as np

from kpibsc.engine.errors import InvalidTargetError, PayError, _

# Units that count whole things, English and Vietnamese, singular or plural (case ignored).
# A KPI with another unit is whole-numbered when its own "Whole Numbers" box is ticked.
WHOLE_UNITS = frozenset(
	{
		"count",
		"number",
		"no.",
		"customer",
		"client",
		"hire",
		"new hire",
		"defect",
		"bug",
		"subscriber",
		"person",
		"people",
		"employee",
		"staff",
		"headcount",
		"unit",
		"pc",
		"pcs",
		"piece",
		"item",
		"order",
		"ticket",
		"call",
		"visit",
		"deal",
		"contract",
		"lead",
		"project",
		"accident",
		"incident",
		"complaint",
		"student",
		"trainee",
		"course",
		"session",
		"event",
		"case",
		"người",
		"nhân viên",
		"khách hàng",
		"khách",
		"cái",
		"chiếc",
		"đơn",
		"đơn hàng",
		"hợp đồng",
		"lần",
		"lượt",
		"vụ",
		"sản phẩm",
		"số lượng",
		"học viên",
		"khóa học",
		"dự án",
		"sự cố",
		"lỗi",
	}
)
DECIMAL_PRECISION = 2


def counts_whole_units(unit: str | None) -> bool:
	"""Whether a KPI's unit counts whole things: "Customers", "hires", "Khách hàng", "Count"."""
	if not unit:
		return False
	name = re.sub(r"\s+", " ", str(unit).strip().lower())
	return name in WHOLE_UNITS or (name.endswith("s") and name[:-1] in WHOLE_UNITS)


def target_precision(
	whole_numbers: bool | int | None, unit: str | None = None, aggregation: str = "Sum"
) -> int:
	"""Decimals a KPI's split and phased targets are rounded to: 0 for a summed KPI in whole
	units, else 2. Only summed targets are split; an average of counts (12.5 calls a day) is
	not a count."""
	whole = whole_numbers or counts_whole_units(unit)
	return 0 if whole and aggregation == "Sum" else DECIMAL_PRECISION


def require_whole(values, label: str, unit: str | None = None) -> None:
	"""Refuse a fractional target of a whole-numbered KPI (48.5 customers cannot be split into
	whole customers that add up to it)."""
	values = np.atleast_1d(np.asarray(values, dtype=float))
	given = values[~np.isnan(values)]
	fractional = given[np.abs(given - np.round(given)) > 1e-9 * np.maximum(1.0, np.abs(given))]
	if fractional.size:
		raise InvalidTargetError(
			_("KPI {0} is counted in whole {1}: {2} is not a whole number. Use a whole number."),
			label,
			unit or "units",
			float(fractional[0]),
		)


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


def distribute(totals, parts, precision: int = 0, eligible=None):
	"""Round each row of `parts` to `precision` so that it adds up to the row's rounded total
	(largest remainder method: the units lost to rounding down go to the largest remainders).
	Where `eligible` is False a part is kept as it is and never receives a unit."""
	totals = round_half_up(np.asarray(totals, dtype=float), precision)
	parts = np.atleast_2d(np.asarray(parts, dtype=float))
	factor = 10.0**precision
	scaled = parts * factor
	floored = np.floor(scaled + _nudge(scaled))
	remainders = scaled - floored
	if eligible is not None:
		remainders = np.where(np.atleast_2d(eligible), remainders, -np.inf)
	missing_units = np.rint(totals * factor - floored.sum(axis=1)).astype(int)
	order = np.argsort(-remainders, axis=1, kind="stable")
	ranks = np.empty_like(order)
	rows = np.arange(parts.shape[0])[:, None]
	ranks[rows, order] = np.arange(parts.shape[1])[None, :]
	# Negative totals (a loss target) give negative missing units: take units away instead.
	adjust = np.where(ranks < np.abs(missing_units)[:, None], np.sign(missing_units)[:, None], 0)
	return (floored + adjust) / factor
