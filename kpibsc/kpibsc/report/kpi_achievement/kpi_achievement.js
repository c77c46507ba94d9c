// charts in the site's number format (kpibsc.charts)
{% include "kpibsc/public/js/kpibsc_charts.js" %}

frappe.query_reports["KPI Achievement"] = {
	filters: [
		{
			fieldname: "scorecard",
			label: __("Scorecard"),
			fieldtype: "Link",
			options: "KPI Scorecard",
			// not reqd, and refreshed in onload: opened with ?scorecard=… the report first
			// ran with the filter still empty ("Please set filters") and did not run again

		},
		{
			fieldname: "figure",
			label: __("Show"),
			fieldtype: "Select",
			options: [
				{ value: "Achievement", label: __("Achievement") },
				{ value: "Actual", label: __("Actual") },
				{ value: "Score", label: __("Score") },
			],
			default: "Achievement",
		},
		{
			fieldname: "kpi",
			label: __("KPI"),
			fieldtype: "Link",
			options: "KPI",
			description: __("Chart one KPI's year to date against its target, with the forecast."),
		},
	],
	onload(report) {
		// run again once the scorecard filter (a Link, validated over ajax) holds its value
		frappe.after_ajax(() => report.get_filter_value("scorecard") && report.refresh());
		// opened without a scorecard: the user's own (the company's for a KPI Manager)
		if (!report.get_filter_value("scorecard")) {
			frappe.xcall("kpibsc.kpibsc.services.home.default_scorecard").then((scorecard) => {
				if (scorecard && !report.get_filter_value("scorecard")) {
					// the Link is validated over ajax, and the report ran already without it
					report.set_filter_value("scorecard", scorecard);
					frappe.after_ajax(() => report.refresh());
				}
			});
		}
	},
	formatter(value, row, column, data, default_formatter) {
		if (data && data[column.fieldname] == null && ["Float", "Percent"].includes(column.fieldtype)) {
			return ""; // no target or actual on an objective, nothing reported: blank, not 0
		}
		if (column.fieldtype === "Percent" && value != null) {
			// the site's number format ("94,4%"), where the desk's Percent writes "94.4%"
			const precision = column.precision ?? 1;
			return `<div style="text-align: right">${format_number(value, null, precision)}%</div>`;
		}
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "ytd_status" && data && data.ytd_status) {
			const colour = { Green: "green", Amber: "orange", Red: "red" }[data.ytd_status] || "gray";
			return `<span class="indicator-pill ${colour}">${__(data.ytd_status)}</span>`;
		}
		if (column.fieldname === "trend" && data && data.trend) {
			const arrow = data.trend > 0 ? "▲" : "▼";
			const colour = data.trend > 0 ? "var(--green-600)" : "var(--red-600)";
			return `<span style="color: ${colour}">${arrow} ${value}</span>`;
		}
		return value;
	},
};
