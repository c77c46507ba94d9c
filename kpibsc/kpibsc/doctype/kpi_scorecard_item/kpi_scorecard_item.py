from frappe.model.document import Document


class KPIScorecardItem(Document):
	pass
