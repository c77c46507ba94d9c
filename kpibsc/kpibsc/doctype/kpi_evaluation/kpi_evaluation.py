import frappe
from frappe import _
from frappe.model.document import Document

from kpibsc.kpibsc.services import evaluation


class KPIEvaluation(Document):
	"""A record: made once (services/evaluation.py fills who, when next and the results seen),
	never changed afterwards."""

	def validate(self):
		if not self.is_new():
			frappe.throw(
				_("A KPI evaluation is a record and is not changed. Evaluate the KPI again instead.")
			)
		evaluation.prepare(self)

	def after_insert(self):
		evaluation.apply_outcome(self)
