from frappe.model.document import Document


class PerformanceReviewCompetency(Document):
	pass
