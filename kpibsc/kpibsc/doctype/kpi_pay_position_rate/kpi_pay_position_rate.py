from frappe.model.document import Document


class KPIPayPositionRate(Document):
	pass
