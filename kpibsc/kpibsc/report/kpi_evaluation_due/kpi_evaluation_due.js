frappe.query_reports["KPI Evaluation Due"] = {
	filters: [
		{
			fieldname: "due_within_days",
			label: __("Due Within (Days)"),
			fieldtype: "Int",
			default: 30,
		},
		{
			fieldname: "unreported_periods",
			label: __("Not Reported For (Periods)"),
			fieldtype: "Int",
			default: 3,
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "days_overdue" && data && data.days_overdue > 0) {
			value = `<span class="text-danger">${value}</span>`;
		}
		return value;
	},
};
