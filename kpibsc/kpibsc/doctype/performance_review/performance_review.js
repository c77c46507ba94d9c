frappe.ui.form.on("Performance Review", {
	setup(frm) {
		frm.set_query("competency_framework", () => ({ filters: {} }));
	},

	refresh(frm) {
		render_notes(frm);
		if (frm.is_new()) return;
		// only for the managers and HR: the employee would be refused after typing
		if (frm.doc.__onload && frm.doc.__onload.can_add_note) {
			frm.add_custom_button(__("Add Note"), () => add_note(frm));
		}
		if (frm.doc.docstatus === 1 && frappe.user.has_role(["HR Manager", "KPI Manager"])) {
			frm.add_custom_button(__("Re-open"), () => reopen(frm));
		}
		if (frm.doc.scorecard) {
			frm.add_custom_button(
				__("Balanced Scorecard"),
				() => frappe.set_route("query-report", "Balanced Scorecard", { scorecard: frm.doc.scorecard }),
				__("View")
			);
		}
		frm.add_custom_button(
			__("Performance History"),
			() => frappe.set_route("query-report", "Employee Performance History", { employee: frm.doc.employee }),
			__("View")
		);
	},
});

function render_notes(frm) {
	const notes = (frm.doc.__onload && frm.doc.__onload.notes) || [];
	const esc = frappe.utils.escape_html;
	const html = notes.length
		? notes
				.map(
					(note) => `<div class="mb-3">
					<div class="text-muted small">${esc(__(note.note_by))} · ${esc(
						frappe.user.full_name(note.author)
					)} · ${frappe.datetime.str_to_user(note.creation)}</div>
					<div>${note.note}</div>
				</div>`
				)
				.join("")
		: `<p class="text-muted">${
				frm.doc.released
					? __("No notes from the manager or HR.")
					: __(
							"No notes from the manager or HR yet. The employee sees them once the review is approved."
					  )
		  }</p>`;
	frm.get_field("notes_html").$wrapper.html(html);
}

function add_note(frm) {
	frappe.prompt(
		{ fieldname: "note", fieldtype: "Text Editor", label: __("Note"), reqd: 1 },
		({ note }) => frm.call("add_note", { note }).then(() => frm.reload_doc()),
		__("Add Note"),
		__("Add")
	);
}

