"""Performance reviews (user guide §10), step by step as the people of the workflow: an R&D
employee rates themself and submits for review; their head rates and sends to HR; HR
approves. Then HR runs a new review cycle (Create Reviews) for the next quarter.
"""

import re

import pytest

made: dict = {}


def typed_date(info: dict, iso: str) -> str:
	year, month, day = iso.split("-")
	return info["date_format"].replace("dd", day).replace("mm", month).replace("yyyy", year)


def rate(desk, field: str, rating: str):
	rows = desk.doc()["competencies"]
	assert rows, "the review lists no competencies"
	for row in rows:
		desk.grid_type("competencies", row["idx"], field, rating)


def state(desk) -> str:
	return desk.page.evaluate("() => cur_frm.doc.workflow_state")


def test_employee_rates_their_review_and_submits_it(as_role, info):
	review = info["reviews"]["reviewee"]
	assert review and review["workflow_state"] == "Self Assessment", review
	desk = as_role("reviewee")
	desk.go("List", "Performance Review")
	desk.go("Form", "Performance Review", review["name"])
	desk.assert_allowed("their own review")
	rate(desk, "self_rating", "4")
	message = desk.save()
	assert not message, f"saving the self ratings said: {message}"
	desk.workflow_action("Submit for Review")
	desk.page.wait_for_function("() => cur_frm.doc.workflow_state === 'Manager Review'")
	made["review"] = review["name"]


def test_head_rates_and_sends_to_hr(as_role, info):
	if "review" not in made:
		pytest.skip("the employee's step failed")
	desk = as_role("rd_head")
	desk.go("Form", "Performance Review", made["review"])
	desk.assert_allowed("the review of someone reporting to them")
	rate(desk, "manager_rating", "4")
	message = desk.save()
	assert not message, f"saving the manager ratings said: {message}"
	desk.workflow_action("Submit to HR")
	desk.page.wait_for_function("() => cur_frm.doc.workflow_state === 'HR Calibration'")
	made["with_hr"] = True


def test_hr_approves_the_review(as_role, info):
	if "with_hr" not in made:
		pytest.skip("the head's step failed")
	desk = as_role("hr")
	desk.go("Form", "Performance Review", made["review"])
	desk.workflow_action("Approve")
	desk.page.wait_for_function("() => cur_frm.doc.docstatus === 1")
	assert state(desk) == "Approved"
	assert desk.page.evaluate("() => cur_frm.doc.final_score") is not None


def test_hr_runs_a_review_cycle(as_role, info):
	desk = as_role("hr")
	year = info["year"]
	desk.go("List", "Performance Review Cycle")
	desk.page.locator(".page-container:visible .page-head .primary-action").click()
	desk.wait_idle()
	if desk.dialog().count() and desk.dialog().is_visible():
		desk.dialog().locator(".btn-secondary", has_text="Edit Full Form").click()
		desk.wait_idle()
	desk.fill("cycle_name", f"Browser Q3 {year}")
	desk.fill_link("company", info["company"])
	desk.select("period_type", "Quarter")
	desk.fill("from_date", typed_date(info, f"{year}-07-01"))
	desk.fill("to_date", typed_date(info, f"{year}-09-30"))
	message = desk.save()
	assert not message, f"saving the cycle said: {message}"
	desk.click_button("Create Reviews")
	desk.page.wait_for_function("() => (cur_frm.doc.total_reviews || 0) > 0", timeout=60_000)
	desk.wait_idle()
	desk.expect_text("Self Assessment:")  # the cycle's headline: reviews by step
	headline = desk.page.locator(".page-container:visible .form-message").first.inner_text()
	assert re.search(r"Self Assessment: \d+", headline), f"the cycle shows: {headline!r}"
