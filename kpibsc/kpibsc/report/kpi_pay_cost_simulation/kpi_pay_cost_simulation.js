// charts in the site's number format (kpibsc.charts)
{% include "kpibsc/public/js/kpibsc_charts.js" %}

frappe.query_reports["KPI Pay Cost Simulation"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			reqd: 1,
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			reqd: 1,
			default: frappe.datetime.month_start(),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			reqd: 1,
			default: frappe.datetime.month_end(),
		},
		{
			fieldname: "pay_policy",
			label: __("Pay Policy"),
			fieldtype: "Link",
			options: "KPI Pay Policy",
			description: __("Empty: the policy in effect at the end of the period."),
			get_query: () => ({ filters: { company: frappe.query_report.get_filter_value("company") } }),
		},
		{ fieldname: "department", label: __("Department"), fieldtype: "Link", options: "Department" },
		{
			fieldname: "scenario",
			label: __("Scenario"),
			fieldtype: "Select",
			options: [
				{ value: "Current Scores", label: __("Current Scores") },
				{ value: "Forced Distribution", label: __("Forced Distribution") },
				{ value: "What-if Shares", label: __("What-if Shares") },
			],
			default: "Current Scores",
		},
		{
			fieldname: "what_if_shares",
			label: __("What-if Shares"),
			fieldtype: "Data",
			description: __("Percent of employees per rank band, e.g. A=10, B=60, C=30."),
			depends_on: "eval:doc.scenario == 'What-if Shares'",
		},
		{
			fieldname: "pay_budget",
			label: __("Pay Budget"),
			fieldtype: "Link",
			options: "KPI Pay Budget",
			get_query: () => ({ filters: { company: frappe.query_report.get_filter_value("company") } }),
		},
		{ fieldname: "total_budget", label: __("Total Budget"), fieldtype: "Currency" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (data?.is_total) value = `<b>${value}</b>`;
		if (column.fieldname === "variance" && data?.variance < 0) value = `<span class="text-danger">${value}</span>`;
		return value;
	},
};
