"""Task-based actuals, checked by hand on small task lists."""

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpibsc.engine.tasks import TaskMetric, TaskMetricError, task_metrics

JAN = (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
FEB = (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
AS_OF = datetime.date(2026, 3, 15)


def day(month, number):
	return datetime.date(2026, month, number)


def tasks_frame(rows):
	return pd.DataFrame(rows, columns=["key", "weight", "due", "completed", "completed_on", "progress"])


def periods_frame(metric, key="A", periods=(JAN, FEB)):
	return pd.DataFrame(
		[{"key": key, "period_start": start, "period_end": end, "metric": metric} for start, end in periods]
	)


def actuals(tasks, metric, as_of=AS_OF, **kwargs):
	result = task_metrics(tasks_frame(tasks), periods_frame(metric, **kwargs), as_of)
	return [None if np.isnan(value) else round(value, 6) for value in result["actual"]]


# three January tasks: one on time, one late, one open (due, so it counts); weights 1, 1, 2
JANUARY = [
	("A", 1, day(1, 10), True, day(1, 9), 100),
	("A", 1, day(1, 20), True, day(2, 3), 100),
	("A", 2, day(1, 25), False, None, 50),
]


def test_completion_rate_weighs_tasks():
	# completed weight 2 of 4
	assert actuals(JANUARY, "Completion Rate") == [50.0, None]


def test_on_time_completion_rate_counts_only_tasks_done_by_their_due_date():
	assert actuals(JANUARY, "On-time Completion Rate") == [25.0, None]


def test_on_time_rate_of_completed_uses_the_completion_period():
	# January completed one task (on time); February completed one (late, due in January)
	assert actuals(JANUARY, "On-time Rate of Completed") == [100.0, 0.0]


def test_weighted_progress_treats_completed_as_100():
	# (1*100 + 1*100 + 2*50) / 4
	assert actuals(JANUARY, "Weighted Progress") == [75.0, None]


def test_open_tasks_not_yet_due_do_not_lower_the_rates():
	tasks = [("A", 1, day(2, 10), True, day(2, 2), 100), ("A", 1, day(2, 25), False, None, 40)]
	assert actuals(tasks, "Completion Rate", as_of=day(2, 12)) == [None, 100.0]
	assert actuals(tasks, "Completion Rate", as_of=day(2, 26)) == [None, 50.0]
	# progress counts every task due in the period
	assert actuals(tasks, "Weighted Progress", as_of=day(2, 12)) == [None, 70.0]


def test_task_without_due_date_counts_when_completed_and_is_never_late():
	tasks = [("A", 1, None, True, day(2, 5), 100), ("A", 1, None, False, None, 30)]
	assert actuals(tasks, "Completion Rate") == [None, 100.0]
	assert actuals(tasks, "On-time Completion Rate") == [None, 100.0]


def test_completed_without_a_date_is_not_on_time():
	tasks = [("A", 1, day(1, 10), True, None, 100)]
	assert actuals(tasks, "Completion Rate") == [100.0, None]
	assert actuals(tasks, "On-time Completion Rate") == [0.0, None]


def test_no_tasks_or_zero_weight_is_no_data():
	assert actuals([], "Completion Rate") == [None, None]
	assert actuals([("A", 0, day(1, 10), True, day(1, 9), 100)], "Completion Rate") == [None, None]
	assert actuals([("B", 1, day(1, 10), True, day(1, 9), 100)], "Completion Rate") == [None, None]


def test_missing_weight_counts_as_one():
	tasks = [("A", None, day(1, 10), True, day(1, 9), 100), ("A", 3, day(1, 11), False, None, 0)]
	assert actuals(tasks, "Completion Rate") == [25.0, None]


def test_keys_and_metrics_are_independent_and_order_is_kept():
	tasks = tasks_frame(
		[
			("A", 1, day(1, 10), True, day(1, 9), 100),
			("B", 1, day(1, 10), False, None, 20),
		]
	)
	periods = pd.DataFrame(
		[
			{"key": "B", "period_start": JAN[0], "period_end": JAN[1], "metric": "Weighted Progress"},
			{"key": "A", "period_start": JAN[0], "period_end": JAN[1], "metric": "Completion Rate"},
		]
	)
	result = task_metrics(tasks, periods, AS_OF)
	assert list(result["key"]) == ["B", "A"]
	assert list(result["actual"]) == [20.0, 100.0]
	assert list(result["period_start"]) == [JAN[0], JAN[0]]


def test_negative_weight_and_unknown_metric_are_refused():
	with pytest.raises(TaskMetricError):
		actuals([("A", -1, day(1, 10), True, day(1, 9), 100)], "Completion Rate")
	with pytest.raises(TaskMetricError):
		actuals(JANUARY, "Happiness")


def test_metric_names_match_the_kpi_options():
	assert [member.value for member in TaskMetric] == [
		"Completion Rate",
		"On-time Completion Rate",
		"On-time Rate of Completed",
		"Weighted Progress",
	]


task_rows = st.lists(
	st.tuples(
		st.just("A"),
		# KPI weights as people type them: 0, or from a thousandth up (no subnormal floats)
		st.one_of(st.just(0.0), st.floats(0.001, 10)),
		st.one_of(st.none(), st.dates(day(1, 1), day(2, 28))),
		st.booleans(),
		st.dates(day(1, 1), day(2, 28)),
		st.floats(0, 100),
	),
	max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(task_rows, st.sampled_from([member.value for member in TaskMetric]))
def test_rates_stay_between_0_and_100(rows, metric):
	rows = [
		(key, weight, due, done, on if done else None, progress)
		for key, weight, due, done, on, progress in rows
	]
	for value in actuals(rows, metric):
		assert value is None or -1e-9 <= value <= 100 + 1e-9


@settings(max_examples=100, deadline=None)
@given(task_rows, st.floats(0.1, 10))
def test_scaling_all_weights_changes_nothing(rows, factor):
	rows = [
		(key, weight, due, done, on if done else None, progress)
		for key, weight, due, done, on, progress in rows
	]
	scaled = [(key, weight * factor, *rest) for key, weight, *rest in rows]
	for metric in TaskMetric:
		for plain, times in zip(actuals(rows, metric.value), actuals(scaled, metric.value), strict=True):
			assert (plain is None) == (times is None) or min(abs(plain or 0), abs(times or 0)) < 1e-6
			if plain is not None and times is not None:
				assert plain == pytest.approx(times, abs=1e-6)
