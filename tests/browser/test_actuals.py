"""Measuring, as the people who do it (user guide §7-8): an employee of Sales types this
period's actuals in the Vietnamese number format and saves them for approval; the head of
Sales finds them on their to-do list, approves (submits) them, and sees the scores move in the
Balanced Scorecard once the background recompute has run (an RQ worker is up).

The flows run in this order and share what they made; a later one is skipped when an earlier
one failed.
"""

import time

import pytest

# what the employee types (the site's number format is "#.###,##") -> the number it means
TYPED = {
	"SAL-01": ("2.150.000.000", 2_150_000_000),  # revenue, VND
	"SAL-03": ("1", 1),
	"SAL-07": ("96,5", 96.5),
	"CO-07": ("4", 4),
	"CO-09": ("87,5", 87.5),
}
made: dict = {}


def typed_date(info: dict, iso: str) -> str:
	year, month, day = iso.split("-")
	return info["date_format"].replace("dd", day).replace("mm", month).replace("yyyy", year)


def test_employee_enters_actuals_in_vietnamese_format(as_role, info):
	assert info["number_format"] == "#.###,##", "the demo site should use the Vietnamese number format"
	period = info["period"]
	assert period, "the employee's scorecard has no period left to measure"
	desk = as_role("employee")
	scorecard = info["employee_scorecards"]["employee"]

	desk.go("List", "KPI Measurement")
	desk.assert_allowed("the KPI Measurement list")
	desk.page.locator(".page-container:visible .page-head .primary-action").click()
	desk.wait_idle()
	if desk.dialog().count() and desk.dialog().is_visible():  # quick entry: go to the full form
		desk.dialog().locator(".btn-secondary", has_text="Edit Full Form").click()
		desk.wait_idle()
	assert desk.route()[:2] == ["Form", "KPI Measurement"], desk.route()

	desk.fill_link("scorecard", scorecard)
	desk.fill("period_start", typed_date(info, period["period_start"]))
	desk.page.wait_for_function("() => (cur_frm.doc.items || []).some((row) => row.kpi)")
	rows = {row["kpi"]: row["idx"] for row in desk.doc()["items"]}
	assert set(TYPED) <= set(rows), f"the measurement lists {sorted(rows)}, the flow types {sorted(TYPED)}"

	for kpi, (typed, _value) in TYPED.items():
		desk.grid_type("items", rows[kpi], "actual", typed)
	desk.grid_type("items", rows["SAL-01"], "comment", "Hợp đồng lớn với khách hàng ở Hà Nội")
	message = desk.save()
	assert not message, f"saving the actuals said: {message}"

	doc = desk.doc()
	assert doc["docstatus"] == 0 and doc["status"] == "Draft", doc["status"]
	stored = {row["kpi"]: row for row in doc["items"]}
	for kpi, (typed, value) in TYPED.items():
		assert stored[kpi]["actual_value"] == pytest.approx(value), (
			f"{kpi}: typed {typed!r}, stored {stored[kpi]['actual']!r} = {stored[kpi]['actual_value']}"
		)
	assert stored["SAL-01"]["comment"] == "Hợp đồng lớn với khách hàng ở Hà Nội"
	made["measurement"] = doc["name"]

	# nobody approves their own numbers: the form offers Send for Approval, never Submit
	# (which the server would refuse: test_security.py)
	primary = desk.page.locator(".page-container:visible .page-head .primary-action")
	assert primary.inner_text().strip() == "Send for Approval", primary.inner_text()
	assert desk.page.evaluate("() => cur_frm.doc.docstatus") == 0


