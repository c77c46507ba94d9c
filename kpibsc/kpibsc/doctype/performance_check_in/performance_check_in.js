// The manager and the KPIs needing attention are filled by the server when the check-in is saved.
frappe.ui.form.on("Performance Check-in", {
	setup(frm) {
		frm.set_query("scorecard", () => ({
			filters: { scorecard_for: "Employee", employee: frm.doc.employee || "" },
		}));
	},

	refresh(frm) {
		if (frm.is_new()) return;
		const without_task = (frm.doc.actions || []).filter((row) => !row.task);
		if (without_task.length && !frm.doc.__unsaved) {
			frm.add_custom_button(__("Create Tasks"), () =>
				frm.call("create_tasks").then(({ message }) => {
					frappe.show_alert({
						message: __("{0} tasks created", [(message || []).length]),
						indicator: "green",
					});
					frm.reload_doc();
				})
			);
		}
	},

	employee(frm) {
		if (!frm.doc.employee) return;
		// the employee's scorecard that covers today (a draft too: the demo's are), latest first
		const today = frappe.datetime.get_today();
		frappe.db
			.get_list("KPI Scorecard", {
				filters: [
					["scorecard_for", "=", "Employee"],
					["employee", "=", frm.doc.employee],
					["status", "!=", "Closed"],
					["from_date", "<=", today],
					["to_date", ">=", today],
				],
				fields: ["name", "from_date", "to_date"],
				order_by: "from_date desc",
				limit: 1,
			})
			.then((rows) => {
				if (rows.length && !frm.doc.scorecard) frm.set_value("scorecard", rows[0].name);
			});
	},
});
