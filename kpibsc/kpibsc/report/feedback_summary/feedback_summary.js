frappe.query_reports["Feedback Summary"] = {
	filters: [
		{
			fieldname: "review_cycle",
			label: __("Review Cycle"),
			fieldtype: "Link",
			options: "Performance Review Cycle",
		},
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "department", label: __("Department"), fieldtype: "Link", options: "Department" },
	],
};
