// charts in the site's number format (kpibsc.charts)
{% include "kpibsc/public/js/kpibsc_charts.js" %}

frappe.query_reports["Scorecard Ranking"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			// no default here: that would be the site's company; onload sets the user's
			reqd: 1,
		},
		{
			fieldname: "level",
			label: __("Rank"),
			fieldtype: "Select",
			options: [
				{ value: "Employee", label: __("Employees") },
				{ value: "Department", label: __("Departments") },
			],
			default: "Employee",
		},
		{
			fieldname: "department",
			label: __("Department"),
			fieldtype: "Link",
			options: "Department",
		},
		{
			fieldname: "period_start",
			label: __("Period"),
			fieldtype: "Date",
			description: __("Any date in the period; empty for the latest period with scores."),
		},
		{
			fieldname: "view",
			label: __("Figures"),
			fieldtype: "Select",
			options: [
				{ value: "Period", label: __("Period") },
				{ value: "Year to Date", label: __("Year to Date") },
			],
			default: "Year to Date",
		},
	],
	onload(report) {
		if (report.get_filter_value("company")) return; // opened with ?company=…
		frappe
			.xcall("kpibsc.kpibsc.report.scorecard_ranking.scorecard_ranking.default_company")
			.then((company) => company && report.set_filter_value("company", company));
	},
	formatter(value, row, column, data, default_formatter) {
		if (data && data[column.fieldname] == null && ["Float", "Percent"].includes(column.fieldtype)) {
			return ""; // no target or actual on an objective, nothing reported: blank, not 0
		}
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "status" && data && data.status) {
			const colour = { Green: "green", Amber: "orange", Red: "red" }[data.status] || "gray";
			return `<span class="indicator-pill ${colour}">${__(data.status)}</span>`;
		}
		return value;
	},
};
