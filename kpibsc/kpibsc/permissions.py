"""Row-level access to scorecards: KPI Managers see all, a department head their
department's, an employee their own."""

import frappe

MANAGER_ROLES = {"KPI Manager", "System Manager", "Administrator"}


def _is_manager(user: str) -> bool:
	return bool(MANAGER_ROLES & set(frappe.get_roles(user)))


def employee_of(user: str) -> str | None:
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
	return set(headed_departments(employee_of(user)))


def owner_query_conditions(doctype: str, user: str | None = None) -> str:
	"""Rows of a scorecard-owned doctype (department and employee columns) the user may see."""
	user = user or frappe.session.user
	if _is_manager(user):
		return ""
	employee = employee_of(user)
	if not employee:
		return "1=0"
	conditions = [f"`tab{doctype}`.`employee` = {frappe.db.escape(employee)}"]
	departments = headed_departments(employee)
	if departments:
		listed = ", ".join(frappe.db.escape(department) for department in departments)
		conditions.append(f"`tab{doctype}`.`department` in ({listed})")
	return "({})".format(" or ".join(conditions))


def scorecard_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return owner_query_conditions("KPI Scorecard", user)


def measurement_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return owner_query_conditions("KPI Measurement", user)


def result_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return owner_query_conditions("KPI Result", user)


def _department_head_of(doc, user: str) -> tuple[bool, str | None]:
	employee = employee_of(user)
	heads = bool(employee and doc.get("department") and doc.department in headed_departments(employee))
	return heads, employee


def _owner_permission(doc, ptype: str, user: str | None, head_may, own_may) -> bool:
	"""Managers may do anything; the department head what `head_may(ptype)` allows; the
	employee whose document it is what `own_may(ptype)` allows."""
	user = user or frappe.session.user
	if _is_manager(user):
		return True
	heads, employee = _department_head_of(doc, user)
	if heads:
		return head_may(ptype)
	return bool(employee) and doc.employee == employee and own_may(ptype)


def _anything(ptype: str) -> bool:
	return True


def _reading(ptype: str) -> bool:
	return ptype in READ_TYPES


def _entering(ptype: str) -> bool:
	# employees enter their own actuals; approving (submit) and cancelling is for their head
	return ptype not in ("submit", "cancel", "delete")


def scorecard_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	# an employee reads their own scorecard; only managers and department heads change it
	return _owner_permission(doc, ptype, user, head_may=_anything, own_may=_reading)


def measurement_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	return _owner_permission(doc, ptype, user, head_may=_anything, own_may=_entering)


def result_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	return _owner_permission(doc, ptype, user, head_may=_reading, own_may=_reading)


READ_TYPES = ("read", "print", "email", "report", "export")


def may_see_employee(employee: str, user: str | None = None) -> bool:
	"""A KPI Manager sees everyone's work; a department head the department's; others their own."""
	user = user or frappe.session.user
	if _is_manager(user):
		return True
	own = employee_of(user)
	if not own:
		return False
	if own == employee:
		return True
	department = frappe.db.get_value("Employee", employee, "department")
	return bool(department and department in headed_departments(own))


# -- performance reviews: HR sees all, managers their Reports To tree, employees their own --

REVIEW_HR_ROLES = MANAGER_ROLES | {"HR Manager", "HR User"}


def is_review_hr(user: str | None = None) -> bool:
	"""HR (and KPI managers) see and act on every performance review."""
	return bool(REVIEW_HR_ROLES & set(frappe.get_roles(user or frappe.session.user)))


def tree_position(user: str):
	return frappe.db.get_value(
		"Employee", {"user_id": user, "status": "Active"}, ["name", "lft", "rgt"], as_dict=True
	)


def review_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return _review_conditions(doctype or "Performance Review", user)


def review_note_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	# an employee's own notes only once the review is released (approved)
	return _review_conditions(doctype or "Performance Review Note", user, own_only_if_released=True)


def _review_conditions(doctype: str, user: str | None, own_only_if_released: bool = False) -> str:
	user = user or frappe.session.user
	if is_review_hr(user):
		return ""
	me = tree_position(user)
	if not me:
		return "1=0"
	own = f"`tab{doctype}`.`employee` = {frappe.db.escape(me.name)}"
	if own_only_if_released:
		own = (
			f"({own} and `tab{doctype}`.`review` in "
			"(select `name` from `tabPerformance Review` where `released` = 1))"
		)
	team = (
		f"`tab{doctype}`.`employee` in (select `name` from `tabEmployee` "
		f"where `lft` > {int(me.lft)} and `rgt` < {int(me.rgt)})"
	)
	return f"({own} or {team})"


def review_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	"""The employee edits only in self assessment, their managers only in manager review;
	approving, cancelling and deleting is HR's."""
	user = user or frappe.session.user
	if is_review_hr(user):
		return True
	me = tree_position(user)
	if not me or not doc.get("employee"):
		return False
	if ptype in READ_TYPES:
		return doc.employee == me.name or is_above(me, doc.employee)
	if ptype in ("submit", "cancel", "delete", "amend", "create"):
		return False
	# the step the review is in, not the one a workflow action is moving it to
	state = (
		frappe.db.get_value(doc.doctype, doc.name, "workflow_state")
		if doc.get("name") and not doc.is_new()
		else doc.get("workflow_state")
	)
	if doc.employee == me.name:
		return state in (None, "", "Self Assessment")
	return is_above(me, doc.employee) and state == "Manager Review"


def review_note_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	user = user or frappe.session.user
	if is_review_hr(user):
		return True
	me = tree_position(user)
	if not me or not doc.get("employee"):
		return False
	if is_above(me, doc.employee):
		return ptype in READ_TYPES or ptype in ("write", "create")
	released = doc.get("review") and frappe.db.get_value("Performance Review", doc.review, "released")
	return doc.employee == me.name and ptype in READ_TYPES and bool(released)


def is_above(me, employee: str) -> bool:
	position = frappe.db.get_value("Employee", employee, ["lft", "rgt"], as_dict=True)
	return bool(position and position.lft > me.lft and position.rgt < me.rgt)
