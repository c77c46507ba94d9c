// One employee's work this period: scorecard items with target and actual, tasks grouped
// by the objective they serve, and what is overdue.

const MY_WORK_COLOURS = { Green: "green", Amber: "orange", Red: "red", "No Data": "gray" };

frappe.pages["my-work"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("My Work"),
		single_column: true,
	});
	frappe.breadcrumbs.add("KPIBSC");
	const body = $('<div class="my-work" style="padding: 12px 0"></div>').appendTo(page.main);
	const field = page.add_field({
		fieldname: "employee",
		label: __("Employee"),
		fieldtype: "Link",
		options: "Employee",
		change() {
			load(body, field.get_value());
		},
	});
	page.set_secondary_action(__("Refresh"), () => load(body, field.get_value()));
	const wanted = frappe.route_options && frappe.route_options.employee;
	frappe.route_options = null;
	wanted ? field.set_value(wanted) : load(body, null);
};

function load(body, employee) {
	frappe
		.call({ method: "kpibsc.kpibsc.services.work.get_my_work", args: { employee } })
		.then(({ message }) => body.html(my_work_html(message)));
}

function my_work_html(work) {
	const esc = frappe.utils.escape_html;
	const heading = `<h4 class="mb-3">${esc(work.employee.employee_name || work.employee.name)}</h4>`;
	// tasks name their KPI by code; show the name the KPI table shows
	const kpi_names = Object.fromEntries(work.items.map((item) => [item.kpi, item.kpi_name || item.kpi]));
	const tasks = (list) => tasks_table(list, esc, kpi_names);
	return heading + items_html(work, esc) + overdue_html(work, esc, tasks) + groups_html(work, esc, tasks);
}

function items_html(work, esc) {
	if (!work.items.length) {
		return `<p class="text-muted">${__("No open scorecard covers today for this employee.")}</p>`;
	}
	const rows = work.items
		.map((item) => {
			const status = item.status || "No Data";
			return `<tr>
				<td>${esc(item.kpi_name || item.kpi)}</td>
				<td>${esc(item.objective_name || "")}</td>
				<td class="text-right">${format_number(item.weight || 0, null, 1)}</td>
				<td class="text-right">${item.target == null ? "" : format_number(item.target, null, 2)} ${esc(item.unit || "")}</td>
				<td class="text-right">${item.has_actual ? format_number(item.actual, null, 2) : ""}</td>
				<td class="text-right">${item.has_actual ? format_number(item.achievement || 0, null, 1) + "%" : ""}</td>
				<td><span class="indicator-pill ${MY_WORK_COLOURS[status] || "gray"}">${__(status)}</span></td>
			</tr>`;
		})
		.join("");
	const period = work.items[0];
	return `<h5>${__("My KPIs, {0} to {1}", [
		frappe.datetime.str_to_user(period.period_start),
		frappe.datetime.str_to_user(period.period_end),
	])}</h5>
	<table class="table table-sm table-bordered small"><thead><tr>
		<th>${__("KPI")}</th><th>${__("Objective")}</th><th class="text-right">${__("Weight")}</th>
		<th class="text-right">${__("Target")}</th><th class="text-right">${__("Actual")}</th>
		<th class="text-right">${__("Achievement")}</th><th>${__("Status")}</th>
	</tr></thead><tbody>${rows}</tbody></table>`;
}

function overdue_html(work, esc, tasks) {
	if (!work.overdue.length) return "";
	return `<h5 class="text-danger">${__("Overdue ({0})", [work.overdue.length])}</h5>${tasks(work.overdue)}`;
}

function groups_html(work, esc, tasks) {
	if (!work.groups.length) {
		return `<p class="text-muted">${__("No tasks for this employee.")}</p>`;
	}
	const unlinked = __("Not linked to an objective");
	const title = (group) =>
		group.objective
			? `<a href="/app/strategic-objective/${encodeURIComponent(group.objective)}">${esc(
					group.objective_name || group.objective
			  )}</a>`
			: unlinked;
	const summary = (group) =>
		__("{0} tasks, progress {1}%", [group.task_count, format_number(group.progress ?? 0, null, 0)]);
	return (
		`<h5>${__("My Tasks by Objective")}</h5>` +
		work.groups
			.map(
				(group) => `<div class="mb-3">
				<div class="mb-1"><b>${title(group)}</b>
					<span class="text-muted small">${summary(group)}</span></div>
				${tasks(group.tasks)}
			</div>`
			)
			.join("")
	);
}

function tasks_table(tasks, esc, kpi_names) {
	const rows = tasks
		.map(
			(task) => `<tr>
			<td><a href="/app/task/${encodeURIComponent(task.name)}">${esc(task.subject || task.name)}</a></td>
			<td>${esc(__(task.overdue ? "Overdue" : task.status))}</td>
			<td class="text-right">${format_number(task.progress || 0, null, 0)}%</td>
			<td class="${task.overdue ? "text-danger" : ""}">${
				task.exp_end_date ? frappe.datetime.str_to_user(task.exp_end_date) : ""
			}</td>
			<td>${esc(kpi_names[task.kpi] || task.kpi || "")}</td>
		</tr>`
		)
		.join("");
	return `<table class="table table-sm table-bordered small"><thead><tr>
		<th>${__("Task")}</th><th>${__("Status")}</th><th class="text-right">${__("Progress")}</th>
		<th>${__("Due")}</th><th>${__("KPI")}</th>
	</tr></thead><tbody>${rows}</tbody></table>`;
}
