frappe.listview_settings["KPI Measurement"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colour = { Draft: "orange", Approved: "green", Cancelled: "red" }[doc.status] || "gray";
		return [__(doc.status), colour, `status,=,${doc.status}`];
	},
	onload(listview) {
		// every open scorecard's draft for one period, from ERPNext, in the background
		// (services/actuals_bulk.py); a KPI Manager's job
		if (!frappe.user.has_role(["KPI Manager", "System Manager"])) return;
		listview.page.add_inner_button(__("Fill Actuals from ERPNext"), () => {
			frappe.prompt(
				[
					{
						fieldname: "period_start",
						fieldtype: "Date",
						label: __("Period Start"),
						reqd: 1,
						default: frappe.datetime.month_start(),
					},
					{
						fieldname: "company",
						fieldtype: "Link",
						options: "Company",
						label: __("Company"),
						default: frappe.defaults.get_user_default("Company"),
					},
				],
				(values) =>
					frappe
						.call("kpibsc.kpibsc.services.actuals_bulk.fill_period_actuals", values)
						.then(() =>
							frappe.show_alert(
								{
									message: __(
										"The actuals of every open scorecard are being filled from ERPNext in the background."
									),
									indicator: "blue",
								},
								8
							)
						),
				__("Fill Actuals from ERPNext"),
				__("Fill")
			);
		});
	},
};
