// Mid-period revisions of an active scorecard (services/revisions.py): Revise Targets asks for
// new targets and weights from a period on, with a reason; whoever may approve applies them.
// A request made while the form is open does not change the scorecard, so the pending list is
// not only the load's: the server announces a request to the form's viewers (realtime), a
// refresh that did not come from the server (back to the form) asks again, and an approver's
// Revisions → Check for Requests asks at once.
frappe.ui.form.on("KPI Scorecard", {
	setup() {
		kpibsc_listen_for_revisions();
	},
	refresh(frm) {
		const can = (frm.doc.__onload && frm.doc.__onload.revision) || {};
		if (frm.is_new() || frm.doc.status !== "Active") return;
		if (frm.kpibsc_revision_shown === can && !frm.kpibsc_revision_refreshing) {
			// the same load shown again (back to the form): what waits may have changed since
			kpibsc_refresh_revisions(frm);
		}
		frm.kpibsc_revision_shown = can;
		frm.kpibsc_revision_refreshing = false;
		frm.add_custom_button(
			__("Target Revisions"),
			() => frappe.set_route("List", "KPI Target Revision", { scorecard: frm.doc.name }),
			__("View")
		);
		const pending = can.pending || [];
		if (pending.length) {
			// an indicator: the headline is the recompute status's, which clears it
			frm.dashboard.add_indicator(
				__("{0} target revisions wait for approval: {1}", [
					pending.length,
					pending.map((row) => row.name).join(", "),
				]),
				"orange"
			);
		}
		if (frm.is_dirty()) return;
		if (can.can_request && (can.periods || []).length) {
			frm.add_custom_button(__("Revise Targets"), () => revision_dialog(frm, can));
		}
		if (can.can_approve) {
			frm.add_custom_button(
				__("Check for Requests"),
				() => kpibsc_refresh_revisions(frm, true),
				__("Revisions")
			);
			for (const row of pending) {
				frm.add_custom_button(
					__("Approve {0}", [row.name]),
					() => decide(frm, row, true),
					__("Revisions")
				);
				frm.add_custom_button(__("Reject {0}", [row.name]), () => decide(frm, row, false), __("Revisions"));
			}
		}
	},
});

// a request or a decision on a scorecard someone has open (services/revisions.py announces it
// to the form's room); registered from the form, once the desk's socket exists
let kpibsc_revisions_listening = false;
function kpibsc_listen_for_revisions() {
	if (kpibsc_revisions_listening || !frappe.realtime.socket) return;
	kpibsc_revisions_listening = true;
	frappe.realtime.on("kpibsc_target_revision", (data) => {
		const frm = window.cur_frm;
		if (frm && frm.doctype === "KPI Scorecard" && frm.doc.name === data.scorecard) {
			kpibsc_refresh_revisions(frm);
		}
	});
}

function kpibsc_refresh_revisions(frm, said) {
	return frappe
		.xcall("kpibsc.kpibsc.services.revisions.revision_actions", { scorecard: frm.doc.name })
		.then((fresh) => {
			const names = (can) => ((can && can.pending) || []).map((row) => row.name).join();
			const shown = frm.doc.__onload && frm.doc.__onload.revision;
			if (names(fresh) === names(shown) && !!fresh.can_approve === !!(shown && shown.can_approve)) {
				if (said) frappe.show_alert({ message: __("No new revision requests."), indicator: "blue" });
				return;
			}
			frm.doc.__onload = Object.assign(frm.doc.__onload || {}, { revision: fresh });
			frm.kpibsc_revision_refreshing = true;
			frm.refresh();
			if (said || names(fresh)) {
				frappe.show_alert({
					message: __("{0} target revisions wait for approval.", [(fresh.pending || []).length]),
					indicator: "orange",
				});
			}
		});
}

function revision_dialog(frm, can) {
	const rows = (frm.doc.items || []).map((item) => ({
		kpi: item.kpi,
		kpi_name: item.kpi_name || item.kpi,
		target: item.target,
		new_target: item.target,
		weight: item.weight,
		new_weight: item.weight,
	}));
	const dialog = new frappe.ui.Dialog({
		title: __("Revise Targets of {0}", [frm.doc.title]),
		size: "large",
		fields: [
			{
				fieldtype: "HTML",
				options: `<p class="text-muted">${__(
					"Periods before the effective one keep their targets and weights. A KPI's new target is for the whole scorecard period: the periods from the effective one on share what is left of it."
				)}</p>`,
			},
			{
				fieldname: "effective_from",
				fieldtype: "Select",
				label: __("Effective From"),
				reqd: 1,
				options: can.periods.map((value) => ({ value, label: frappe.datetime.str_to_user(value) })),
				default: can.periods[0],
			},
			{
				fieldname: "changes",
				fieldtype: "Table",
				label: __("KPIs"),
				cannot_add_rows: true,
				cannot_delete_rows: true,
				in_place_edit: true,
				data: rows,
				fields: [
					{ fieldname: "kpi", fieldtype: "Data", label: __("KPI"), read_only: 1, hidden: 1 },
					{ fieldname: "kpi_name", fieldtype: "Data", label: __("KPI"), read_only: 1, in_list_view: 1 },
					{ fieldname: "target", fieldtype: "Float", label: __("Target"), read_only: 1, in_list_view: 1 },
					{ fieldname: "new_target", fieldtype: "Float", label: __("New Target"), in_list_view: 1 },
					{ fieldname: "weight", fieldtype: "Float", label: __("Weight"), read_only: 1, in_list_view: 1 },
					{ fieldname: "new_weight", fieldtype: "Float", label: __("New Weight"), in_list_view: 1 },
				],
			},
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
		],
		primary_action_label: can.can_approve ? __("Revise") : __("Ask for Revision"),
		primary_action(values) {
			const changes = (values.changes || []).map((row) => ({
				kpi: row.kpi,
				target: row.new_target,
				weight: row.new_weight,
			}));
			frappe
				.call({
					method: "kpibsc.kpibsc.services.revisions.request_revision",
					args: {
						scorecard: frm.doc.name,
						effective_from: values.effective_from,
						reason: values.reason,
						changes,
						apply_now: can.can_approve ? 1 : 0,
					},
					freeze: true,
					freeze_message: __("Revising targets…"),
				})
				.then(({ message }) => {
					dialog.hide();
					frappe.show_alert({
						message:
							message.status === "Approved"
								? __("Revision {0} applied; the scores are being recomputed.", [message.revision])
								: __("Revision {0} sent for approval.", [message.revision]),
						indicator: "green",
					});
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}

function decide(frm, row, approve) {
	const send = (comment) =>
		frappe
			.xcall("kpibsc.kpibsc.services.revisions.decide_revision", {
				revision: row.name,
				approve_it: approve ? 1 : 0,
				comment,
			})
			.then(() => frm.reload_doc())
			// decided meanwhile by someone else (the server refuses it): show what waits now
			.catch(() => kpibsc_refresh_revisions(frm));
	const text = __("{0}, from {1}: {2}", [
		row.name,
		frappe.datetime.str_to_user(row.effective_from),
		row.reason,
	]);
	if (approve) {
		frappe.confirm(__("Approve and apply revision {0}?", [frappe.utils.escape_html(text)]), () => send());
		return;
	}
	frappe.prompt(
		{ fieldname: "comment", fieldtype: "Small Text", label: __("Why is it rejected?"), reqd: 1 },
		(values) => send(values.comment),
		__("Reject {0}", [row.name])
	);
}
