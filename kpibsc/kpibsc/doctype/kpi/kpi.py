import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from kpibsc.engine import Method
from kpibsc.engine.evaluation import next_evaluation
from kpibsc.engine.rounding import counts_whole_units
from kpibsc.kpibsc.permissions import keep_stored_values
from kpibsc.kpibsc.services.actuals import validate_source
from kpibsc.kpibsc.services.engine_bridge import check_rule, scoring_rule
from kpibsc.kpibsc.services.versions import guard_kpi_change

SMART_FIELDS = (
	"desired_outcome",
	"why_it_matters",
	"how_measured",
	"how_influenced",
	"responsible",
	"achievement_evidence",
	"review_frequency",
)


class KPI(Document):
	def validate(self):
		self.set_smart_completeness()
		self.set_whole_numbers()
		self.validate_bounds()
		self.validate_scoring_settings()
		guard_kpi_change(self)
		validate_source(self)
		self.set_next_evaluation()

	def set_next_evaluation(self):
		"""Evaluations set the outcome and the dates after the first; a KPI given a review
		frequency is first due one period from today."""
		keep_stored_values(self, ("last_evaluated", "last_evaluation_outcome"))
		if self.review_frequency and not self.next_evaluation and not self.disabled:
			self.next_evaluation = next_evaluation(getdate(nowdate()), self.review_frequency)

	def set_smart_completeness(self):
		filled = sum(1 for fieldname in SMART_FIELDS if (self.get(fieldname) or "").strip())
		self.smart_completeness = round(100.0 * filled / len(SMART_FIELDS), 1)

	def set_whole_numbers(self):
		"""A unit that counts things (Count, Customers, Khách hàng) makes the KPI whole-numbered;
		the box is for other units that count."""
		if counts_whole_units(self.unit):
			self.whole_numbers = 1

	def validate_bounds(self):
		if (
			self.lower_bound is not None
			and self.upper_bound is not None
			and self.scoring_method == Method.TARGET_RANGE
		):
			if self.lower_bound > self.upper_bound:
				frappe.throw(
					_("The lower bound {0} is above the upper bound {1}.").format(
						self.lower_bound, self.upper_bound
					),
					title=_("Invalid KPI Setting"),
				)

	def validate_scoring_settings(self):
		if self.scoring_method in (Method.STEP_BANDS, Method.FORMULA):
			check_rule(scoring_rule(self), 1.0, context=self.kpi_code)
