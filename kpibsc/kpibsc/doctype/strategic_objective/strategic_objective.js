frappe.ui.form.on("Strategic Objective", {
	refresh(frm) {
		if (frm.is_new()) return;
		// work that serves this objective lives in ERPNext Projects: Task and Project
		frm.add_custom_button(
			__("Task"),
			() =>
				frappe.new_doc("Task", {
					strategic_objective: frm.doc.name,
					company: frm.doc.company,
				}),
			__("Create")
		);
		frm.add_custom_button(
			__("Strategic Initiative"),
			() =>
				frappe.new_doc("Project", {
					is_strategic_initiative: 1,
					strategic_objective: frm.doc.name,
					company: frm.doc.company,
				}),
			__("Create")
		);
	},
});
