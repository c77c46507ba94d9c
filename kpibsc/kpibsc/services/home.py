"""Each role's home: what the My Work page shows above the caller's KPIs and tasks.

One call (`home_sections`) returns only the sections the caller's roles use, each read in a
fixed number of queries and through the row rules:
- every employee: the step their performance review is at; with a KPI role, also the period
  to enter actuals for (and its draft, if any) and the year-to-date score;
- a department head: the team's scorecards with their score, the team's measurements
  waiting for approval, and the team's KPIs in Red in their latest reported period;
- HR and KPI managers: reviews per step in each open review cycle;
- whoever may read KPI Pay Runs (HR): the pay runs, drafts and failures first.

`enter_actuals` opens the measurement of the period (creating the draft if there is none)
on the caller's own scorecard only; `default_scorecard` is the scorecard the Balanced
Scorecard and KPI Achievement reports open on.
"""

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Max
from frappe.utils import getdate

from kpibsc.kpibsc.permissions import (
	MANAGER_ROLES,
	employee_of,
	headed_departments,
	is_review_hr,
)
from kpibsc.kpibsc.services.score_policy import scale_text
from kpibsc.kpibsc.services.work import current_scorecards

OPEN_CYCLE_STATUSES = ("Draft", "In Progress")
PAY_RUN_STATUS_ORDER = ("Failed", "Queued", "Draft", "Submitted", "Cancelled")
LIST_LIMIT = 20


class NotYourScorecardError(frappe.PermissionError):
	pass


def home_sections(user: str | None = None) -> dict:
	"""The sections of the caller's home (see the module docstring); a section the user's
	roles do not use is left out, not sent empty."""
	user = user or frappe.session.user
	employee = employee_of(user)
	sections = {}
	if employee and frappe.has_permission("KPI Scorecard", "read", user=user):
		sections["mine"] = own_section(employee)
		departments = headed_departments(employee)
		if departments:
			sections["team"] = team_section(employee, departments)
	elif employee:  # an employee without kpibsc's roles (HR staff): their review only
		sections["mine"] = {"employee": employee, "review": current_review(employee)}
	if is_review_hr(user):
		sections["reviews"] = review_progress()
	if frappe.has_permission("KPI Pay Run", "read", user=user):
		sections["pay_runs"] = pay_runs()
	return sections


# -- the employee's own -----------------------------------------------------------------------


def current_scorecard(employee: str) -> frappe._dict | None:
	"""The employee's open scorecard covering today (the latest one, should two overlap)."""
	rows = current_scorecards(
		employee,
		getdate(),
		fields=("name", "title", "from_date", "to_date"),
		order_by="from_date desc, name desc",
		limit=1,
	)
	return rows[0] if rows else None


def own_section(employee: str) -> dict:
	scorecard = current_scorecard(employee)
	return {
		"employee": employee,
		"scorecard": scorecard,
		"period": open_period(scorecard.name) if scorecard else None,
		"ytd": latest_score(scorecard.name) if scorecard else None,
		"review": current_review(employee),
	}


def open_period(scorecard: str) -> frappe._dict | None:
	"""The first period that has started and has no approved measurement (actuals are
	entered in order: a period left behind is asked for before the next), with its draft."""
	target = frappe.qb.DocType("KPI Scorecard Target")
	periods = (
		frappe.qb.from_(target)
		.select(target.period_start, target.period_end)
		.distinct()
		.where(
			(target.parent == scorecard)
			& (target.parenttype == "KPI Scorecard")
			& (target.period_start <= getdate())
		)
		.orderby(target.period_start)
		.run(as_dict=True)
	)
	measurements = frappe.get_all(
		"KPI Measurement",
		filters={"scorecard": scorecard, "docstatus": ("<", 2)},
		fields=["name", "period_start", "docstatus"],
	)
	approved = {getdate(row.period_start) for row in measurements if row.docstatus == 1}
	drafts = {getdate(row.period_start): row.name for row in measurements if row.docstatus == 0}
	for period in periods:
		start = getdate(period.period_start)
		if start not in approved:
			return frappe._dict(
				period_start=start, period_end=getdate(period.period_end), measurement=drafts.get(start)
			)
	return None


def latest_score(scorecard: str) -> frappe._dict | None:
	"""The scorecard's score and year-to-date score at its latest reported period."""
	return latest_scores([scorecard]).get(scorecard)


def current_review(employee: str) -> frappe._dict | None:
	"""The employee's latest performance review that is not cancelled: its step."""
	rows = frappe.get_list(
		"Performance Review",
		filters={"employee": employee, "docstatus": ("<", 2)},
		fields=["name", "workflow_state", "review_cycle", "from_date", "to_date", "released"],
		order_by="to_date desc, name desc",
		limit=1,
	)
	return rows[0] if rows else None


