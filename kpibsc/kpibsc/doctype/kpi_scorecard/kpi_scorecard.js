const CASCADE_LEVELS = {
	Company: ["Department", "Employee"],
	Department: ["Employee", "Department"],
	Employee: ["Employee"],
};

frappe.ui.form.on("KPI Scorecard", {
	setup(frm) {
		const by_company = () => ({ filters: { company: frm.doc.company } });
		frm.set_query("department", by_company);
		frm.set_query("employee", () => ({ filters: { company: frm.doc.company, status: "Active" } }));
		frm.set_query("strategy", by_company);
		frm.set_query("parent_scorecard", by_company);
		frm.set_query("objective", "items", () => ({
			filters: frm.doc.strategy ? { strategy: frm.doc.strategy } : {},
		}));
		frm.set_query("kpi", "items", () => ({ filters: { disabled: 0 } }));
	},

	onload(frm) {
		// the server phases the targets: a planner types (pins) a period's target, never adds a row
		frm.set_df_property("targets", "cannot_add_rows", 1);
		frm.set_df_property("targets", "cannot_delete_rows", 1);
		frappe.realtime.on("kpibsc_cascade_done", (summary) => {
			if (summary.scorecard !== frm.doc.name) return;
			frappe.show_alert({ message: cascade_summary(summary), indicator: "green" }, 10);
			frm.reload_doc();
		});
		frappe.realtime.on("kpibsc_cascade_failed", (data) => {
			if (data.scorecard !== frm.doc.name) return;
			frappe.msgprint({
				title: __("Cascade Failed"),
				message: __("Nothing was changed. The Error Log has the details."),
				indicator: "red",
			});
		});
		if (!frm.kpibsc_listening) {
			frm.kpibsc_listening = true;
			for (const event of ["kpibsc_recompute_done", "kpibsc_recompute_failed"]) {
				frappe.realtime.on(event, (data) => {
					if ((data.scorecards || []).includes(frm.doc.name)) show_recompute_status(frm);
				});
			}
		}
	},

	refresh(frm) {
		if (frm.is_new()) return;
		// the row rules decide, which the desk's own permission check (roles only) does not know
		const actions = (frm.doc.__onload && frm.doc.__onload.actions) || {};
		if (actions.can_write === false) frm.disable_form();
		show_recompute_status(frm);
		frm.add_custom_button(
			__("Child Scorecards"),
			() => frappe.set_route("List", "KPI Scorecard", { parent_scorecard: frm.doc.name }),
			__("View")
		);
		frm.add_custom_button(
			__("Balanced Scorecard"),
			() => frappe.set_route("query-report", "Balanced Scorecard", { scorecard: frm.doc.name }),
			__("View")
		);
		frm.add_custom_button(
			__("KPI Achievement"),
			() => frappe.set_route("query-report", "KPI Achievement", { scorecard: frm.doc.name }),
			__("View")
		);
		frm.add_custom_button(
			__("Measurements"),
			() => frappe.set_route("List", "KPI Measurement", { scorecard: frm.doc.name }),
			__("View")
		);
		frm.add_custom_button(__("Tasks"), () => tasks_dialog(frm), __("View"));
		if (frm.is_dirty()) return;
		if (actions.can_cascade) {
			frm.add_custom_button(__("Cascade"), () => cascade_dialog(frm));
		}
		if (actions.can_recompute && frm.doc.status !== "Closed") {
			frm.add_custom_button(__("Recompute Scores"), () => recompute(frm, 0), __("Scores"));
			frm.add_custom_button(
				__("Recompute with Cascaded Scorecards"),
				() => recompute(frm, 1),
				__("Scores")
			);
		}
		if (actions.can_fetch_actuals) {
			frm.add_custom_button(
				__("Fetch Actuals from ERPNext"),
				() =>
					frappe
						.call({
							method: "kpibsc.kpibsc.services.actuals.refresh_scorecard_actuals",
							args: { scorecard: frm.doc.name },
							freeze: true,
							freeze_message: __("Reading ERPNext documents…"),
						})
						.then(({ message }) =>
							frappe.show_alert({
								message: __(
									"{0} measurements created, {1} updated, {2} approved ones left as they are.",
									[message.created, message.updated, message.skipped]
								),
								indicator: "green",
							})
						),
				__("Scores")
			);
		}
	},
});

