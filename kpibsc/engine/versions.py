"""Effective-dated KPI versions: which scoring a period is scored with.

A KPI's scoring (method, bounds, tolerance, step direction and bands, formula) can change
while results exist only as a new version that takes effect from a date. Every period is
scored with the version in force on its first day: the last version whose effective date is
on or before it. Version 1 covers the KPI's whole past, so a period before every effective
date takes version 1. A KPI without versions is scored with its own fields (version 1,
implied). Framework-free; the site's side is services/versions.py.
"""

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from kpibsc.engine.errors import VersionDateError, _

# the recompute's names for the versioned settings (its frame's columns)
SPEC_COLUMNS = ("method", "kpi_lower", "kpi_upper", "kpi_tolerance", "direction", "formula", "steps")


@dataclass(frozen=True)
class Version:
	number: int
	effective_from: date
	spec: Any = None


def in_force(versions: Sequence[Version], on: date) -> Version | None:
	"""The version in force on `on`: the last one (by effective date) starting on or before it,
	version 1 for a day before them all, None without versions."""
	if not versions:
		return None
	ordered = sorted(versions, key=lambda version: (version.effective_from, version.number))
	index = bisect_right([version.effective_from for version in ordered], on) - 1
	return ordered[max(index, 0)]


def earliest_effective_date(latest_version: date | None, last_approved_end: date | None) -> date | None:
	"""The first day a new version may take effect: after the latest version's effective date
	(versions follow each other, one a day at most) and after the end of the last period with
	approved actuals (an approved period keeps the scoring it was approved with). None when
	nothing limits it."""
	days = [day + timedelta(days=1) for day in (latest_version, last_approved_end) if day]
	return max(days) if days else None


def check_effective_from(
	effective_from: date,
	latest_version: tuple[int, date] | None = None,
	last_approved: tuple[date, date] | None = None,
):
	"""Refuse an effective date that would change the scoring of an approved period (on or
	before the end of `last_approved`, the (start, end) of the latest period with approved
	actuals) or that does not follow the latest version (`latest_version`: its number and
	effective date)."""
	if last_approved and effective_from <= last_approved[1]:
		raise VersionDateError(
			_(
				"The new version cannot take effect on {0}: the period {1} to {2} has approved actuals, and its results keep the scoring they were approved with. Choose {3} or later."
			),
			effective_from,
			last_approved[0],
			last_approved[1],
			last_approved[1] + timedelta(days=1),
		)
	if latest_version and effective_from <= latest_version[1]:
		raise VersionDateError(
			_(
				"The new version cannot take effect on {0}: version {1} takes effect on {2}. Choose a later date."
			),
			effective_from,
			latest_version[0],
			latest_version[1],
		)


def numbers_in_force(effective_from: np.ndarray, periods: np.ndarray) -> np.ndarray:
	"""For each day in `periods`, the index into `effective_from` (sorted ascending) of the
	version in force: `in_force` for a whole column at once."""
	effective_from = np.asarray(effective_from, dtype="datetime64[D]")
	periods = np.asarray(periods, dtype="datetime64[D]")
	return np.clip(np.searchsorted(effective_from, periods, side="right") - 1, 0, None)


def with_versions_in_force(frame: pd.DataFrame, versions: pd.DataFrame) -> pd.DataFrame:
	"""`frame` (one row per kpi and period_start, with the KPI's own settings in SPEC_COLUMNS)
	with each row's settings replaced by those of the version in force at its period_start,
	and the version's number in `kpi_version` (1 for a KPI without versions). `versions` has
	kpi, number, effective_from and SPEC_COLUMNS. Changes `frame` in place (the recompute's
	frame is large) and returns it. One sorted search for the rows of versioned KPIs: each
	row's key (its KPI's code, its day) is looked up among the versions' (code, effective date)."""
	numbers = np.ones(len(frame), dtype=int)
	if versions.empty or frame.empty:
		frame["kpi_version"] = numbers
		return frame
	versions = versions.sort_values(["kpi", "effective_from", "number"]).reset_index(drop=True)
	codes, names = pd.factorize(versions["kpi"])
	row_codes = pd.Index(names).get_indexer(frame["kpi"])  # -1: a KPI without versions
	rows = np.flatnonzero(row_codes >= 0)
	row_codes = row_codes[rows].astype(np.int64)
	days = pd.to_datetime(frame["period_start"].iloc[rows]).to_numpy(dtype="datetime64[D]").astype(np.int64)
	effective = pd.to_datetime(versions["effective_from"]).to_numpy(dtype="datetime64[D]").astype(np.int64)
	if len(rows):
		base = min(days.min(), effective.min())
		span = max(days.max(), effective.max()) - base + 1
		found = (
			np.searchsorted(codes * span + (effective - base), row_codes * span + (days - base), side="right")
			- 1
		)
		# a day before the KPI's first version (the search lands on the previous KPI's last):
		# the KPI's first version, version 1
		first = np.searchsorted(codes, np.arange(len(names)), side="left")
		own = (found >= 0) & (codes[np.maximum(found, 0)] == row_codes)
		chosen = np.where(own, found, first[row_codes])
		numbers[rows] = versions["number"].to_numpy(dtype=int)[chosen]
	frame["kpi_version"] = numbers
	for column in SPEC_COLUMNS:
		numeric = column.startswith("kpi_")
		values = frame[column].to_numpy(dtype=float if numeric else object).copy()
		if len(rows):
			source = pd.to_numeric(versions[column], errors="coerce") if numeric else versions[column]
			values[rows] = source.to_numpy(dtype=float if numeric else object)[chosen]
		frame[column] = values
	return frame
