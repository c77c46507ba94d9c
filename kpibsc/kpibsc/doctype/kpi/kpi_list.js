frappe.listview_settings["KPI"] = {
	onload(listview) {
		if (!frappe.model.can_create("KPI")) return;
		// a button beside Add KPI (a newcomer's empty list starts here) and in the menu
		const load_library = () => {
			const dialog = new frappe.ui.Dialog({
				title: __("Load KPI Library"),
				// the language first: the dialog focuses its first field, and the categories'
				// list, opened on focus, would cover the Load button
				fields: [
					{
						fieldname: "language",
						fieldtype: "Select",
						label: __("Language"),
						options: "en\nvi",
						default: frappe.boot.lang === "vi" ? "vi" : "en",
					},
					{
						fieldname: "categories",
						fieldtype: "MultiSelectPills",
						label: __("Categories"),
						description: __("Leave empty to load every category."),
						// the library's categories are the KPI's Category options
						get_data: () =>
							frappe.meta
								.get_docfield("KPI", "category")
								.options.split("\n")
								.filter(Boolean)
								// a label, not a description: the description printed each name twice
								.map((value) => ({ value, label: __(value) })),
					},
				],
				primary_action_label: __("Load"),
				primary_action(values) {
					frappe
						.call("kpibsc.kpibsc.services.kpi_library.load_kpi_library", {
							categories: values.categories || [],
							language: values.language,
						})
						.then(({ message }) => {
							dialog.hide();
							frappe.show_alert({
								message: __("{0} KPIs created, {1} already there", [
									message.created,
									message.skipped,
								]),
								indicator: "green",
							});
							listview.refresh();
						});
				},
			});
			dialog.show();
		};
		listview.page.add_inner_button(__("Load KPI Library"), load_library);
		listview.page.add_menu_item(__("Load KPI Library"), load_library);
	},
};
