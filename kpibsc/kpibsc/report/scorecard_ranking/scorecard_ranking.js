frappe.query_reports["Scorecard Ranking"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
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
