from frappe.model.document import Document

from kpibsc.kpibsc.services.pay import validate_policy


class KPIPayPolicy(Document):
	def validate(self):
		validate_policy(self)
