"""Mid-period revisions: the weight in force per period, values as originally set, and the
weights a revision leaves (engine/revisions.py). Expected values are worked out by hand."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from kpibsc.engine.errors import InvalidWeightError
from kpibsc.engine.revisions import originally_set, revised_weights, weights_in_force

MONTHS = [date(2025, month, 1) for month in range(1, 13)]


def rows(item: str, weight: float, months=MONTHS) -> pd.DataFrame:
	return pd.DataFrame({"item": item, "period": months, "weight": weight})


def revisions(*entries) -> pd.DataFrame:
	return pd.DataFrame(entries, columns=["item", "effective_from", "old_weight", "new_weight"])


def test_no_revisions_keeps_the_items_weights():
	frame = pd.concat([rows("A", 60), rows("B", 40)], ignore_index=True)
	assert weights_in_force(frame, revisions()).tolist() == [60] * 12 + [40] * 12


def test_earlier_periods_keep_the_weight_a_revision_replaced():
	# A went from 60 to 70 in July: January-June weigh 60, July-December 70 (its weight now)
	frame = pd.concat([rows("A", 70), rows("B", 30)], ignore_index=True)
	got = weights_in_force(frame, revisions(("A", date(2025, 7, 1), 60, 70), ("B", date(2025, 7, 1), 40, 30)))
	assert got.tolist() == [60] * 6 + [70] * 6 + [40] * 6 + [30] * 6


def test_two_revisions_of_one_item_step_through_time():
	# 50 → 40 from April, 40 → 20 from October
	frame = rows("A", 20)
	got = weights_in_force(
		frame, revisions(("A", date(2025, 4, 1), 50, 40), ("A", date(2025, 10, 1), 40, 20))
	)
	assert got.tolist() == [50] * 3 + [40] * 6 + [20] * 3


def test_the_later_of_two_revisions_of_the_same_period_wins():
	frame = rows("A", 35, MONTHS[:3])
	got = weights_in_force(frame, revisions(("A", date(2025, 2, 1), 50, 40), ("A", date(2025, 2, 1), 40, 35)))
	assert got.tolist() == [50, 35, 35]


def test_rows_in_any_order_and_quarters_between_effective_months():
	# quarters; a revision effective 1 May applies from the first period starting on or after it
	quarters = [date(2025, 10, 1), date(2025, 1, 1), date(2025, 7, 1), date(2025, 4, 1)]
	frame = rows("A", 25, quarters)
	got = weights_in_force(frame, revisions(("A", date(2025, 5, 1), 10, 25)))
	assert got.tolist() == [25, 10, 25, 10]


def test_as_originally_set_takes_the_first_change_of_each_period():
	now = pd.DataFrame({"item": ["A"] * 4, "period": MONTHS[:4], "value": [100.0, 100.0, 130.0, 150.0]})
	changes = pd.DataFrame(
		[
			# March on: 100 → 130 (first revision), April: 130 → 150 (second)
			("A", MONTHS[2], 100.0),
			("A", MONTHS[3], 100.0),
			("A", MONTHS[3], 130.0),
		],
		columns=["item", "period", "old_value"],
	)
	assert originally_set(now, changes).tolist() == [100, 100, 100, 100]
	assert originally_set(now, changes.iloc[:0]).tolist() == [100, 100, 130, 150]


def test_as_originally_set_leaves_other_items_alone():
	now = pd.DataFrame({"item": ["A", "B"], "period": [MONTHS[0]] * 2, "value": [5.0, 7.0]})
	changes = pd.DataFrame([("A", MONTHS[0], 4.0)], columns=["item", "period", "old_value"])
	assert originally_set(now, changes).tolist() == [4, 7]


def test_revised_weights_must_still_add_up():
	assert revised_weights([60, 40], [70, 30], normalise=False).tolist() == [70, 30]
	with pytest.raises(InvalidWeightError) as raised:
		revised_weights([60, 40], [70, None], normalise=False)
	assert raised.value.values == (110.0, 100.0)
	# within the scorecard's tolerance of 0.01
	assert revised_weights([50, 50], [33.333, 66.667], normalise=False).sum() == pytest.approx(100)


def test_revised_weights_normalised_when_the_scorecard_normalises():
	# 60 + 40 → 80 + 40 = 120, scaled to 100: 66.67 and 33.33
	got = revised_weights([60, 40], [80, None], normalise=True)
	assert got == pytest.approx([200 / 3, 100 / 3])


def test_a_negative_weight_is_refused_with_its_kpi():
	with pytest.raises(InvalidWeightError) as raised:
		revised_weights([60, 40], [None, -5], normalise=True, labels=["REV", "OTD"])
	assert raised.value.values[0] == "OTD"
	assert np.isclose(raised.value.values[1], -5)
