"""How a cascaded item's target reaches the children."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpibsc.engine.cascade import CascadeError, cascade_item, cascade_shares, splits_target


def test_shares_follow_weights_and_add_up_to_one():
	assert cascade_shares([1, 3]).tolist() == [0.25, 0.75]
	assert cascade_shares([0, 0, 0]).tolist() == pytest.approx([1 / 3] * 3)


@pytest.mark.parametrize("weights", [[], [1, -1], [float("nan"), 1]])
def test_bad_weights_are_refused(weights):
	with pytest.raises(CascadeError):
		cascade_shares(weights)


def test_same_target_copies_target_and_thresholds():
	values = {"target": 95.0, "lower_bound": None, "red_flag": 80.0}
	children = cascade_item("Same Target", "Average", values, [1, 1, 1])
	assert children == [values] * 3
	assert children[0] is not values  # each child gets its own copy


def test_split_target_adds_up_to_the_parent_exactly():
	children = cascade_item("Split Target", "Sum", {"target": 100.0}, [1, 1, 1])
	targets = [child["target"] for child in children]
	assert targets == [33.34, 33.33, 33.33]
	assert sum(targets) == pytest.approx(100.0)


def test_split_by_weights_scales_thresholds_too():
	values = {"target": 1000.0, "red_flag": 500.0, "stretch": 1500.0, "tolerance": None}
	children = cascade_item("Split Target", "Sum", values, [3, 1])
	assert children[0] == {
		"target": 750.0,
		"lower_bound": None,
		"upper_bound": None,
		"tolerance": None,
		"red_flag": 375.0,
		"stretch": 1125.0,
	}
	assert children[1]["target"] == 250.0
	assert children[1]["red_flag"] == 125.0


def test_split_refuses_kpis_not_summed():
	with pytest.raises(CascadeError, match="cannot be split"):
		cascade_item("Split Target", "Average", {"target": 95.0}, [1, 1], label="OTD")


def test_contributes_splits_sums_and_keeps_averages():
	assert splits_target("Contributes", "Sum") is True
	assert splits_target("Contributes", "Average") is False
	assert splits_target("Same Target", "Sum") is False
	children = cascade_item("Contributes", "Last", {"target": 4.5}, [2, 1])
	assert [child["target"] for child in children] == [4.5, 4.5]


def test_unknown_mode_names_the_choices():
	with pytest.raises(CascadeError, match="Same Target, Split Target, Contributes"):
		cascade_item("Copy", "Sum", {"target": 1.0}, [1])


@given(
	target=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda value: round(value, 2)),
	weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=60),
)
def test_split_targets_always_add_up(target, weights):
	children = cascade_item("Split Target", "Sum", {"target": target}, weights)
	assert len(children) == len(weights)
	assert sum(child["target"] for child in children) == pytest.approx(target, abs=1e-6)
