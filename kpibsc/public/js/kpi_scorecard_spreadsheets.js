// Targets → Download / Upload: the scorecard's items × periods in Excel (services/spreadsheets.py).
// Kept apart from kpi_scorecard.js (loaded through hooks doctype_js) so the two evolve separately.
frappe.ui.form.on("KPI Scorecard", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(
			__("Download Template"),
			() =>
				open_url_post("/api/method/kpibsc.kpibsc.services.spreadsheets.download_targets", {
					scorecard: frm.doc.name,
				}),
			__("Targets")
		);
		const actions = (frm.doc.__onload && frm.doc.__onload.actions) || {};
		if (actions.can_write === false || frm.doc.status === "Closed") return;
		frm.add_custom_button(
			__("Upload Targets"),
			() =>
				kpibsc.upload_xlsx(
					"kpibsc.kpibsc.services.spreadsheets.upload_targets",
					{ scorecard: frm.doc.name },
					(result) => {
						frappe.show_alert(
							{
								message: __("Targets uploaded: {0} item targets, {1} pinned, {2} unpinned.", [
									result.items,
									result.pinned,
									result.unpinned,
								]),
								indicator: "green",
							},
							8
						);
						frm.reload_doc();
					}
				),
			__("Targets")
		);
	},
});
