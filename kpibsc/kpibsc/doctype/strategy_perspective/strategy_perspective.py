from frappe.model.document import Document


class StrategyPerspective(Document):
	pass
