// Evaluate: keep, adjust or retire the KPI with a reason, its recent results beside the choice
// (services/evaluation.py). Shown to those who may record a KPI Evaluation.
// Versions: the scoring's history, and New Version (also after Evaluate → Adjust) to change the
// scoring from a date while past results keep theirs (services/versions.py).
frappe.ui.form.on("KPI", {
	refresh(frm) {
		if (frm.is_new()) return;
		kpibsc_show_versions(frm);
		if (!frappe.model.can_create("KPI Evaluation")) return;
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
							"Adjust: a new version of the KPI's scoring from a date (it opens next); Retire: the KPI is disabled, so no new scorecard takes it."
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
							frm.reload_doc().then(() => {
								if (values.outcome === "Adjust" && frm.kpibsc_versions?.can_create) {
									kpibsc_new_version(frm);
								}
							});
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

function kpibsc_show_versions(frm) {
	frappe
		.xcall("kpibsc.kpibsc.services.versions.version_context", { kpi: frm.doc.name })
		.then((context) => {
			frm.kpibsc_versions = context;
			if (context.can_create) {
				frm.add_custom_button(__("New Version"), () => kpibsc_new_version(frm));
			}
			if (context.removable) {
				const latest = context.versions[0];
				frm.add_custom_button(__("Remove Version {0}", [latest.version_no]), () =>
					kpibsc_remove_version(frm, latest)
				);
			}
			const field = frm.get_field("version_history");
			if (field) field.$wrapper.html(kpibsc_versions_table(context));
			// a KPI with versions shows its history open
			if (context.versions.length) frm.fields_dict.section_versions?.collapse(false);
			if (context.has_results || context.versions.length) {
				frm.set_intro(
					__(
						"This KPI has scored results: its scoring changes only through New Version, from a date, so past results keep theirs."
					),
					"blue"
				);
			}
		});
}

// a mistaken version, not yet in force: the KPI goes back to the one before (services/versions.py)
function kpibsc_remove_version(frm, version) {
	frappe.confirm(
		__(
			"Remove version {0}, in force from {1}? The KPI goes back to the scoring of version {2}, and its scorecards are recomputed.",
			[version.version_no, frappe.datetime.str_to_user(version.effective_from), version.version_no - 1]
		),
		() =>
			frappe
				.xcall("frappe.client.delete", { doctype: "KPI Version", name: version.name })
				.then(() => frm.reload_doc())
	);
}

function kpibsc_versions_table(context) {
	if (!context.versions.length) {
		return `<p class="text-muted">${__(
			"Version 1: the scoring above. A change after results exist makes version 2, from a date."
		)}</p>`;
	}
	const body = context.versions
		.map(
			(row) => `<tr>
				<td><a href="/app/kpi-version/${encodeURIComponent(row.name)}">${row.version_no}</a></td>
				<td>${frappe.datetime.str_to_user(row.effective_from)}</td>
				<td>${frappe.utils.escape_html(__(row.scoring_method || ""))}</td>
				<td>${frappe.utils.escape_html(row.reason || "")}</td>
				<td>${frappe.utils.escape_html(row.created_by || "")}</td>
			</tr>`
		)
		.join("");
	return `<table class="table table-bordered table-sm kpibsc-version-history">
		<thead><tr>
			<th>${__("Version")}</th><th>${__("Effective From")}</th><th>${__("Scoring Method")}</th>
			<th>${__("Reason")}</th><th>${__("Created By")}</th>
		</tr></thead><tbody>${body}</tbody></table>`;
}

function kpibsc_new_version(frm) {
	const doc = frm.doc;
	const earliest = frm.kpibsc_versions?.earliest;
	const shows = (methods) => `eval:${JSON.stringify(methods)}.includes(doc.scoring_method)`;
	const dialog = new frappe.ui.Dialog({
		title: __("New Version of {0}", [doc.kpi_name || doc.name]),
		fields: [
			{
				fieldname: "effective_from",
				fieldtype: "Date",
				label: __("Effective From"),
				reqd: 1,
				default: earliest,
				description: earliest
					? __(
							"Periods starting on or after this date are scored with the new version; earlier ones keep theirs. {0} at the earliest: after the latest version and the last period with approved actuals.",
							[frappe.datetime.str_to_user(earliest)]
					  )
					: __(
							"Periods starting on or after this date are scored with the new version; earlier ones keep theirs."
					  ),
			},
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
			{ fieldname: "section_scoring", fieldtype: "Section Break", label: __("Scoring") },
			{
				fieldname: "scoring_method",
				fieldtype: "Select",
				label: __("Scoring Method"),
				options: frappe.meta.get_docfield("KPI", "scoring_method").options,
				default: doc.scoring_method,
				reqd: 1,
			},
			{
				fieldname: "lower_bound",
				fieldtype: "Float",
				label: __("Lower Bound"),
				default: doc.lower_bound,
				depends_on: shows(["Target Range", "Formula"]),
			},
			{
				fieldname: "upper_bound",
				fieldtype: "Float",
				label: __("Upper Bound"),
				default: doc.upper_bound,
				depends_on: shows(["Target Range", "Formula"]),
			},
			{
				fieldname: "tolerance",
				fieldtype: "Float",
				label: __("Tolerance"),
				default: doc.tolerance,
				depends_on: shows(["Target Range", "Lower is Better", "Formula"]),
			},
			{
				fieldname: "step_direction",
				fieldtype: "Select",
				label: __("Step Direction"),
				options: frappe.meta.get_docfield("KPI", "step_direction").options,
				default: doc.step_direction || "Higher is Better",
				depends_on: shows(["Step Bands"]),
			},
			{
				fieldname: "step_bands",
				fieldtype: "Table",
				label: __("Step Bands"),
				depends_on: shows(["Step Bands"]),
				cannot_add_rows: false,
				in_place_edit: true,
				data: (doc.step_bands || []).map((band) => ({
					achievement_from: band.achievement_from,
					score: band.score,
				})),
				fields: [
					{
						fieldname: "achievement_from",
						fieldtype: "Percent",
						label: __("Achievement From"),
						in_list_view: 1,
					},
					{ fieldname: "score", fieldtype: "Percent", label: __("Score"), in_list_view: 1 },
				],
			},
			{
				fieldname: "formula",
				fieldtype: "Code",
				label: __("Formula"),
				default: doc.formula,
				depends_on: shows(["Formula"]),
			},
		],
		primary_action_label: __("Make Version"),
		primary_action(values) {
			frappe
				.xcall("kpibsc.kpibsc.services.versions.new_version", {
					kpi: doc.name,
					...values,
					step_bands: JSON.stringify(
						(values.step_bands || []).map((band) => ({
							achievement_from: band.achievement_from,
							score: band.score,
						}))
					),
				})
				.then((result) => {
					dialog.hide();
					frappe.show_alert(
						{
							message: __(
								"Version {0} is in force from {1}; the scores it changes are being recomputed.",
								[result.version_no, frappe.datetime.str_to_user(result.effective_from)]
							),
							indicator: "green",
						},
						8
					);
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}
