"""Reminders through Frappe's ToDo (assignments): measurements waiting for approval go to
the department head, measurements due go to the scorecard's owner, and KPIs forecast to miss
their target (At Risk) to both."""

import frappe
from frappe import _
from frappe.desk.form.assign_to import add as assign
from frappe.desk.form.assign_to import close_all_assignments
from frappe.utils import add_days, format_date, getdate

from kpibsc.engine import AT_RISK
from kpibsc.kpibsc.permissions import measurement_has_permission

DUE_WINDOW_DAYS = 7


def head_users(departments: list[str]) -> dict[str, str]:
	"""Department -> the user of its KPI department head (one query)."""
	department = frappe.qb.DocType("Department")
	employee = frappe.qb.DocType("Employee")
	rows = (
		frappe.qb.from_(department)
		.join(employee)
		.on(employee.name == department.kpi_department_head)
		.select(department.name, employee.user_id)
		.where(department.name.isin(departments or [""]) & employee.user_id.isnotnull())
		.run()
	)
	return dict(rows)


def nearest_head_user(department: str | None, not_employee: str | None = None) -> str | None:
	"""The user of the department's KPI department head, or of the nearest department above it
	that has one — skipping `not_employee`, who is not asked about their own targets."""
	seen = set()
	while department and department not in seen:
		seen.add(department)
		head, parent = frappe.db.get_value(
			"Department", department, ["kpi_department_head", "parent_department"]
		) or (None, None)
		user = head and head != not_employee and frappe.db.get_value("Employee", head, "user_id")
		if user:
			return user
		department = parent
	return None


def languages(users: list[str]) -> dict[str, str]:
	"""User -> the language their to-dos are written in (theirs, else the site's)."""
	default = frappe.db.get_default("lang") or "en"
	rows = frappe.get_all("User", filters={"name": ("in", users or [""])}, fields=["name", "language"])
	return {row.name: row.language or default for row in rows}


def ask_for_approval(measurement):
	"""A draft saved by someone who may not approve it lands on the head's to-do list, when
	the head may approve it: the head's own and the department's numbers are a KPI Manager's
	to approve (they see them on the "awaiting approval" card)."""
	if measurement_has_permission(measurement, "submit"):
		return  # the approver saved it themselves
	head = head_users([measurement.department]).get(measurement.department)
	if not head or head == frappe.session.user:
		return
	if not measurement_has_permission(measurement, "submit", user=head):
		return
	open_todo = {
		"reference_type": measurement.doctype,
		"reference_name": measurement.name,
		"allocated_to": head,
		"status": "Open",
	}
	if frappe.db.exists("ToDo", open_todo):
		return  # saved again: the head already has it (assigning again pops an error at the employee)
	assign(
		{
			"assign_to": [head],
			"doctype": measurement.doctype,
			"name": measurement.name,
			# in the approver's language, not the language of whoever saved the draft
			"description": _(
				"Approve the actuals of {0} for the period from {1}.", lang=languages([head]).get(head)
			).format(
				measurement.scorecard_title or measurement.scorecard,
				format_date(measurement.period_start),
			),
		},
		ignore_permissions=True,
	)


def close_approval(measurement):
	close_all_assignments(measurement.doctype, measurement.name, ignore_permissions=True)


def remind_due_measurements(today=None) -> int:
	"""Scheduler (daily): periods that ended in the last week without a measurement, on every
	scorecard that still takes measurements (Draft or Active: a cascaded scorecard stays a
	Draft, and its people enter actuals on it all the same)."""
	today = getdate(today)
	scorecard = frappe.qb.DocType("KPI Scorecard")
	target = frappe.qb.DocType("KPI Scorecard Target")
	due = (
		frappe.qb.from_(target)
		.join(scorecard)
		.on(scorecard.name == target.parent)
		.select(
			scorecard.name,
			scorecard.title,
			scorecard.scorecard_for,
			scorecard.department,
			scorecard.employee,
			target.period_start,
			target.period_end,
		)
		.distinct()
		.where(
			(scorecard.status != "Closed")
			& (scorecard.scorecard_for != "Company")
			& target.period_end[add_days(today, -DUE_WINDOW_DAYS) : add_days(today, -1)]
		)
		.run(as_dict=True)
	)
	if not due:
		return 0
	names = list({row.name for row in due})
	measured = {
		(row.scorecard, row.period_start)
		for row in frappe.get_all(
			"KPI Measurement",
			filters={"scorecard": ("in", names), "docstatus": ("<", 2)},
			fields=["scorecard", "period_start"],
		)
	}
	employee_users = dict(
		frappe.get_all(
			"Employee",
			filters={"name": ("in", [row.employee for row in due if row.employee] or [""])},
			fields=["name", "user_id"],
			as_list=True,
		)
	)
	heads = head_users([row.department for row in due if row.department])
	language = languages([*employee_users.values(), *heads.values()])
	reminded = {
		(todo.reference_name, todo.description)
		for todo in frappe.get_all(
			"ToDo",
			filters={"reference_type": "KPI Scorecard", "reference_name": ("in", names)},
			fields=["reference_name", "description"],
		)
	}
	count = 0
	for row in due:
		if (row.name, row.period_start) in measured:
			continue
		user = (
			employee_users.get(row.employee) if row.scorecard_for == "Employee" else heads.get(row.department)
		)
		description = _(
			"Enter the actuals of {0} for the period from {1} to {2}.", lang=language.get(user)
		).format(row.title, format_date(row.period_start), format_date(row.period_end))
		if not user or (row.name, description) in reminded:
			continue
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": user,
				"reference_type": "KPI Scorecard",
				"reference_name": row.name,
				"description": description,
				"date": add_days(row.period_end, DUE_WINDOW_DAYS),
			}
		).insert(ignore_permissions=True)
		reminded.add((row.name, description))
		count += 1
	return count


