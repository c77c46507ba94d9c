// Targets agreed, not imposed (services/agreement.py): the manager proposes an employee's
// draft targets, the employee agrees or asks for changes — or the employee proposes their own
// figures and the manager agrees (setting them) or asks for changes. Buttons only for who may
// press them.
frappe.ui.form.on("KPI Scorecard", {
	refresh(frm) {
		const can = (frm.doc.__onload && frm.doc.__onload.agreement) || {};
		const method = "kpibsc.kpibsc.services.agreement";
		const done = () => frm.reload_doc();
		if (frm.doc.agreement_status) {
			const colour = {
				Agreed: "green",
				Proposed: "orange",
				"Proposed by Employee": "orange",
				"Changes Requested": "red",
			};
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
		if (frm.doc.agreement_status === "Proposed by Employee" && frm.doc.employee_proposal) {
			const proposal = JSON.parse(frm.doc.employee_proposal);
			const lines = (frm.doc.items || [])
				.filter((item) => item.kpi in proposal)
				.map(
					(item) =>
						`${frappe.utils.escape_html(item.kpi_name || item.kpi)}: ${kpibsc_plain_number(item.target)} → <b>${kpibsc_plain_number(proposal[item.kpi])}</b>`
				);
			frm.dashboard.set_headline(`${__("The employee proposes")}: ${lines.join("; ")}`, "orange");
		}
		if (can.can_propose_own) {
			frm.add_custom_button(
				__("Propose My Targets"),
				() => kpibsc_propose_own_targets(frm, method, done),
				__("Agreement")
			);
		}
		if (can.can_answer) {
			frm.add_custom_button(
				__("Agree to Targets"),
				() => frappe.xcall(`${method}.answer_proposal`, { scorecard: frm.doc.name, agree: 1 }).then(done),
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

function kpibsc_propose_own_targets(frm, method, done) {
	const items = frm.doc.items || [];
	const dialog = new frappe.ui.Dialog({
		title: __("Propose My Targets"),
		fields: [
			...items.map((item, index) => ({
				fieldname: `target_${index}`,
				fieldtype: "Float",
				label: `${item.kpi_name || item.kpi} (${__("now {0}", [kpibsc_plain_number(item.target)])})`,
				default: item.target,
			})),
			{ fieldname: "comment", fieldtype: "Small Text", label: __("Why") },
		],
		primary_action_label: __("Send to My Manager"),
		primary_action(values) {
			const targets = {};
			items.forEach((item, index) => {
				const figure = values[`target_${index}`];
				if (figure !== undefined && figure !== null && figure !== item.target) targets[item.kpi] = figure;
			});
			if (!Object.keys(targets).length) {
				frappe.msgprint(__("Change at least one target to propose it."));
				return;
			}
			frappe
				.xcall(`${method}.propose_own_targets`, {
					scorecard: frm.doc.name,
					targets,
					comment: values.comment,
				})
				.then(() => {
					dialog.hide();
					done();
				});
		},
	});
	dialog.show();
}

function kpibsc_plain_number(value) {
	return format_number(value, null, Number.isInteger(value) ? 0 : 2);
}
