from frappe.model.document import Document


class KPIScorePolicy(Document):
	pass
