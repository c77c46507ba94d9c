// Scheduled review of a scorecard (services/scorecard_review.py): Review → Mark Reviewed records
// what the review found and moves Next Review on by the review frequency.
frappe.ui.form.on("KPI Scorecard", {
	refresh(frm) {
		if (frm.is_new() || !frm.doc.review_frequency || !frm.perm[0] || !frm.perm[0].write) return;
		if (
			frm.doc.next_review &&
			frappe.datetime.get_diff(frm.doc.next_review, frappe.datetime.get_today()) <= 0
		) {
			frm.dashboard.add_indicator(
				__("Review due {0}", [frappe.datetime.str_to_user(frm.doc.next_review)]),
				"orange"
			);
		}
		frm.add_custom_button(
			__("Mark Reviewed"),
			() =>
				frappe.prompt(
					{
						fieldname: "note",
						fieldtype: "Small Text",
						label: __("What did the review find?"),
						reqd: 1,
					},
					(values) =>
						frappe
							.xcall("kpibsc.kpibsc.services.scorecard_review.mark_reviewed", {
								scorecard: frm.doc.name,
								note: values.note,
							})
							.then((result) => {
								frappe.show_alert(
									{
										message: __("Reviewed. Next review: {0}", [
											frappe.datetime.str_to_user(result.next_review),
										]),
										indicator: "green",
									},
									8
								);
								frm.reload_doc();
							}),
					__("Mark Reviewed")
				),
			__("Scheduled Review") // not "Review": translated as the review form (Phiếu đánh giá)
		);
	},
});
