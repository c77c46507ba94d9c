"""When a KPI is due for evaluation again, and how long nobody has reported it (engine)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpibsc.engine.errors import PhasingError
from kpibsc.engine.evaluation import REVIEW_STEPS, next_evaluation, periods_since_reported


@pytest.mark.parametrize(
	("evaluated_on", "frequency", "due"),
	[
		(date(2026, 3, 31), "Quarterly", date(2026, 6, 30)),
		(date(2026, 1, 31), "Monthly", date(2026, 2, 28)),  # February is shorter
		(date(2028, 1, 31), "Monthly", date(2028, 2, 29)),  # a leap year
		(date(2026, 11, 15), "Quarterly", date(2027, 2, 15)),  # into the next year
		(date(2026, 8, 31), "Half-Yearly", date(2027, 2, 28)),
		(date(2026, 2, 28), "Yearly", date(2027, 2, 28)),
		(date(2026, 12, 28), "Weekly", date(2027, 1, 4)),
	],
)
def test_next_evaluation_by_hand(evaluated_on, frequency, due):
	assert next_evaluation(evaluated_on, frequency) == due


def test_no_frequency_means_no_next_evaluation():
	assert next_evaluation(date(2026, 3, 31), None) is None
	assert next_evaluation(date(2026, 3, 31), "") is None


def test_unknown_frequency_is_a_clear_error():
	with pytest.raises(PhasingError, match="Fortnightly is not a valid choice here"):
		next_evaluation(date(2026, 3, 31), "Fortnightly")


@given(
	st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
	st.sampled_from(sorted(REVIEW_STEPS)),
)
def test_next_evaluation_is_later_and_within_one_step(evaluated_on, frequency):
	due = next_evaluation(evaluated_on, frequency)
	months, days = REVIEW_STEPS[frequency]
	assert due > evaluated_on
	# never more than the step: a month is at most 31 days
	assert due - evaluated_on <= timedelta(days=days + 31 * months)
	if months:
		assert (due.year * 12 + due.month) - (evaluated_on.year * 12 + evaluated_on.month) == months


@pytest.mark.parametrize(
	("reported", "missed"),
	[
		([], 0),
		([True, True, True], 0),
		([True, False, False], 2),
		([False, True, False], 1),
		([False, False, False], 3),
	],
)
def test_periods_since_reported(reported, missed):
	assert periods_since_reported(reported) == missed
