from frappe.model.document import Document


class KPIPayPersonFactor(Document):
	pass
