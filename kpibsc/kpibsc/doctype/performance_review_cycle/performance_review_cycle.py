import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from kpibsc.kpibsc.services import reviews


class PerformanceReviewCycle(Document):
	def validate(self):
		if getdate(self.from_date) > getdate(self.to_date):
			frappe.throw(_("The cycle ends before it starts."))

	@frappe.whitelist()
	def create_reviews(self) -> dict:
		"""One review per matching employee without one; a background job for large cycles."""
		self.check_permission("write")
		count = len(reviews.cycle_employees(self))
		if count > reviews.BACKGROUND_THRESHOLD and not frappe.flags.in_test:
			frappe.enqueue(
				"kpibsc.kpibsc.doctype.performance_review_cycle.performance_review_cycle.run_create_reviews",
				queue="long",
				timeout=3600,
				job_id=f"kpibsc-review-cycle-{self.name}",
				deduplicate=True,
				enqueue_after_commit=True,
				cycle=self.name,
			)
			return {"queued": True, "employees": count}
		return reviews.create_cycle_reviews(self.name)

	@frappe.whitelist()
	def get_status(self) -> list[dict]:
		self.check_permission("read")
		return reviews.cycle_status(self.name)

	@frappe.whitelist()
	def apply_forced_distribution(self, group_by: str = "Department") -> dict:
		self.check_permission("write")
		if group_by not in ("Department", "Company"):
			frappe.throw(_("Distribute by Department or Company."))
		return reviews.apply_forced_distribution(self.name, group_by)


def run_create_reviews(cycle: str):
	"""Background job. On failure nothing is kept but the reason: the work is rolled back,
	the error logged and shown on the cycle (the job then ends normally, so that is saved)."""
	try:
		reviews.create_cycle_reviews(cycle, show_progress=True)
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title=_("Creating the reviews of {0} failed").format(cycle))
		frappe.db.set_value(
			"Performance Review Cycle",
			cycle,
			"error_message",
			_("Creating reviews failed; nothing was created. The Error Log has the details."),
		)
