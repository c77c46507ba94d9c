// charts in the site's number format (kpibsc.charts)
{% include "kpibsc/public/js/kpibsc_charts.js" %}

frappe.query_reports["Review Summary"] = {
	filters: [
		{
			fieldname: "review_cycle",
			label: __("Review Cycle"),
			fieldtype: "Link",
			options: "Performance Review Cycle",
		},
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "department", label: __("Department"), fieldtype: "Link", options: "Department" },
		{ fieldname: "approved_only", label: __("Approved Only"), fieldtype: "Check" },
	],
	onload(report) {
		frappe.after_ajax(() => report.get_filter_value("review_cycle") && report.refresh());
	},
};
