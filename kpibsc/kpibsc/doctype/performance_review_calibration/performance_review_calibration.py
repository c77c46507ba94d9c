import frappe
from frappe import _
from frappe.model.document import Document


class PerformanceReviewCalibration(Document):
	"""A record: written once by `services/calibration.move_to_band` after it has moved the
	review, never changed afterwards. Nobody has create permission: the only way in is the
	move, which checks the calibrator's rights on the stored review first."""

	def validate(self):
		if not self.is_new():
			frappe.throw(_("A calibration is a record and is not changed. Move the review again instead."))
