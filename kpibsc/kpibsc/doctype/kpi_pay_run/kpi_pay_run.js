frappe.ui.form.on("KPI Pay Run", {
	setup(frm) {
		const by_company = () => ({ filters: { company: frm.doc.company } });
		frm.set_query("department", by_company);
	},

	refresh(frm) {
		if (frm.doc.status === "Failed" && frm.doc.error_message) {
			const lines = frappe.utils.escape_html(frm.doc.error_message).split("\n");
			frm.dashboard.set_headline_alert(lines.join("<br>"), "red");
		}
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
		// Queued too: a worker that died leaves the run Queued with nothing made (the server refuses while the job lives)
		if (frm.doc.docstatus === 1 && ["Failed", "Queued"].includes(frm.doc.status) && frm.perm[0]?.submit) {
			frm.add_custom_button(__("Retry"), () =>
				frm
					.call({
						method: "retry",
						doc: frm.doc,
						freeze: true,
						freeze_message: __("Making the missing Additional Salaries…"),
					})
					.then(({ message }) => {
						if (message?.queued) {
							frappe.show_alert({
								message: __("{0} Additional Salaries are being made in the background.", [
									message.queued,
								]),
								indicator: "blue",
							});
						}
						frm.reload_doc();
					})
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
