frappe.ui.form.on("KPI Pay Run", {
	setup(frm) {
		const by_company = () => ({ filters: { company: frm.doc.company } });
		frm.set_query("department", by_company);
	},

	refresh(frm) {
		if (frm.doc.docstatus === 0 && !frm.is_new()) {
			frm.add_custom_button(__("Get Employees"), () =>
				frm
					.call({ method: "get_employees", doc: frm.doc, freeze: true, freeze_message: __("Computing pay…") })
					.then(() => frm.reload_doc())
			);
		}
		if (!frm.is_new()) {
			frm.add_custom_button(
				__("KPI Pay Register"),
				() =>
					frappe.set_route("query-report", "KPI Pay Register", {
						company: frm.doc.company,
						from_date: frm.doc.from_date,
						to_date: frm.doc.to_date,
					}),
				__("View")
			);
		}
		if (frm.doc.docstatus === 1) {
			frm.add_custom_button(
				__("Additional Salaries"),
				() =>
					frappe.set_route("List", "Additional Salary", {
						ref_doctype: "KPI Pay Run",
						ref_docname: frm.doc.name,
					}),
				__("View")
			);
		}
	},
});
