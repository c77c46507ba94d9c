"""Task-based actuals: how far the tasks behind a scorecard item got in each period.

A task is one row: the item it counts for (`key`), its KPI weight, its due date, whether it
is completed, its completion date and its progress (0-100). Cancelled and template tasks
never reach here. Each metric is a weighted share in percent:

- Completion Rate: completed / due.
- On-time Completion Rate: completed on or before the due date / due.
- On-time Rate of Completed: completed on or before the due date / completed in the period.
  (A task without a due date cannot be late; one completed without a date is not on time.)
- Weighted Progress: progress (a completed task is 100) / due.

"Due in a period" means the due date falls in it; a task without a due date counts in the
period it was completed in. For the rates, an open task counts only once its due date has
passed (`as_of`), so a month in progress is not marked down for work not yet due; progress
counts every task due in the period. A period with no counted weight has no actual (NaN),
which the scorer reports as No Data rather than 0.
"""

from enum import StrEnum

import numpy as np
import pandas as pd

from kpibsc.engine.errors import EngineError, _


class TaskMetric(StrEnum):
	COMPLETION_RATE = "Completion Rate"
	ON_TIME_COMPLETION_RATE = "On-time Completion Rate"
	ON_TIME_RATE_OF_COMPLETED = "On-time Rate of Completed"
	WEIGHTED_PROGRESS = "Weighted Progress"


class TaskMetricError(EngineError):
	pass


TASK_COLUMNS = ("key", "weight", "due", "completed", "completed_on", "progress")
PERIOD_COLUMNS = ("key", "period_start", "period_end", "metric")


def task_metrics(tasks: pd.DataFrame, periods: pd.DataFrame, as_of) -> pd.DataFrame:
	"""The actual of each (key, period) in `periods`, from the tasks of that key.

	`periods` holds one row per key and period with the key's metric; the result has the
	same rows in the same order with an `actual` column (NaN where no task counts)."""
	result = periods.loc[:, list(PERIOD_COLUMNS)].reset_index(drop=True)
	result["actual"] = np.nan
	if result.empty or tasks.empty:
		return result
	unknown = set(result["metric"]) - set(TaskMetric)
	if unknown:
		raise TaskMetricError(_("Unknown task metric {0}."), sorted(map(str, unknown))[0])
	tasks = normalised(tasks)
	as_of = pd.Timestamp(as_of)

	result["row"] = np.arange(len(result))
	result["period_start"] = pd.to_datetime(result["period_start"])
	result["period_end"] = pd.to_datetime(result["period_end"])
	pairs = result.merge(tasks, on="key", how="inner")
	if pairs.empty:
		return result.drop(columns="row")

	completed = pairs["completed"].to_numpy(dtype=bool)
	due = pairs["due"]
	completed_on = pairs["completed_on"]
	# a task sits in the period of its due date, or of its completion when it has none
	dated_by = due.fillna(completed_on)
	in_period = (dated_by >= pairs["period_start"]) & (dated_by <= pairs["period_end"])
	in_period = in_period.to_numpy(dtype=bool)
	has_passed = (due <= as_of).to_numpy(dtype=bool)
	counted_for_rates = in_period & (completed | has_passed)
	# a task with no due date cannot be late
	on_time = completed & (due.isna() | (completed_on <= due)).to_numpy(dtype=bool)
	completed_in_period = completed & (
		(completed_on >= pairs["period_start"]) & (completed_on <= pairs["period_end"])
	).to_numpy(dtype=bool)
	weight = pairs["weight"].to_numpy(dtype=float)
	progress = np.where(completed, 100.0, pairs["progress"].to_numpy(dtype=float))

	metric = pairs["metric"].to_numpy(dtype=object)
	is_metric = {member: metric == member.value for member in TaskMetric}
	numerator = np.select(
		[
			is_metric[TaskMetric.COMPLETION_RATE],
			is_metric[TaskMetric.ON_TIME_COMPLETION_RATE],
			is_metric[TaskMetric.ON_TIME_RATE_OF_COMPLETED],
			is_metric[TaskMetric.WEIGHTED_PROGRESS],
		],
		[
			weight * (counted_for_rates & completed) * 100.0,
			weight * (counted_for_rates & on_time) * 100.0,
			weight * (completed_in_period & on_time) * 100.0,
			weight * in_period * progress,
		],
		default=0.0,
	)
	denominator = np.select(
		[
			is_metric[TaskMetric.COMPLETION_RATE] | is_metric[TaskMetric.ON_TIME_COMPLETION_RATE],
			is_metric[TaskMetric.ON_TIME_RATE_OF_COMPLETED],
			is_metric[TaskMetric.WEIGHTED_PROGRESS],
		],
		[weight * counted_for_rates, weight * completed_in_period, weight * in_period],
		default=0.0,
	)
	sums = (
		pd.DataFrame({"row": pairs["row"].to_numpy(), "numerator": numerator, "denominator": denominator})
		.groupby("row", sort=False)
		.sum()
	)
	counted = sums[sums["denominator"] > 0]
	result.loc[counted.index, "actual"] = (counted["numerator"] / counted["denominator"]).to_numpy()
	result["period_start"] = result["period_start"].dt.date
	result["period_end"] = result["period_end"].dt.date
	return result.drop(columns="row")


def normalised(tasks: pd.DataFrame) -> pd.DataFrame:
	tasks = tasks.loc[:, list(TASK_COLUMNS)].copy()
	tasks["weight"] = pd.to_numeric(tasks["weight"]).fillna(1.0).astype(float)
	negative = tasks[tasks["weight"] < 0]
	if not negative.empty:
		raise TaskMetricError(
			_("A task's KPI weight cannot be negative ({0})."), float(negative["weight"].iloc[0])
		)
	tasks["progress"] = pd.to_numeric(tasks["progress"]).fillna(0.0).clip(0, 100).astype(float)
	tasks["completed"] = tasks["completed"].fillna(False).astype(bool)
	tasks["due"] = pd.to_datetime(tasks["due"])
	tasks["completed_on"] = pd.to_datetime(tasks["completed_on"])
	return tasks
