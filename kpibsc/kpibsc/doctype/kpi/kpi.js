// Evaluate: keep, adjust or retire the KPI with a reason, its recent results beside the choice
// (services/evaluation.py). Shown to those who may record a KPI Evaluation.
frappe.ui.form.on("KPI", {
	refresh(frm) {
		if (frm.is_new() || !frappe.model.can_create("KPI Evaluation")) return;
		frm.add_custom_button(__("Evaluate"), () => kpibsc_evaluate(frm));
		frm.add_custom_button(__("Evaluations"), () =>
			frappe.set_route("List", "KPI Evaluation", { kpi: frm.doc.name })
		);
	},
});

function kpibsc_evaluate(frm) {
	frappe
		.xcall("kpibsc.kpibsc.services.evaluation.evaluation_context", { kpi: frm.doc.name })
		.then((context) => {
			const dialog = new frappe.ui.Dialog({
				title: __("Evaluate {0}", [frm.doc.kpi_name || frm.doc.name]),
				fields: [
					{ fieldname: "results", fieldtype: "HTML" },
					{
						fieldname: "outcome",
						fieldtype: "Select",
						label: __("Outcome"),
						options: ["Keep", "Adjust", "Retire"].map((value) => ({
							value,
							label: __(value),
						})),
						default: "Keep",
						reqd: 1,
						description: __(
							"Adjust: change the KPI's settings after this; Retire: the KPI is disabled, so no new scorecard takes it."
						),
					},
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
				],
				primary_action_label: __("Record Evaluation"),
				primary_action(values) {
					frappe
						.xcall("kpibsc.kpibsc.services.evaluation.evaluate", {
							kpi: frm.doc.name,
							outcome: values.outcome,
							reason: values.reason,
						})
						.then((result) => {
							dialog.hide();
							frappe.show_alert(
								{
									message: result.next_evaluation
										? __("Evaluation recorded. Next evaluation: {0}.", [
												frappe.datetime.str_to_user(result.next_evaluation),
										  ])
										: __("Evaluation recorded."),
									indicator: "green",
								},
								8
							);
							frm.reload_doc();
						});
				},
			});
			dialog.fields_dict.results.$wrapper.html(kpibsc_results_table(context.results));
			dialog.show();
		});
}

function kpibsc_results_table(rows) {
	if (!rows.length) {
		return `<p class="text-muted">${__("No results yet: the KPI is on no scorecard, or none of its periods has ended.")}</p>`;
	}
	const percent = (value) =>
		value === null || value === undefined ? "-" : format_number(value, null, 1) + "%";
	const body = rows
		.map(
			(row) => `<tr>
				<td>${frappe.datetime.str_to_user(row.period_start)}</td>
				<td class="text-right">${format_number(row.scorecards, null, 0)}</td>
				<td class="text-right">${format_number(row.reported || 0, null, 0)}</td>
				<td class="text-right">${percent(row.achievement)}</td>
				<td class="text-right">${row.green || 0} / ${row.amber || 0} / ${row.red || 0}</td>
			</tr>`
		)
		.join("");
	return `<table class="table table-bordered table-sm">
		<thead><tr>
			<th>${__("Period")}</th><th>${__("Scorecards")}</th><th>${__("Reported")}</th>
			<th>${__("Average Achievement")}</th><th>${__("Green / Amber / Red")}</th>
		</tr></thead><tbody>${body}</tbody></table>`;
}
