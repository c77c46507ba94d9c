"""Targets suggested from a baseline (SMARTER's "A" starts from what was achieved): last
period's actuals of the same KPI and owner, aggregated the way the KPI aggregates, improved
by a percentage ("increase sales by 20 %"; for a lower-is-better KPI, 20 % lower)."""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kpibsc.engine.errors import InvalidTargetError, _
from kpibsc.engine.periods import add_months, aggregate
from kpibsc.engine.rounding import round_half_up

MAX_GROWTH_PERCENT = 1000.0


def previous_period(start: date, end: date) -> tuple[date, date]:
	"""The period of equal length just before `start`..`end`: whole calendar months stay whole
	months (2025 -> 2024, leap day and all; Q2 -> Q1), other spans move back by their days."""
	month_end = calendar.monthrange(end.year, end.month)[1]
	if start.day == 1 and end.day == month_end:
		months = (end.year - start.year) * 12 + end.month - start.month + 1
		return date(*add_months(start.year, start.month, -months), 1), start - timedelta(days=1)
	length = end - start
	return start - length - timedelta(days=1), start - timedelta(days=1)


@dataclass(frozen=True)
class Suggestion:
	target: float | None  # None: nothing to suggest from
	baseline: float | None  # last period's actuals, aggregated
	periods_reported: int


def suggest_target(
	previous_actuals: Sequence[float | None],
	aggregation: str,
	growth_percent: float,
	higher_is_better: bool | None,
	whole_numbers: bool = False,
) -> Suggestion:
	"""The baseline (`previous_actuals` aggregated, missing ones skipped) moved by
	`growth_percent` in the KPI's better direction: up when higher is better, down (never
	below zero for a baseline that was not) when lower is better. `higher_is_better` None (a
	range, a yes/no) suggests nothing: growth has no meaning there. Whole-numbered KPIs get
	whole targets, rounded half up."""
	if not -100.0 < growth_percent <= MAX_GROWTH_PERCENT:
		raise InvalidTargetError(
			_("The improvement must be more than -100% and at most {0}%, got {1}%."),
			MAX_GROWTH_PERCENT,
			growth_percent,
		)
	reported = [value for value in previous_actuals if value is not None]
	baseline = aggregate(reported, aggregation) if reported else None
	if baseline is None or higher_is_better is None:
		return Suggestion(None, baseline, len(reported))
	factor = 1 + growth_percent / 100 if higher_is_better else 1 - growth_percent / 100
	target = baseline * factor
	if not higher_is_better and baseline >= 0:
		target = max(target, 0.0)
	if whole_numbers:
		target = float(round_half_up(target, 0))
	return Suggestion(target, baseline, len(reported))
