frappe.ui.form.on("KPI Pay Run", {
	setup(frm) {
		const by_company = () => ({ filters: { company: frm.doc.company } });
		frm.set_query("department", by_company);
	},

	refresh(frm) {
		if (frm.doc.status === "Failed" && frm.doc.error_message) {
			const lines = frappe.utils.escape_html(frm.doc.error_message).split("\n");
			frm.dashboard.set_headline_alert(lines.join("<br>"), "red");
		}
		if (frm.doc.__onload?.job_stopped) {
			frm.dashboard.set_headline_alert(
				__(
					"The background job making the Additional Salaries stopped before it finished, and none of them were kept. Press Retry to make them."
				),
				"orange"
			);
		}
		if (frm.doc.docstatus === 0 && !frm.is_new()) {
			frm.add_custom_button(__("Get Employees"), () =>
				frm
					.call({ method: "get_employees", doc: frm.doc, freeze: true, freeze_message: __("Computing pay…") })
					.then(() => frm.reload_doc())
			);
		}
		if (frm.doc.docstatus === 0 && !frm.is_new() && frm.doc.employees?.length) {
			frm.add_custom_button(__("Simulate Cost"), () => kpibsc_simulate_pay_cost(frm));
		}
		if (!frm.is_new()) {
			frm.add_custom_button(
				__("KPI Pay Register"),
				() =>
					frappe.set_route("query-report", "KPI Pay Register", {
						company: frm.doc.company,
						from_date: frm.doc.from_date,
						to_date: frm.doc.to_date,
					}),
				__("View")
			);
		}
		// Queued too: a worker that died leaves the run Queued with nothing made (the server refuses while the job lives)
		if (frm.doc.docstatus === 1 && ["Failed", "Queued"].includes(frm.doc.status) && frm.perm[0]?.submit) {
			frm.add_custom_button(__("Retry"), () =>
				frm
					.call({
						method: "retry",
						doc: frm.doc,
						freeze: true,
						freeze_message: __("Making the missing Additional Salaries…"),
					})
					.then(({ message }) => {
						if (message?.queued) {
							frappe.show_alert({
								message: __("{0} Additional Salaries are being made in the background.", [
									message.queued,
								]),
								indicator: "blue",
							});
						}
						frm.reload_doc();
					})
			);
		}
		if (frm.doc.docstatus === 1) {
			frm.add_custom_button(
				__("Additional Salaries"),
				() =>
					frappe.set_route("List", "Additional Salary", {
						ref_doctype: "KPI Pay Run",
						ref_docname: frm.doc.name,
					}),
				__("View")
			);
		}
	},
});

// What the run will cost per department (server: simulate_cost on the stored run), before submit
function kpibsc_simulate_pay_cost(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Simulate Cost"),
		size: "extra-large",
		fields: [
			{
				fieldname: "scenario",
				label: __("Scenario"),
				fieldtype: "Select",
				options: [
					{ value: "Current Scores", label: __("Current Scores") },
					{ value: "Forced Distribution", label: __("Forced Distribution") },
					{ value: "What-if Shares", label: __("What-if Shares") },
				],
				default: "Current Scores",
			},
			{
				fieldname: "shares",
				label: __("What-if Shares"),
				fieldtype: "Data",
				description: __("Percent of employees per rank band, e.g. A=10, B=60, C=30."),
				depends_on: "eval:doc.scenario == 'What-if Shares'",
			},
			{ fieldtype: "Column Break" },
			{
				fieldname: "budget",
				label: __("Pay Budget"),
				fieldtype: "Link",
				options: "KPI Pay Budget",
				get_query: () => ({ filters: { company: frm.doc.company } }),
			},
			{ fieldtype: "Section Break" },
			{ fieldname: "result", fieldtype: "HTML" },
		],
		primary_action_label: __("Simulate"),
		primary_action(values) {
			frm.call({ method: "simulate_cost", doc: frm.doc, args: values, freeze: true }).then(({ message }) =>
				dialog.fields_dict.result.$wrapper.html(kpibsc_pay_cost_table(message))
			);
		},
	});
	dialog.show();
}

function kpibsc_pay_cost_table({ rows, currency }) {
	const money = (value) => (value === null || value === undefined ? "" : format_currency(value, currency));
	const head = [
		__("Department"),
		__("Employees"),
		__("P1 Position"),
		__("P2 Person"),
		__("P3 Performance"),
		__("Total"),
		__("Budget"),
		__("Budget Variance"),
	];
	const body = rows.map((row) => {
		const cells = [
			frappe.utils.escape_html(row.label),
			row.headcount,
			...["p1", "p2", "p3", "total", "budget"].map((field) => money(row[field])),
			`<span class="${row.variance < 0 ? "text-danger" : ""}">${money(row.variance)}</span>`,
		];
		const tag = row.is_total ? "th" : "td";
		return `<tr>${cells.map((cell, index) => `<${tag} class="${index > 1 ? "text-right" : ""}">${cell}</${tag}>`).join("")}</tr>`;
	});
	return `<table class="table table-bordered table-sm"><thead><tr>${head
		.map((label) => `<th>${label}</th>`)
		.join("")}</tr></thead><tbody>${body.join("")}</tbody></table>`;
}

// amounts with the run's currency's decimals (VND: none), whatever the site's Currency Precision
frappe.ui.form.on("KPI Pay Run", {
	refresh(frm) {
		const format = frm.doc.currency && frappe.model.get_value(":Currency", frm.doc.currency, "number_format");
		const info = format && frappe.number_format_info[format];
		if (!info) return;
		const decimals = info.decimal_str ? format.split(info.decimal_str).slice(1)[0].length : 0;
		for (const field of ["total_p1", "total_p2", "total_p3", "total"]) {
			frm.set_df_property(field, "precision", decimals);
		}
		const grid = frm.fields_dict.employees && frm.fields_dict.employees.grid;
		for (const field of ["p1", "p2", "p3", "total"]) {
			grid && grid.update_docfield_property(field, "precision", decimals);
		}
	},
});
