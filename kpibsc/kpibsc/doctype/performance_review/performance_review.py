import pandas as pd

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, format_date, getdate

from kpibsc.engine.errors import EngineError
from kpibsc.engine.reviews import check_ratings
from kpibsc.kpibsc.permissions import is_review_hr, stored_document
from kpibsc.kpibsc.services import calibration, feedback, reviews
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error


class DuplicateReviewError(frappe.ValidationError):
	pass


class RatingChangeError(frappe.ValidationError):
	pass


class CalibrationError(frappe.ValidationError):
	pass


class LockedFieldError(frappe.ValidationError):
	pass


# what the review is about and how it is scored: HR's to set, never the reviewee's or the reviewer's
HR_FIELDS = (
	"employee",
	"review_cycle",
	"period_type",
	"from_date",
	"to_date",
	"review_mode",
	"reviewer",
	"competency_framework",
)


class PerformanceReview(Document):
	def validate(self):
		self.validate_locked_fields()
		self.set_released()
		self.validate_dates()
		self.set_people()
		self.validate_duplicate()
		self.set_kpi_score()
		self.set_competencies()
		self.validate_ratings()
		self.validate_rating_changes()
		self.calculate_scores()
		self.validate_calibration()
		calibration.check_potential(self)

	def onload(self):
		self.set_onload("notes", self.visible_notes())
		# the form's Add Note: only for whom the note's own rules allow one
		note = frappe.new_doc("Performance Review Note", review=self.name)
		# frappe.has_permission, not note.has_permission: that one prints "Not allowed" when denied
		may_add = frappe.has_permission(note.doctype, "create", doc=note)
		self.set_onload("can_add_note", self.docstatus == 0 and may_add)

	def before_update_after_submit(self):
		calibration.check_potential(self)  # Potential may be rated after approval, by HR

	def on_submit(self):
		self.db_set("released", 1)
		self.update_cycle()

	def on_cancel(self):
		self.db_set("released", 0)
		self.update_cycle()

	def validate_locked_fields(self):
		"""The employee and their managers rate and comment; what is reviewed, by whom, over
		which dates and with which weights is HR's, and the employee's comments are theirs."""
		before = self.get_doc_before_save()
		if not before or is_review_hr():
			return
		changed = [
			field for field in HR_FIELDS if not self.same_value(field, self.get(field), before.get(field))
		]
		old_rows = {row.name: (row.competency, flt(row.weight)) for row in before.competencies}
		new_rows = {row.name: (row.competency, flt(row.weight)) for row in self.competencies}
		if old_rows != new_rows:
			changed.append("competencies")
		if before.workflow_state != reviews.FIRST_STATE:
			comments = {row.name: row.self_comment for row in before.competencies}
			if (self.self_comments or None) != (before.self_comments or None) or any(
				(row.self_comment or None) != (comments.get(row.name) or None) for row in self.competencies
			):
				changed.append("self_comments")
		if changed:
			frappe.throw(
				_("Only HR can change {0} of a review.").format(
					# translated at runtime: field labels are in the catalogue
					", ".join(_(self.meta.get_label(field)) for field in changed)
				),
				exc=LockedFieldError,
				title=_("Not Yours to Change"),
			)

	def same_value(self, field: str, value, stored) -> bool:
		"""The desk sends the whole form, dates as text ("2026-01-01"), the database gives dates."""
		if self.meta.get_field(field).fieldtype == "Date":
			return (getdate(value) if value else None) == (getdate(stored) if stored else None)
		return (value or None) == (stored or None)

	def set_released(self):
		"""Released (notes visible to the employee) follows approval, set by the submit."""
		if self.docstatus == 0:
			self.released = 0

	def validate_dates(self):
		if getdate(self.from_date) > getdate(self.to_date):
			frappe.throw(_("The review period ends before it starts."))

	def set_people(self):
		employee = frappe.db.get_value("Employee", self.employee, ["user_id", "reports_to"], as_dict=True)
		self.employee_user = employee.user_id
		if self.is_new() and not self.reviewer:
			self.reviewer = employee.reports_to
		self.reviewer_user = (
			frappe.db.get_value("Employee", self.reviewer, "user_id") if self.reviewer else None
		)

	def validate_duplicate(self):
		existing = frappe.db.exists(
			"Performance Review",
			{
				"employee": self.employee,
				"from_date": ("<=", self.to_date),
				"to_date": (">=", self.from_date),
				"period_type": self.period_type,
				"docstatus": ("<", 2),
				"name": ("!=", self.name or ""),
			},
		)
		if existing:
			frappe.throw(
				_("{0} already has review {1} for a {2} overlapping {3} to {4}.").format(
					frappe.bold(self.employee_name or self.employee),
					frappe.get_desk_link("Performance Review", existing),
					_(self.period_type).lower(),  # translated at runtime: a Select option
					format_date(self.from_date),
					format_date(self.to_date),
				),
				exc=DuplicateReviewError,
				title=_("Duplicate Review"),
			)

	def set_kpi_score(self):
		"""Never typed: the mean of the scorecard's period scores within the review period."""
		score = reviews.kpi_scores([self.employee], [self.from_date], [self.to_date]).iloc[0]
		self.scorecard = score.scorecard
		self.kpi_periods = int(score.kpi_periods)
		self.kpi_score = reviews.nan_to_none(score.kpi_score)
		if self.review_mode == reviews.COMPETENCIES_ONLY:
			self.kpi_score = None
			return
		if not self.scorecard:
			settings = reviews.get_settings()
			if settings.no_scorecard_policy == reviews.COMPETENCIES_ONLY:
				self.review_mode = reviews.COMPETENCIES_ONLY
				return
			frappe.throw(
				_(
					"{0} has no KPI scorecard between {1} and {2}. Cascade one to them, or choose the review mode Competencies Only."
				).format(
					frappe.bold(self.employee_name or self.employee),
					format_date(self.from_date),
					format_date(self.to_date),
				),
				exc=reviews.NoScorecardError,
				title=_("No Scorecard"),
			)

	def set_competencies(self):
		if self.competencies or not self.competency_framework:
			return
		for row in frappe.get_all(
			"Competency Framework Item",
			filters={"parent": self.competency_framework, "parenttype": "Competency Framework"},
			fields=["competency", "weight"],
			order_by="idx",
		):
			self.append("competencies", row)

	def validate_ratings(self):
		scale = reviews.get_settings().rating_scale
		try:
			for row in self.competencies:
				label = _("Row {0}: {1}").format(row.idx, row.competency)
				check_ratings([row.self_rating, row.manager_rating], scale, label)
		except EngineError as error:
			throw_engine_error(error, _("Competencies"))

	def validate_rating_changes(self):
		"""Self ratings are the employee's, in self assessment; manager ratings the
		manager's, in manager review. HR may change either while calibrating."""
		before = self.get_doc_before_save()
		if not before or is_review_hr():
			return
		old = {row.name: row for row in before.competencies}
		steps = (
			("self_rating", _("Self Rating"), reviews.FIRST_STATE),
			("manager_rating", _("Manager Rating"), reviews.MANAGER_STATE),
		)
		for row in self.competencies:
			previous = old.get(row.name)
			for field, label, state in steps:
				changed = (previous.get(field) if previous else None) != row.get(field)
				if changed and row.get(field) is not None and before.workflow_state != state:
					frappe.throw(
						_("Row {0}: {1} can only be changed in the {2} step.").format(
							row.idx,
							label,
							_(state),  # translated at runtime: a workflow state
						),
						exc=RatingChangeError,
					)

	def calculate_scores(self):
		settings = reviews.get_settings()
		ratings = pd.DataFrame(
			[
				{
					"review": "this",
					"weight": row.weight,
					"self_rating": row.self_rating,
					"manager_rating": row.manager_rating,
				}
				for row in self.competencies
			],
			columns=["review", "weight", "self_rating", "manager_rating"],
		)
		frame = pd.DataFrame(
			[
				{
					"name": "this",
					"kpi_score": self.kpi_score,
					"review_mode": self.review_mode,
					"rank_band": self.rank_band if self.rank_band != self.calculated_band else None,
				}
			]
		)
		# with the cycle's 360° feedback, the competency score comes from every source
		from_feedback = feedback.competency_score(self)
		scored = reviews.score_frame(
			frame, ratings, settings, None if from_feedback is None else pd.Series({"this": from_feedback})
		).iloc[0]
		for field in ("self_score", "manager_score", "competency_score", "final_score", "band_coefficient"):
			self.set(field, reviews.nan_to_none(scored[field]))
		self.calculated_band = scored["calculated_band"]
		self.rank_band = scored["rank_band"]

	def validate_calibration(self):
		"""A band other than the score's band is HR's call, in HR Calibration, with a note; never
		on the HR user's own review."""
		before = self.get_doc_before_save()
		note_changed = before and (before.calibration_note or None) != (self.calibration_note or None)
		band_changed = (
			before and before.rank_band != self.rank_band and self.rank_band != self.calculated_band
		)
		if (note_changed or band_changed) and self.is_own_review():
			frappe.throw(
				_("Nobody calibrates their own review: another HR user moves its band."),
				exc=CalibrationError,
			)
		if note_changed and not is_review_hr():
			frappe.throw(_("Only HR writes the calibration note."), exc=CalibrationError)
		if not self.rank_band or self.rank_band == self.calculated_band:
			return
		if self.rank_band not in reviews.band_codes(reviews.get_settings()):
			frappe.throw(
				_("{0} is not a rank band. Use one of: {1}.").format(
					frappe.bold(self.rank_band), ", ".join(reviews.band_codes(reviews.get_settings()))
				),
				exc=CalibrationError,
			)
		changed = not before or before.rank_band != self.rank_band
		if changed and (not is_review_hr() or self.workflow_state != reviews.HR_STATE):
			frappe.throw(
				_("Only HR can move a review to another band, in the HR Calibration step."),
				exc=CalibrationError,
			)
		if not (self.calibration_note or "").strip():
			frappe.throw(
				_("Say why the band is {0} rather than {1} by score, in Calibration Note.").format(
					self.rank_band, self.calculated_band
				),
				exc=CalibrationError,
			)

	def is_own_review(self) -> bool:
		"""Whether the session user is the review's employee (as stored or as sent)."""
		before = self.get_doc_before_save()
		employees = {self.employee, before.employee if before else None} - {None, ""}
		return self.employee_user == frappe.session.user or bool(
			employees
			and frappe.db.exists(
				"Employee", {"name": ("in", list(employees)), "user_id": frappe.session.user}
			)
		)

	def visible_notes(self) -> list[dict]:
		"""Manager and HR notes; the employee sees them once the review is approved."""
		if frappe.session.user == self.employee_user and not self.released and not is_review_hr():
			return []
		return frappe.get_all(
			"Performance Review Note",
			filters={"review": self.name},
			fields=["name", "note_by", "author", "note", "creation"],
			order_by="creation asc",
		)

	@frappe.whitelist()
	def add_note(self, note: str) -> str:
		"""A manager's or HR's note, hidden from the employee until the review is approved.
		Judged on the stored review (the note's own rules decide who may write it)."""
		review = stored_document(self, "read")
		return (
			frappe.get_doc({"doctype": "Performance Review Note", "review": review.name, "note": note})
			.insert()
			.name
		)

	@frappe.whitelist()
	def reopen(self, reason: str) -> str:
		"""Approved reviews are locked. HR re-opens one explicitly: it is cancelled with the
		reason recorded, and an amended copy starts again at self assessment."""
		if not is_review_hr():
			frappe.throw(_("Only HR can re-open an approved review."), frappe.PermissionError)
		review = stored_document(self, "cancel")  # never the copy the client sent
		if review.docstatus != 1:
			frappe.throw(_("Only an approved review can be re-opened."))
		if not (reason or "").strip():
			frappe.throw(_("Say why the review is re-opened."))
		review.add_comment("Comment", _("Re-opened: {0}").format(reason))
		review.cancel()
		amended = frappe.copy_doc(review)
		amended.docstatus = 0
		amended.amended_from = review.name
		amended.workflow_state = None
		amended.released = 0
		amended.insert()
		amended.add_comment("Comment", _("Re-opened from {0}: {1}").format(review.name, reason))
		return amended.name

	def update_cycle(self):
		if self.review_cycle:
			reviews.update_cycle_counts(self.review_cycle)