function show_recompute_status(frm) {
	// scores are recomputed by a background job after an approval: say so while it waits,
	// and say when it failed, instead of showing old scores as if they were current
	frappe
		.xcall("kpibsc.kpibsc.services.recompute.get_recompute_status", { scorecard: frm.doc.name })
		.then((status) => {
			frm.dashboard.clear_headline();
			if (!status) return;
			const colour = status.state === "failed" ? "red" : "yellow";
			frm.dashboard.set_headline_alert(frappe.utils.escape_html(status.message), colour);
		});
}

function recompute(frm, include_cascaded) {
	frappe
		.call({
			method: "kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard.recompute_scores",
			args: { scorecard: frm.doc.name, include_cascaded },
			freeze: true,
			freeze_message: __("Recomputing scores…"),
		})
		.then(({ message }) => {
			const text = message.queued
				? __("Recomputing {0} scorecards in the background.", [message.scorecards])
				: __("{0} scorecards scored, {1} results stored.", [message.scorecards, message.results]);
			frappe.show_alert({ message: text, indicator: "green" });
			show_recompute_status(frm);
		});
}

function cascade_summary(summary) {
	const written = __("{0} scorecards created, {1} updated", [summary.created, summary.updated]);
	return summary.kept_active
		? `${written}. ${__("{0} active scorecards kept their targets: revise them with Revise Targets.", [
				summary.kept_active,
		  ])}`
		: written;
}

