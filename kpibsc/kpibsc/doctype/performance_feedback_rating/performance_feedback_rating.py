from frappe.model.document import Document


class PerformanceFeedbackRating(Document):
	pass
