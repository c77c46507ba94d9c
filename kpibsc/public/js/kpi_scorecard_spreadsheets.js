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
				kpibsc_upload_xlsx(
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

// Ask for an .xlsx, then call `method` with its File URL: the server saves all of it or, naming
// each bad cell, none of it.
function kpibsc_upload_xlsx(method, args, done) {
	new frappe.ui.FileUploader({
		allow_multiple: false,
		make_attachments_public: false,
		restrictions: { allowed_file_types: [".xlsx"] },
		on_success(file) {
			frappe.call({
				method,
				args: { ...args, file_url: file.file_url },
				freeze: true,
				freeze_message: __("Checking every cell…"),
				callback: (r) => r.message && done(r.message),
			});
		},
	});
}
