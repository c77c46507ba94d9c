from frappe.model.document import Document

from kpibsc.kpibsc.permissions import keep_stored_values
from kpibsc.kpibsc.services import checkins

# who it is between is fixed when it is made; the status and date follow the text
SERVER_FIELDS = (
	"is_request",
	"giver",
	"giver_name",
	"recipient",
	"recipient_name",
	"company",
	"department",
	"giver_user",
	"recipient_user",
	"status",
	"feedback_date",
)


class ContinuousFeedback(Document):
	def validate(self):
		self.set_people()
		checkins.validate_feedback_links(self)
		checkins.set_feedback_status(self, self.stored_status())

	def after_insert(self):
		checkins.ask_for_feedback(self)

	def on_update(self):
		checkins.close_feedback_request(self)

	def set_people(self):
		"""From the session on a new feedback (the giver, or for a request the recipient), the
		stored values after."""
		if self.is_new():
			checkins.set_feedback_people(self)
			checkins.validate_feedback_people(self)
		else:
			keep_stored_values(self, SERVER_FIELDS)

	def stored_status(self) -> str | None:
		before = None if self.is_new() else self.get_doc_before_save()
		return before.status if before else None
