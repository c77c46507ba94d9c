import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, now_datetime

from kpibsc.engine.errors import EngineError
from kpibsc.engine.reviews import check_ratings
from kpibsc.kpibsc.permissions import is_review_hr, keep_stored_values, stored_document
from kpibsc.kpibsc.services import feedback

# what the request is about and who answers it: the server's, fixed once written
SERVER_FIELDS = (
	"review",
	"review_cycle",
	"company",
	"reviewee",
	"reviewee_name",
	"anonymous",
	"rater",
	"rater_name",
	"rater_user",
	"source",
	"proposed_by",
	"approved_by",
	"submitted_on",
	"decline_reason",
	"status",
)


class PerformanceFeedbackRequest(Document):
	def validate(self):
		self.keep_server_fields()
		self.set_from_review()
		self.validate_open()
		self.validate_rater()
		self.validate_duplicate()
		self.validate_rater_count()
		self.set_ratings()
		self.validate_ratings()

	def on_trash(self):
		feedback.close_reminders(self.name)

	def keep_server_fields(self):
		"""Status and people move only through the methods below (which set the flag)."""
		if self.flags.kpibsc_server:
			return
		if not self.is_new():
			keep_stored_values(self, SERVER_FIELDS)
			if not is_review_hr():
				keep_stored_values(self, ("due_date",))
			return
		self.status = self.flags.kpibsc_status or feedback.APPROVED
		self.proposed_by = frappe.session.user
		self.approved_by = frappe.session.user if self.status == feedback.APPROVED else None
		self.submitted_on = self.decline_reason = None

	def set_from_review(self):
		if not self.is_new():
			return
		review = frappe.db.get_value(
			"Performance Review",
			self.review,
			["name", "employee", "employee_name", "company", "review_cycle", "docstatus"],
			as_dict=True,
		)
		if not review:
			frappe.throw(_("Performance Review {0} does not exist.").format(self.review))
		self.reviewee, self.reviewee_name = review.employee, review.employee_name
		self.company, self.review_cycle = review.company, review.review_cycle
		rules = self.policy()
		self.anonymous = int(rules.anonymous)
		self.due_date = self.due_date or rules.due_date
		rater = frappe.db.get_value(
			"Employee", self.rater, ["employee_name", "user_id", "company", "status"], as_dict=True
		)
		if not rater:
			frappe.throw(
				_("Employee {0} does not exist.").format(self.rater), exc=feedback.FeedbackRaterError
			)
		self.rater_name, self.rater_user = rater.employee_name, rater.user_id
		self.flags.rater_company, self.flags.rater_status = rater.company, rater.status

	def policy(self) -> frappe._dict:
		rules = feedback.cycle_policy(self.review_cycle)
		if not rules or not rules.enabled:
			frappe.throw(
				_("The review's cycle does not ask for feedback: turn on Feedback Requests on the cycle."),
				exc=feedback.FeedbackPolicyError,
			)
		return rules

	def validate_open(self):
		"""No request nor answer once the review is approved or the cycle is completed."""
		before = None if self.is_new() else self.get_doc_before_save()
		answering = before is not None and (
			self.status != before.status or self.ratings_of(self) != self.ratings_of(before)
		)
		if not (self.is_new() or answering):
			return
		review_open = frappe.db.get_value("Performance Review", self.review, "docstatus") == 0
		if not review_open or self.policy().closed:
			frappe.throw(
				_("The review is closed: feedback is no longer taken for it."),
				exc=feedback.FeedbackClosedError,
			)

	def validate_rater(self):
		if not self.is_new():
			return
		if self.rater == self.reviewee:
			frappe.throw(
				_("{0} cannot give feedback on their own review; the self rating is on the review.").format(
					frappe.bold(self.reviewee_name or self.reviewee)
				),
				exc=feedback.FeedbackRaterError,
			)
		if self.flags.rater_company != self.company or self.flags.rater_status != "Active":
			frappe.throw(
				_("{0} is not an active employee of {1}: ask someone in the company.").format(
					frappe.bold(self.rater_name or self.rater), self.company
				),
				exc=feedback.FeedbackRaterError,
			)

	def validate_duplicate(self):
		if not self.is_new():
			return
		if frappe.db.exists(
			"Performance Feedback Request",
			{"review": self.review, "rater": self.rater, "status": ("!=", feedback.DECLINED)},
		):
			self.refuse_without_names()
			frappe.throw(
				_("{0} has already been asked for feedback on this review.").format(
					frappe.bold(self.rater_name or self.rater)
				),
				exc=feedback.FeedbackRaterError,
			)

	def validate_rater_count(self):
		if not self.is_new():
			return
		rules = self.policy()
		count = frappe.db.count(
			"Performance Feedback Request", {"review": self.review, "status": ("!=", feedback.DECLINED)}
		)
		if rules.max_raters and count >= rules.max_raters:
			self.refuse_without_names()
			frappe.throw(
				_("This review already has {0} raters, the cycle's maximum.").format(count),
				exc=feedback.FeedbackRaterError,
			)

	def refuse_without_names(self):
		"""Who was asked is not the reviewee's to learn (nor, in an anonymous cycle, their
		managers'): they get one refusal that names nobody, for a repeat and a full review alike."""
		if not feedback.sees_raters(self.review, bool(self.anonymous)):
			feedback.throw_rater_refused()

	def set_ratings(self):
		"""One row per competency of the review, in its order; nothing else to rate."""
		competencies = frappe.get_all(
			"Performance Review Competency",
			filters={"parent": self.review, "parenttype": "Performance Review"},
			pluck="competency",
			order_by="idx",
		)
		given = {}
		for row in self.ratings:
			if row.competency not in competencies:
				frappe.throw(
					_("{0} is not a competency of this review.").format(frappe.bold(row.competency)),
					exc=feedback.FeedbackRatingError,
				)
			given.setdefault(row.competency, row)
		for name in competencies:
			if name not in given:
				given[name] = self.append("ratings", {"competency": name})
		self.ratings = [given[name] for name in competencies]
		for index, row in enumerate(self.ratings, start=1):
			row.idx = index

	def validate_ratings(self):
		before = None if self.is_new() else self.get_doc_before_save()
		changed = (before is not None and self.ratings_of(self) != self.ratings_of(before)) or (
			before is not None and (self.comment or None) != (before.comment or None)
		)
		if changed and not self.flags.kpibsc_server:
			if frappe.session.user != self.rater_user or self.status != feedback.APPROVED:
				frappe.throw(
					_("Only the rater enters the ratings, while the request is approved and not answered."),
					exc=feedback.FeedbackRatingError,
				)
		scale = feedback.rating_scale()
		try:
			for row in self.ratings:
				check_ratings([row.rating], scale, _("Row {0}: {1}").format(row.idx, row.competency))
		except EngineError as error:
			feedback.throw_feedback_error(error)

	@staticmethod
	def ratings_of(doc) -> list:
		return [(row.competency, flt(row.rating), row.comment or None) for row in doc.ratings]

	# The methods below run on the stored request, never on the copy a client sent.

	@frappe.whitelist(methods=["POST"])
	def submit_feedback(self) -> str:
		"""The rater sends the ratings saved on the request: every competency rated."""
		request = stored_document(self, "write")
		if frappe.session.user != request.rater_user:
			frappe.throw(_("Only the rater sends their feedback."), frappe.PermissionError)
		if request.status != feedback.APPROVED:
			frappe.throw(
				_("This request is {0}: only an approved request is answered.").format(
					_(request.status)  # translated at runtime: a Select option
				),
				exc=feedback.FeedbackRatingError,
			)
		request.validate_open_for_answer()
		missing = [row.competency for row in request.ratings if not flt(row.rating)]
		if missing:
			frappe.throw(
				_("Rate every competency before sending: {0}.").format(", ".join(missing)),
				exc=feedback.FeedbackRatingError,
			)
		request.status = feedback.SUBMITTED
		request.submitted_on = now_datetime()
		request.flags.kpibsc_server = True
		request.save(ignore_permissions=True)
		feedback.close_reminders(request.name)
		rescore_review(request.review)
		return request.status

	@frappe.whitelist(methods=["POST"])
	def decline(self, reason: str | None = None) -> str:
		request = stored_document(self, "write" if not is_review_hr() else "read")
		if frappe.session.user != request.rater_user and not is_review_hr():
			frappe.throw(_("Only the rater or HR declines a request."), frappe.PermissionError)
		if request.status not in feedback.OPEN_STATUSES:
			frappe.throw(_("Only an open request can be declined."), exc=feedback.FeedbackRatingError)
		request.status = feedback.DECLINED
		request.decline_reason = reason
		request.flags.kpibsc_server = True
		request.save(ignore_permissions=True)
		feedback.close_reminders(request.name)
		return request.status

	@frappe.whitelist(methods=["POST"])
	def approve(self) -> str:
		request = stored_document(self, "read")
		review = frappe.get_doc("Performance Review", request.review)
		if feedback.relation_to_review(review) not in ("manager", "hr"):
			frappe.throw(_("Only the reviewer or HR approve feedback requests."), frappe.PermissionError)
		if request.status != feedback.PROPOSED:
			frappe.throw(_("Only a proposed request can be approved."), exc=feedback.FeedbackRatingError)
		request.status = feedback.APPROVED
		request.approved_by = frappe.session.user
		request.flags.kpibsc_server = True
		request.save(ignore_permissions=True)
		return request.status

	def validate_open_for_answer(self):
		review_open = frappe.db.get_value("Performance Review", self.review, "docstatus") == 0
		if not review_open or self.policy().closed:
			frappe.throw(
				_("The review is closed: feedback is no longer taken for it."),
				exc=feedback.FeedbackClosedError,
			)


def rescore_review(review_name: str):
	"""A new answer moves the open review's competency and final scores (written without
	touching the review's modified time, so a form open on it is not stale)."""
	review = frappe.get_doc("Performance Review", review_name)
	if review.docstatus != 0:
		return
	review.calculate_scores()
	values = review.get_valid_dict()  # numbers as the database takes them (no NULL)
	frappe.db.set_value(
		"Performance Review",
		review.name,
		{
			field: values.get(field)
			for field in (
				"competency_score",
				"final_score",
				"calculated_band",
				"rank_band",
				"band_coefficient",
			)
		},
		update_modified=False,
	)
