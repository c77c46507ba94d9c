// charts in the site's number format (kpibsc.charts)
{% include "kpibsc/public/js/kpibsc_charts.js" %}

frappe.query_reports["KPI Pay Register"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.month_start(),
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.month_end() },
		{ fieldname: "department", label: __("Department"), fieldtype: "Link", options: "Department" },
	],
	tree: true,
	name_field: "name",
	parent_field: "parent",
	initial_depth: 1,
};
