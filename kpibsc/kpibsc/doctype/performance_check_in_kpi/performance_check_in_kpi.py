from frappe.model.document import Document


class PerformanceCheckinKPI(Document):
	pass
