"""My Work: each user's home in the desk (see `kpibsc.kpibsc.services.home`)."""

import frappe
from frappe import _

from kpibsc.kpibsc.permissions import employee_of, may_see_employee
from kpibsc.kpibsc.services.home import home_sections
from kpibsc.kpibsc.services.work import get_my_work


@frappe.whitelist()
def get_home(employee: str | None = None) -> dict:
	"""The caller's home sections, and the KPIs and tasks of `employee` (the caller's own
	when not given; a head may look at the team's, a KPI Manager at anyone's). A user with
	no employee (an administrator, a KPI Manager) gets the sections their roles use."""
	user = frappe.session.user
	employee = employee or employee_of(user)
	if employee and not may_see_employee(employee, user):
		frappe.throw(
			_("You may not see the work of {0}.").format(frappe.bold(employee)), frappe.PermissionError
		)
	return {"home": home_sections(user), "work": get_my_work(employee) if employee else None}
