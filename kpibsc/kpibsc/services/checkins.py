"""Continuous feedback and check-ins: feedback between colleagues at any time, and manager-employee
1:1s on a scorecard period, prefilled with the KPIs that need attention, whose agreed actions
become ERPNext Tasks.

Who is who is the server's: a feedback's giver is the session user's employee (for a request,
the session user's employee is the recipient); a check-in's manager is the manager who opens it,
or the employee's Reports To when the employee does. Who sees what is `permissions.py`
(feedback_* and checkin_*). A whole check-in is read with a fixed number of queries.
"""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Max
from frappe.utils import cint, getdate, strip_html, today

from kpibsc.kpibsc.permissions import manages_employee, tree_position

GIVEN, REQUESTED = "Given", "Requested"
# below target, or on track today but forecast to miss (see dashboard.kpis_at_risk)
WATCH_STATUSES = ("Amber", "Red")
AT_RISK = "At Risk"
SUBJECT_LENGTH = 140  # Task.subject


class FeedbackError(frappe.ValidationError):
	pass


class NotYourReportError(frappe.ValidationError):
	pass


class ActionOwnerError(frappe.ValidationError):
	pass


def session_employee(purpose: str) -> frappe._dict:
	"""The session user's active employee (with its place in Reports To), or a translated error."""
	me = tree_position(frappe.session.user)
	if not me:
		frappe.throw(
			_("Link your user to an active Employee record to {0}.").format(purpose),
			exc=FeedbackError,
			title=_("No Employee"),
		)
	return me


def employees(names: list[str]) -> dict[str, frappe._dict]:
	"""Employee name -> company, department, status, user and Reports To, in one query."""
	rows = frappe.get_all(
		"Employee",
		filters={"name": ("in", [name for name in names if name])},
		fields=["name", "employee_name", "company", "department", "status", "user_id", "reports_to"],
	)
	return {row.name: row for row in rows}


# -- continuous feedback ------------------------------------------------------------------------


def set_feedback_people(doc):
	"""Giving: the giver is the session user's employee. Requesting: the session user's employee
	is the recipient and the colleague asked is the giver. Whatever the client sent for the
	other side is replaced; once saved, neither moves."""
	if doc.is_request:
		me = session_employee(_("request feedback"))
		doc.recipient = me.name
		doc.feedback = None  # the colleague asked writes it: never text in their name
	else:
		me = session_employee(_("give feedback"))
		doc.giver = me.name


def validate_feedback_people(doc):
	"""Two different active colleagues of one company; fills the company, the recipient's
	department (the department head's view) and both users."""
	colleague = doc.recipient if not doc.is_request else doc.giver
	if not colleague:
		frappe.throw(
			_("Choose the colleague to ask for feedback.")
			if doc.is_request
			else _("Choose the colleague the feedback is for."),
			exc=FeedbackError,
		)
	if doc.giver == doc.recipient:
		frappe.throw(
			_("You cannot ask yourself for feedback.")
			if doc.is_request
			else _("You cannot give feedback to yourself."),
			exc=FeedbackError,
		)
	people = employees([doc.giver, doc.recipient])
	giver, recipient = people.get(doc.giver), people.get(doc.recipient)
	other = people.get(colleague)
	if not other or other.status != "Active":
		frappe.throw(_("{0} is not an active employee.").format(frappe.bold(colleague)), exc=FeedbackError)
	if giver.company != recipient.company:
		frappe.throw(
			_("{0} works for another company: feedback stays within {1}.").format(
				frappe.bold(other.employee_name or other.name),
				frappe.bold((people.get(doc.recipient if doc.is_request else doc.giver)).company),
			),
			exc=FeedbackError,
		)
	doc.company = giver.company
	doc.department = recipient.department
	# fetched before the server set the people: from the rows read here, never the client's
	doc.giver_name = giver.employee_name
	doc.recipient_name = recipient.employee_name
	doc.giver_user = giver.user_id
	doc.recipient_user = recipient.user_id


