from frappe.model.document import Document


class KPIResult(Document):
	pass
