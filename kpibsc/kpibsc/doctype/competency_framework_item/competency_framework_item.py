from frappe.model.document import Document


class CompetencyFrameworkItem(Document):
	pass
