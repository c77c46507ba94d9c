"""Row-level access to scorecards: KPI Managers see all, a department head their
department's, an employee their own."""

import frappe

MANAGER_ROLES = {"KPI Manager", "System Manager", "Administrator"}


def _is_manager(user: str) -> bool:
	return bool(MANAGER_ROLES & set(frappe.get_roles(user)))


def _employee_of(user: str) -> str | None:
	return frappe.db.get_value("Employee", {"user_id": user, "status": "Active"}, "name")


def headed_departments(employee: str | None) -> list[str]:
	if not employee:
		return []
	return frappe.get_all("Department", filters={"kpi_department_head": employee}, pluck="name")


def managed_departments(user: str | None = None) -> set[str] | None:
	"""Departments whose scorecards the user may change; None means all of them."""
	user = user or frappe.session.user
	if _is_manager(user):
		return None
	return set(headed_departments(_employee_of(user)))


def scorecard_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if _is_manager(user):
		return ""
	employee = _employee_of(user)
	if not employee:
		return "1=0"
	conditions = [f"`tabKPI Scorecard`.`employee` = {frappe.db.escape(employee)}"]
	departments = headed_departments(employee)
	if departments:
		listed = ", ".join(frappe.db.escape(department) for department in departments)
		conditions.append(f"`tabKPI Scorecard`.`department` in ({listed})")
	return "({})".format(" or ".join(conditions))


def scorecard_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	user = user or frappe.session.user
	if _is_manager(user):
		return True
	employee = _employee_of(user)
	if not employee:
		return False
	if doc.department and doc.department in headed_departments(employee):
		return True
	# An employee reads their own scorecard; only managers and department heads change it.
	return doc.employee == employee and ptype in ("read", "print", "email", "report")
