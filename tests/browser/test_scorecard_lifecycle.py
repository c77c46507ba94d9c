"""Two more steps of a scorecard's life (user guide §5): the KPI Manager takes an employee's
draft targets from the parent scorecard's split (Targets → Suggest from Parent Scorecard), and
reviews a department's active scorecard on its schedule (Review → Mark Reviewed).
"""

import pytest


def test_targets_from_the_parent_scorecards_split(as_role, info):
	card = info["employee_scorecards"]["employee"]
	desk = as_role("manager")
	desk.go("Form", "KPI Scorecard", card)
	desk.assert_allowed("an employee's draft scorecard")
	doc = desk.doc()
	if doc["status"] != "Draft" or not doc.get("parent_scorecard"):
		pytest.skip(f"{card} is not a cascaded draft here")
	before = {item["kpi"]: item["target"] for item in doc["items"]}

	desk.click_button("Suggest from Parent Scorecard", group="Targets")
	dialog = desk.dialog()
	dialog.locator("table tbody tr").first.wait_for()
	rows = dialog.locator("table tbody tr")
	assert rows.count() == len(before), dialog.inner_text()
	assert doc["parent_scorecard"] in dialog.inner_text(), dialog.inner_text()
	# the demo's cascade made these targets from the same parent: the split suggests them again
	suggested = dialog.locator("input.kpibsc-suggest:enabled")
	assert suggested.count() == len(before), dialog.inner_text()
	desk.dialog_primary()
	desk.page.wait_for_function(
		"() => [...document.querySelectorAll('#alert-container .alert')].some(e => e.innerText.includes('parent scorecard'))"
	)
	after = {item["kpi"]: item["target"] for item in desk.doc()["items"]}
	assert after == before, (before, after)


def test_department_scorecard_reviewed_on_its_schedule(as_role, info):
	# Accounts, not Sales: the revision flows open Sales as the same KPI Manager, whose desk
	# would still hold this flow's copy of it
	card = info["department_scorecards"]["Accounts"]
	desk = as_role("manager")
	desk.go("Form", "KPI Scorecard", card)
	desk.assert_allowed("the Accounts scorecard")
	desk.page.evaluate("() => cur_frm.set_value('review_frequency', 'Quarterly')")
	message = desk.save()
	assert not message, f"saving the review frequency said: {message}"
	assert desk.doc()["next_review"], "no Next Review set from the frequency"

	desk.click_button("Mark Reviewed", group="Scheduled Review")
	dialog = desk.dialog()
	dialog.wait_for()
	dialog.locator(".frappe-control[data-fieldname='note'] textarea").fill("Chỉ tiêu quý vẫn phù hợp")
	desk.dialog_primary()
	desk.page.wait_for_function("() => cur_frm.doc.last_reviewed && !!cur_frm.doc.last_review_note")
	doc = desk.doc()
	assert doc["last_reviewed"] == info["today"], doc["last_reviewed"]
	assert doc["last_review_note"] == "Chỉ tiêu quý vẫn phù hợp"
	assert doc["next_review"] > info["today"]
