import frappe
from frappe.model.document import Document

from kpibsc.kpibsc.permissions import keep_stored_values, stored_document
from kpibsc.kpibsc.services import checkins

# who and what period the check-in is about: fixed when it is made
SERVER_FIELDS = (
	"employee",
	"employee_name",
	"manager",
	"manager_name",
	"company",
	"department",
	"scorecard",
	"from_date",
	"to_date",
)


class PerformanceCheckin(Document):
	def validate(self):
		before = None if self.is_new() else self.get_doc_before_save()
		if before is None:
			checkins.set_checkin_people(self)
			checkins.validate_checkin_period(self)
			self.set_kpis()
		else:
			keep_stored_values(self, SERVER_FIELDS)
			self.keep_stored_rows(before)
		checkins.validate_notes_side(self, before)
		checkins.validate_action_owners(self)

	def set_kpis(self):
		"""The scorecard's KPIs below target or at risk in the period, as they stood when the
		check-in was made."""
		self.set("kpis", checkins.kpis_needing_attention(self.scorecard, self.from_date, self.to_date))

	def keep_stored_rows(self, before):
		"""The KPIs are the server's; an action's task is the one Create Tasks linked."""
		self.set("kpis", [row.as_dict() for row in before.kpis])
		tasks = {row.name: row.task for row in before.actions}
		for row in self.actions:
			row.task = tasks.get(row.name)

	@frappe.whitelist()
	def create_tasks(self) -> list[str]:
		"""Tasks for the agreed actions without one, on the stored check-in (write on it)."""
		return checkins.create_action_tasks(stored_document(self, "write"))
