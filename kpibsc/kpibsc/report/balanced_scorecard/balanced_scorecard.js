// charts in the site's number format (kpibsc.charts)
{% include "kpibsc/public/js/kpibsc_charts.js" %}

const STATUS_COLOURS = {
	Green: "green",
	Amber: "orange",
	Red: "red",
	"No Data": "gray",
	// a forecast's
	"At Risk": "red",
	"Not Enough Data": "gray",
	// an initiative's Project status
	Open: "blue",
	Completed: "green",
	Cancelled: "gray",
};

frappe.query_reports["Balanced Scorecard"] = {
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
			fieldname: "period_start",
			label: __("Period"),
			fieldtype: "Date",
			description: __("Any date in the period; empty for the latest period with actuals."),
		},
		{
			fieldname: "view",
			label: __("Figures"),
			fieldtype: "Select",
			options: [
				{ value: "Period", label: __("Period") },
				{ value: "Year to Date", label: __("Year to Date") },
			],
			default: "Period",
		},
		{
			fieldname: "targets",
			label: __("Targets"),
			fieldtype: "Select",
			options: [
				{ value: "As Revised", label: __("As Revised") },
				{ value: "As Originally Set", label: __("As Originally Set") },
			],
			default: "As Revised",
			description: __("As originally set: scored against the targets and weights before any mid-period revision."),
		},
	],
	tree: true,
	name_field: "name",
	parent_field: "parent",
	initial_depth: 3,
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
		// scores recomputed in the background: show the new ones (or why there are none)
		for (const event of ["kpibsc_recompute_done", "kpibsc_recompute_failed"]) {
			frappe.realtime.on(event, (data) => {
				const scorecard = report.get_filter_value("scorecard");
				if (scorecard && (data.scorecards || []).includes(scorecard)) report.refresh();
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
		if (["target", "actual", "forecast"].includes(column.fieldname) && data && data.precision != null) {
			// a KPI in a currency: its decimals, none for VND ("2.565.983.559")
			column = { ...column, precision: data.precision };
		}
		if (column.fieldname === "score" && data && data.score_text) {
			// a 0-5 scorecard's "3.6 / 5", a score past the top of its scale "(above scale)"
			return `<div style="text-align: right">${frappe.utils.escape_html(data.score_text)}</div>`;
		}
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "status" && data && data.status) {
			const colour = STATUS_COLOURS[data.status] || "gray";
			return `<span class="indicator-pill ${colour}">${__(data.status)}</span>`;
		}
		if (column.fieldname === "forecast_status" && data && data.forecast_status) {
			const colour = STATUS_COLOURS[data.forecast_status] || "gray";
			return `<span class="indicator-pill ${colour}">${__(data.forecast_status)}</span>`;
		}
		if (column.fieldname === "forecast" && data && data.forecast_low != null) {
			// the band as a tooltip: "from 672.15 to 1,087.85"
			const band = __("from {0} to {1}", [
				format_number(data.forecast_low, null, 2),
				format_number(data.forecast_high, null, 2),
			]);
			return `<span title="${frappe.utils.escape_html(band)}">${value}</span>`;
		}
		if (column.fieldname === "trend" && data && data.trend) {
			const arrow = { Up: "↑", Down: "↓", Flat: "→" }[data.trend] || "";
			// green when it is good news (up, or down for a lower-is-better KPI)
			const tone =
				data.trend === "Flat" ? "text-muted" : data.trend_is_good ? "text-success" : "text-danger";
			return `<span class="${tone}" title="${__(data.trend)}">${arrow}</span>`;
		}
		if (column.fieldname === "node" && data && data.indent < 2) {
			return `<b>${value}</b>`;
		}
		return value;
	},
};