# -- early warning ------------------------------------------------------------------------------


def warn_at_risk(results, scorecards) -> dict:
	"""After a recompute: an item whose forecast is At Risk at its latest reported period goes
	on the to-do list of its owner (the employee of an employee scorecard) and of the head of
	the scorecard's department, once per period; the to-dos of an item that recovered, or of
	its earlier periods, are closed. `results` is what the recompute wrote, `scorecards` the
	frame it read (name, scorecard_for, department, employee). A fixed number of queries,
	plus one per to-do opened or closed."""
	if results.empty or "forecast_status" not in results:
		return {"opened": 0, "closed": 0}
	items = results[results["node_type"] == "KPI"]
	current = (
		items[items["has_actual"] == 1]
		.sort_values("period_start")
		.drop_duplicates(["scorecard", "kpi"], keep="last")
	)
	at_risk = current[current["forecast_status"] == AT_RISK]
	names = list(results["scorecard"].unique())
	todo = frappe.qb.DocType("ToDo")
	existing = (
		frappe.qb.from_(todo)
		.select(todo.name, todo.reference_name, todo.allocated_to, todo.description, todo.status)
		.where((todo.reference_type == "KPI Scorecard") & todo.reference_name.isin(names))
		.run(as_dict=True)
	)
	open_todos = [row for row in existing if row.status == "Open"]
	if at_risk.empty and not open_todos:
		return {"opened": 0, "closed": 0}

	scorecards = scorecards[scorecards["name"].isin(names)]
	employee_users = dict(
		frappe.get_all(
			"Employee",
			filters={"name": ("in", list(scorecards["employee"].dropna().unique()) or [""])},
			fields=["name", "user_id"],
			as_list=True,
		)
	)
	heads = head_users(list(scorecards["department"].dropna().unique()))
	titles = dict(
		frappe.get_all(
			"KPI Scorecard", filters={"name": ("in", names)}, fields=["name", "title"], as_list=True
		)
	)
	kpi_names = dict(
		frappe.get_all(
			"KPI",
			filters={"name": ("in", list(items["kpi"].unique()) or [""])},
			fields=["name", "kpi_name"],
			as_list=True,
		)
	)
	recipients = {}
	for row in scorecards.itertuples():
		users = [employee_users.get(row.employee) if row.scorecard_for == "Employee" else None]
		users.append(heads.get(row.department))
		recipients[row.name] = list(dict.fromkeys(user for user in users if user))
	language = languages(list({user for users in recipients.values() for user in users}))

	def description(scorecard, kpi, period_start, user) -> str:
		# stable for a period (no figures in it): it is how a second recompute finds the to-do
		return _(
			"{0} on {1} is forecast to miss its target by the end of the period (At Risk from the period starting {2}). Plan how to recover.",
			lang=language.get(user),
		).format(kpi_names.get(kpi, kpi), titles.get(scorecard) or scorecard, format_date(period_start))

	wanted = {
		(row.scorecard, user, description(row.scorecard, row.kpi, row.period_start, user))
		for row in at_risk.itertuples()
		for user in recipients.get(row.scorecard, [])
	}
	have = {(row.reference_name, row.allocated_to, row.description) for row in existing}
	opened = 0
	for scorecard, user, text in sorted(wanted - have):
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": user,
				"reference_type": "KPI Scorecard",
				"reference_name": scorecard,
				"description": text,
				"priority": "High",
			}
		).insert(ignore_permissions=True)
		opened += 1

	# an open warning of an item that is not the one wanted now (recovered, or an earlier period)
	with_open = {row.reference_name for row in open_todos}
	rows = items[items["scorecard"].isin(with_open)]
	warnings = {
		(scorecard, user, description(scorecard, kpi, period, user))
		for scorecard, kpi, period in rows[["scorecard", "kpi", "period_start"]].itertuples(index=False)
		for user in recipients.get(scorecard, [])
	}
	closed = 0
	for row in open_todos:
		key = (row.reference_name, row.allocated_to, row.description)
		if key in warnings and key not in wanted:
			done = frappe.get_doc("ToDo", row.name)
			done.status = "Closed"
			done.save(ignore_permissions=True)
			closed += 1
	return {"opened": opened, "closed": closed}
