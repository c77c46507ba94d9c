// Charts in the site's number format (#14): on a #.###,## site a score tooltips "3,6", a
// percent "85,5%", and the y-axis reads "2,5", not "2.5" or "100.00".
//
// Frappe's query report formats a chart's tooltips only when the chart carries `fieldtype`,
// with frappe.format at the site's float precision ("3,600"; a Percent as "85.5%", whatever
// the number format), and writes the y-axis with shorten_number ("100.00" under 1,000). A
// kpibsc report's chart says `fieldtype` (Float, Percent or Currency with `options` the
// currency) and `precision`; the wrapper below formats it with kpibsc.charts.format, keeping
// the chart's own axisOptions (xIsSeries), which Frappe replaces. Charts drawn in kpibsc's
// own JS pass kpibsc.charts.options(...) to frappe.Chart.
//
// Included by each report script (an include line Frappe's get_script renders), evaluated
// once the desk's report view is loaded, so it guards against running twice. (No include
// tag may appear in this file's text, comments too: Frappe would look for its path.)
frappe.provide("kpibsc.charts");

if (!kpibsc.charts.format) {
	// the decimals a value has, at most `precision`: 3.6 → 1, 100 → 0
	const decimals = (value, precision) => (String(flt(value, precision)).split(".")[1] || "").length;

	// "3,6", "85,5%", "₫ 1.234.567": a value of `chart` ({fieldtype, options, precision})
	kpibsc.charts.format = (value, chart = {}) => {
		if (value === null || value === undefined || value === "") return "";
		const places = decimals(value, chart.precision ?? 2);
		if (chart.fieldtype === "Currency") return format_currency(value, chart.options, places);
		const text = format_number(value, null, places);
		return chart.fieldtype === "Percent" ? `${text}%` : text;
	};

	// a y-axis label: "2,5" under 1,000, Frappe's short form above with the site's decimal
	// mark ("2,57 B" for 2,570,000,000)
	kpibsc.charts.axis_label = (value) => {
		if (Math.abs(value) < 1000) return format_number(value, null, decimals(value, 4));
		return String(frappe.utils.format_chart_axis_number(value)).replace(/^-?\d+(\.\d+)?/, (number) =>
			format_number(+number, null, decimals(+number, 2))
		);
	};

	// tooltipOptions and axisOptions for frappe.Chart (and a report chart)
	kpibsc.charts.options = (chart = {}) => ({
		tooltipOptions: { formatTooltipY: (value) => kpibsc.charts.format(value, chart) },
		axisOptions: {
			...(chart.axisOptions || {}),
			shortenYAxisNumbers: 1,
			numberFormatter: kpibsc.charts.axis_label,
		},
	});
}

if (frappe.views.QueryReport && !frappe.views.QueryReport.prototype.__kpibsc_charts) {
	const QueryReport = frappe.views.QueryReport.prototype;
	QueryReport.__kpibsc_charts = true;
	const get_chart_options = QueryReport.get_chart_options;
	QueryReport.get_chart_options = function (data) {
		const chart = data && data.chart;
		const axis = chart && chart.axisOptions; // Frappe replaces the chart's own
		const options = get_chart_options.call(this, data);
		const ours = this.report_doc && this.report_doc.module === "KPIBSC";
		if (!options || !ours || options !== chart || !chart.fieldtype) return options;
		return Object.assign(options, kpibsc.charts.options({ ...chart, axisOptions: axis }));
	};
}
