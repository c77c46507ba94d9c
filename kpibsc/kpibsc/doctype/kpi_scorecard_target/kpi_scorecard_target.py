from frappe.model.document import Document


class KPIScorecardTarget(Document):
	pass
