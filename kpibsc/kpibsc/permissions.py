"""Who may see and change what: the row rules behind every KPI scorecard, measurement, result
and performance review (the role matrix is in docs/security.md).

Two ideas hold it together:
- A decision is made on the **stored** document. For a document already in the database its
  owner fields are read from there, never from the request; for a new one they are derived
  from its links (a measurement's owner is its scorecard's, an employee scorecard's department
  is the employee's). A write that would move a document to another owner must be allowed on
  both, the owner it has and the owner it would get.
- Nobody approves their own numbers or sets their own targets: on a document of their own a
  department head has the rights of an employee, and a department's own scorecard is planned
  above the head (a KPI Manager), who may cascade it to the team but not change it.
"""

import frappe
from frappe import _

MANAGER_ROLES = {"KPI Manager", "System Manager", "Administrator"}
READ_TYPES = ("read", "print", "email", "report", "export", "share")
OWNER_FIELDS = ("scorecard_for", "company", "department", "employee")


def _is_manager(user: str) -> bool:
	return bool(MANAGER_ROLES & set(frappe.get_roles(user)))


def employee_of(user: str) -> str | None:
	return frappe.db.get_value("Employee", {"user_id": user, "status": "Active"}, "name")


def headed_departments(employee: str | None) -> list[str]:
	if not employee:
		return []
	return frappe.get_all("Department", filters={"kpi_department_head": employee}, pluck="name")


def managed_departments(user: str | None = None) -> set[str] | None:
	"""Departments whose people's scorecards the user may change; None means all of them."""
	user = user or frappe.session.user
	if _is_manager(user):
		return None
	return set(headed_departments(employee_of(user)))


# -- row rules for lists and reports ------------------------------------------------------------


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


def owner_criterion(table, user: str | None = None):
	"""owner_query_conditions as a frappe.qb criterion on `table`: None when the user sees
	every row, False when none."""
	user = user or frappe.session.user
	if _is_manager(user):
		return None
	employee = employee_of(user)
	if not employee:
		return False
	criterion = table.employee == employee
	departments = headed_departments(employee)
	if departments:
		criterion = criterion | table.department.isin(departments)
	return criterion


def scorecard_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return owner_query_conditions("KPI Scorecard", user)


def measurement_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return owner_query_conditions("KPI Measurement", user)


def result_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return owner_query_conditions("KPI Result", user)


# -- owners: stored, or derived from the links ------------------------------------------------


def stored_owner(doc) -> frappe._dict | None:
	"""The owner fields in the database, or None when the document is not stored yet (a
	forged `__islocal` copy of a stored document still counts as the stored one)."""
	if not doc.get("name"):
		return None
	return frappe.db.get_value(doc.doctype, doc.name, list(OWNER_FIELDS), as_dict=True)


def derived_owner(doc) -> frappe._dict | None:
	"""The owner the document would have when saved, from its links as they are stored:
	a measurement's or a result's is its scorecard's; an employee scorecard's department and
	company are the employee's. None when the links lead nowhere."""
	if doc.doctype != "KPI Scorecard":
		if not doc.get("scorecard"):
			return None
		return frappe.db.get_value("KPI Scorecard", doc.scorecard, list(OWNER_FIELDS), as_dict=True)
	level = doc.get("scorecard_for")
	if level == "Employee":
		employee = doc.get("employee") and frappe.db.get_value(
			"Employee", doc.employee, ["name", "department", "company"], as_dict=True
		)
		if not employee:
			return None
		stored = stored_owner(doc)
		# a scorecard keeps the department it was made in when its employee moves on
		department = (
			stored.department
			if stored and stored.employee == employee.name and stored.department
			else employee.department
		)
		return frappe._dict(
			scorecard_for=level, company=employee.company, department=department, employee=employee.name
		)
	if level == "Department":
		company = doc.get("department") and frappe.db.get_value("Department", doc.department, "company")
		return frappe._dict(
			scorecard_for=level, company=company or doc.get("company"), department=doc.get("department")
		)
	return frappe._dict(scorecard_for=level, company=doc.get("company"))


