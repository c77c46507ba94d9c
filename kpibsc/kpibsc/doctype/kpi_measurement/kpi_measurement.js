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
	onload(frm) {
		if (frm.kpibsc_listening) return;
		frm.kpibsc_listening = true;
		for (const event of ["kpibsc_recompute_done", "kpibsc_recompute_failed"]) {
			frappe.realtime.on(event, (data) => {
				if ((data.scorecards || []).includes(frm.doc.scorecard)) show_recompute_status(frm);
			});
		}
	},
	refresh(frm) {
		if (frm.doc.docstatus > 0) show_recompute_status(frm);
		offer_send_for_approval(frm);
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

function offer_send_for_approval(frm) {
	// nobody approves their own numbers: whoever may not approve this draft sees "Send for
	// Approval" where Submit (approve) would be refused by the server
	if (frm.doc.docstatus !== 0 || frm.is_new() || (frm.doc.__onload || {}).may_approve) return;
	frm.perm[0].submit = 0;
	frm.toolbar.set_primary_action();
	if (frm.is_dirty()) return;
	frm.page.set_primary_action(__("Send for Approval"), () =>
		frm.call({ method: "send_for_approval", doc: frm.doc }).then(({ message }) => {
			frappe.show_alert({
				message: message && message.length
					? __("Sent to {0} for approval.", [message.map(frappe.utils.escape_html).join(", ")])
					: __("Waiting for a KPI Manager to approve it."),
				indicator: "green",
			});
		})
	);
}

function show_recompute_status(frm) {
	// approving or cancelling queues a recompute of the scorecard: say so until it has run
	if (!frm.doc.scorecard || frm.doc.docstatus === 0) return;
	frappe
		.xcall("kpibsc.kpibsc.services.recompute.get_recompute_status", { scorecard: frm.doc.scorecard })
		.then((status) => {
			frm.dashboard.clear_headline();
			if (!status) return;
			const colour = status.state === "failed" ? "red" : "yellow";
			frm.dashboard.set_headline_alert(frappe.utils.escape_html(status.message), colour);
		});
}

function fill_items(frm) {
	if (!frm.doc.scorecard || !frm.doc.period_start || frm.doc.docstatus !== 0) return;
	frm.call({ method: "fill_items", doc: frm.doc }).then(() => frm.refresh_fields());
}

frappe.ui.form.on("KPI Measurement Item", {
	actual(frm, cdt, cdn) {
		// store a plain number: people type in the site's number format ("1.234,5"),
		// the server reads "1234.5"
		const row = locals[cdt][cdn];
		const typed = (row.actual || "").trim();
		// setting the plain value fires this handler again; converting "1234.5" a second
		// time would read its dot as a thousands separator on a "#.###,##" site
		if (!typed || typed === row.__plain_actual) return;
		const plain = String(flt(typed));
		row.__plain_actual = plain;
		if (/[0-9]/.test(typed) && plain !== typed) {
			frappe.model.set_value(cdt, cdn, "actual", plain);
		}
	},
});
