frappe.ui.form.on("KPI Measurement", {
	setup(frm) {
		frm.set_query("scorecard", () => ({ filters: { status: ["!=", "Closed"] } }));
	},
	scorecard(frm) {
		fill_items(frm);
	},
	period_start(frm) {
		fill_items(frm);
	},
	refresh(frm) {
		if (frm.doc.scorecard) {
			frm.add_custom_button(
				__("Balanced Scorecard"),
				() =>
					frappe.set_route("query-report", "Balanced Scorecard", {
						scorecard: frm.doc.scorecard,
						period_start: frm.doc.period_start,
					}),
				__("View")
			);
		}
	},
});

function fill_items(frm) {
	if (!frm.doc.scorecard || !frm.doc.period_start || frm.doc.docstatus !== 0) return;
	frm.call({ method: "fill_items", doc: frm.doc }).then(() => frm.refresh_fields());
}
