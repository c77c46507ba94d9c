import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from kpibsc.kpibsc.permissions import keep_stored_values, stored_document
from kpibsc.kpibsc.services import calibration, feedback, reviews


class PerformanceReviewCycle(Document):
	def validate(self):
		if getdate(self.from_date) > getdate(self.to_date):
			frappe.throw(_("The cycle ends before it starts."))
		# counted from the reviews and set by the server
		keep_stored_values(self, ("status", "total_reviews", "approved_reviews", "error_message"))
		self.status = self.status or "Draft"
		feedback.validate_cycle(self)

	# The methods below run on the stored cycle, never on the copy a client sent.

	@frappe.whitelist()
	def create_reviews(self) -> dict:
		"""One review per matching employee without one; a background job for large cycles."""
		cycle = stored_document(self, "write")
		count = len(reviews.cycle_employees(cycle))
		if count > reviews.BACKGROUND_THRESHOLD:
			frappe.enqueue(
				"kpibsc.kpibsc.doctype.performance_review_cycle.performance_review_cycle.run_create_reviews",
				queue="long",
				timeout=3600,
				job_id=f"kpibsc-review-cycle-{cycle.name}",
				deduplicate=True,
				enqueue_after_commit=True,
				cycle=cycle.name,
			)
			return {"queued": True, "employees": count}
		return reviews.create_cycle_reviews(cycle.name)

	@frappe.whitelist()
	def get_status(self) -> list[dict]:
		return reviews.cycle_status(stored_document(self, "read").name)

	@frappe.whitelist()
	def apply_forced_distribution(self, group_by: str = "Department") -> dict:
		cycle = stored_document(self, "write")
		if group_by not in ("Department", "Company"):
			frappe.throw(_("Distribute by Department or Company."))
		return calibration.apply_forced_distribution(cycle.name, group_by)

	@frappe.whitelist()
	def request_feedback(self) -> dict:
		"""Feedback requests for every open review: direct reports, then peers (the manager's
		other reports), up to the cycle's maximum; a background job for large cycles."""
		cycle = stored_document(self, "write")
		count = frappe.db.count("Performance Review", {"review_cycle": cycle.name, "docstatus": 0})
		if count > feedback.BACKGROUND_THRESHOLD:
			frappe.enqueue(
				"kpibsc.kpibsc.doctype.performance_review_cycle.performance_review_cycle.run_request_feedback",
				queue="long",
				timeout=3600,
				job_id=f"kpibsc-review-feedback-{cycle.name}",
				deduplicate=True,
				enqueue_after_commit=True,
				cycle=cycle.name,
			)
			return {"queued": True, "reviews": count}
		return feedback.create_cycle_requests(cycle.name)


def run_create_reviews(cycle: str):
	"""Background job. On failure nothing is kept but the reason: the work is rolled back,
	the error logged against the cycle and shown on it (the job then ends normally, so that is
	saved)."""
	try:
		reviews.create_cycle_reviews(cycle, show_progress=True)
	except Exception:
		frappe.db.rollback()
		frappe.log_error(
			title=_("Creating the reviews of {0} failed").format(cycle),
			reference_doctype="Performance Review Cycle",
			reference_name=cycle,
		)
		frappe.db.set_value(
			"Performance Review Cycle",
			cycle,
			"error_message",
			_("Creating reviews failed; nothing was created. The Error Log has the details."),
		)


def run_request_feedback(cycle: str):
	"""Background job: all requests or none; a failure is logged and shown on the cycle."""
	try:
		result = feedback.create_cycle_requests(cycle)
		if result["short"]:
			frappe.db.set_value(
				"Performance Review Cycle",
				cycle,
				"error_message",
				_("Fewer raters than the cycle's minimum for: {0}").format(", ".join(result["short"][:20])),
			)
	except Exception:
		frappe.db.rollback()
		frappe.log_error(
			title=_("Requesting feedback for {0} failed").format(cycle),
			reference_doctype="Performance Review Cycle",
			reference_name=cycle,
		)
		frappe.db.set_value(
			"Performance Review Cycle",
			cycle,
			"error_message",
			_("Requesting feedback failed; no request was made. The Error Log has the details."),
		)
