"""Each role's home (user guide "Your home: My Work"): where the desk opens after the login,
the sections My Work shows, the buttons a role gets on its own measurement, and the
scorecard the reports open on.

With KPIBSC_HOME_SCREENSHOTS=<folder> the flows also save each role's home as a 1280×800
PNG there (the user guide's docs/images/home-*.png are made this way).

The employee here is the R&D one (`reviewee`): "Enter actuals" makes the draft of their open
period, which must not be the Sales employee's that test_actuals.py enters by hand.
"""

import os
from pathlib import Path

SHOTS = os.environ.get("KPIBSC_HOME_SCREENSHOTS")
SECTIONS = ("mine", "team", "reviews", "pay_runs")


def sections(desk) -> set[str]:
	return set(
		desk.page.evaluate(
			'() => [...document.querySelectorAll(\'.page-container:not([style*="display: none"]) '
			".my-work-section')].map((el) => el.dataset.section)"
		)
	)


def land(desk) -> None:
	"""Open the desk's root, as the login does, and wait for My Work's sections."""
	desk.open_url("/app")
	desk.page.wait_for_selector(".my-work-section", state="visible")
	desk.wait_idle()


def shoot(desk, name: str) -> None:
	if not SHOTS:
		return
	Path(SHOTS).mkdir(parents=True, exist_ok=True)
	desk.page.set_viewport_size({"width": 1280, "height": 800})
	desk.page.evaluate("() => window.scrollTo(0, 0)")
	desk.page.wait_for_timeout(500)
	desk.page.screenshot(path=str(Path(SHOTS) / f"home-{name}.png"))
	desk.page.set_viewport_size({"width": 1440, "height": 900})


def test_employee_lands_on_my_work_and_enters_actuals(as_role, info):
	desk = as_role("reviewee")
	land(desk)
	# their own work, and giving or asking feedback (#17) — no team, no HR sections
	assert sections(desk) == {"mine", "feedback"}, sections(desk)
	desk.expect_text("Score, year to date")
	desk.expect_text("My review")
	button = desk.page.locator(".page-container:visible [data-enter-actuals]")
	assert button.is_visible(), "no Enter actuals button on the employee's home"
	assert button.get_attribute("data-enter-actuals") == info["employee_scorecards"]["reviewee"]
	assert "Enter actuals for" in button.inner_text()
	shoot(desk, "employee")

	button.click()
	desk.page.wait_for_function("() => frappe.get_route()[0] === 'Form' && cur_frm && !cur_frm.is_new()")
	desk.wait_idle()
	doc = desk.doc()
	assert (doc["doctype"], doc["scorecard"], doc["docstatus"]) == (
		"KPI Measurement",
		info["employee_scorecards"]["reviewee"],
		0,
	)
	assert doc["items"], "the draft was made without the scorecard's KPIs"
	# their own numbers: "Send for Approval", never Submit
	primary = desk.page.locator(".page-container:visible .page-head .primary-action")
	assert primary.inner_text().strip() == "Send for Approval", primary.inner_text()
	primary.click()
	desk.wait_idle()
	assert "for approval" in desk.alerts() or "approve it" in desk.alerts(), desk.alerts()
	assert desk.page.evaluate("() => cur_frm.doc.docstatus") == 0

	# back home, the same period now opens this draft
	land(desk)
	desk.expect_text(f"Draft {doc['name']}")


def test_head_sees_the_team_and_approves_with_submit(as_role, info):
	desk = as_role("rd_head")
	land(desk)
	assert {"mine", "team"} <= sections(desk), sections(desk)
	desk.expect_text("Team Scorecards")
	team = desk.page.locator(".page-container:visible .my-work-section[data-section='team']")
	assert info["employee_scorecards"]["reviewee"] in team.inner_html()
	# the employee's draft (made by the flow above, or by the demo) waits for them
	drafts = team.locator("a[href^='/app/kpi-measurement/']")
	if drafts.count():
		drafts.first.click()
		desk.wait_idle()
		primary = desk.page.locator(".page-container:visible .page-head .primary-action")
		assert primary.inner_text().strip() == "Submit", primary.inner_text()
	desk.go("my-work")
	desk.page.wait_for_selector(".my-work-section", state="visible")
	shoot(desk, "head")


def test_hr_sees_review_cycles_and_pay_runs(as_role, info):
	desk = as_role("hr")
	land(desk)
	assert {"reviews", "pay_runs"} <= sections(desk), sections(desk)
	reviews = desk.page.locator(".page-container:visible .my-work-section[data-section='reviews']")
	assert info["review_cycle"] in reviews.inner_html()
	runs = desk.page.locator(".page-container:visible .my-work-section[data-section='pay_runs']")
	for run in info["pay_runs"]:
		assert run["name"] in runs.inner_html(), run
	shoot(desk, "hr")


def test_kpi_manager_keeps_the_workspace_and_follows_the_cycles(as_role, info):
	desk = as_role("manager")
	desk.open_url("/app")
	assert not sections(desk), "a KPI Manager's desk should open on the workspaces"
	desk.go("my-work")
	desk.page.wait_for_selector(".my-work-section", state="visible")
	desk.wait_idle()
	assert "reviews" in sections(desk) and "pay_runs" not in sections(desk), sections(desk)
	shoot(desk, "kpi-manager")


def opened_on(desk, report: str) -> str:
	if desk.route()[:2] == ["query-report", report]:
		desk.go("List", "ToDo")
	desk.go("query-report", report)
	desk.wait_report(report)
	desk.page.wait_for_function("() => !!frappe.query_report.get_filter_value('scorecard')")
	desk.wait_idle()
	return desk.page.evaluate("() => frappe.query_report.get_filter_value('scorecard')")


def test_reports_open_on_your_own_scorecard(as_role, info):
	employee = as_role("employee")
	for report in ("Balanced Scorecard", "KPI Achievement"):
		assert opened_on(employee, report) == info["employee_scorecards"]["employee"], report
		assert employee.report_rows(), f"{report} opened on the employee's scorecard without rows"
	manager = as_role("manager")
	assert opened_on(manager, "Balanced Scorecard") == info["company_scorecard"]
	# the perspectives' bars take their status colours
	colours = manager.page.evaluate("() => (frappe.query_report.chart_options || {}).colors || []")
	assert colours and set(colours) <= {"#29cd42", "#ffa00a", "#e24c4c", "#98a1a9"}, colours
