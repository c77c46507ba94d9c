from frappe.model.document import Document


class KPIPayBudgetDepartment(Document):
	pass
