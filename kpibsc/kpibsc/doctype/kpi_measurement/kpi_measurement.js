frappe.ui.form.on("KPI Measurement", {
	setup(frm) {
		frm.set_query("scorecard", () => ({ filters: { status: ["!=", "Closed"] } }));
	},
	scorecard(frm) {
		fill_items(frm);
	},
	period_start(frm) {
		fill_items(frm);
	},
	onload(frm) {
		if (frm.kpibsc_listening) return;
		frm.kpibsc_listening = true;
		for (const event of ["kpibsc_recompute_done", "kpibsc_recompute_failed"]) {
			frappe.realtime.on(event, (data) => {
				if ((data.scorecards || []).includes(frm.doc.scorecard)) show_recompute_status(frm);
			});
		}
	},
	refresh(frm) {
		if (frm.doc.docstatus > 0) show_recompute_status(frm);
		offer_send_for_approval(frm);
		if (frm.doc.scorecard) {
			frm.add_custom_button(
				__("Balanced Scorecard"),
				() =>
					frappe.set_route("query-report", "Balanced Scorecard", {
						scorecard: frm.doc.scorecard,
						period_start: frm.doc.period_start,
					}),
				__("View")
			);
		}
	},
});

function offer_send_for_approval(frm) {
	// nobody approves their own numbers: whoever may not approve this draft sees "Send for
	// Approval" where Submit (approve) would be refused by the server
	if (frm.doc.docstatus !== 0 || frm.is_new() || (frm.doc.__onload || {}).may_approve) return;
	frm.perm[0].submit = 0;
	frm.toolbar.set_primary_action();
	if (frm.is_dirty()) return;
	frm.page.set_primary_action(__("Send for Approval"), () =>
		frm.call({ method: "send_for_approval", doc: frm.doc }).then(({ message }) => {
			frappe.show_alert({
				message: message && message.length
					? __("Sent to {0} for approval.", [message.map(frappe.utils.escape_html).join(", ")])
					: __("Waiting for a KPI Manager to approve it."),
				indicator: "green",
			});
		})
	);
}

function show_recompute_status(frm) {
	// approving or cancelling queues a recompute of the scorecard: say so until it has run
	if (!frm.doc.scorecard || frm.doc.docstatus === 0) return;
	frappe
		.xcall("kpibsc.kpibsc.services.recompute.get_recompute_status", { scorecard: frm.doc.scorecard })
		.then((status) => {
			frm.dashboard.clear_headline();
			if (!status) return;
			const colour = status.state === "failed" ? "red" : "yellow";
			frm.dashboard.set_headline_alert(frappe.utils.escape_html(status.message), colour);
		});
}

function fill_items(frm) {
	if (!frm.doc.scorecard || !frm.doc.period_start || frm.doc.docstatus !== 0) return;
	frm.call({ method: "fill_items", doc: frm.doc }).then(() => frm.refresh_fields());
}

// Actuals are stored as plain numbers ("1234.5", what the server and API clients read): the
// Actual column shows them and reads what people type in the site's number format, "1.234,5"
// on a #.###,## site. Text that is not a number in that format ("Có" for a Yes/No KPI, "1234.5"
// typed with a point) goes to the server as typed, which reads it or says what is wrong.
function is_actual_field(df) {
	return df && df.fieldname === "actual" && df.parent === "KPI Measurement Item";
}

function escape_regex(text) {
	return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function actual_from_site_format(text) {
	// the plain number a text in the site's number format means, else null
	const format = get_number_format();
	const info = get_number_format_info(format);
	const group = info.group_sep.trim() || " ";
	let typed = cstr(text).trim().replace(/\s+/g, group === " " ? " " : "");
	const whole = info.group_sep
		? `(\\d+|\\d{1,3}(${escape_regex(group)}\\d{${format === "#,##,###.##" ? "2,3" : "3"}})*)`
		: "\\d+";
	const decimals = info.decimal_str ? `(${escape_regex(info.decimal_str)}\\d+)?` : "";
	if (!typed || !new RegExp(`^-?${whole}${decimals}$`).test(typed)) return null;
	typed = typed.split(group).join("");
	if (info.decimal_str) typed = typed.replace(info.decimal_str, ".");
	const value = Number(typed);
	return Number.isFinite(value) ? String(value) : null;
}

function actual_in_site_format(value) {
	// a stored plain number as the site writes it, with the decimals it has ("100.0" → "100");
	// anything else as it is
	const plain = cstr(value).trim();
	if (!/^-?\d+(\.\d+)?$/.test(plain)) return plain;
	const decimals = (plain.split(".")[1] || "").replace(/0+$/, "").length;
	// a number, not the text: format_number reads text in the site's format
	return format_number(Number(plain), null, decimals);
}

(function read_actuals_in_site_format() {
	const Data = frappe.ui.form.ControlData.prototype;
	if (Data.__kpibsc_actuals) return;
	Data.__kpibsc_actuals = true;
	const { format_for_input, parse } = Data;
	Data.format_for_input = function (value) {
		if (!is_actual_field(this.df)) return format_for_input.call(this, value);
		// while the person types (a row's form saves on input), what they typed stays
		if (this.$input && this.$input.is(":focus")) return this.$input.val();
		return actual_in_site_format(value);
	};
	Data.parse = function (value) {
		if (is_actual_field(this.df)) return actual_from_site_format(value) ?? value;
		return parse ? parse.call(this, value) : value;
	};
})();

function format_actual(value, df, options, doc) {
	return frappe.form.formatters._right(
		frappe.utils.escape_html(actual_in_site_format(value)),
		options
	);
}

frappe.ui.form.on("KPI Measurement", {
	setup(frm) {
		// new rows copy the meta's field; the rows already shown get it on refresh
		const df = (frappe.meta.docfield_map["KPI Measurement Item"] || {}).actual;
		if (df) df.formatter = format_actual;
	},
	refresh(frm) {
		const grid = frm.fields_dict.items && frm.fields_dict.items.grid;
		if (grid && grid.grid_rows) grid.update_docfield_property("actual", "formatter", format_actual);
	},
});
