// Amounts in the run's currency with that currency's decimals ("VND 224.800.000" on a
// #.###,## site), not the site's Currency Precision, which is 2 unless someone set it
frappe.listview_settings["KPI Pay Run"] = {
	add_fields: ["currency"],
	formatters: {
		total(value, df, doc) {
			const decimals = kpibsc_currency_decimals(doc.currency);
			return frappe.utils.escape_html(format_currency(value, doc.currency, decimals));
		},
	},
};

function kpibsc_currency_decimals(currency) {
	// VND "#.###" → 0, USD "#,###.##" → 2; undefined (the desk's choice) when not known
	const format = currency && frappe.model.get_value(":Currency", currency, "number_format");
	const info = format && frappe.number_format_info[format];
	if (!info) return undefined;
	return info.decimal_str ? format.split(info.decimal_str).slice(1)[0].length : 0;
}
