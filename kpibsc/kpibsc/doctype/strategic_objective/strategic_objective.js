frappe.ui.form.on("Strategic Objective", {
	refresh(frm) {
		if (frm.is_new()) return;
		// work that serves this objective lives in ERPNext Projects: Task and Project
		frm.add_custom_button(
			__("Task"),
			() =>
				open_full_form("Task", {
					strategic_objective: frm.doc.name,
					company: frm.doc.company,
				}),
			__("Create")
		);
		frm.add_custom_button(
			__("Strategic Initiative"),
			() =>
				open_full_form("Project", {
					is_strategic_initiative: 1,
					strategic_objective: frm.doc.name,
					company: frm.doc.company,
				}),
			__("Create")
		);
	},
});

function open_full_form(doctype, values) {
	// the full form, not the quick entry, which would hide the prefilled objective
	frappe.model.with_doctype(doctype, () => {
		const doc = frappe.model.get_new_doc(doctype);
		Object.assign(doc, values);
		frappe.set_route("Form", doctype, doc.name);
	});
}
