// The manager and the KPIs needing attention are filled by the server when the check-in is saved.
const SCORECARD_QUERY = "kpibsc.kpibsc.services.checkins.scorecard_query";

frappe.ui.form.on("Performance Check-in", {
	setup(frm) {
		// the server's query: a Reports To manager who is not the head picks the report's
		// scorecard without read on it
		frm.set_query("scorecard", () => ({
			query: SCORECARD_QUERY,
			filters: { employee: frm.doc.employee || "" },
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
		frappe
			.xcall(SCORECARD_QUERY, {
				doctype: "KPI Scorecard",
				txt: "",
				searchfield: "name",
				start: 0,
				page_len: 1,
				filters: { employee: frm.doc.employee, on_date: frappe.datetime.get_today() },
			})
			.then((rows) => {
				if (rows.length && !frm.doc.scorecard) frm.set_value("scorecard", rows[0][0]);
			});
	},
});
