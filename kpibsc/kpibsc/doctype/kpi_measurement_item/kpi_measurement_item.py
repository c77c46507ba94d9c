from frappe.model.document import Document


class KPIMeasurementItem(Document):
	pass
