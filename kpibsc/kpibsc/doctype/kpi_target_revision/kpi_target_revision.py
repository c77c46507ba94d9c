"""A revision of an active scorecard's targets and weights: a record the service writes
(services/revisions.py), never edited through the form."""

import frappe
from frappe import _
from frappe.model.document import Document


class KPITargetRevision(Document):
	def validate(self):
		if not self.flags.from_revision_service:
			frappe.throw(
				_("Revise targets from the scorecard's Revise Targets button."), frappe.PermissionError
			)
