// Perspectives as bands (Financial on top), objectives as boxes coloured by their
// year-to-date status, "supports" links as arrows from cause to effect.

const STATUS_FILL = { Green: "#d1f5d3", Amber: "#fff1c2", Red: "#ffd6d6", "No Data": "#f3f3f3" };
const STATUS_STROKE = { Green: "#2e9e44", Amber: "#d19d00", Red: "#e03636", "No Data": "#b0b0b0" };
// the objective's forecast, as a dot in the box's corner (At Risk: Amber or better today,
// forecast below Amber)
const FORECAST_DOT = { Green: "#2e9e44", Amber: "#d19d00", Red: "#e03636", "At Risk": "#e03636" };
const BOX = { width: 190, height: 78, gap: 36 };
const BAND = { height: 140, label: 150 };

frappe.pages["strategy-map"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Strategy Map"),
		single_column: true,
	});
	frappe.breadcrumbs.add("KPIBSC");
	const canvas = $('<div class="strategy-map" style="overflow-x: auto; padding: 12px 0"></div>').appendTo(
		page.main
	);
	const field = page.add_field({
		fieldname: "strategy",
		label: __("Strategy"),
		fieldtype: "Link",
		options: "Strategy",
		change() {
			render(canvas, field.get_value());
		},
	});
	const wanted = frappe.route_options && frappe.route_options.strategy;
	frappe.route_options = null;
	if (wanted) {
		field.set_value(wanted);
	} else {
		frappe.db
			.get_list("Strategy", {
				filters: { status: "Active" },
				fields: ["name"],
				order_by: "from_date desc",
				limit: 1,
			})
			.then((rows) => rows.length && field.set_value(rows[0].name));
	}
};

function render(canvas, strategy) {
	canvas.empty();
	if (!strategy) return;
	frappe
		.call("kpibsc.kpibsc.page.strategy_map.strategy_map.get_strategy_map", { strategy })
		.then(({ message }) => canvas.html(draw(message)))
		.then(() => {
			canvas.find("[data-objective]").on("click", function () {
				frappe.set_route("Form", "Strategic Objective", $(this).attr("data-objective"));
			});
		});
}

function draw(data) {
	if (!data.objectives.length) {
		return `<p class="text-muted">${__("This strategy has no objectives yet.")}</p>`;
	}
	const position = {};
	let widest = 0;
	data.perspectives.forEach((perspective, band) => {
		const boxes = data.objectives.filter((row) => row.perspective === perspective.name);
		boxes.forEach((row, index) => {
			position[row.name] = {
				x: BAND.label + BOX.gap + index * (BOX.width + BOX.gap),
				y: band * BAND.height + (BAND.height - BOX.height) / 2,
			};
		});
		widest = Math.max(widest, boxes.length);
	});
	const width = BAND.label + BOX.gap + widest * (BOX.width + BOX.gap);
	const height = data.perspectives.length * BAND.height;
	const bands = data.perspectives
		.map(
			(perspective, band) => `
		<rect x="0" y="${band * BAND.height}" width="${width}" height="${BAND.height}"
			fill="${perspective.color || "#f7f7f7"}" fill-opacity="0.12" stroke="#e2e2e2"/>
		<text x="12" y="${band * BAND.height + BAND.height / 2}" font-weight="600" font-size="14"
			dominant-baseline="middle">${frappe.utils.escape_html(perspective.label)}</text>`
		)
		.join("");
	const arrows = data.links
		.filter((link) => position[link.source] && position[link.target])
		.map((link) => {
			const from = position[link.source];
			const to = position[link.target];
			const x1 = from.x + BOX.width / 2;
			const y1 = from.y + (to.y < from.y ? 0 : BOX.height);
			const x2 = to.x + BOX.width / 2;
			const y2 = to.y + (to.y < from.y ? BOX.height : 0);
			return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#8d99a6"
				stroke-width="1.5" marker-end="url(#kpibsc-arrow)"/>`;
		})
		.join("");
	const boxes = data.objectives
		.filter((row) => position[row.name])
		.map((row) => {
			const at = position[row.name];
			const status = row.status || "No Data";
			const score =
				row.score === null || row.score === undefined
					? ""
					: ` · ${frappe.utils.escape_html(row.score_text) || format_number(row.score, null, 1)}`;
			const title = frappe.utils.escape_html(row.objective_name);
			const initiatives = initiatives_line(row.initiatives || []);
			const tooltip = (row.initiatives || [])
				.map((project) => `\n${project.project_name}: ${format_number(project.percent_complete || 0, null, 0)}%`)
				.join("");
			return `<g data-objective="${frappe.utils.escape_html(row.name)}" style="cursor: pointer">
				<title>${title} (${__(status)}${score})${frappe.utils.escape_html(tooltip)}</title>
				<rect x="${at.x}" y="${at.y}" width="${BOX.width}" height="${BOX.height}" rx="8"
					fill="${STATUS_FILL[status]}" stroke="${STATUS_STROKE[status]}" stroke-width="1.5"/>
				${forecast_dot(row, at)}
				<foreignObject x="${at.x + 6}" y="${at.y + 4}" width="${BOX.width - 12}" height="${BOX.height - 8}">
					<div xmlns="http://www.w3.org/1999/xhtml" style="font-size: 12px; line-height: 1.3;
						height: 100%; display: flex; flex-direction: column; justify-content: center; text-align: center">
						<div style="font-weight: 600">${title}</div>
						<div style="color: #6c7680">${__(row.level)}${score}</div>
						${initiatives}
					</div>
				</foreignObject>
			</g>`;
		})
		.join("");
	return `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
		<defs><marker id="kpibsc-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7"
			markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#8d99a6"/></marker></defs>
		${bands}${arrows}${boxes}
	</svg>`;
}

function forecast_dot(row, at) {
	const colour = FORECAST_DOT[row.forecast_status];
	if (!colour) return "";
	const label = frappe.utils.escape_html(__("Forecast: {0}", [__(row.forecast_status)]));
	// a ring around the dot says At Risk apart from a plain Red forecast
	const ring = row.forecast_status === "At Risk" ? `stroke="${colour}" stroke-width="2" fill-opacity="0.35"` : "";
	return `<circle class="forecast-dot" data-forecast="${frappe.utils.escape_html(row.forecast_status)}"
		cx="${at.x + BOX.width - 12}" cy="${at.y + 12}" r="6" fill="${colour}" ${ring}><title>${label}</title></circle>`;
}

function initiatives_line(initiatives) {
	// strategic initiatives: Projects marked as carrying out the objective
	if (!initiatives.length) return "";
	const average =
		initiatives.reduce((total, project) => total + (project.percent_complete || 0), 0) / initiatives.length;
	const progress = format_number(average, null, 0);
	const text =
		initiatives.length === 1
			? __("1 initiative · {0}%", [progress])
			: __("{0} initiatives · {1}%", [initiatives.length, progress]);
	return `<div style="color: #5e64ff">${text}</div>`;
}
