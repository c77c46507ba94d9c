import frappe
from frappe import _
from frappe.model.document import Document

from kpibsc.kpibsc.services.reviews import validate_settings

# P1/P2/P3 components and the bands' pay coefficients decide what people are paid
PAY_ROLES = {"HR Manager", "System Manager", "Administrator"}
PAY_FIELDS = ("p1_component", "p2_component", "p3_component")


class PayFieldError(frappe.PermissionError):
	pass


class KPIBSCSettings(Document):
	def validate(self):
		self.validate_pay_fields()
		validate_settings(self)

	def validate_pay_fields(self):
		"""Only HR changes what the settings pay: a KPI Manager may move the bands' score
		ranges, not their coefficients (adding or removing a band changes pay too)."""
		if self.flags.ignore_permissions or PAY_ROLES & set(frappe.get_roles()):
			return
		before = self.get_doc_before_save()
		if not before:
			return
		coefficients = {row.band: row.coefficient for row in self.rank_bands}
		changed = [
			# translated at runtime: field labels are in the catalogue
			_(self.meta.get_label(field))
			for field in PAY_FIELDS
			if self.get(field) != before.get(field)
		]
		if coefficients != {row.band: row.coefficient for row in before.rank_bands}:
			changed.append(_("Rank Band coefficients"))
		if changed:
			frappe.throw(
				_("Only an HR Manager can change {0}.").format(", ".join(changed)),
				exc=PayFieldError,
				title=_("Pay Settings"),
			)
