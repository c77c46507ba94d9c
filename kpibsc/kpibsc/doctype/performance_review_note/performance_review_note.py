from frappe.model.document import Document


class PerformanceReviewNote(Document):
	pass
