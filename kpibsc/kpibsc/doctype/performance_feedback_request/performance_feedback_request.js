frappe.ui.form.on("Performance Feedback Request", {
	refresh(frm) {
		if (frm.is_new()) return;
		const rater = frm.doc.rater_user === frappe.session.user;
		if (rater && frm.doc.status === "Approved") {
			frm.add_custom_button(__("Send Feedback"), () =>
				frm.save().then(() =>
					frm.call({ method: "submit_feedback", doc: frm.doc, freeze: true }).then(() => {
						frappe.show_alert({ message: __("Thank you: your feedback is sent."), indicator: "green" });
						frm.reload_doc();
					})
				)
			);
		}
		// as the server's decline: the rater, or whoever acts on every review (permissions.REVIEW_HR_ROLES)
		const review_hr = frappe.user.has_role(["HR User", "HR Manager", "KPI Manager", "System Manager"]);
		if (["Proposed", "Approved"].includes(frm.doc.status) && (rater || review_hr)) {
			frm.add_custom_button(__("Decline"), () =>
				frappe.prompt(
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason") },
					({ reason }) => frm.call("decline", { reason }).then(() => frm.reload_doc()),
					__("Decline"),
					__("Decline")
				)
			);
		}
		if (frm.doc.status === "Proposed" && !rater) {
			frm.add_custom_button(__("Approve"), () => frm.call("approve").then(() => frm.reload_doc()));
		}
		frm.set_df_property("ratings", "cannot_add_rows", true);
		frm.set_df_property("ratings", "cannot_delete_rows", true);
	},
});
