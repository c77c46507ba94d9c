frappe.ui.form.on("Performance Review Cycle", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(
			__("Reviews"),
			() => frappe.set_route("List", "Performance Review", { review_cycle: frm.doc.name }),
			__("View")
		);
		frm.add_custom_button(
			__("Review Summary"),
			() => frappe.set_route("query-report", "Review Summary", { review_cycle: frm.doc.name }),
			__("View")
		);
		if (frm.perm[0]?.write && !frm.is_dirty()) {
			frm.add_custom_button(__("Create Reviews"), () =>
				frm
					.call({ method: "create_reviews", doc: frm.doc, freeze: true, freeze_message: __("Creating reviews…") })
					.then(({ message }) => {
						const text = message.queued
							? __("Creating reviews for {0} employees in the background.", [message.employees])
							: __("{0} reviews created, {1} already there, {2} without a scorecard.", [
									message.created,
									message.existing,
									message.skipped.length,
							  ]);
						frappe.show_alert({ message: text, indicator: "green" });
						frm.reload_doc();
					})
			);
			frm.add_custom_button(__("Apply Forced Distribution"), () => forced_distribution(frm));
		}
		show_status(frm);
	},
});

function show_status(frm) {
	frm.call("get_status").then(({ message }) => {
		if (!message || !message.length) return;
		const order = ["Self Assessment", "Manager Review", "HR Calibration", "Approved"];
		const parts = message
			.sort((a, b) => order.indexOf(a.workflow_state) - order.indexOf(b.workflow_state))
			.map((row) => `${__(row.workflow_state || "Self Assessment")}: ${row.count}`);
		frm.dashboard.set_headline(`${__("Reviews by step")}: ${parts.join(" · ")}`);
	});
}

function forced_distribution(frm) {
	frappe.prompt(
		{
			fieldname: "group_by",
			fieldtype: "Select",
			label: __("Distribute Within"),
			options: [
				{ value: "Department", label: __("Department") },
				{ value: "Company", label: __("Company") },
			],
			default: "Department",
			description: __(
				"Sets the rank bands of the reviews in HR Calibration by the quotas in KPI BSC Settings, best score first."
			),
		},
		({ group_by }) =>
			frm.call("apply_forced_distribution", { group_by }).then(({ message }) => {
				const text = Object.entries(message)
					.map(([band, count]) => `${band}: ${count}`)
					.join(", ");
				frappe.show_alert({ message: __("Bands set: {0}", [text]), indicator: "green" });
			}),
		__("Apply Forced Distribution"),
		__("Apply")
	);
}

// 360° feedback (#17): requests for every open review of the cycle, made in bulk
frappe.ui.form.on("Performance Review Cycle", {
	refresh(frm) {
		if (frm.is_new() || !frm.doc.feedback_enabled || !frm.perm[0]?.write || frm.is_dirty()) return;
		frm.add_custom_button(__("Request Feedback"), () =>
			frm
				.call({ method: "request_feedback", doc: frm.doc, freeze: true, freeze_message: __("Requesting feedback…") })
				.then(({ message }) => {
					const text = message.queued
						? __("Requesting feedback for {0} reviews in the background.", [message.reviews])
						: __("{0} feedback requests made for {1} reviews; {2} below the minimum of raters.", [
								message.created,
								message.reviews,
								message.short.length,
						  ]);
					frappe.show_alert({ message: text, indicator: "green" });
				})
		);
		frm.add_custom_button(
			__("Feedback Summary"),
			() => frappe.set_route("query-report", "Feedback Summary", { review_cycle: frm.doc.name }),
			__("View")
		);
	},
});
