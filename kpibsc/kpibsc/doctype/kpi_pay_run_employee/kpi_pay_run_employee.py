from frappe.model.document import Document


class KPIPayRunEmployee(Document):
	pass
