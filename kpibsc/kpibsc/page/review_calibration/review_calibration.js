// A review cycle's rank bands against their forced-distribution quotas, the reviews in each
// band, and "Move to Band" for the reviews in HR Calibration (services/calibration.py).

const METHOD = "kpibsc.kpibsc.services.calibration.";

frappe.pages["review-calibration"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Review Calibration"),
		single_column: true,
	});
	frappe.breadcrumbs.add("KPIBSC");
	const board = $('<div class="review-calibration" style="padding: 12px 0"></div>').appendTo(page.main);
	const refresh = () => render(board, cycle.get_value(), department.get_value());
	const cycle = page.add_field({
		fieldname: "cycle",
		label: __("Review Cycle"),
		fieldtype: "Link",
		options: "Performance Review Cycle",
		change: refresh,
	});
	const department = page.add_field({
		fieldname: "department",
		label: __("Department"),
		fieldtype: "Link",
		options: "Department",
		change: refresh,
	});
	page.set_secondary_action(__("Calibration Log"), () =>
		frappe.set_route(
			"List",
			"Performance Review Calibration",
			cycle.get_value() ? { review_cycle: cycle.get_value() } : {}
		)
	);
	page.add_inner_button(__("Nine Box Grid"), () =>
		frappe.set_route(
			"query-report",
			"Nine Box Grid",
			cycle.get_value() ? { review_cycle: cycle.get_value() } : {}
		)
	);
	wrapper.kpibsc_calibration = { cycle, department, refresh };
	// a cycle asked for in the route, or the hint to choose one (never a blank page)
	if (!take_route_options(wrapper)) refresh();
};

// Opened again with a cycle (or department) in the route: show that, not the last one picked.
frappe.pages["review-calibration"].on_page_show = function (wrapper) {
	take_route_options(wrapper);
};

function take_route_options(wrapper) {
	const fields = wrapper.kpibsc_calibration;
	const wanted = frappe.route_options;
	if (!fields || !wanted || !(wanted.cycle || wanted.department)) return false;
	frappe.route_options = null;
	// both set without their change events, then drawn once
	fields.department.set_input(wanted.department || "");
	fields.cycle.set_input(wanted.cycle || fields.cycle.get_value() || "");
	fields.refresh();
	return true;
}

function render(board, cycle, department) {
	board.empty();
	if (!cycle) {
		board.html(`<p class="text-muted">${__("Choose a review cycle.")}</p>`);
		return;
	}
	frappe.call(METHOD + "get_board", { cycle, department: department || null }).then(({ message }) => {
		board.html(draw(message));
		board.find("[data-move]").on("click", function () {
			const button = $(this);
			// attr, not data(): jQuery would turn a band code such as "1" into a number
			const row = {
				name: button.attr("data-name"),
				employee: button.attr("data-employee"),
				band: button.attr("data-band"),
			};
			move_dialog(message, row, () => render(board, cycle, department), department);
		});
	});
}

function draw(data) {
	const esc = frappe.utils.escape_html;
	const score = (value) => (value === null || value === undefined ? "–" : format_number(value, null, 1));
	const head = `<p class="text-muted">${__("{0} reviews with a band in this view. Cycle status: {1}.", [
		data.total,
		esc(__(data.cycle_status || "")),
	])}</p>`;
	const bands = data.bands
		.map((band) => {
			const quota =
				band.quota === null
					? __("no quota")
					: __("quota {0} ({1}%)", [band.quota, format_number(band.quota_percent, null, 1)]);
			const indicator = band.over_quota
				? `<span class="indicator-pill orange" data-over-quota="${esc(band.band)}">${__("Over quota")}</span>`
				: "";
			const rows = band.reviews
				.map(
					(review) => `<tr data-review="${esc(review.name)}">
					<td><a href="/app/performance-review/${encodeURIComponent(review.name)}">${esc(
						review.employee_name || review.employee
					)}</a> <span class="text-muted small">${esc(review.employee)}</span></td>
					<td class="text-right">${score(review.final_score)}</td>
					<td>${esc(review.calculated_band || "")}</td>
					<td><b>${esc(review.rank_band || "")}</b></td>
					<td>${esc(__(review.workflow_state || ""))}</td>
					<td class="text-right">${
						data.may_calibrate && review.movable
							? `<button class="btn btn-xs btn-default" data-move="1" data-name="${esc(
									review.name
							  )}" data-employee="${esc(review.employee_name || review.employee)}" data-band="${esc(
									review.rank_band
							  )}">${__("Move to Band")}</button>`
							: ""
					}</td>
				</tr>`
				)
				.join("");
			return `<div class="frappe-card mb-4 p-3" data-band="${esc(band.band)}">
				<h5>${__("Band {0}", [esc(band.band)])}
					<span class="text-muted small">· ${quota} · ${__("actual {0}", [band.count])}</span> ${indicator}</h5>
				${
					rows
						? `<div class="table-responsive"><table class="table table-sm"><thead><tr>
							<th>${__("Employee")}</th><th class="text-right">${__("Final Score")}</th>
							<th>${__("Band by Score")}</th><th>${__("Rank Band")}</th><th>${__("Step")}</th><th></th>
						</tr></thead><tbody>${rows}</tbody></table></div>`
						: `<p class="text-muted small">${__("Nobody in this band.")}</p>`
				}
			</div>`;
		})
		.join("");
	const without = data.without_band.length
		? `<p class="text-muted">${__("Without a band (no final score yet): {0}", [
				data.without_band.map((row) => esc(row.employee_name || row.employee)).join(", "),
		  ])}</p>`
		: "";
	return head + bands + without;
}

function move_dialog(data, row, done, department) {
	const dialog = new frappe.ui.Dialog({
		title: __("Move {0} to Another Band", [row.employee]),
		fields: [
			{
				fieldname: "band",
				label: __("Band"),
				fieldtype: "Select",
				options: data.bands.map((band) => band.band).filter((band) => band !== row.band),
				reqd: 1,
			},
			{
				fieldname: "note",
				label: __("Calibration Note"),
				fieldtype: "Small Text",
				reqd: 1,
				description: __(
					"Why this band and not the one by score: kept on the review and in the calibration log."
				),
			},
		],
		primary_action_label: __("Move"),
		primary_action({ band, note }) {
			frappe
				.call({
					method: METHOD + "move_to_band",
					type: "POST",
					args: { review: row.name, band, note, department: department || null },
				})
				.then(({ message }) => {
					dialog.hide();
					if (message.warning) {
						frappe.msgprint({ message: message.warning, indicator: "orange", title: __("Over Quota") });
					} else {
						frappe.show_alert({ message: __("Moved to band {0}", [message.rank_band]), indicator: "green" });
					}
					done();
				});
		},
	});
	dialog.show();
}
