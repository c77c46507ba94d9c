import frappe
from frappe import _
from frappe.model.document import Document

from kpibsc.kpibsc.permissions import is_review_hr, keep_stored_values
from kpibsc.kpibsc.services import reviews


class PerformanceReviewNote(Document):
	def validate(self):
		self.set_author()

	def set_author(self):
		"""Who wrote the note, and as whom, is the server's to record: a note stays its author's,
		on the review it was written on."""
		if not self.is_new():
			keep_stored_values(self, ("review", "employee", "note_by", "author"))
			return
		self.author = frappe.session.user
		self.employee = frappe.db.get_value("Performance Review", self.review, "employee")
		if is_review_hr():
			self.note_by = "HR"
		elif reviews.manages(frappe.session.user, self.employee):
			self.note_by = "Manager"
		else:
			frappe.throw(
				_("Only the employee's managers and HR add notes to a review."), frappe.PermissionError
			)