def test_employee_corrects_an_actual_and_saves_again(as_role, info):
	if "measurement" not in made:
		pytest.skip("no measurement: the employee's flow failed")
	desk = as_role("employee")
	desk.go("Form", "KPI Measurement", made["measurement"])
	rows = {row["kpi"]: row["idx"] for row in desk.doc()["items"]}
	# stored as plain numbers, shown as the site writes them, in the cell and while editing
	assert actual_cell(desk, rows["SAL-01"]) == "2.150.000.000"
	assert actual_cell(desk, rows["SAL-07"]) == "96,5"
	assert actual_input(desk, rows["CO-09"]) == "87,5"
	desk.grid_type("items", rows["CO-09"], "actual", "1.234,5")
	desk.save()
	stored = {row["kpi"]: row for row in desk.doc()["items"]}
	assert (stored["CO-09"]["actual"], stored["CO-09"]["actual_value"]) == ("1234.5", 1234.5), stored["CO-09"]
	assert actual_cell(desk, rows["CO-09"]) == "1.234,5"
	desk.grid_type("items", rows["CO-09"], "actual", "88,5")
	message = desk.save()
	stored = {row["kpi"]: row["actual_value"] for row in desk.doc()["items"]}
	assert stored["CO-09"] == pytest.approx(88.5)
	assert not message, f"saving the corrected actuals said: {message}"


def actual_cell(desk, idx: int) -> str:
	"""What the Actual column of the measurement's row shows."""
	cell = desk.page.locator(
		".page-container:visible .frappe-control[data-fieldname='items'] .grid-body "
		f".grid-row[data-idx='{idx}'] .data-row .grid-static-col[data-fieldname='actual'] .static-area"
	)
	return cell.inner_text().strip()


def actual_input(desk, idx: int) -> str:
	"""What the Actual box of the row holds once clicked to edit it."""
	cell = desk.page.locator(
		".page-container:visible .frappe-control[data-fieldname='items'] .grid-body "
		f".grid-row[data-idx='{idx}'] .data-row .grid-static-col[data-fieldname='actual']"
	)
	cell.click()
	box = cell.locator("input").first
	box.wait_for()
	value = box.input_value()
	box.evaluate("el => el.blur()")
	desk.wait_idle()
	return value


def bsc_rows(desk, scorecard: str, period_start: str) -> list[dict]:
	desk.open_report("Balanced Scorecard", {"scorecard": scorecard, "period_start": period_start})
	desk.assert_allowed("the Balanced Scorecard")
	return desk.report_rows()


def kpi_row(rows: list[dict], kpi: str) -> dict:
	return next((row for row in rows if row.get("kpi") == kpi or row.get("name") == kpi), {})


def test_head_approves_and_sees_the_scores_move(as_role, info):
	if "measurement" not in made:
		pytest.skip("no measurement: the employee's flow failed")
	desk = as_role("head")
	scorecard = info["employee_scorecards"]["employee"]
	period_start = info["period"]["period_start"]
	before = kpi_row(bsc_rows(desk, scorecard, period_start), "SAL-01")
	assert before.get("actual") is None, f"SAL-01 has an actual before approval: {before}"

	# the approval waits on the head's to-do list
	desk.go("List", "ToDo", query={"reference_name": made["measurement"]})
	desk.page.locator(".page-container:visible .list-row-container").first.wait_for()
	desk.go("Form", "KPI Measurement", made["measurement"])
	desk.assert_allowed("the employee's measurement")
	submit = desk.page.locator(".page-container:visible .page-head .primary-action")
	assert submit.inner_text().strip() == "Submit", f"the head's primary action is {submit.inner_text()!r}"
	submit.click()
	desk.confirm_yes()
	desk.page.wait_for_function("() => cur_frm.doc.docstatus === 1")
	doc = desk.doc()
	assert doc["status"] == "Approved" and doc["approved_by"] == info["users"]["head"], doc

	# the recompute runs in the background worker; the report says "updating" until it has
	deadline = time.monotonic() + 90
	while True:
		after = kpi_row(bsc_rows(desk, scorecard, period_start), "SAL-01")
		if after.get("actual") is not None or time.monotonic() > deadline:
			break
		desk.page.wait_for_timeout(2000)
	assert after.get("actual") == pytest.approx(TYPED["SAL-01"][1]), f"SAL-01 after approval: {after}"
	assert after.get("status") in ("Green", "Amber", "Red"), after
	assert after.get("score") is not None, after
