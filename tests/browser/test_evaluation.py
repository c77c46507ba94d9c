"""Evaluating a KPI again (user guide §4, "Evaluating a KPI again"): the KPI Manager opens a KPI
the demo's scorecards carry, presses Evaluate, sees its recent results beside the choice,
keeps it with a reason, and finds the next evaluation moved on; the KPI Evaluation Due report
opens. An employee reads KPIs but is offered no Evaluate.
"""

KPI = "CO-09"  # on the demo company's scorecard, so it has results


def test_manager_evaluates_a_kpi_with_its_results_beside_the_choice(as_role):
	desk = as_role("manager")
	desk.go("Form", "KPI", KPI)
	desk.assert_allowed("a KPI")
	desk.click_button("Evaluate")
	dialog = desk.dialog()
	dialog.wait_for()
	table = dialog.locator("table")
	assert table.count(), "the Evaluate dialog shows no recent results: " + dialog.inner_text()
	assert dialog.locator("tbody tr").count() >= 1
	dialog.locator("[data-fieldname='outcome'] select").select_option("Keep")
	dialog.locator("[data-fieldname='reason'] textarea").fill("Vẫn phản ánh đúng mục tiêu chất lượng")
	desk.dialog_primary()
	desk.page.wait_for_function(
		"() => [...document.querySelectorAll('#alert-container .alert')].some(e => e.innerText.includes('Evaluation recorded'))"
	)
	desk.wait_idle()
	doc = desk.doc()
	assert doc["last_evaluation_outcome"] == "Keep", doc.get("last_evaluation_outcome")
	assert doc["last_evaluated"], "the KPI does not show when it was evaluated"

	desk.go("query-report", "KPI Evaluation Due")
	desk.assert_allowed("the KPI Evaluation Due report")


def test_employee_is_not_offered_evaluate(as_role):
	desk = as_role("employee")
	desk.go("Form", "KPI", KPI)
	desk.assert_allowed("a KPI")
	toolbar = desk.page.locator(".page-container:visible .page-head")
	assert not toolbar.locator("button:has-text('Evaluate')").count()