@frappe.whitelist(methods=["POST"])
def enter_actuals(scorecard: str) -> str:
	"""The measurement to enter the open period's actuals in: the draft if there is one,
	else a new draft (made here, so the form opens with the scorecard's items). Only on
	the caller's own scorecard, judged on the stored one."""
	stored = frappe.get_doc("KPI Scorecard", scorecard)
	stored.check_permission("read")
	if (
		stored.scorecard_for != "Employee"
		or not stored.employee
		or stored.employee != employee_of(frappe.session.user)
	):
		frappe.throw(
			_("Scorecard {0} is not yours: enter actuals on your own scorecard.").format(
				frappe.bold(scorecard)
			),
			exc=NotYourScorecardError,
		)
	if stored.status == "Closed":
		frappe.throw(
			_("Scorecard {0} is closed: it takes no more measurements.").format(frappe.bold(scorecard))
		)
	period = open_period(stored.name)
	if not period:
		frappe.throw(
			_("Every period of scorecard {0} that has started is approved: nothing to enter.").format(
				frappe.bold(scorecard)
			),
			title=_("Nothing to Enter"),
		)
	if period.measurement:
		return period.measurement
	measurement = frappe.get_doc(
		{"doctype": "KPI Measurement", "scorecard": stored.name, "period_start": period.period_start}
	)
	measurement.insert()  # create permission and the measurement row rule
	return measurement.name


# -- the department head's team ---------------------------------------------------------------


def team_section(employee: str, departments: list[str]) -> dict:
	"""The team's scorecards (the head's own excluded: a KPI Manager approves those)."""
	on = getdate()
	scorecards = frappe.get_list(
		"KPI Scorecard",
		filters={
			"department": ("in", departments),
			"scorecard_for": "Employee",
			"employee": ("!=", employee),
			"status": ("!=", "Closed"),
			"from_date": ("<=", on),
			"to_date": (">=", on),
		},
		fields=["name", "title", "employee", "employee_name", "department"],
		order_by="employee_name asc, name asc",
	)
	names = [row.name for row in scorecards]
	scores = latest_scores(names)
	for row in scorecards:
		row.update(scores.get(row.name) or {})
	return {
		"departments": departments,
		"scorecards": scorecards,
		"approvals": waiting_for_approval(employee, departments),
		"red": kpis_in_red(names),
	}


def reported_periods(scorecards: list[str]):
	"""A subquery: each scorecard's latest period (up to today) with an actual reported."""
	result = frappe.qb.DocType("KPI Result")
	return (
		frappe.qb.from_(result)
		.select(result.scorecard, Max(result.period_start).as_("period_start"))
		.where(
			result.scorecard.isin(scorecards)
			& (result.node_type == "KPI")
			& (result.has_actual == 1)
			& (result.period_start <= getdate())
		)
		.groupby(result.scorecard)
	)


def latest_scores(scorecards: list[str]) -> dict[str, frappe._dict]:
	"""Scorecard -> its score and year-to-date score at its latest reported period (one
	query for any number of scorecards). A scorecard nothing was reported for is left out:
	the periods after the last report are scored too, as No Data."""
	if not scorecards:
		return {}
	result = frappe.qb.DocType("KPI Result")
	latest = reported_periods(scorecards)
	rows = (
		frappe.qb.from_(result)
		.join(latest)
		.on((latest.scorecard == result.scorecard) & (latest.period_start == result.period_start))
		.select(
			result.scorecard,
			result.period_start,
			result.period_end,
			result.score,
			result.status,
			result.ytd_score,
			result.ytd_status,
			result.score_scale,
			result.above_scale,
			result.ytd_above_scale,
		)
		.where(result.node_type == "Scorecard")
		.run(as_dict=True)
	)
	for row in rows:  # "3.6 / 5" on a 0-5 scorecard, "(above scale)" past its top
		row.score_text = scale_text(row.score, row.score_scale, row.above_scale)
		row.ytd_score_text = scale_text(row.ytd_score, row.score_scale, row.ytd_above_scale)
	return {row.pop("scorecard"): row for row in rows}


def waiting_for_approval(employee: str, departments: list[str]) -> list[dict]:
	"""Draft measurements of the team the head approves (not their own)."""
	return frappe.get_list(
		"KPI Measurement",
		filters={
			"docstatus": 0,
			"scorecard_for": "Employee",
			"department": ("in", departments),
			"employee": ("!=", employee),
		},
		fields=["name", "scorecard", "employee", "employee_name", "period_start", "period_end", "modified"],
		order_by="period_start asc, employee_name asc",
		limit=LIST_LIMIT,
	)


def kpis_in_red(scorecards: list[str]) -> list[dict]:
	"""KPIs in Red in each scorecard's latest period with an actual."""
	if not scorecards:
		return []
	result = frappe.qb.DocType("KPI Result")
	kpi = frappe.qb.DocType("KPI")
	scorecard = frappe.qb.DocType("KPI Scorecard")
	reported = reported_periods(scorecards)
	return (
		frappe.qb.from_(result)
		.join(reported)
		.on((reported.scorecard == result.scorecard) & (reported.period_start == result.period_start))
		.join(kpi)
		.on(kpi.name == result.kpi)
		.join(scorecard)
		.on(scorecard.name == result.scorecard)
		.select(
			result.scorecard,
			scorecard.employee,
			scorecard.employee_name,
			result.kpi,
			kpi.kpi_name,
			kpi.unit,
			result.period_start,
			result.target,
			result.actual,
			result.achievement,
		)
		.where((result.node_type == "KPI") & (result.status == "Red"))
		.orderby(scorecard.employee_name)
		.orderby(kpi.kpi_name)
		.limit(LIST_LIMIT)
		.run(as_dict=True)
	)


