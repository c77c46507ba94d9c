"""Planning, as the strategy office (user guide §5-6): build next year's company scorecard in
the desk — items, weights, targets in the Vietnamese number format, cascade modes — and
cascade it to the departments, first to the ones ticked in "Only These Departments", then to
all of them (the filter left empty), which adopts the first two and adds the rest.
"""

import re

import pytest

made: dict = {}


def typed_date(info: dict, iso: str) -> str:
	year, month, day = iso.split("-")
	return info["date_format"].replace("dd", day).replace("mm", month).replace("yyyy", year)


def cascade(desk, departments: list[str] | None) -> str:
	"""Open the Cascade dialog, cascade to departments (only these, or all); returns the alert."""
	desk.click_button("Cascade")
	desk.dialog().wait_for()
	desk.dialog_select("level", "Department")
	if departments:
		desk.dialog_multiselect("departments", departments)
	desk.dialog_primary()
	desk.page.wait_for_function("() => !document.querySelector('.modal.show')")
	desk.wait_idle()
	return desk.alerts()


def test_manager_builds_next_years_company_scorecard(as_role, info):
	desk = as_role("manager")
	year = info["year"] + 1
	desk.go("List", "KPI Scorecard")
	desk.assert_allowed("the KPI Scorecard list")
	desk.page.locator(".page-container:visible .page-head .primary-action").click()
	desk.wait_idle()
	if desk.dialog().count() and desk.dialog().is_visible():  # quick entry: go to the full form
		desk.dialog().locator(".btn-secondary", has_text="Edit Full Form").click()
		desk.wait_idle()
	assert desk.route()[:2] == ["Form", "KPI Scorecard"], desk.route()

	desk.select("scorecard_for", "Company")
	desk.fill_link("company", info["company"])
	desk.fill("from_date", typed_date(info, f"{year}-01-01"))
	desk.fill("to_date", typed_date(info, f"{year}-12-31"))
	items = (
		("SAL-01", "60", "150.000.000.000", "Split Target", 150_000_000_000),
		("CO-09", "40", "92,5", "Same Target", 92.5),
	)
	for kpi, weight, target, mode, _value in items:
		idx = desk.grid_add_row("items", key="kpi")
		desk.grid_link("items", idx, "kpi", kpi)
		desk.grid_type("items", idx, "weight", weight)
		desk.grid_type("items", idx, "target", target)
		desk.grid_select("items", idx, "cascade_mode", mode)
	message = desk.save()
	assert not message, f"saving the scorecard said: {message}"

	doc = desk.doc()
	stored = {row["kpi"]: row for row in doc["items"] if row.get("kpi")}
	for kpi, _weight, typed, mode, value in items:
		assert stored[kpi]["target"] == pytest.approx(value), f"{kpi}: typed {typed!r}, stored {stored[kpi]}"
		assert stored[kpi]["cascade_mode"] == mode
	assert doc["targets"], "saving phased no targets"
	made["scorecard"] = doc["name"]


def test_manager_cascades_to_only_these_departments(as_role, info):
	if "scorecard" not in made:
		pytest.skip("no scorecard: building it failed")
	desk = as_role("manager")
	desk.go("Form", "KPI Scorecard", made["scorecard"])
	alert = cascade(desk, ["Sales", "Accounts"])
	assert re.search(r"2 scorecards created, 0 updated", alert), f"the cascade said: {alert!r}"
	# what a person checks next: View → Child Scorecards
	desk.click_button("Child Scorecards", group="View")
	desk.page.wait_for_function(
		"() => window.cur_list && cur_list.doctype === 'KPI Scorecard'"
		" && cur_list.filters.some((f) => f[1] === 'parent_scorecard') && !cur_list.list_view_settings_loading"
	)
	desk.wait_idle()
	listed = desk.page.evaluate("() => cur_list.data.map((row) => row.title || row.name)")
	assert len(listed) == 2, f"the child scorecards listed: {listed}"
	joined = "\n".join(listed)
	assert "Sales" in joined and "Accounts" in joined, joined
	made["only_these"] = True


def test_manager_cascades_to_every_department(as_role, info):
	if "only_these" not in made:
		pytest.skip("the first cascade failed")
	desk = as_role("manager")
	desk.go("Form", "KPI Scorecard", made["scorecard"])
	alert = cascade(desk, None)
	departments = len(info["departments"])
	assert re.search(rf"{departments - 2} scorecards created, 2 updated", alert), (
		f"the cascade said: {alert!r}"
	)
