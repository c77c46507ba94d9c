from frappe.model.document import Document

from kpibsc.kpibsc.services.reviews import validate_settings


class KPIBSCSettings(Document):
	def validate(self):
		validate_settings(self)