def validate_feedback_links(doc):
	"""What the feedback is about belongs to the same company; a KPI is an item of the scorecard."""
	if doc.kpi and not doc.kpi_scorecard:
		frappe.throw(_("Choose the KPI Scorecard the KPI belongs to."), exc=FeedbackError)
	links = (
		("strategic_objective", "Strategic Objective", _("Strategic Objective")),
		("kpi_scorecard", "KPI Scorecard", _("KPI Scorecard")),
		("task", "Task", _("Task")),
	)
	for field, doctype, label in links:
		if doc.get(field) and frappe.db.get_value(doctype, doc.get(field), "company") != doc.company:
			frappe.throw(
				_("{0} {1} belongs to another company.").format(label, frappe.bold(doc.get(field))),
				exc=FeedbackError,
			)
	if doc.kpi and not frappe.db.exists(
		"KPI Scorecard Item", {"parent": doc.kpi_scorecard, "parenttype": "KPI Scorecard", "kpi": doc.kpi}
	):
		frappe.throw(
			_("KPI {0} is not an item of scorecard {1}.").format(
				frappe.bold(doc.kpi), frappe.bold(doc.kpi_scorecard)
			),
			exc=FeedbackError,
		)


def set_feedback_status(doc, stored_status: str | None):
	"""Given once it has text (dated the day it is first given); a request waits, as Requested,
	for the colleague's text; feedback that was given cannot be emptied."""
	if strip_html(doc.feedback or "").strip():
		doc.status = GIVEN
		if stored_status != GIVEN or not doc.feedback_date:
			doc.feedback_date = today()
		return
	if doc.is_request and stored_status != GIVEN:
		doc.status = REQUESTED
		doc.feedback_date = None
		return
	frappe.throw(_("Write the feedback: it cannot be empty."), exc=FeedbackError, title=_("No Feedback"))


def ask_for_feedback(doc):
	"""A request sits on the asked colleague's to-do list until they answer it."""
	if doc.status != REQUESTED or not doc.giver_user:
		return
	from frappe.desk.form import assign_to

	assign_to.add(
		{
			"assign_to": [doc.giver_user],
			"doctype": doc.doctype,
			"name": doc.name,
			"description": _("{0} asks for your feedback.").format(doc.recipient_name or doc.recipient),
		}
	)


def close_feedback_request(doc):
	"""Answered: the to-do the request made is done."""
	if doc.status == GIVEN and doc.is_request and doc.has_value_changed("status"):
		from frappe.desk.form import assign_to

		assign_to.close_all_assignments(doc.doctype, doc.name, ignore_permissions=True)


# -- check-ins ----------------------------------------------------------------------------------


def set_checkin_people(doc):
	"""The employee opens a check-in with their Reports To; a manager (above them in Reports To,
	or their department's head) with themself as the manager. Nobody else opens one."""
	me = session_employee(_("open a check-in"))
	employee = employees([doc.employee]).get(doc.employee)
	if not employee:
		frappe.throw(_("Choose the employee of the check-in."), exc=NotYourReportError)
	if me.name == employee.name:
		if not employee.reports_to:
			frappe.throw(
				_("{0} has no Reports To: a check-in is held with the employee's manager.").format(
					frappe.bold(employee.employee_name or employee.name)
				),
				exc=NotYourReportError,
			)
		doc.manager = employee.reports_to
	elif manages_employee(me, employee.name, employee.department):
		doc.manager = me.name
	else:
		frappe.throw(
			_(
				"{0} does not report to you. Open check-ins with the people you manage, or your own with your manager."
			).format(frappe.bold(employee.employee_name or employee.name)),
			exc=NotYourReportError,
			title=_("Not Your Report"),
		)
	doc.company = employee.company
	doc.department = employee.department
	# fetched before the manager was set: from the stored rows, never the client's
	doc.employee_name = employee.employee_name
	doc.manager_name = frappe.db.get_value("Employee", doc.manager, "employee_name")


def validate_checkin_period(doc):
	"""The scorecard is the employee's, and the period lies within it."""
	scorecard = frappe.db.get_value(
		"KPI Scorecard", doc.scorecard, ["employee", "from_date", "to_date"], as_dict=True
	)
	if not scorecard or scorecard.employee != doc.employee:
		frappe.throw(
			_("Scorecard {0} is not {1}'s.").format(
				frappe.bold(doc.scorecard), frappe.bold(doc.employee_name or doc.employee)
			),
			exc=frappe.ValidationError,
		)
	start, end = getdate(doc.from_date), getdate(doc.to_date)
	if start > end:
		frappe.throw(_("The check-in period ends before it starts."))
	if start < getdate(scorecard.from_date) or end > getdate(scorecard.to_date):
		frappe.throw(
			_("The check-in period must lie within the scorecard's, {0} to {1}.").format(
				frappe.format(scorecard.from_date, "Date"), frappe.format(scorecard.to_date, "Date")
			)
		)


