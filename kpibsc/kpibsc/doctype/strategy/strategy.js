frappe.ui.form.on("Strategy", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Strategy Map"), () => {
			frappe.route_options = { strategy: frm.doc.name };
			frappe.set_route("strategy-map");
		});
		frm.add_custom_button(__("Objectives Tree"), () => {
			frappe.route_options = { strategy: frm.doc.name };
			frappe.set_route("Tree", "Strategic Objective");
		});
	},
});