def owners_to_check(doc, ptype: str) -> list[frappe._dict]:
	"""Reading is judged on the stored owner; changing on the stored one and the one the
	change would give the document."""
	stored = stored_owner(doc)
	if stored and ptype in READ_TYPES:
		return [stored]
	derived = derived_owner(doc)
	owners = [owner for owner in (stored, derived) if owner]
	if stored and not derived:
		return []  # a change that points the document at nothing is nobody's
	return owners


def _owner_permission(doc, ptype: str, user: str | None, rule) -> bool:
	"""Managers may do anything; others what `rule(relation, ptype)` allows for each owner the
	decision is about, where relation is "own", "head" (a department the user heads) or
	"department" (that department's own scorecard)."""
	user = user or frappe.session.user
	if _is_manager(user):
		return True
	employee = employee_of(user)
	if not employee:
		return False
	owners = owners_to_check(doc, ptype)
	if not owners:
		return False
	departments = set(headed_departments(employee))
	return all(rule(relation_to(owner, employee, departments), ptype) for owner in owners)


def relation_to(owner, employee: str, departments: set[str]) -> str | None:
	if owner.get("employee"):
		if owner.employee == employee:
			return "own"  # never as their own head
		return "head" if owner.department in departments else None
	if owner.get("scorecard_for") == "Department" and owner.department in departments:
		return "department"
	return None


def _scorecard_rule(relation: str | None, ptype: str) -> bool:
	# the head changes the team's scorecards; their own and their department's they only read
	if relation == "head":
		return True
	return relation in ("own", "department") and ptype in READ_TYPES


def _measurement_rule(relation: str | None, ptype: str) -> bool:
	# everyone enters their own actuals; approving (submit), cancelling and deleting is the
	# head's for the team, a KPI Manager's for the head's own and the department's numbers
	if relation == "head":
		return True
	return relation in ("own", "department") and ptype not in ("submit", "cancel", "delete", "amend")


def _result_rule(relation: str | None, ptype: str) -> bool:
	return relation is not None and ptype in READ_TYPES


def scorecard_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	return _owner_permission(doc, ptype, user, _scorecard_rule)


def measurement_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	return _owner_permission(doc, ptype, user, _measurement_rule)


def result_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	return _owner_permission(doc, ptype, user, _result_rule)


def revision_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return owner_query_conditions("KPI Target Revision", user)


def revision_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	# read like the scorecard's results; requested and decided only through services/revisions.py
	return _owner_permission(doc, ptype, user, _result_rule)


def may_change_child_scorecard(level: str, unit, own_only: bool = False) -> bool:
	"""Whether the user may write the scorecard a cascade makes for `unit` (a department or an
	employee), by the same rule as scorecard_has_permission. With own_only, only whether the
	unit is someone other than the user themselves."""
	user = frappe.session.user
	if _is_manager(user):
		return True
	employee = employee_of(user)
	if own_only:
		return not (level == "Employee" and unit.name == employee)
	owner = frappe._dict(
		scorecard_for=level,
		department=unit.name if level == "Department" else unit.department,
		employee=unit.name if level == "Employee" else None,
	)
	return bool(employee) and _scorecard_rule(
		relation_to(owner, employee, set(headed_departments(employee))), "write"
	)


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


# -- whitelisted document methods ---------------------------------------------------------------


def stored_document(doc, ptype: str = "read"):
	"""The stored copy of a document a whitelisted method was called on, checked for `ptype`.

	Frappe's run_doc_method runs the method on the document as the client sent it and checks
	only read on that copy, so a method must neither trust its fields nor its permission."""
	if not doc.get("name") or not frappe.db.exists(doc.doctype, doc.name):
		# translated at runtime: DocType names are in the catalogue
		frappe.throw(_("Save the {0} first.").format(_(doc.doctype)), frappe.ValidationError)
	stored = frappe.get_doc(doc.doctype, doc.name)
	stored.check_permission(ptype)
	return stored


def keep_stored_values(doc, fieldnames: tuple[str, ...], blank_when_new: bool = True):
	"""Fields only the server sets: a value a client sent is replaced by the stored one (or
	blanked on a new document), before the controller computes what it owns."""
	before = None if doc.is_new() else doc.get_doc_before_save()
	for fieldname in fieldnames:
		if before is not None:
			doc.set(fieldname, before.get(fieldname))
		elif blank_when_new:
			doc.set(fieldname, None)


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