@frappe.whitelist()
def scorecard_query(
	doctype: str,
	txt: str,
	searchfield: str,
	start: int,
	page_len: int,
	filters: dict | str | None = None,
	**kwargs,
) -> list:
	"""The check-in's scorecard picker (a link query): the employee's scorecards, for whoever
	may open a check-in with them (the employee, anyone above them in Reports To, their
	department's head), with create on Performance Check-in. A Reports To manager who is not
	the head has no read on the report's scorecard and gets none here: only its name, title
	and dates, to pick it. `filters`: `employee`; with `on_date`, the scorecards running that
	day that are not Closed."""
	filters = frappe._dict(frappe.parse_json(filters) if isinstance(filters, str) else filters or {})
	if not frappe.has_permission("Performance Check-in", "create"):
		return []
	me = tree_position(frappe.session.user)
	employee = employees([filters.employee]).get(filters.employee) if filters.get("employee") else None
	if not (me and employee):
		return []
	if me.name != employee.name and not manages_employee(me, employee.name, employee.department):
		return []
	scorecard = frappe.qb.DocType("KPI Scorecard")
	query = (
		frappe.qb.from_(scorecard)
		.select(scorecard.name, scorecard.title, scorecard.from_date, scorecard.to_date)
		.where((scorecard.scorecard_for == "Employee") & (scorecard.employee == employee.name))
	)
	if txt:
		query = query.where(scorecard.name.like(f"%{txt}%") | scorecard.title.like(f"%{txt}%"))
	if filters.get("on_date"):
		day = getdate(filters.on_date)
		query = query.where(
			(scorecard.from_date <= day) & (scorecard.to_date >= day) & (scorecard.status != "Closed")
		)
	return (
		query.orderby(scorecard.from_date, order=frappe.qb.desc)
		.orderby(scorecard.name)
		.limit(cint(page_len) or 20)
		.offset(cint(start))
		.run()
	)


def kpis_needing_attention(scorecard: str, from_date, to_date) -> list[dict]:
	"""The scorecard's KPIs at their latest reported period within the dates that are below
	target (achievement under 100%, or Amber or Red) or forecast At Risk. One query."""
	result = frappe.qb.DocType("KPI Result")
	kpi = frappe.qb.DocType("KPI")
	latest = (
		frappe.qb.from_(result)
		.select(result.kpi, Max(result.period_start).as_("period_start"))
		.where(
			(result.scorecard == scorecard)
			& (result.node_type == "KPI")
			& (result.has_actual == 1)
			& (result.period_start >= getdate(from_date))
			& (result.period_start <= getdate(to_date))
		)
		.groupby(result.kpi)
	)
	return (
		frappe.qb.from_(result)
		.join(latest)
		.on((latest.kpi == result.kpi) & (latest.period_start == result.period_start))
		.join(kpi)
		.on(kpi.name == result.kpi)
		.select(
			result.kpi,
			kpi.kpi_name,
			result.period_start,
			result.target,
			result.actual,
			result.achievement,
			result.status,
			result.forecast_status,
		)
		.where(
			(result.scorecard == scorecard)
			& (result.node_type == "KPI")
			& (
				(result.achievement < 100)
				| result.status.isin(WATCH_STATUSES)
				| (result.forecast_status == AT_RISK)
			)
		)
		.orderby(kpi.kpi_name)
		.run(as_dict=True)
	)


def validate_notes_side(doc, before):
	"""The employee writes the employee's notes, a manager the manager's."""
	me = tree_position(frappe.session.user)
	if not me:
		return  # a System Manager without an employee record
	theirs = "manager_notes" if me.name == doc.employee else "employee_notes"
	stored = (before.get(theirs) if before else None) or ""
	if strip_html(doc.get(theirs) or "").strip() != strip_html(stored).strip():
		frappe.throw(
			_("Only the employee writes the employee's notes.")
			if theirs == "employee_notes"
			else _("Only the manager writes the manager's notes."),
			exc=frappe.PermissionError,
		)


