// Targets → Suggest from Last Period: each item's target from the owner's actuals of the
// previous period, improved by a percentage; Suggest from Parent Scorecard: the share the
// parent's cascade gives this owner (services/baseline.py). Draft scorecards only.
frappe.ui.form.on("KPI Scorecard", {
	refresh(frm) {
		const actions = (frm.doc.__onload && frm.doc.__onload.actions) || {};
		if (frm.is_new() || frm.doc.status !== "Draft" || actions.can_write === false) return;
		frm.add_custom_button(
			__("Suggest from Last Period"),
			() => kpibsc_suggest_targets(frm, "Last Period"),
			__("Targets")
		);
		if (frm.doc.parent_scorecard) {
			frm.add_custom_button(
				__("Suggest from Parent Scorecard"),
				() => kpibsc_suggest_targets(frm, "Parent Split"),
				__("Targets")
			);
		}
	},
});

function kpibsc_suggest_targets(frm, basis) {
	const method = "kpibsc.kpibsc.services.baseline";
	const from_parent = basis === "Parent Split";
	const dialog = new frappe.ui.Dialog({
		title: from_parent
			? __("Suggest Targets from the Parent Scorecard")
			: __("Suggest Targets from Last Period"),
		size: "large",
		fields: [
			{
				fieldname: "growth_percent",
				fieldtype: "Percent",
				label: __("Improvement %"),
				default: 10,
				hidden: from_parent,
				description: __("Higher for higher-is-better KPIs, lower for lower-is-better ones."),
				change: () => load(),
			},
			{
				fieldname: "split_basis",
				fieldtype: "Select",
				label: __("Split"),
				options: [
					{ value: "Evenly", label: __("Evenly") },
					{ value: "By Headcount", label: __("By Headcount") },
				],
				default: "Evenly",
				hidden: !from_parent,
				description: __("How the parent's cascade shares a split target among everyone below it."),
				change: () => load(),
			},
			{ fieldname: "suggestions", fieldtype: "HTML" },
		],
		primary_action_label: __("Apply to Selected"),
		primary_action() {
			const kpis = dialog.$wrapper
				.find("input.kpibsc-suggest:checked")
				.map((_i, box) => box.dataset.kpi)
				.get();
			if (!kpis.length) {
				frappe.msgprint(__("Tick the KPIs whose suggested target you want."));
				return;
			}
			frappe
				.xcall(`${method}.apply_suggested_targets`, {
					scorecard: frm.doc.name,
					growth_percent: dialog.get_value("growth_percent") || 0,
					kpis,
					basis,
					split_basis: dialog.get_value("split_basis"),
				})
				.then((result) => {
					dialog.hide();
					const message = from_parent
						? __("{0} targets set from the parent scorecard.", [result.changed])
						: __("{0} targets set from last period.", [result.changed]);
					frappe.show_alert({ message, indicator: "green" }, 8);
					frm.reload_doc();
				});
		},
	});
	const load = () =>
		frappe
			.xcall(`${method}.suggest_targets`, {
				scorecard: frm.doc.name,
				growth_percent: dialog.get_value("growth_percent") || 0,
				basis,
				split_basis: dialog.get_value("split_basis") || "Evenly",
			})
			.then((rows) => dialog.fields_dict.suggestions.$wrapper.html(table(rows)));
	const number = (value) =>
		value === null || value === undefined ? "–" : format_number(value, null, Number.isInteger(value) ? 0 : 2);
	const table = (rows) => `<table class="table table-bordered table-sm">
		<thead><tr>
			<th><input type="checkbox" class="kpibsc-suggest-all" checked
				onclick="$(this).closest('table').find('input.kpibsc-suggest:enabled').prop('checked', this.checked)"></th>
			<th>${__("KPI")}</th><th class="text-right">${__("Target")}</th>
			<th class="text-right">${__("Suggested")}</th><th>${__("Basis")}</th>
		</tr></thead><tbody>${rows
			.map(
				(row) => `<tr>
					<td><input type="checkbox" class="kpibsc-suggest" data-kpi="${frappe.utils.escape_html(row.kpi)}"
						${row.suggested === null ? "disabled" : "checked"}></td>
					<td>${frappe.utils.escape_html(row.kpi)} ${frappe.utils.escape_html(row.kpi_name || "")}</td>
					<td class="text-right">${number(row.target)}</td>
					<td class="text-right">${number(row.suggested)}</td>
					<td class="text-muted small">${frappe.utils.escape_html(row.basis)}</td>
				</tr>`
			)
			.join("")}</tbody></table>`;
	dialog.show();
	load();
}
