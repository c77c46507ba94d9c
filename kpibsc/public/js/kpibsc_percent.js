// Frappe's Percent formatter writes flt(value) + "%" ("85.5%") whatever the site's number
// format. kpibsc's Percent fields (read-only ones, grid cells) are written as the site writes
// numbers: "85,5%" on a #.###,## site. Other apps' fields keep Frappe's formatter.
(() => {
	const formatters = frappe.form.formatters;
	if (formatters.__kpibsc_percent) return;
	formatters.__kpibsc_percent = true;
	const percent = formatters.Percent;
	formatters.Percent = function (value, docfield, options, doc) {
		const doctype = docfield && docfield.parent;
		const ours = doctype && (frappe.get_meta(doctype) || {}).module === "KPIBSC";
		if (!ours || value === null || value === undefined || value === "") {
			return percent.apply(this, arguments);
		}
		const precision = cint(docfield.precision) || cint(frappe.boot.sysdefaults.float_precision) || 2;
		const rounded = flt(value, precision);
		// the decimals the value has, as Frappe shows them: 85.5 → "85,5%", 100 → "100%"
		const decimals = (String(rounded).split(".")[1] || "").length;
		return formatters._right(format_number(rounded, null, decimals) + "%", options);
	};
})();
