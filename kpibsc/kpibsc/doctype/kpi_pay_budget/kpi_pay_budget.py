import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate


class KPIPayBudget(Document):
	def validate(self):
		self.validate_dates()
		self.validate_departments()

	def validate_dates(self):
		if getdate(self.from_date) > getdate(self.to_date):
			frappe.throw(_("The budget period ends before it starts."))

	def validate_departments(self):
		departments = [row.department for row in self.departments]
		twice = sorted({department for department in departments if departments.count(department) > 1})
		if twice:
			frappe.throw(_("Departments budgeted twice: {0}").format(", ".join(twice)))
