// The giver (or, for a request, the recipient) is the server's: the session user's employee.
frappe.ui.form.on("Continuous Feedback", {
	setup(frm) {
		const colleagues = () => ({ filters: { status: "Active" } });
		frm.set_query("recipient", colleagues);
		frm.set_query("giver", colleagues);
	},

	refresh(frm) {
		const answering = frm.doc.status === "Requested" && frm.doc.giver_user === frappe.session.user;
		if (answering) {
			frm.set_intro(__("{0} asked you for feedback.", [frm.doc.recipient_name || frm.doc.recipient]), "blue");
		}
		frm.toggle_reqd("feedback", !frm.doc.is_request || answering);
	},
});
