from frappe.model.document import Document


class StrategicObjectiveLink(Document):
	pass