function cascade_dialog(frm) {
	const levels = CASCADE_LEVELS[frm.doc.scorecard_for] || [];
	const dialog = new frappe.ui.Dialog({
		title: __("Cascade {0}", [frm.doc.title]),
		fields: [
			{
				fieldtype: "HTML",
				options: `<p class="text-muted">${__(
					"Items with a Cascade Mode are copied to the scorecards below this one. Running it again updates them."
				)}</p>`,
			},
			{
				fieldname: "level",
				fieldtype: "Select",
				label: __("Cascade To"),
				options: levels.map((value) => ({ value, label: __(value) })),
				default: levels[0],
				reqd: 1,
			},
			{
				fieldname: "split_basis",
				fieldtype: "Select",
				label: __("Split Targets"),
				options: [
					{ value: "Evenly", label: __("Evenly") },
					{ value: "By Headcount", label: __("By Headcount") },
				],
				default: "Evenly",
				description: __("Only Split Target and Contributes items of summed KPIs are split."),
			},
			{
				fieldname: "include_sub_departments",
				fieldtype: "Check",
				label: __("Include Sub-Departments"),
				depends_on: `eval:doc.level === "Employee" && ${frm.doc.scorecard_for === "Department"}`,
			},
			{
				fieldname: "departments",
				fieldtype: "MultiSelectList",
				label: __("Only These Departments"),
				options: "Department",
				depends_on: 'eval:doc.level === "Department"',
				get_data: (txt) =>
					frappe.db.get_link_options("Department", txt, { company: frm.doc.company }),
				description: __("Leave empty for every department below."),
			},
			{
				fieldname: "employees",
				fieldtype: "MultiSelectList",
				label: __("Only These Employees"),
				options: "Employee",
				depends_on: 'eval:doc.level === "Employee"',
				get_data: (txt) =>
					frappe.db.get_link_options("Employee", txt, {
						company: frm.doc.company,
						status: "Active",
					}),
				description: __("Leave empty for everyone below."),
			},
		],
		primary_action_label: __("Cascade"),
		primary_action(values) {
			const units = values.level === "Department" ? values.departments : values.employees;
			const args = {
				scorecard: frm.doc.name,
				level: values.level,
				split_basis: values.split_basis,
				include_sub_departments: values.include_sub_departments ? 1 : 0,
			};
			// no "units" at all for everyone below: a null went over the wire as "units="
			if (units && units.length) args.units = units;
			frappe
				.call({
					method: "kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard.cascade",
					args,
					freeze: true,
					freeze_message: __("Cascading…"),
				})
				.then(({ message }) => {
					dialog.hide();
					if (message.queued) {
						frappe.show_alert({
							message: __(
								"Cascading to {0} scorecards in the background. This form updates when it is done.",
								[message.children]
							),
							indicator: "blue",
						});
						return;
					}
					frappe.show_alert({ message: cascade_summary(message), indicator: "green" }, 10);
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}

function tasks_dialog(frm) {
	frappe
		.call({
			method: "kpibsc.kpibsc.services.work.get_scorecard_tasks",
			args: { scorecard: frm.doc.name },
		})
		.then(({ message: items }) => {
			const dialog = new frappe.ui.Dialog({
				title: __("Tasks of {0}", [frm.doc.title]),
				size: "extra-large",
				fields: [{ fieldtype: "HTML", fieldname: "tasks" }],
			});
			const wrapper = dialog.fields_dict.tasks.$wrapper;
			wrapper.html(items.map(item_tasks_html).join(""));
			wrapper.on("click", "[data-new-task]", (event) => {
				const item = items[$(event.currentTarget).attr("data-new-task")];
				dialog.hide();
				open_new_form("Task", {
					kpi_scorecard: frm.doc.name,
					kpi: item.kpi,
					strategic_objective: item.objective,
					company: frm.doc.company,
				});
			});
			dialog.show();
		});
}

function item_tasks_html(item, index) {
	const esc = frappe.utils.escape_html;
	const summary = item.task_count
		? __("{0} tasks, {1} completed, {2} overdue, progress {3}%", [
				item.task_count,
				item.completed,
				item.overdue,
				format_number(item.progress ?? 0, null, 1),
		  ])
		: __("No tasks yet");
	const rows = item.tasks
		.map(
			(task) => `<tr>
				<td><a href="/app/task/${encodeURIComponent(task.name)}">${esc(task.subject || task.name)}</a></td>
				<td><span class="indicator-pill ${task.overdue ? "red" : task.status === "Completed" ? "green" : "orange"}">${esc(__(task.overdue ? "Overdue" : task.status))}</span></td>
				<td class="text-right">${format_number(task.progress || 0, null, 0)}%</td>
				<td>${task.exp_end_date ? frappe.datetime.str_to_user(task.exp_end_date) : ""}</td>
				<td>${task.assigned_to.map((user) => esc(frappe.user.full_name(user))).join(", ")}</td>
			</tr>`
		)
		.join("");
	return `<div class="mb-4">
		<div class="d-flex justify-content-between align-items-center mb-2">
			<div><b>${esc(item.kpi_name || item.kpi)}</b>
				<span class="text-muted small ml-2">${esc(summary)}</span></div>
			<button class="btn btn-xs btn-default" data-new-task="${index}">${__("New Task")}</button>
		</div>
		${
			rows
				? `<table class="table table-sm table-bordered small"><thead><tr>
					<th>${__("Task")}</th><th>${__("Status")}</th><th class="text-right">${__("Progress")}</th>
					<th>${__("Due")}</th><th>${__("Assigned To")}</th></tr></thead><tbody>${rows}</tbody></table>`
				: ""
		}
	</div>`;
}

function open_new_form(doctype, values) {
	// the full form, not Task's quick entry, which would hide the prefilled KPI links
	frappe.model.with_doctype(doctype, () => {
		const doc = frappe.model.get_new_doc(doctype);
		Object.assign(doc, values);
		frappe.set_route("Form", doctype, doc.name);
	});
}
