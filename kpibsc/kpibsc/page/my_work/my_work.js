// Each user's home: the sections their roles use (their own period to enter and score, a
// head's team, HR's review cycles and pay runs), then one employee's work this period:
// scorecard items with target and actual, tasks grouped by the objective they serve, and
// what is overdue.

const MY_WORK_COLOURS = { Green: "green", Amber: "orange", Red: "red", "No Data": "gray", "At Risk": "red" };
const TREND_ARROWS = { Up: "↑", Down: "↓", Flat: "→" };

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
	body.on("click", "[data-enter-actuals]", (event) => {
		frappe
			.xcall("kpibsc.kpibsc.services.home.enter_actuals", {
				scorecard: $(event.currentTarget).attr("data-enter-actuals"),
			})
			.then((measurement) => frappe.set_route("Form", "KPI Measurement", measurement));
	});
	const wanted = frappe.route_options && frappe.route_options.employee;
	frappe.route_options = null;
	wanted ? field.set_value(wanted) : load(body, null);
};

function load(body, employee) {
	frappe
		.call({ method: "kpibsc.kpibsc.page.my_work.my_work.get_home", args: { employee } })
		.then(({ message }) => {
			body.html(home_html(message.home) + (message.work ? my_work_html(message.work) : ""));
			feedback_card(body);
		});
}

