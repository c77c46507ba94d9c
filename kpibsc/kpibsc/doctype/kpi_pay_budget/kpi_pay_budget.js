frappe.ui.form.on("KPI Pay Budget", {
	setup(frm) {
		frm.set_query("department", "departments", () => ({ filters: { company: frm.doc.company } }));
	},
});
