"""Calibration and the 9-box (user guide §10), as HR does them: on the Review Calibration page
HR picks the demo's review cycle, moves one review in HR Calibration to another band with a
note, and finds the move on the review's Calibration History and in the calibration log. Then
the Nine Box Grid for the cycle draws its nine boxes."""

import pytest

NOTE = "Tier 3: led the launch, above what the score shows"
PAGE = ".page-container:visible .page-form"


def test_hr_moves_a_review_to_another_band(as_role, info):
	reviews = info.get("calibration_reviews") or []
	if not reviews:
		pytest.skip("the demo has no review in HR Calibration")
	review = reviews[0]
	desk = as_role("hr")
	desk.go("review-calibration")
	desk.assert_allowed("the Review Calibration page")
	desk.fill_link("cycle", info["review_cycle"], scope=PAGE)
	row = desk.page.locator(f".review-calibration tr[data-review='{review}']")
	row.wait_for()
	current = row.locator("td").nth(3).inner_text().strip()
	quotas = desk.page.locator(".review-calibration [data-band]").count()
	assert quotas >= 2, "the page shows fewer than two bands"
	row.locator("button[data-move]").click()
	desk.wait_idle()
	options = desk.dialog().locator(".frappe-control[data-fieldname='band'] select option").all_inner_texts()
	target = next(option for option in options if option.strip() and option.strip() != current)
	desk.dialog_select("band", target)
	desk.dialog().locator(".frappe-control[data-fieldname='note'] textarea").fill(NOTE)
	desk.dialog_primary()
	desk.wait_idle()
	desk.close_dialogs()  # the over-quota warning, if the band is now over its quota
	moved = desk.page.locator(f".review-calibration [data-band='{target}'] tr[data-review='{review}']")
	moved.wait_for()

	desk.go("Form", "Performance Review", review)
	history = desk.page.locator(".page-container:visible .calibration-history")
	history.wait_for()
	assert NOTE in history.inner_text()
	assert desk.value("rank_band") == target
	assert desk.value("calibration_note") == NOTE

	desk.go("List", "Performance Review Calibration", query={"review": review})
	desk.assert_allowed("the calibration log")
	desk.expect_text(target)


def test_nine_box_grid_draws_the_boxes(as_role, info):
	desk = as_role("hr")
	desk.open_report("Nine Box Grid", {"review_cycle": info["review_cycle"]})
	rows = desk.report_rows()
	assert [row["potential"] for row in rows] == ["High", "Medium", "Low", "Not Rated"], rows
	boxes = desk.page.locator(".page-container:visible .nine-box-grid .nine-box")
	boxes.first.wait_for()
	assert boxes.count() == 9
	desk.expect_text("Star")
	desk.expect_text("Underperformer")


def placed(rows: list[dict]) -> int:
	return sum(row[f"{key}_count"] for row in rows for key in ("low", "medium", "high"))


def test_calibration_is_hrs_and_the_grid_shows_only_what_each_may_read(as_role, info):
	for role in ("employee", "head"):
		desk = as_role(role)
		desk.go("review-calibration", expect_refusal=True)
		desk.assert_refused("the Review Calibration page")
	# by company: a head's Review Cycle filter meets the known cycle-link refusal (testing-browser.md)
	filters = {"company": info["company"]}
	hr = as_role("hr")
	hr.open_report("Nine Box Grid", filters)
	everyone = placed(hr.report_rows())
	head = as_role("head")
	head.open_report("Nine Box Grid", filters)
	head.assert_allowed("the Nine Box Grid")
	team = placed(head.report_rows())
	assert 0 < team < everyone, f"the head of Sales sees {team} of {everyone} reviews"