def _stored_review_fields(doc, fields: list[str]) -> frappe._dict | None:
	return frappe.db.get_value(doc.doctype, doc.name, fields, as_dict=True) if doc.get("name") else None


def review_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	"""The employee edits only in self assessment, their managers only in manager review;
	creating, approving, cancelling and deleting is HR's. Judged on the stored employee and
	step (the one a workflow action is moving it from), never on what the request says."""
	user = user or frappe.session.user
	if is_review_hr(user):
		return True
	me = tree_position(user)
	stored = _stored_review_fields(doc, ["employee", "workflow_state"])
	if not me or not stored:
		return False  # only HR creates reviews
	if ptype not in READ_TYPES and doc.get("employee") != stored.employee:
		return False  # a review never moves to another employee
	if ptype in READ_TYPES:
		return stored.employee == me.name or is_above(me, stored.employee)
	if ptype != "write":
		return False
	if stored.employee == me.name:
		return stored.workflow_state in (None, "", "Self Assessment")
	return is_above(me, stored.employee) and stored.workflow_state == "Manager Review"


def review_note_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	"""A note belongs to its review's employee: their managers write notes, HR everything;
	the employee reads them once the review is approved. The author alone edits a note."""
	user = user or frappe.session.user
	if is_review_hr(user):
		return True
	me = tree_position(user)
	if not me:
		return False
	stored = _stored_review_fields(doc, ["review", "employee", "author"])
	review = (stored or doc).get("review")
	if not review or (stored and doc.get("review") and doc.review != stored.review):
		return False  # a note never moves to another review
	employee, released = frappe.db.get_value("Performance Review", review, ["employee", "released"]) or (
		None,
		0,
	)
	if not employee:
		return False
	if is_above(me, employee):
		if ptype in READ_TYPES or ptype == "create":
			return True
		return ptype == "write" and bool(stored) and stored.author == user
	return employee == me.name and ptype in READ_TYPES and bool(released)


def is_above(me, employee: str) -> bool:
	position = frappe.db.get_value("Employee", employee, ["lft", "rgt"], as_dict=True)
	return bool(position and position.lft > me.lft and position.rgt < me.rgt)


# -- continuous feedback and check-ins: the people in it, the employee's managers, HR ---------
# An employee's managers are those above them in Reports To and the KPI Department Head of their
# department (the department stored on the document). HR reads everything and changes nothing
# of someone else's; a System Manager may do anything.

FULL_ROLES = {"System Manager", "Administrator"}


def _has_full_rights(user: str) -> bool:
	return bool(FULL_ROLES & set(frappe.get_roles(user)))


def _people_conditions(doctype: str, user: str | None, people: tuple[str, ...], employee: str) -> str:
	"""Rows where the user is one of `people` (Employee columns), or manages `employee` (above
	them in Reports To, or heads the row's department)."""
	user = user or frappe.session.user
	if is_review_hr(user):
		return ""
	me = tree_position(user)
	if not me:
		return "1=0"
	mine = frappe.db.escape(me.name)
	conditions = [f"`tab{doctype}`.`{column}` = {mine}" for column in people]
	conditions.append(
		f"`tab{doctype}`.`{employee}` in (select `name` from `tabEmployee` "
		f"where `lft` > {int(me.lft)} and `rgt` < {int(me.rgt)})"
	)
	departments = headed_departments(me.name)
	if departments:
		listed = ", ".join(frappe.db.escape(department) for department in departments)
		conditions.append(f"`tab{doctype}`.`department` in ({listed})")
	return "({})".format(" or ".join(conditions))


def manages_employee(me, employee: str | None, department: str | None) -> bool:
	"""Whether `me` (a tree_position) is above the employee in Reports To or heads the department."""
	if not employee or employee == me.name:
		return False
	return is_above(me, employee) or bool(department and department in headed_departments(me.name))


