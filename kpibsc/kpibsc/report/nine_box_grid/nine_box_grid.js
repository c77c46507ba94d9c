// The grid as nine boxes above the table: potential up, performance across (High on the right).
frappe.query_reports["Nine Box Grid"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{
			fieldname: "review_cycle",
			label: __("Review Cycle"),
			fieldtype: "Link",
			options: "Performance Review Cycle",
		},
		{ fieldname: "department", label: __("Department"), fieldtype: "Link", options: "Department" },
		{
			fieldname: "medium_from",
			label: __("Medium Performance From"),
			fieldtype: "Float",
			default: 70,
			description: __("Final score where Medium performance starts; Low below it."),
		},
		{
			fieldname: "high_from",
			label: __("High Performance From"),
			fieldtype: "Float",
			default: 90,
			description: __("Final score where High performance starts."),
		},
		{ fieldname: "approved_only", label: __("Approved Only"), fieldtype: "Check" },
	],
	after_datatable_render() {
		draw_nine_boxes(frappe.query_report);
	},
};

const BOX_COLOUR = {
	"high:High": "#d1f5d3",
	"medium:High": "#e3f6e4",
	"high:Medium": "#e3f6e4",
	"low:High": "#fff1c2",
	"medium:Medium": "#fff1c2",
	"high:Low": "#fff1c2",
	"low:Medium": "#ffe3d1",
	"medium:Low": "#ffe3d1",
	"low:Low": "#ffd6d6",
};

function draw_nine_boxes(report) {
	const esc = frappe.utils.escape_html;
	const rows = report.data || [];
	let holder = report.$report.parent().find(".nine-box-grid");
	if (!holder.length) {
		holder = $('<div class="nine-box-grid" style="padding: 12px 15px"></div>').insertBefore(report.$report);
	}
	holder.show();
	if (!frappe.query_reports["Nine Box Grid"].__leaves_with_the_report) {
		// every report opens in the same query-report page: the grid goes with this one
		frappe.query_reports["Nine Box Grid"].__leaves_with_the_report = true;
		frappe.router.on("change", () => {
			const [view, name] = frappe.get_route();
			$(".nine-box-grid").toggle(view === "query-report" && name === "Nine Box Grid");
		});
	}
	const grid = rows.filter((row) => row.potential !== "Not Rated");
	const not_rated = rows.find((row) => row.potential === "Not Rated");
	if (!grid.length) {
		holder.empty();
		return;
	}
	const cell = (row, key) => `<div class="nine-box" data-box="${esc(row[key + "_box"])}"
			style="background: ${
				BOX_COLOUR[key + ":" + row.potential]
			}; border-radius: 6px; padding: 8px; min-height: 90px">
			<div><b>${esc(row[key + "_box"])}</b> <span class="badge badge-light">${row[key + "_count"]}</span></div>
			<div class="small">${esc(row[key + "_employees"])}</div>
		</div>`;
	const body = grid
		.map(
			(row) => `<div class="small text-muted" style="align-self: center">${esc(row.potential_label)}</div>
			${cell(row, "low")}${cell(row, "medium")}${cell(row, "high")}`
		)
		.join("");
	const unrated_people = not_rated
		? ["low", "medium", "high"]
				.map((key) => not_rated[key + "_employees"])
				.filter(Boolean)
				.join(", ")
		: "";
	holder.html(`<div style="display: grid; grid-template-columns: 90px repeat(3, 1fr); gap: 8px">
			<div class="small text-muted">${__("Potential")} ↑</div>
			<div class="small text-muted">${__("Low Performance")}</div>
			<div class="small text-muted">${__("Medium Performance")}</div>
			<div class="small text-muted">${__("High Performance")} →</div>
			${body}
		</div>
		<p class="text-muted small mt-2 nine-box-not-rated">${__("Potential not rated: {0}", [
			esc(unrated_people) || __("nobody"),
		])}</p>`);
}
