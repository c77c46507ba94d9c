// Targets agreed, not imposed (services/agreement.py): the manager proposes an employee's
// draft targets, the employee agrees or asks for changes. Buttons only for who may press them.
frappe.ui.form.on("KPI Scorecard", {
	refresh(frm) {
		const can = (frm.doc.__onload && frm.doc.__onload.agreement) || {};
		const method = "kpibsc.kpibsc.services.agreement";
		const done = () => frm.reload_doc();
		if (frm.doc.agreement_status) {
			const colour = { Agreed: "green", Proposed: "orange", "Changes Requested": "red" };
			frm.dashboard.add_indicator(
				__("Targets: {0}", [__(frm.doc.agreement_status)]),
				colour[frm.doc.agreement_status] || "gray"
			);
		}
		if (can.can_propose) {
			frm.add_custom_button(
				__("Propose Targets"),
				() =>
					frappe.confirm(__("Send these targets to the employee to agree?"), () =>
						frappe.xcall(`${method}.propose_targets`, { scorecard: frm.doc.name }).then(done)
					),
				__("Agreement")
			);
		}
		if (can.can_answer) {
			frm.add_custom_button(
				__("Agree to Targets"),
				() =>
					frappe.xcall(`${method}.answer_proposal`, { scorecard: frm.doc.name, agree: 1 }).then(done),
				__("Agreement")
			);
			frm.add_custom_button(
				__("Ask for Changes"),
				() =>
					frappe.prompt(
						{ fieldname: "comment", fieldtype: "Small Text", label: __("What should change?"), reqd: 1 },
						(values) =>
							frappe
								.xcall(`${method}.answer_proposal`, {
									scorecard: frm.doc.name,
									agree: 0,
									comment: values.comment,
								})
								.then(done),
						__("Ask for Changes")
					),
				__("Agreement")
			);
		}
	},
});
