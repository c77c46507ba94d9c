"""Report charts in the site's number format (#14): on the tier-3 site (`#.###,##`) a person
hovering a bar of the Balanced Scorecard's perspective chart, or a point of the KPI
Achievement chart, reads "85,5%", not "85.5" or "85.500"; the y-axis reads "20", "2,5", never
"100.00". The expected text is written from the chart's own values by `vietnamese()` below,
which knows the format, not kpibsc's code."""

import re

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


POINT = """() => {
	const chart = [...document.querySelectorAll('.chart-container')].find((el) => {
		const box = el.getBoundingClientRect();
		return el.offsetParent && box.width > 0 && box.height > 0;
	});
	const label = chart.querySelector('.x.axis text').getBoundingClientRect();
	const axis = chart.querySelector('.y.axis').getBoundingClientRect();
	return {x: label.left + label.width / 2, y: axis.top + axis.height / 2};
}"""
TOOLTIP = """() => {
	const tip = [...document.querySelectorAll('.graph-svg-tip')].find((el) => el.style.opacity === '1');
	return tip && {
		title: tip.querySelector('.title').textContent.trim(),  // innerText is upper-cased by CSS
		values: [...tip.querySelectorAll('.tooltip-value')].map((el) => el.innerText.trim()),
	};
}"""


def hover_tooltip(desk) -> dict:
	"""Move the mouse over the chart above its first x-axis label (the first bar, the first
	period), as a person does, and read the tooltip: its title (the label) and values."""
	desk.wait_idle()
	for _attempt in range(5):  # the chart may be drawn again while the report settles
		point = desk.page.evaluate(POINT)
		desk.page.mouse.move(point["x"] - 3, point["y"])
		desk.page.mouse.move(point["x"], point["y"])
		desk.page.wait_for_timeout(300)
		tip = desk.page.evaluate(TOOLTIP)
		if tip:
			return tip
	raise AssertionError(f"no tooltip over the chart at {point}")


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
	# the first perspective's bar: its score is in the one dataset (status) not 0 there
	tip = hover_tooltip(desk)
	index, shown = chart["labels"].index(tip["title"]), tip["values"]
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
	# the first period: each KPI line's value there
	tip = hover_tooltip(desk)
	index, shown = chart["labels"].index(tip["title"]), tip["values"]
	expected = [f"{vietnamese(values[index])}%" for values in chart["datasets"]]
	assert shown == expected, (shown, expected)
	assert_axis_in_site_format(desk)
