from frappe.model.document import Document


class PerformanceCheckinAction(Document):
	pass