def validate_action_owners(doc):
	"""An action's owner works for the check-in's company."""
	owners = {row.action_owner for row in doc.actions if row.action_owner}
	if not owners:
		return
	found = employees(list(owners))
	for row in doc.actions:
		owner = row.action_owner and found.get(row.action_owner)
		if row.action_owner and (not owner or owner.company != doc.company):
			frappe.throw(
				_("Row {0}: the action's owner {1} is not an employee of {2}.").format(
					row.idx, frappe.bold(row.action_owner), frappe.bold(doc.company)
				),
				exc=ActionOwnerError,
			)


def create_action_tasks(doc) -> list[str]:
	"""Tasks for the agreed actions that have none, assigned to their owners, linked back to the
	actions. Every action is checked before any task is made; the owners' users are read in one
	query and the links written in one update. Tasks are inserted as documents: Task is a tree
	with its own validations and hooks, which a raw insert would skip."""
	rows = [row for row in doc.actions if not row.task]
	if not rows:
		frappe.throw(_("Every action of this check-in already has a task."))
	for row in rows:
		if not row.action_owner:
			frappe.throw(
				_("Row {0}: choose the action's owner before creating its task.").format(row.idx),
				exc=ActionOwnerError,
				title=_("No Owner"),
			)
	if not frappe.has_permission("Task", "create"):
		frappe.throw(_("You may not create Tasks. Ask for the Projects User role."), frappe.PermissionError)
	users = {name: row.user_id for name, row in employees([row.action_owner for row in rows]).items()}
	for row in rows:
		if not users.get(row.action_owner):
			frappe.throw(
				_("Row {0}: {1} has no user to assign the task to.").format(
					row.idx, frappe.bold(row.action_owner)
				),
				exc=ActionOwnerError,
			)

	from frappe.desk.form import assign_to

	made = {}
	for row in rows:
		subject = " ".join((row.action or "").split())
		task = frappe.get_doc(
			{
				"doctype": "Task",
				"subject": subject[:SUBJECT_LENGTH],
				"description": _("Agreed in check-in {0}: {1}").format(
					doc.name, frappe.utils.escape_html(subject)
				),
				"exp_end_date": row.due_date,
				"company": doc.company,
			}
		).insert()
		assign_to.add(
			{
				"assign_to": [users[row.action_owner]],
				"doctype": "Task",
				"name": task.name,
				"description": subject,
				"date": row.due_date,
			}
		)
		made[row.name] = task.name
		row.task = task.name

	action = frappe.qb.DocType("Performance Check-in Action")
	link = Case()
	for row_name, task_name in made.items():
		link = link.when(action.name == row_name, task_name)
	frappe.qb.update(action).set(action.task, link).where(action.name.isin(list(made))).run()
	return list(made.values())


# -- the performance review's section -----------------------------------------------------------


@frappe.whitelist()
def review_feedback(review: str) -> dict:
	"""The continuous feedback the review's employee received in the review period and their
	check-ins in it, for the review form. Read on the stored review; the lists through get_list,
	so the feedback and check-in row rules apply as well."""
	doc = frappe.get_doc("Performance Review", review)
	doc.check_permission("read")
	period = ("between", [doc.from_date, doc.to_date])
	feedback = frappe.get_list(
		"Continuous Feedback",
		filters={"recipient": doc.employee, "status": GIVEN, "feedback_date": period},
		fields=[
			"name",
			"giver_name",
			"kind",
			"feedback",
			"feedback_date",
			"strategic_objective",
			"kpi",
			"task",
		],
		order_by="feedback_date asc, creation asc",
	)
	checkins = frappe.get_list(
		"Performance Check-in",
		filters={"employee": doc.employee, "checkin_date": period},
		fields=["name", "checkin_date", "manager_name", "from_date", "to_date"],
		order_by="checkin_date asc",
	)
	return {"feedback": feedback, "checkins": checkins}


# -- My Work ------------------------------------------------------------------------------------


@frappe.whitelist()
def my_feedback_requests() -> list[dict] | None:
	"""Requests for feedback waiting for the session user's answer (through get_list); None for
	a user without an employee, who neither gives nor asks for feedback."""
	me = tree_position(frappe.session.user)
	if not me:
		return None
	return frappe.get_list(
		"Continuous Feedback",
		filters={"giver": me.name, "status": REQUESTED},
		fields=["name", "recipient_name", "request_message", "creation"],
		order_by="creation asc",
		limit=20,
	)
