import frappe
from frappe import _
from frappe.model.document import Document

from kpibsc.kpibsc.services import versions
from kpibsc.kpibsc.services.recompute import enqueue_recompute


class KPIVersion(Document):
	"""A record of a KPI's scoring from a date (services/versions.py): numbered and checked when
	made, put on the KPI, never changed afterwards; the scorecards it changes are recomputed.
	A mistaken one is deleted before it takes effect (`versions.check_removable`)."""

	def before_insert(self):
		versions.number(self)

	def validate(self):
		if not self.is_new():
			frappe.throw(
				_("A KPI version is a record and is not changed. Make a new version of the KPI instead.")
			)
		versions.validate_new(self)

	def after_insert(self):
		versions.apply(self)
		if not self.flags.replaced_settings and (
			scorecards := versions.scorecards_from(self.kpi, self.effective_from)
		):
			enqueue_recompute(scorecards)

	def on_trash(self):
		versions.check_removable(self)
		versions.restore_previous(self)

	def after_delete(self):
		# after the row is gone: the recompute scores those periods with the previous version
		if scorecards := versions.scorecards_from(self.kpi, self.effective_from):
			enqueue_recompute(scorecards)
