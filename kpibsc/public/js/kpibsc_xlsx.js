// Upload an .xlsx to one of services/spreadsheets.py's methods. The browser reads the workbook
// and sends it as base64 `content`, so no File is left on the site for a one-off upload; the
// server saves all of it or, naming each bad cell, none of it.
frappe.provide("kpibsc");

kpibsc.upload_xlsx = function (method, args, done) {
	const input = document.createElement("input");
	input.type = "file";
	input.accept = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	input.style.display = "none";
	input.addEventListener("change", () => {
		const file = input.files && input.files[0];
		input.remove();
		if (!file) return;
		if (!file.name.toLowerCase().endsWith(".xlsx")) {
			frappe.msgprint(__("Choose an Excel workbook (.xlsx)."));
			return;
		}
		const reader = new FileReader();
		reader.onload = () =>
			frappe.call({
				method,
				args: { ...args, content: reader.result },
				freeze: true,
				freeze_message: __("Checking every cell…"),
				callback: (r) => r.message && done(r.message),
			});
		reader.readAsDataURL(file);
	});
	document.body.appendChild(input);
	input.click();
};