def _people_permission(doc, ptype: str, user: str | None, fields: list[str], rule) -> bool:
	"""What continuous feedback and check-ins share: a System Manager may do anything; HR reads
	every stored one; nobody without an active Employee does anything else; any employee may
	start a new one (its controller decides who is who). The rest is `rule(me, stored, ptype)`,
	with `me` the user's tree_position and `stored` the document's stored `fields`."""
	user = user or frappe.session.user
	if _has_full_rights(user):
		return True
	stored = _stored_review_fields(doc, fields)
	if ptype in READ_TYPES and is_review_hr(user) and stored:
		return True
	me = tree_position(user)
	if not me:
		return False
	if not stored:
		return ptype == "create"
	return rule(me, stored, ptype)


def feedback_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return _people_conditions("Continuous Feedback", user, ("giver", "recipient"), "recipient")


def feedback_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	"""The giver and the recipient read it, and so do the recipient's managers and HR; only the
	giver writes it (the feedback is theirs). Any employee may start one: the controller sets
	the giver (or, for a request, the recipient) from the session."""
	return _people_permission(doc, ptype, user, ["giver", "recipient", "department"], _feedback_rule)


def _feedback_rule(me, stored, ptype: str) -> bool:
	if ptype in READ_TYPES:
		return me.name in (stored.giver, stored.recipient) or manages_employee(
			me, stored.recipient, stored.department
		)
	return ptype == "write" and stored.giver == me.name


def checkin_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return _people_conditions("Performance Check-in", user, ("employee", "manager"), "employee")


def checkin_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	"""The employee and their managers read and write a check-in; the manager who holds it may
	delete it; HR reads them all. Judged on the stored employee, manager and department; who
	may open a new one is the controller's check (the employee, or one of their managers)."""
	return _people_permission(doc, ptype, user, ["employee", "manager", "department"], _checkin_rule)


def _checkin_rule(me, stored, ptype: str) -> bool:
	if ptype == "delete":
		return stored.manager == me.name
	if ptype not in READ_TYPES and ptype != "write":
		return False
	return me.name in (stored.employee, stored.manager) or manages_employee(
		me, stored.employee, stored.department
	)


# -- 360° feedback requests: the rater sees their own; nobody sees who rated them ----------------
# The reviewee never opens a request about their own review. When the cycle is anonymous their
# managers (the review's reviewer, anyone above the reviewee in Reports To) do not either, even
# with an HR role; in a named cycle they read them. HR administers the rest: proposals,
# approvals, reminders. What the review's people see of the answers is the aggregate of
# services/feedback.get_review_feedback.


def feedback_request_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	table = "`tabPerformance Feedback Request`"
	me = tree_position(user)
	hr = is_review_hr(user)
	if not me:
		return "" if hr else "1=0"
	manages = (
		f"({table}.`reviewee` in (select `name` from `tabEmployee` "
		f"where `lft` > {int(me.lft)} and `rgt` < {int(me.rgt)}) "
		f"or {table}.`review` in (select `name` from `tabPerformance Review` "
		f"where `reviewer_user` = {frappe.db.escape(user)}))"
	)
	not_mine = f"{table}.`reviewee` != {frappe.db.escape(me.name)}"
	rater = f"{table}.`rater_user` = {frappe.db.escape(user)}"
	if hr:
		return f"({not_mine} and ({rater} or {table}.`anonymous` = 0 or not {manages}))"
	return f"({not_mine} and ({rater} or ({table}.`anonymous` = 0 and {manages})))"


def feedback_request_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	"""As the row rule, on the stored request. The rater writes (rates) only an approved
	request; HR creates and changes the rest; a named cycle's managers read. Everyone else
	asks through services/feedback.propose_raters."""
	user = user or frappe.session.user
	hr = is_review_hr(user)
	stored = _stored_review_fields(doc, ["review", "reviewee", "rater_user", "anonymous", "status"])
	if not stored:
		return hr and ptype == "create"
	me = tree_position(user)
	if me and stored.reviewee == me.name:
		return False
	if stored.rater_user == user and not hr:
		return ptype in READ_TYPES or (ptype == "write" and stored.status == "Approved")
	reviewer = frappe.db.get_value("Performance Review", stored.review, "reviewer_user")
	manages = bool(me) and (reviewer == user or is_above(me, stored.reviewee))
	if stored.anonymous and manages and stored.rater_user != user:
		return False
	if hr:
		return True
	return manages and ptype in READ_TYPES
