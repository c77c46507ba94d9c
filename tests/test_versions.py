"""Effective-dated KPI versions (engine): the version in force on a day, the earliest date a new
version may take, and the recompute's column-wise lookup agreeing with the one-at-a-time one."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpibsc.engine.errors import VersionDateError
from kpibsc.engine.versions import (
	SPEC_COLUMNS,
	Version,
	check_effective_from,
	earliest_effective_date,
	in_force,
	numbers_in_force,
	with_versions_in_force,
)

V1 = Version(1, date(2026, 1, 1), "v1")
V2 = Version(2, date(2026, 4, 1), "v2")
V3 = Version(3, date(2026, 7, 15), "v3")


@pytest.mark.parametrize(
	("on", "number"),
	[
		(date(2025, 12, 1), 1),  # before every version: version 1 covers the past
		(date(2026, 1, 1), 1),
		(date(2026, 3, 1), 1),
		(date(2026, 3, 31), 1),
		(date(2026, 4, 1), 2),  # the effective date itself
		(date(2026, 7, 1), 2),  # July starts before v3's 15 July: the whole month stays on v2
		(date(2026, 7, 15), 3),
		(date(2026, 8, 1), 3),
		(date(2030, 1, 1), 3),
	],
)
def test_version_in_force_by_hand(on, number):
	assert in_force([V3, V1, V2], on).number == number  # order given does not matter


def test_no_versions_means_none():
	assert in_force([], date(2026, 1, 1)) is None


def test_earliest_effective_date():
	assert earliest_effective_date(None, None) is None
	# after March is approved: 1 April
	assert earliest_effective_date(None, date(2026, 3, 31)) == date(2026, 4, 1)
	# the latest version took effect on 15 April: the day after
	assert earliest_effective_date(date(2026, 4, 15), date(2026, 3, 31)) == date(2026, 4, 16)
	assert earliest_effective_date(date(2026, 2, 1), date(2026, 3, 31)) == date(2026, 4, 1)


def test_an_effective_date_inside_or_before_an_approved_period_is_refused():
	march = (date(2026, 3, 1), date(2026, 3, 31))
	for day in (date(2026, 3, 15), date(2026, 3, 1), date(2026, 3, 31), date(2026, 1, 1)):
		with pytest.raises(VersionDateError, match="Choose 2026-04-01 or later") as raised:
			check_effective_from(day, None, march)
		assert raised.value.values[1:3] == march
	check_effective_from(date(2026, 4, 1), None, march)  # the day after: fine


def test_an_effective_date_must_follow_the_latest_version():
	with pytest.raises(VersionDateError, match="version 2 takes effect on 2026-04-01"):
		check_effective_from(date(2026, 4, 1), (2, date(2026, 4, 1)))
	with pytest.raises(VersionDateError):
		check_effective_from(date(2026, 2, 1), (2, date(2026, 4, 1)), None)
	check_effective_from(date(2026, 4, 2), (2, date(2026, 4, 1)), (date(2026, 3, 1), date(2026, 3, 31)))


def test_numbers_in_force_by_hand():
	effective = np.array(["2026-01-01", "2026-04-01", "2026-07-15"], dtype="datetime64[D]")
	periods = np.array(
		["2025-12-01", "2026-01-01", "2026-03-01", "2026-04-01", "2026-07-01", "2026-08-01"],
		dtype="datetime64[D]",
	)
	assert numbers_in_force(effective, periods).tolist() == [0, 0, 0, 1, 1, 2]


def spec(
	method, lower=None, upper=None, tolerance=None, direction="Higher is Better", formula=None, steps=None
):
	return {
		"method": method,
		"kpi_lower": lower,
		"kpi_upper": upper,
		"kpi_tolerance": tolerance,
		"direction": direction,
		"formula": formula,
		"steps": steps,
	}


def test_frame_takes_each_periods_version_and_keeps_unversioned_kpis():
	own = spec("Higher is Better")
	frame = pd.DataFrame(
		[{"kpi": "SALES", "period_start": date(2026, month, 1), **own} for month in (1, 2, 3, 4, 5)]
		+ [{"kpi": "OTHER", "period_start": date(2026, 4, 1), **spec("Yes/No")}]
	)
	bands = ((0.0, 0.0), (0.9, 0.5), (1.0, 1.0))
	versions = pd.DataFrame(
		[
			{"kpi": "SALES", "number": 1, "effective_from": date(2026, 1, 1), **own},
			{
				"kpi": "SALES",
				"number": 2,
				"effective_from": date(2026, 3, 1),
				**spec("Step Bands", steps=bands, direction="Lower is Better"),
			},
			{
				"kpi": "SALES",
				"number": 3,
				"effective_from": date(2026, 5, 1),
				**spec("Target Range", lower=90.0, upper=110.0, tolerance=5.0),
			},
		]
	)
	result = with_versions_in_force(frame, versions)
	assert result["kpi_version"].tolist() == [1, 1, 2, 2, 3, 1]
	assert result["method"].tolist() == [
		"Higher is Better",
		"Higher is Better",
		"Step Bands",
		"Step Bands",
		"Target Range",
		"Yes/No",
	]
	assert result["steps"].tolist()[2:4] == [bands, bands]
	assert result["direction"].tolist()[2] == "Lower is Better"
	assert result["kpi_lower"].tolist()[4] == 90.0
	assert result["kpi_upper"].tolist()[4] == 110.0
	assert np.isnan(result["kpi_lower"].tolist()[0])
	assert result["kpi_lower"].dtype == float


def test_no_versions_leaves_the_frame_at_version_1():
	frame = pd.DataFrame([{"kpi": "A", "period_start": date(2026, 1, 1), **spec("Yes/No")}])
	result = with_versions_in_force(
		frame, pd.DataFrame(columns=["kpi", "number", "effective_from", *SPEC_COLUMNS])
	)
	assert result["kpi_version"].tolist() == [1]
	assert result["method"].tolist() == ["Yes/No"]


@given(
	st.lists(
		st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)), min_size=1, max_size=6, unique=True
	),
	st.lists(st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 1, 1)), min_size=1, max_size=20),
)
def test_the_frame_lookup_agrees_with_in_force(effective_dates, periods):
	versions = [
		Version(number, day, f"m{number}") for number, day in enumerate(sorted(effective_dates), start=1)
	]
	frame = pd.DataFrame([{"kpi": "K", "period_start": day, **spec("own")} for day in periods])
	table = pd.DataFrame(
		[
			{
				"kpi": "K",
				"number": version.number,
				"effective_from": version.effective_from,
				**spec(version.spec),
			}
			for version in versions
		]
	)
	result = with_versions_in_force(frame, table)
	expected = [in_force(versions, day) for day in periods]
	assert result["kpi_version"].tolist() == [version.number for version in expected]
	assert result["method"].tolist() == [version.spec for version in expected]
	# in force means: started on or before the day, and no later version had started
	for day, version in zip(periods, expected, strict=True):
		later = [other for other in versions if version.effective_from < other.effective_from <= day]
		assert not later
		assert version.effective_from <= day or version.number == 1


def test_a_day_after_the_last_approved_period_is_always_accepted():
	end = date(2026, 3, 31)
	check_effective_from(
		earliest_effective_date(date(2026, 2, 1), end), (2, date(2026, 2, 1)), (date(2026, 3, 1), end)
	)
	assert earliest_effective_date(None, end) - end == timedelta(days=1)
