"""The E and R of SMARTER: a KPI is evaluated again after its review frequency, and a KPI that
nobody reports is flagged. Framework-free; the site's side is services/evaluation.py."""

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum

from kpibsc.engine.errors import PhasingError, choice
from kpibsc.engine.periods import add_months


class ReviewFrequency(StrEnum):
	WEEKLY = "Weekly"
	MONTHLY = "Monthly"
	QUARTERLY = "Quarterly"
	HALF_YEARLY = "Half-Yearly"
	YEARLY = "Yearly"


# from one evaluation to the next: (months, days)
REVIEW_STEPS = {
	ReviewFrequency.WEEKLY: (0, 7),
	ReviewFrequency.MONTHLY: (1, 0),
	ReviewFrequency.QUARTERLY: (3, 0),
	ReviewFrequency.HALF_YEARLY: (6, 0),
	ReviewFrequency.YEARLY: (12, 0),
}


def next_evaluation(evaluated_on: date, frequency: str | None) -> date | None:
	"""The day a KPI evaluated on `evaluated_on` is due again; None without a review frequency.
	Months are calendar months, kept at the month's end where the next month is shorter
	(evaluated 31 January, monthly: due 28 or 29 February)."""
	if not frequency:
		return None
	months, days = REVIEW_STEPS[choice(ReviewFrequency, frequency, PhasingError)]
	if months:
		year, month = add_months(evaluated_on.year, evaluated_on.month, months)
		last_day = calendar.monthrange(year, month)[1]
		return date(year, month, min(evaluated_on.day, last_day))
	return evaluated_on + timedelta(days=days)


def periods_since_reported(reported: Sequence[bool]) -> int:
	"""How many of the latest periods in a row (oldest first in `reported`) have no actual on
	any scorecard: 0 when the last period was reported, len(reported) when none was."""
	count = 0
	for was_reported in reversed(reported):
		if was_reported:
			break
		count += 1
	return count
