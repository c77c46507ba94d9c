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
		// the KPI's Review Frequency, a Select option kept as stored: shown in the user's language
		if (column.fieldname === "review_frequency" && value) value = __(value);
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "days_overdue" && data && data.days_overdue > 0) {
			value = `<span class="text-danger">${value}</span>`;
		}
		return value;
	},
};
