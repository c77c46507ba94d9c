// Actuals in Excel on the KPI Measurement list: a department's employees × KPIs for one period
// (services/spreadsheets.py). Extends the list settings of kpi_measurement_list.js.
(() => {
	const settings = (frappe.listview_settings["KPI Measurement"] =
		frappe.listview_settings["KPI Measurement"] || {});
	const previous_onload = settings.onload;
	const method = "kpibsc.kpibsc.services.spreadsheets";

	settings.onload = function (listview) {
		if (previous_onload) previous_onload.call(this, listview);
		listview.page.add_inner_button(
			__("Download Template"),
			() => {
				frappe.prompt(
					[
						{
							fieldname: "department",
							fieldtype: "Link",
							options: "Department",
							label: __("Department"),
							reqd: 1,
						},
						{
							fieldname: "period_start",
							fieldtype: "Date",
							label: __("Period Start"),
							reqd: 1,
							default: frappe.datetime.month_start(),
						},
					],
					(values) => open_url_post(`/api/method/${method}.download_actuals`, values),
					__("Actuals in Excel"),
					__("Download")
				);
			},
			__("Actuals in Excel")
		);
		listview.page.add_inner_button(
			__("Upload Actuals"),
			() => {
				kpibsc.upload_xlsx(`${method}.upload_actuals`, {}, (result) => {
					frappe.show_alert(
						{
							message: __("Actuals uploaded: {0} measurements created, {1} updated.", [
								result.created,
								result.updated,
							]),
							indicator: "green",
						},
						8
					);
					listview.refresh();
				});
			},
			__("Actuals in Excel")
		);
	};
})();
