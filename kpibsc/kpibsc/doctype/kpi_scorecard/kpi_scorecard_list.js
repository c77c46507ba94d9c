frappe.listview_settings["KPI Scorecard"] = {
	add_fields: ["status", "scorecard_for"],
	get_indicator(doc) {
		const colour = { Draft: "gray", Active: "blue", Closed: "green" }[doc.status] || "gray";
		return [__(doc.status), colour, `status,=,${doc.status}`];
	},
};
