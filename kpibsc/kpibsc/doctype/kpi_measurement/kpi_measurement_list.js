frappe.listview_settings["KPI Measurement"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colour = { Draft: "orange", Approved: "green", Cancelled: "red" }[doc.status] || "gray";
		return [__(doc.status), colour, `status,=,${doc.status}`];
	},
};
