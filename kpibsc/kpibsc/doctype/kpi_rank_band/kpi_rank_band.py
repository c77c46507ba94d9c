from frappe.model.document import Document


class KPIRankBand(Document):
	pass
