from frappe.model.document import Document


class KPITargetRevisionItem(Document):
	pass
