import frappe
from frappe import _
from frappe.model.document import Document

from kpibsc.kpibsc.services.reviews import validate_settings
from kpibsc.kpibsc.services.score_policy import (
	changed_companies,
	scorecards_of,
	validate_settings_policies,
)

# P1/P2/P3 components and the bands' pay coefficients decide what people are paid
PAY_ROLES = {"HR Manager", "System Manager", "Administrator"}
PAY_FIELDS = ("p1_component", "p2_component", "p3_component")
# the score policy decides every scorecard's scores and colours
POLICY_ROLES = {"KPI Manager", "System Manager", "Administrator"}


class PayFieldError(frappe.PermissionError):
	pass


class PolicyFieldError(frappe.PermissionError):
	pass


class KPIBSCSettings(Document):
	def validate(self):
		self.validate_pay_fields()
		self.validate_policy_changer()
		validate_settings(self)
		validate_settings_policies(self)

	def on_update(self):
		self.recompute_changed_policies()

	def validate_policy_changer(self):
		"""Only a KPI or System Manager changes the score policies (an HR Manager may save
		the rest of the settings)."""
		if self.flags.ignore_permissions or POLICY_ROLES & set(frappe.get_roles()):
			return
		if changed_companies(self):
			frappe.throw(
				_("Only a KPI Manager or System Manager can change the score policies."),
				exc=PolicyFieldError,
				title=_("Score Policy"),
			)

	def recompute_changed_policies(self):
		"""The open scorecards of each company whose policy changed are rescored in the
		background (one deduplicated job; progress on the scorecards)."""
		companies = changed_companies(self)
		if not companies:
			return
		scorecards = scorecards_of(companies)
		if scorecards:
			from kpibsc.kpibsc.services.recompute import enqueue_recompute

			enqueue_recompute(scorecards, queue="long")

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
