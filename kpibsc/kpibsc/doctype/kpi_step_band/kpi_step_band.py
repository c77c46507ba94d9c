from frappe.model.document import Document


class KPIStepBand(Document):
	pass
