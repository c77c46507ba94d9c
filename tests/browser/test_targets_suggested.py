"""Targets suggested from last period (user guide §5, "Targets from last period"): on next
year's draft company scorecard the KPI Manager opens Targets → Suggest from Last Period, sees
each KPI's suggestion and its basis (this year's actuals), and applies one. Runs after
test_cascade.py, which builds that scorecard.
"""

import pytest

KPI = "CO-09"


def test_manager_applies_a_target_suggested_from_this_years_actuals(as_role, info):
	desk = as_role("manager")
	desk.go("List", "KPI Scorecard")
	cards = desk.page.evaluate(
		"""(filters) => frappe.xcall("frappe.client.get_list", {doctype: "KPI Scorecard", filters})""",
		{"scorecard_for": "Company", "company": info["company"], "from_date": f"{info['year'] + 1}-01-01"},
	)
	if not cards:
		pytest.skip("no scorecard for next year: test_cascade.py's planning flow failed")
	desk.go("Form", "KPI Scorecard", cards[0]["name"])
	desk.assert_allowed("next year's company scorecard")
	before = {item["kpi"]: item["target"] for item in desk.doc()["items"]}

	desk.click_button("Suggest from Last Period", group="Targets")
	dialog = desk.dialog()
	dialog.wait_for()
	dialog.locator("table tbody tr").first.wait_for()
	rows = dialog.locator("table tbody tr")
	assert rows.count() == len(before), dialog.inner_text()
	# only CO-09: untick the rest
	dialog.locator("input.kpibsc-suggest-all").uncheck()
	box = dialog.locator(f"input.kpibsc-suggest[data-kpi='{KPI}']")
	assert box.is_enabled(), "no suggestion for CO-09: " + dialog.inner_text()
	box.check()
	row_text = rows.filter(has=desk.page.locator(f"input.kpibsc-suggest[data-kpi='{KPI}']")).inner_text()
	assert "periods reported" in row_text, row_text
	desk.dialog_primary()
	desk.page.wait_for_function(
		"() => [...document.querySelectorAll('#alert-container .alert')].some(e => e.innerText.includes('targets set'))"
	)
	desk.wait_idle()
	after = {item["kpi"]: item["target"] for item in desk.doc()["items"]}
	assert after[KPI] != before[KPI], (before[KPI], after[KPI])
	assert {kpi: target for kpi, target in after.items() if kpi != KPI} == {
		kpi: target for kpi, target in before.items() if kpi != KPI
	}
