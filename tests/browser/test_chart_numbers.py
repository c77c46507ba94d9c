"""Report charts in the site's number format (#14): on the tier-3 site (`#.###,##`) a person
hovering a bar of the Balanced Scorecard's perspective chart, or a point of the KPI
Achievement chart, reads "85,5%", not "85.5" or "85.500"; the y-axis reads "20", "2,5", never
"100.00". The expected text is written from the chart's own values by `vietnamese()` below,
which knows the format, not kpibsc's code."""

import re

TOOLTIP_VALUES = """() => [...document.querySelectorAll('.graph-svg-tip')]
	.filter((tip) => tip.style.opacity === '1')
	.flatMap((tip) => [...tip.querySelectorAll('.tooltip-value')].map((el) => el.innerText.trim()))"""
Y_LABELS = (
	'() => [...document.querySelectorAll(\'.page-container:not([style*="display: none"]) '
	".chart-container .y.axis text')].map((el) => el.textContent.trim())"
)


def vietnamese(value: float, decimals: int = 1) -> str:
	"""`value` as a #.###,## site writes it, with at most `decimals` decimals, none when whole."""
	text = f"{round(value, decimals):,.{decimals}f}"
	if "." in text:
		text = text.rstrip("0").rstrip(".")
	return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def chart_values(desk) -> dict:
	return desk.page.evaluate(
		"() => { const options = frappe.query_report.chart_options || {};"
		" return {fieldtype: options.fieldtype, labels: options.data.labels,"
		" datasets: options.data.datasets.map((d) => d.values)}; }"
	)


def hover_tooltip(desk, selector: str) -> tuple[int, list[str]]:
	"""Move the mouse onto the first element matching `selector` in the chart that is drawn
	(a stacked bar's other statuses are 0 high), as a person does: the index of the point
	hovered and the tooltip's values."""
	index = desk.page.evaluate(
		"""(selector) => {
			const page = [...document.querySelectorAll('.page-container')].find((el) => el.offsetParent);
			const drawn = [...page.querySelectorAll(`.chart-container ${selector}`)].find((el) => {
				const box = el.getBoundingClientRect();
				return box.width > 0 && box.height > 0;
			});
			drawn.setAttribute('data-kpibsc-hover', '1');
			return Number(drawn.closest('[data-point-index]').getAttribute('data-point-index'));
		}""",
		selector,
	)
	desk.page.locator("[data-kpibsc-hover]").first.hover()
	desk.page.wait_for_function(
		"() => [...document.querySelectorAll('.graph-svg-tip')].some((tip) => tip.style.opacity === '1')"
	)
	return index, desk.page.evaluate(TOOLTIP_VALUES)


def assert_axis_in_site_format(desk):
	labels = [label for label in desk.page.evaluate(Y_LABELS) if label]
	assert labels, "the chart has no y-axis labels"
	for label in labels:
		# "0", "20", "2,5", "1.500", "2,57 B": never a point before decimals ("100.00", "2.5")
		assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?( \w+)?", label), labels
		assert not re.search(r"\.\d{1,2}$", label), labels


def test_balanced_scorecard_chart_tooltip_reads_85_5_percent(as_role, info):
	desk = as_role("manager")
	desk.open_report("Balanced Scorecard", {"scorecard": info["company_scorecard"]})
	desk.page.locator(".page-container:visible .chart-container").first.wait_for(state="visible")
	chart = chart_values(desk)
	assert chart["fieldtype"] == "Percent", chart
	# a perspective's bar: its score is in the one dataset (status) that is not 0 there
	index, shown = hover_tooltip(desk, ".dataset-units rect")
	score = next(values[index] for values in chart["datasets"] if values[index])
	assert f"{vietnamese(score)}%" in shown, (score, shown)
	assert all("%" in text and not re.search(r"\.\d", text) for text in shown), shown
	assert_axis_in_site_format(desk)


def test_kpi_achievement_chart_tooltip_in_the_site_format(as_role, info):
	desk = as_role("manager")
	desk.open_report("KPI Achievement", {"scorecard": info["company_scorecard"], "figure": "Achievement"})
	desk.page.locator(".page-container:visible .chart-container").first.wait_for(state="visible")
	chart = chart_values(desk)
	assert chart["fieldtype"] == "Percent", chart
	# a period's point: each KPI line's value there
	index, shown = hover_tooltip(desk, ".dataset-units circle")
	expected = [f"{vietnamese(values[index])}%" for values in chart["datasets"]]
	assert shown == expected, (shown, expected)
	assert_axis_in_site_format(desk)
