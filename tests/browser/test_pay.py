"""KPI pay (user guide §11), as HR: a KPI Pay Run for Sales for July — Get Employees fills the
register with P1/P2/P3, submitting it makes the Additional Salaries HRMS payroll picks up —
then the KPI Pay Register for that month. Before submitting, Simulate Cost shows what the run
will pay.
"""

import re


def typed_date(info: dict, iso: str) -> str:
	year, month, day = iso.split("-")
	return info["date_format"].replace("dd", day).replace("mm", month).replace("yyyy", year)


def test_hr_runs_kpi_pay_for_sales(as_role, info):
	desk = as_role("hr")
	year = info["year"]
	desk.go("List", "KPI Pay Run")
	desk.assert_allowed("the KPI Pay Run list")
	desk.page.locator(".page-container:visible .page-head .primary-action").click()
	desk.wait_idle()
	if desk.dialog().count() and desk.dialog().is_visible():
		desk.dialog().locator(".btn-secondary", has_text="Edit Full Form").click()
		desk.wait_idle()
	desk.fill_link("company", info["company"])
	desk.fill("from_date", typed_date(info, f"{year}-07-01"))
	desk.fill("to_date", typed_date(info, f"{year}-07-31"))
	desk.fill_link("department", info["departments"]["Sales"])
	message = desk.save()
	assert not message, f"saving the pay run said: {message}"

	desk.click_button("Get Employees")
	desk.page.wait_for_function("() => (cur_frm.doc.employees || []).length > 0", timeout=60_000)
	desk.wait_idle()
	rows = desk.doc()["employees"]
	assert len(rows) == 5, f"the register has {len(rows)} rows"
	assert all((row.get("p1") or 0) > 0 for row in rows), rows

	# before paying, Simulate Cost under the current scores: the register's total
	desk.click_button("Simulate Cost")
	desk.dialog_primary()
	total_row = desk.dialog().locator("table tr").last
	total_row.wait_for()
	cells = total_row.locator("th").all_inner_texts()
	expected = str(round(desk.doc()["total"]))
	assert re.sub(r"\D", "", cells[5]) in (expected, expected + "00"), cells
	desk.close_dialogs()

	submit = desk.page.locator(".page-container:visible .page-head .primary-action")
	assert submit.inner_text().strip() == "Submit"
	submit.click()
	desk.confirm_yes()
	desk.page.wait_for_function("() => cur_frm.doc.docstatus === 1", timeout=120_000)
	desk.wait_idle()
	name = desk.doc()["name"]

	desk.click_button("Additional Salaries", group="View")
	desk.page.wait_for_function(
		"() => window.cur_list && cur_list.doctype === 'Additional Salary'"
		" && cur_list.filters.some((f) => f[1] === 'ref_docname')"
	)
	desk.wait_idle()
	salaries = desk.page.evaluate("() => cur_list.data.length")
	assert salaries >= 5, f"pay run {name} made {salaries} additional salaries"

	# the list writes the run's total in whole dong, in the site's format: VND 224.800.000
	total = desk.doc()["total"]
	desk.go("List", "KPI Pay Run")
	row = desk.page.locator(f".page-container:visible .list-row-container:has([data-name='{name}'])")
	shown = row.locator(".list-row-col").filter(has_text="VND").first.inner_text().strip()
	assert shown == "VND " + f"{round(total):,}".replace(",", "."), (shown, total)

	desk.open_report(
		"KPI Pay Register",
		{"company": info["company"], "from_date": f"{year}-07-01", "to_date": f"{year}-07-31"},
	)
	desk.assert_allowed("the KPI Pay Register")
	assert desk.report_rows(), "the July register is empty"
