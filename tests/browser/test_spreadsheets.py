"""Targets in Excel, as the strategy office plans them (user guide, "Excel in and out"): the
KPI Manager downloads next year's company scorecard as a template, changes a year's target in
the workbook, uploads it from the form's Targets menu and sees the scorecard take it. The
upload goes from the browser to the server as the workbook's content, so it leaves no File
behind. Runs after test_cascade.py, which builds that scorecard.
"""

from pathlib import Path

import pytest
from openpyxl import load_workbook

KPI, NEW_TARGET = "SAL-01", 160_000_000_000  # was 150.000.000.000 (test_cascade.py)
YEAR_TARGET_COLUMN = 5  # services/spreadsheets.py: KPI, name, unit, weight, year target, periods…


def xcall(desk, method: str, args: dict):
	return desk.page.evaluate("([method, args]) => frappe.xcall(method, args)", [method, args])


def test_manager_changes_a_target_in_excel_and_uploads_it(as_role, info, tmp_path: Path):
	desk = as_role("manager")
	desk.go("List", "KPI Scorecard")
	cards = xcall(
		desk,
		"frappe.client.get_list",
		{
			"doctype": "KPI Scorecard",
			"filters": {
				"scorecard_for": "Company",
				"company": info["company"],
				"from_date": f"{info['year'] + 1}-01-01",
			},
		},
	)
	if not cards:
		pytest.skip("no scorecard for next year: test_cascade.py's planning flow failed")
	desk.go("Form", "KPI Scorecard", cards[0]["name"])
	desk.assert_allowed("next year's company scorecard")

	with desk.page.expect_download() as download:
		desk.click_button("Download Template", group="Targets")
	template = tmp_path / "targets.xlsx"
	download.value.save_as(template)
	workbook = load_workbook(template)
	sheet = workbook.worksheets[0]
	row = next(row for row in range(1, sheet.max_row + 1) if sheet.cell(row, 1).value == KPI)
	sheet.cell(row, YEAR_TARGET_COLUMN).value = NEW_TARGET
	workbook.save(template)

	count_files = {"doctype": "File", "filters": {"file_name": ["like", "%.xlsx"]}}
	files_before = xcall(desk, "frappe.client.get_count", count_files)
	with desk.page.expect_file_chooser() as chooser:
		desk.click_button("Upload Targets", group="Targets")
	chooser.value.set_files(str(template))
	desk.page.wait_for_function(
		"() => [...document.querySelectorAll('#alert-container .alert')].some(e => e.innerText.includes('Targets uploaded'))"
	)
	desk.wait_idle()

	items = {item["kpi"]: item for item in desk.doc()["items"]}
	assert items[KPI]["target"] == NEW_TARGET, items[KPI]["target"]
	assert xcall(desk, "frappe.client.get_count", count_files) == files_before, "the upload left a File"