function reopen(frm) {
	frappe.prompt(
		{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
		({ reason }) =>
			frm
				.call("reopen", { reason })
				.then(({ message }) => frappe.set_route("Form", "Performance Review", message)),
		__("Re-open Review"),
		__("Re-open")
	);
}

// calibration (#17): the review's moves between bands, for HR (services/calibration.py)
frappe.ui.form.on("Performance Review", {
	refresh(frm) {
		const field = frm.get_field("calibration_html");
		if (frm.is_new() || !frappe.model.can_read("Performance Review Calibration")) {
			frm.toggle_display("calibration_html", false);
			return;
		}
		frappe
			.call("kpibsc.kpibsc.services.calibration.get_history", { review: frm.doc.name })
			.then(({ message }) => {
				const esc = frappe.utils.escape_html;
				frm.toggle_display("calibration_html", message.length > 0);
				field.$wrapper.html(
					`<div class="calibration-history"><label class="control-label">${__(
						"Calibration History"
					)}</label>${message
						.map(
							(row) => `<div class="mb-2" data-calibration="${esc(row.name)}">
							<div class="text-muted small">${frappe.datetime.str_to_user(row.calibrated_on)} · ${esc(
								frappe.user.full_name(row.calibrated_by)
							)} · ${esc(row.from_band || "–")} → <b>${esc(row.to_band)}</b></div>
							<div>${esc(row.note)}</div>
						</div>`
						)
						.join("")}</div>`
				);
			});
	},
});

// Continuous feedback received in the review period and the check-ins held in it (#17 B):
// named feedback, read through services/checkins.review_feedback (read on the stored review)
frappe.ui.form.on("Performance Review", {
	refresh(frm) {
		const field = frm.get_field("continuous_feedback_html");
		if (!field) return;
		if (frm.is_new()) {
			field.$wrapper.empty();
			return;
		}
		frappe
			.call("kpibsc.kpibsc.services.checkins.review_feedback", { review: frm.doc.name })
			.then(({ message }) => field.$wrapper.html(continuous_feedback_html(message || {})));
	},
});

function continuous_feedback_html({ feedback = [], checkins = [] }) {
	const esc = frappe.utils.escape_html;
	const kind_colour = { Praise: "green", Suggestion: "blue", Concern: "orange" };
	const given = feedback.length
		? feedback
				.map(
					(row) => `<div class="mb-3">
					<div class="small text-muted">
						<span class="indicator-pill ${kind_colour[row.kind] || "gray"}">${esc(__(row.kind || ""))}</span>
						${esc(row.giver_name || "")} · ${frappe.datetime.str_to_user(row.feedback_date)}
						· <a href="/app/continuous-feedback/${encodeURIComponent(row.name)}">${esc(row.name)}</a>
					</div>
					<div>${row.feedback || ""}</div>
				</div>`
				)
				.join("")
		: `<p class="text-muted">${__("No feedback received in the review period.")}</p>`;
	const held = checkins.length
		? `<ul>${checkins
				.map(
					(row) => `<li><a href="/app/performance-check-in/${encodeURIComponent(row.name)}">${esc(
						frappe.datetime.str_to_user(row.checkin_date)
					)}</a> · ${esc(row.manager_name || "")} · ${__("{0} to {1}", [
						frappe.datetime.str_to_user(row.from_date),
						frappe.datetime.str_to_user(row.to_date),
					])}</li>`
				)
				.join("")}</ul>`
		: `<p class="text-muted">${__("No check-ins in the review period.")}</p>`;
	return `<h5>${__("Feedback Received")}</h5>${given}<h5 class="mt-4">${__("Check-ins")}</h5>${held}`;
}

// 360° feedback (#17 A): per-competency averages by source, as services/feedback.get_review_feedback
// shows them (never a rater; anonymous sources only from the cycle's threshold of responses)
frappe.ui.form.on("Performance Review", {
	refresh(frm) {
		if (frm.is_new() || !frm.doc.review_cycle) return;
		frappe
			.call("kpibsc.kpibsc.services.feedback.get_review_feedback", { review: frm.doc.name })
			.then(({ message }) => {
				if (!message || !message.enabled) return;
				show_feedback_chart(frm, message);
				if (frm.doc.docstatus === 0) add_feedback_buttons(frm);
			});
	},
});

const FEEDBACK_SOURCES = [
	["self", "Self"],
	["manager", "Manager"],
	["peers", "Peers"],
	["reports", "Direct Reports"],
	["others", "Others"],
];

function show_feedback_chart(frm, data) {
	const counts = data.counts;
	const held = data.held_back.length
		? `<p class="text-muted small">${__(
				"Held back until {0} responses per source (anonymous cycle): {1}",
				[data.threshold, data.held_back.map((source) => __(FEEDBACK_SOURCES.find((s) => s[0] === source)[1])).join(", ")]
		  )}</p>`
		: "";
	const $section = frm.dashboard.add_section(
		`<div class="kpibsc-feedback"><p class="small">${__(
			"Feedback requests: {0} asked, {1} answered, {2} declined",
			[counts.requested, counts.submitted, counts.declined]
		)}</p>${held}<div class="feedback-chart"></div></div>`,
		__("360° Feedback")
	);
	const sources = FEEDBACK_SOURCES.filter(([key]) => data.competencies.some((row) => row[key] != null));
	if (!sources.length || !data.competencies.length) return;
	new frappe.Chart($section.find(".feedback-chart")[0], {
		type: "bar",
		height: 240,
		data: {
			labels: data.competencies.map((row) => row.competency),
			datasets: sources.map(([key, label]) => ({
				name: __(label),
				values: data.competencies.map((row) => row[key] || 0),
			})),
		},
		axisOptions: { xIsSeries: 0 },
		tooltipOptions: { formatTooltipY: (value) => format_number(value, null, 1) },
	});
	frm.dashboard.show();
}

function add_feedback_buttons(frm) {
	frm.add_custom_button(
		__("Ask for Feedback"),
		() =>
			frappe.prompt(
				[
					{ fieldname: "rater", fieldtype: "Link", options: "Employee", label: __("Rater"), reqd: 1 },
					{
						fieldname: "source",
						fieldtype: "Select",
						label: __("Source"),
						options: [
							{ value: "Peer", label: __("Peer") },
							{ value: "Direct Report", label: __("Direct Report") },
							{ value: "Cross-functional", label: __("Cross-functional") },
						],
						default: "Peer",
					},
				],
				({ rater, source }) =>
					frappe
						.call({
							method: "kpibsc.kpibsc.services.feedback.propose_raters",
							args: { review: frm.doc.name, raters: [rater], source },
						})
						.then(({ message }) => {
							frappe.show_alert({
								message:
									message.status === "Proposed"
										? __("Proposed: the reviewer approves it.")
										: __("Feedback requested."),
								indicator: "green",
							});
							frm.reload_doc();
						}),
				__("Ask for Feedback"),
				__("Ask")
			),
		__("Feedback")
	);
	if (frm.doc.employee_user !== frappe.session.user) {
		frm.add_custom_button(
			__("Approve Proposed Raters"),
			() =>
				frappe
					.call({
						method: "kpibsc.kpibsc.services.feedback.approve_proposed",
						args: { review: frm.doc.name },
					})
					.then(({ message }) => {
						frappe.show_alert({ message: __("{0} requests approved.", [message.approved]), indicator: "green" });
						frm.reload_doc();
					}),
			__("Feedback")
		);
	}
}