# -- HR and KPI managers ----------------------------------------------------------------------


def review_progress() -> list[dict]:
	"""Open review cycles (the latest closed one when none is open) with their reviews per
	workflow step, counted in one query."""
	cycles = frappe.get_list(
		"Performance Review Cycle",
		filters={"status": ("in", OPEN_CYCLE_STATUSES)},
		fields=["name", "cycle_name", "company", "status", "from_date", "to_date"],
		order_by="to_date desc, name desc",
		limit=LIST_LIMIT,
	) or frappe.get_list(
		"Performance Review Cycle",
		fields=["name", "cycle_name", "company", "status", "from_date", "to_date"],
		order_by="to_date desc, name desc",
		limit=1,
	)
	if not cycles:
		return []
	review = frappe.qb.DocType("Performance Review")
	counts = (
		frappe.qb.from_(review)
		.select(review.review_cycle, review.workflow_state, Count("*").as_("count"))
		.where(review.review_cycle.isin([cycle.name for cycle in cycles]) & (review.docstatus < 2))
		.groupby(review.review_cycle, review.workflow_state)
		.run(as_dict=True)
	)
	by_cycle = {}
	for row in counts:
		by_cycle.setdefault(row.review_cycle, {})[row.workflow_state or ""] = row.count
	for cycle in cycles:
		cycle.states = by_cycle.get(cycle.name, {})
		cycle.total = sum(cycle.states.values())
	return cycles


def pay_runs() -> dict:
	"""Pay runs per status and the latest ones, failed and unfinished first."""
	counts = frappe.get_list(
		"KPI Pay Run",
		fields=["status", "count(name) as count"],
		group_by="status",
		order_by="status asc",
	)
	runs = frappe.get_list(
		"KPI Pay Run",
		filters={"status": ("!=", "Cancelled")},
		fields=["name", "company", "from_date", "to_date", "status", "total", "currency", "error_message"],
		order_by="to_date desc, name desc",
		limit=LIST_LIMIT,
	)
	order = {status: index for index, status in enumerate(PAY_RUN_STATUS_ORDER)}
	runs.sort(key=lambda run: order.get(run.status, len(order)))
	return {"counts": {row.status: row.count for row in counts}, "runs": runs}


# -- the scorecard reports open on ------------------------------------------------------------


@frappe.whitelist()
def default_scorecard() -> str | None:
	"""The scorecard the Balanced Scorecard and KPI Achievement reports open on: the
	company's for a KPI Manager (their default company's), else the user's own open
	scorecard, else (a head) their department's; only one the user may read."""
	user = frappe.session.user
	on = getdate()
	covering = {"status": ("!=", "Closed"), "from_date": ("<=", on), "to_date": (">=", on)}
	candidates = []
	if MANAGER_ROLES & set(frappe.get_roles(user)):
		company = frappe.defaults.get_user_default("company", user)
		if company:
			candidates.append({**covering, "scorecard_for": "Company", "company": company})
		candidates.append({**covering, "scorecard_for": "Company"})
	employee = employee_of(user)
	if employee:
		candidates.append({**covering, "scorecard_for": "Employee", "employee": employee})
		departments = headed_departments(employee)
		if departments:
			candidates.append({**covering, "scorecard_for": "Department", "department": ("in", departments)})
	for filters in candidates:
		found = frappe.get_list(
			"KPI Scorecard", filters=filters, order_by="from_date desc, name desc", limit=1
		)
		if found and frappe.has_permission("KPI Scorecard", "read", doc=found[0].name):
			return found[0].name
	return None


# -- where the desk opens ---------------------------------------------------------------------

HOME_PAGE = "my-work"
# employees and department heads (KPI User) and HR: My Work holds their sections
HOME_ROLES = {"KPI User", "HR Manager", "HR User"}
# the roles that keep the desk's own home (workspaces): they plan and run the whole company
OWN_HOME_ROLES = MANAGER_ROLES


def boot_session(bootinfo):
	"""hooks.boot_session: the desk's root (/app, where the login lands) opens My Work for
	employees, department heads and HR, unless they are also a KPI Manager or System Manager,
	chose a default workspace, or the site set its own desk home page."""
	if bootinfo.get("home_page") != "Workspaces" or frappe.session.user == "Guest":
		return
	roles = set(frappe.get_roles())
	if not roles & HOME_ROLES or roles & OWN_HOME_ROLES:
		return
	if frappe.db.get_value("User", frappe.session.user, "default_workspace"):
		return
	bootinfo["home_page"] = HOME_PAGE
