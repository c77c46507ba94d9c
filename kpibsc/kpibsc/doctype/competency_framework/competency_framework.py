import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt


class CompetencyFramework(Document):
	def validate(self):
		self.validate_competencies()
		self.total_weight = sum(flt(row.weight) for row in self.competencies)

	def validate_competencies(self):
		seen = set()
		for row in self.competencies:
			if row.competency in seen:
				frappe.throw(
					_("Row {0}: competency {1} appears twice.").format(row.idx, frappe.bold(row.competency))
				)
			seen.add(row.competency)
			if flt(row.weight) <= 0:
				frappe.throw(
					_("Row {0}: the weight of {1} must be above 0.").format(
						row.idx, frappe.bold(row.competency)
					)
				)
