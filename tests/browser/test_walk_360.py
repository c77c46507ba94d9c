"""What a walk through last session's new screens found, as each role, kept as flows so it stays
fixed (the walk itself: Vietnamese and English desks, 1280 and 390 px wide).

- Review Calibration opened with no cycle showed an empty page, not the hint to choose one, and
  a second visit with a cycle in the route (from a link) kept the last one instead.
- On a phone-wide window the calibration tables pushed the page wider than the screen.
"""

CALIBRATION = ".page-container:visible .review-calibration"


def text(desk, message: str) -> str:
	"""`message` as this desk shows it (translated for the user's language)."""
	return desk.page.evaluate("(m) => __(m)", message)


def test_calibration_page_hints_then_takes_the_cycle_from_the_route(as_role, info):
	desk = as_role("hr")
	desk.go("review-calibration")
	desk.assert_allowed("the calibration page")
	board = desk.page.locator(CALIBRATION)
	assert board.inner_text().strip() == text(desk, "Choose a review cycle."), board.inner_text()

	# away and back with a cycle in the route, as a link to the page sends it
	desk.go("List", "Performance Review")
	desk.go("review-calibration", query={"cycle": info["review_cycle"]})
	desk.page.locator(f"{CALIBRATION} [data-band]").first.wait_for()
	cycle = desk.page.locator(".page-container:visible .page-form [data-fieldname='cycle'] input")
	assert cycle.input_value() == info["review_cycle"]
	assert text(desk, "Choose a review cycle.") not in board.inner_text()

	# a phone's width: the bands' tables scroll in their cards, the page does not widen
	desk.page.set_viewport_size({"width": 390, "height": 844})
	try:
		desk.page.wait_for_timeout(300)
		width = desk.page.evaluate("() => document.documentElement.scrollWidth")
		assert width <= 390, f"the page is {width}px wide on a 390px screen"
		assert desk.page.locator(f"{CALIBRATION} .table-responsive table").count() >= 1
	finally:
		desk.page.set_viewport_size({"width": 1440, "height": 900})