// Continuous feedback (#17 B): give or ask for feedback, and the requests waiting for you
function feedback_card(body) {
	frappe.xcall("kpibsc.kpibsc.services.checkins.my_feedback_requests").then((requests) => {
		if (!requests) return; // no employee: nobody to give feedback as
		const esc = frappe.utils.escape_html;
		const rows = requests.length
			? `<ul>${requests
					.map(
						(row) => `<li>${link_to("Continuous Feedback", row.name, row.recipient_name)}${
							row.request_message ? ` <span class="text-muted">· ${esc(row.request_message)}</span>` : ""
						}</li>`
					)
					.join("")}</ul>`
			: `<p class="text-muted">${__("No one is waiting for your feedback.")}</p>`;
		const card = $(
			home_card(
				__("Feedback Requests for You"),
				`<div class="mb-2">
					<button class="btn btn-default btn-sm" data-feedback="give">${__("Give Feedback")}</button>
					<button class="btn btn-default btn-sm ml-2" data-feedback="ask">${__("Ask for Feedback")}</button>
				</div>${rows}`,
				"feedback"
			)
		);
		card.on("click", "[data-feedback]", (event) =>
			frappe.new_doc("Continuous Feedback", {
				is_request: $(event.currentTarget).attr("data-feedback") === "ask" ? 1 : 0,
			})
		);
		body.find('[data-section="feedback"]').remove();
		const sections = body.find(".my-work-section");
		sections.length ? card.insertAfter(sections.last()) : body.prepend(card);
	});
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
				<td>${forecast_cell(item)}</td>
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
		<th class="text-right">${__("Achievement")}</th><th>${__("Status")}</th><th>${__("Forecast")}</th>
	</tr></thead><tbody>${rows}</tbody></table>`;
}

function forecast_cell(item) {
	// where the year is heading: trend arrow, forecast achievement and status (At Risk: on
	// track today, forecast below Amber)
	if (!item.forecast_status || item.forecast_status === "Not Enough Data") {
		return `<span class="text-muted">${__("Not Enough Data")}</span>`;
	}
	const arrow = TREND_ARROWS[item.trend] || "";
	const colour = MY_WORK_COLOURS[item.forecast_status] || "gray";
	return `${arrow} ${format_number(item.forecast_achievement || 0, null, 1)}%
		<span class="indicator-pill ${colour}">${__(item.forecast_status)}</span>`;
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

// -- the sections of each role's home ---------------------------------------------------------

function home_html(home) {
	const esc = frappe.utils.escape_html;
	return [
		home.mine && own_html(home.mine, esc),
		home.team && team_html(home.team, esc),
		home.reviews && reviews_html(home.reviews, esc),
		home.pay_runs && pay_runs_html(home.pay_runs, esc),
	]
		.filter(Boolean)
		.join("");
}

function status_pill(status) {
	const shown = status || "No Data";
	return `<span class="indicator-pill ${MY_WORK_COLOURS[shown] || "gray"}">${__(shown)}</span>`;
}

function link_to(doctype, name, label) {
	const route = frappe.router.slug(doctype);
	return `<a href="/app/${route}/${encodeURIComponent(name)}">${frappe.utils.escape_html(
		label || name
	)}</a>`;
}

function date_range(from, to) {
	return `${frappe.datetime.str_to_user(from)} – ${frappe.datetime.str_to_user(to)}`;
}

// an empty section says what to do first: links to the lists or new forms the user may create
function empty_state(message, actions) {
	const links = actions
		.filter(([doctype]) => frappe.model.can_create(doctype))
		.map(([doctype, label, new_form]) => {
			const route = `/app/${frappe.router.slug(doctype)}${new_form ? "/new" : ""}`;
			return `<a class="empty-state-action" href="${route}">${frappe.utils.escape_html(label)}</a>`;
		});
	return `<p class="text-muted">${message}${links.length ? " " + links.join(" · ") : ""}</p>`;
}

function home_card(title, body, section) {
	return `<div class="my-work-section mb-4" data-section="${section}">
		<h5>${title}</h5>${body}</div>`;
}

function own_html(mine, esc) {
	const review = mine.review
		? `${__("My review")}: ${link_to("Performance Review", mine.review.name)}
			<span class="indicator-pill blue">${__(mine.review.workflow_state || "")}</span>`
		: `<span class="text-muted">${__("No performance review yet.")}</span>`;
	if (!("scorecard" in mine)) {
		// an employee without a KPI role (HR staff): their review only
		return home_card(__("My Review"), `<div>${review}</div>`, "mine");
	}
	if (!mine.scorecard) {
		return home_card(
			__("My Scorecard"),
			`<p class="text-muted">${__("No open scorecard covers today for you.")} ${__(
				"Your department head or a KPI Manager gives you one by cascading a scorecard to you."
			)}</p><div>${review}</div>`,
			"mine"
		);
	}
	const period = mine.period;
	const enter = period
		? `<button class="btn btn-primary btn-sm" data-enter-actuals="${esc(mine.scorecard.name)}">
				${__("Enter actuals for {0}", [date_range(period.period_start, period.period_end)])}
			</button>
			<span class="text-muted small ml-2">${
				period.measurement
					? __("Draft {0}", [esc(period.measurement)])
					: __("No measurement yet: one is made when you start.")
			}</span>`
		: `<p class="text-muted">${__("Every period that has started is approved.")}</p>`;
	const ytd = mine.ytd
		? `${__("Score, year to date")}: <b>${
				esc(mine.ytd.ytd_score_text) || format_number(mine.ytd.ytd_score, null, 1)
		  }</b>
			${status_pill(mine.ytd.ytd_status)}
			<span class="text-muted small">${__("to {0}", [
				frappe.datetime.str_to_user(mine.ytd.period_end),
			])}</span>`
		: `${__("Score, year to date")}: ${status_pill("No Data")}`;
	return home_card(
		__("My Scorecard: {0}", [link_to("KPI Scorecard", mine.scorecard.name, mine.scorecard.title)]),
		`<div class="mb-2">${enter}</div><div class="mb-2">${ytd}</div><div>${review}</div>`,
		"mine"
	);
}

function team_html(team, esc) {
	const scorecards = team.scorecards.length
		? table(
				[__("Employee"), __("Scorecard"), __("Period"), __("Score"), __("Status"), __("Year to Date"), __("Status")],
				team.scorecards.map((row) => [
					esc(row.employee_name || row.employee),
					link_to("KPI Scorecard", row.name, row.title),
					row.period_start ? frappe.datetime.str_to_user(row.period_start) : "",
					row.score == null ? "" : esc(row.score_text) || format_number(row.score, null, 1),
					status_pill(row.status),
					row.ytd_score == null ? "" : esc(row.ytd_score_text) || format_number(row.ytd_score, null, 1),
					status_pill(row.ytd_status),
				]),
				[3, 5]
		  )
		: `<p class="text-muted">${__("No open team scorecards.")}</p>`;
	const approvals = team.approvals.length
		? table(
				[__("Measurement"), __("Employee"), __("Period")],
				team.approvals.map((row) => [
					link_to("KPI Measurement", row.name),
					esc(row.employee_name || row.employee),
					date_range(row.period_start, row.period_end),
				])
		  )
		: `<p class="text-muted">${__("Nothing waiting for your approval.")}</p>`;
	const red = team.red.length
		? table(
				[__("Employee"), __("KPI"), __("Period"), __("Target"), __("Actual")],
				team.red.map((row) => [
					link_to("KPI Scorecard", row.scorecard, row.employee_name || row.employee),
					esc(row.kpi_name || row.kpi),
					frappe.datetime.str_to_user(row.period_start),
					row.target == null ? "" : format_number(row.target, null, 2),
					row.actual == null ? "" : format_number(row.actual, null, 2),
				]),
				[3, 4]
		  )
		: `<p class="text-muted">${__("No team KPI is in Red.")}</p>`;
	return home_card(
		__("My Team"),
		`<h6>${__("Team Scorecards")}</h6>${scorecards}
		<h6>${__("Waiting for My Approval ({0})", [team.approvals.length])}</h6>${approvals}
		<h6 class="text-danger">${__("KPIs in Red ({0})", [team.red.length])}</h6>${red}`,
		"team"
	);
}

function reviews_html(cycles, esc) {
	const body = cycles.length
		? table(
				[__("Review Cycle"), __("Status"), __("Reviews by Step"), __("Total")],
				cycles.map((cycle) => [
					link_to("Performance Review Cycle", cycle.name, cycle.cycle_name),
					esc(__(cycle.status)),
					Object.entries(cycle.states)
						.map(([state, count]) => `<span class="indicator-pill blue mr-1">${esc(__(state))}: ${count}</span>`)
						.join(""),
					cycle.total,
				]),
				[3]
		  )
		: empty_state(__("No review cycles yet."), [["Performance Review Cycle", __("Start a Review Cycle"), true]]);
	return home_card(__("Review Cycles"), body, "reviews");
}

function pay_runs_html(pay, esc) {
	const colours = { Draft: "orange", Queued: "blue", Submitted: "green", Failed: "red", Cancelled: "gray" };
	const pill = (status) => `<span class="indicator-pill ${colours[status] || "gray"}">${esc(__(status))}</span>`;
	const counts = Object.entries(pay.counts)
		.map(([status, count]) => `${pill(status)} ${count}`)
		.join(" &nbsp; ");
	const runs = pay.runs.length
		? table(
				[__("Pay Run"), __("Company"), __("Period"), __("Status"), __("Total")],
				pay.runs.map((run) => [
					link_to("KPI Pay Run", run.name),
					esc(run.company),
					date_range(run.from_date, run.to_date),
					pill(run.status) + (run.error_message ? ` <span class="text-danger small">${esc(run.error_message)}</span>` : ""),
					format_currency(run.total || 0, run.currency),
				]),
				[4]
		  )
		: empty_state(__("No KPI pay runs yet."), [
				["KPI Pay Policy", __("Set a KPI Pay Policy"), false],
				["KPI Pay Run", __("New KPI Pay Run"), true],
		  ]);
	return home_card(__("KPI Pay Runs"), `<div class="mb-2">${counts}</div>${runs}`, "pay_runs");
}

function table(headings, rows, right = []) {
	const align = (index) => (right.includes(index) ? ' class="text-right"' : "");
	return `<table class="table table-sm table-bordered small"><thead><tr>${headings
		.map((heading, index) => `<th${align(index)}>${heading}</th>`)
		.join("")}</tr></thead><tbody>${rows
		.map((cells) => `<tr>${cells.map((cell, index) => `<td${align(index)}>${cell}</td>`).join("")}</tr>`)
		.join("")}</tbody></table>`;
}
