"""Work management: ERPNext Tasks and Projects tied to objectives and scorecard items.

kpibsc adds fields to Task (the objective it serves, the scorecard item it counts for and a
KPI weight) and to Project (the objective it is a strategic initiative of); see
`kpibsc.setup.install`. This module checks those links when a task or project is saved,
computes the actuals of *Task Based* KPIs with the engine, queues a recompute when a task
that counts for a KPI changes (deduplicated, so a burst of saves makes one job), and
serves the "My Work" page and the scorecard's task list.
"""

import json

import pandas as pd

import frappe
from frappe import _
from frappe.utils import flt, format_date, getdate, today

from kpibsc.engine.errors import EngineError
from kpibsc.engine.tasks import task_metrics
from kpibsc.kpibsc.permissions import employee_of, may_see_employee
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error

LINKED = "Tasks Linked to the Item"
ASSIGNED = "Tasks Assigned to the Employee"
# The KPI fields that declare a Task Based source (the library ships them too).
TASK_SOURCE_FIELDS = ("task_metric", "task_scope", "task_milestones_only")
# Task fields whose change can move a task-based actual.
TASK_FIELDS_THAT_COUNT = (
	"status",
	"progress",
	"exp_end_date",
	"completed_on",
	"kpi_weight",
	"is_milestone",
	"kpi_scorecard",
	"kpi",
)
CLOSED_TASK_STATUSES = ("Completed", "Cancelled")
# The Task fields that tie a task to kpibsc.
TASK_LINK_FIELDS = ("kpi_scorecard", "kpi", "strategic_objective")


class TaskLinkError(frappe.ValidationError):
	pass


# -- Task and Project hooks -------------------------------------------------------------------


def validate_task(doc, method=None):
	"""doc_events Task.validate: the KPI links must be ones this user may make. A task with no
	KPI links (most tasks) returns at once."""
	if flt(doc.get("kpi_weight")) >= 0 and not any(doc.get(field) for field in TASK_LINK_FIELDS):
		return
	if flt(doc.get("kpi_weight")) < 0:
		frappe.throw(
			_("KPI Weight cannot be negative. Use 0 for a task that should not count."),
			exc=TaskLinkError,
			title=_("Invalid KPI Weight"),
		)
	if doc.get("kpi") and not doc.get("kpi_scorecard"):
		frappe.throw(_("Choose the KPI Scorecard the KPI belongs to."), exc=TaskLinkError)
	links_changed = doc.is_new() or any(doc.has_value_changed(field) for field in TASK_LINK_FIELDS)
	if doc.get("kpi_scorecard") and (links_changed or doc.has_value_changed("exp_end_date")):
		check_scorecard_item(doc)
	if doc.get("strategic_objective") and links_changed:
		check_objective(doc, doc.strategic_objective)


def validate_project(doc, method=None):
	"""doc_events Project.validate: an initiative serves one objective of its company."""
	if doc.get("is_strategic_initiative") and not doc.get("strategic_objective"):
		frappe.throw(_("Choose the Strategic Objective this initiative serves."), exc=TaskLinkError)
	if doc.get("strategic_objective") and (doc.is_new() or doc.has_value_changed("strategic_objective")):
		check_objective(doc, doc.strategic_objective)


def check_scorecard_item(doc):
	scorecard = frappe.db.get_value(
		"KPI Scorecard",
		doc.kpi_scorecard,
		["name", "company", "status", "from_date", "to_date", "department", "employee"],
		as_dict=True,
	)
	if not scorecard:
		frappe.throw(_("KPI Scorecard {0} does not exist.").format(doc.kpi_scorecard), exc=TaskLinkError)
	if not frappe.has_permission("KPI Scorecard", "read", doc=doc.kpi_scorecard):
		frappe.throw(
			_("You may not see scorecard {0}, so a task cannot count for it.").format(
				frappe.bold(doc.kpi_scorecard)
			),
			exc=frappe.PermissionError,
		)
	check_company(doc, scorecard.company, _("scorecard {0}").format(doc.kpi_scorecard))
	if scorecard.status == "Closed":
		frappe.throw(
			_("Scorecard {0} is closed: its items take no more tasks.").format(
				frappe.bold(doc.kpi_scorecard)
			),
			exc=TaskLinkError,
		)
	if not doc.get("kpi"):
		return
	item = frappe.db.get_value(
		"KPI Scorecard Item",
		{"parent": doc.kpi_scorecard, "parenttype": "KPI Scorecard", "kpi": doc.kpi},
		["objective"],
		as_dict=True,
	)
	if not item:
		frappe.throw(
			_("KPI {0} is not an item of scorecard {1}.").format(frappe.bold(doc.kpi), doc.kpi_scorecard),
			exc=TaskLinkError,
		)
	if item.objective and not doc.get("strategic_objective"):
		doc.strategic_objective = item.objective
	if doc.get("exp_end_date"):
		check_period_open(doc, scorecard)


def check_period_open(doc, scorecard):
	due = getdate(doc.exp_end_date)
	if not (getdate(scorecard.from_date) <= due <= getdate(scorecard.to_date)):
		frappe.msgprint(
			_(
				"Task is due on {0}, outside scorecard {1} ({2} to {3}): it will not count for the KPI."
			).format(
				format_date(due),
				scorecard.name,
				format_date(scorecard.from_date),
				format_date(scorecard.to_date),
			),
			indicator="orange",
			alert=True,
		)
		return
	approved = frappe.db.get_value(
		"KPI Measurement",
		{
			"scorecard": scorecard.name,
			"docstatus": 1,
			"period_start": ("<=", due),
			"period_end": (">=", due),
		},
		"name",
	)
	if approved:
		frappe.throw(
			_(
				"The period of {0} on scorecard {1} is approved ({2}), so a task due then cannot count for it. Choose a later due date, or cancel and amend the measurement first."
			).format(
				format_date(due),
				frappe.bold(scorecard.name),
				frappe.get_desk_link("KPI Measurement", approved),
			),
			exc=TaskLinkError,
			title=_("Period Approved"),
		)


def check_objective(doc, objective_name: str):
	objective = frappe.db.get_value("Strategic Objective", objective_name, ["name", "company"], as_dict=True)
	if not objective:
		frappe.throw(_("Strategic Objective {0} does not exist.").format(objective_name), exc=TaskLinkError)
	if not frappe.has_permission("Strategic Objective", "read", doc=objective_name):
		frappe.throw(
			_("You may not see strategic objective {0}, so you cannot link work to it.").format(
				frappe.bold(objective_name)
			),
			exc=frappe.PermissionError,
		)
	check_company(doc, objective.company, _("objective {0}").format(objective_name))


def check_company(doc, company: str, what: str):
	if doc.get("company") and company and doc.company != company:
		frappe.throw(
			_("This {0} is of company {1}, but {2} is of company {3}.").format(
				_(doc.doctype),  # translated at runtime: a DocType name
				frappe.bold(doc.company),
				what,
				frappe.bold(company),
			),
			exc=TaskLinkError,
			title=_("Wrong Company"),
		)


def task_changed(doc, method=None):
	"""doc_events Task.on_update / after_delete: recompute the scorecards the task counts for.

	Without a query when the task counts for no scorecard: it links none, it was just inserted
	(no ToDo assigns it yet: assignment rules run after this hook) or no KPI counts the tasks
	of its assignees (read once per request)."""
	if doc.flags.skip_kpi_recompute:  # bulk loaders recompute once at the end
		return
	before = doc.get_doc_before_save() if method != "after_delete" else None
	if before and not any(doc.get(field) != before.get(field) for field in TASK_FIELDS_THAT_COUNT):
		return
	scorecards = {doc.get("kpi_scorecard"), before.get("kpi_scorecard") if before else None}
	if not doc.flags.in_insert and assigned_scope_in_use():
		scorecards |= set(assigned_scorecards([doc.name]))
	scorecards = [name for name in scorecards if name]
	if scorecards:
		recompute_after_commit(task_based_scorecards(scorecards))


def recompute_after_commit(scorecards: list[str]):
	"""Every task saved in one transaction adds its scorecards to one set, recomputed by one
	job when the transaction commits; across transactions the job id deduplicates."""
	if not scorecards:
		return
	pending = frappe.local.flags.kpibsc_task_scorecards
	if pending is None:
		pending = frappe.local.flags.kpibsc_task_scorecards = set()
		frappe.db.after_commit.add(flush_pending_recompute)
		frappe.db.after_rollback.add(drop_pending_recompute)
	pending.update(scorecards)


def enqueue_recompute(scorecards: list[str]):
	# imported here: the recompute reads task actuals from this module
	from kpibsc.kpibsc.services.recompute import enqueue_recompute as enqueue

	enqueue(scorecards)


def flush_pending_recompute():
	pending = frappe.local.flags.pop("kpibsc_task_scorecards", None)
	if pending:
		enqueue_recompute(sorted(pending))


def drop_pending_recompute():
	frappe.local.flags.pop("kpibsc_task_scorecards", None)


def assigned_scorecards(tasks: list[str]) -> list[str]:
	"""Open employee scorecards that count the tasks' assignees' tasks (Assigned scope)."""
	todo = frappe.qb.DocType("ToDo")
	employee = frappe.qb.DocType("Employee")
	scorecard = frappe.qb.DocType("KPI Scorecard")
	item = frappe.qb.DocType("KPI Scorecard Item")
	kpi = frappe.qb.DocType("KPI")
	return (
		frappe.qb.from_(todo)
		.join(employee)
		.on(employee.user_id == todo.allocated_to)
		.join(scorecard)
		.on(scorecard.employee == employee.name)
		.join(item)
		.on((item.parent == scorecard.name) & (item.parenttype == "KPI Scorecard"))
		.join(kpi)
		.on(kpi.name == item.kpi)
		.select(scorecard.name)
		.distinct()
		.where(
			(todo.reference_type == "Task")
			& todo.reference_name.isin(tasks)
			& (todo.status != "Cancelled")
			& (scorecard.status != "Closed")
			& (kpi.data_source == "Task Based")
			& (kpi.task_scope == ASSIGNED)
		)
		.run(pluck=True)
	)


def assigned_scope_in_use() -> bool:
	"""Whether any KPI counts the tasks assigned to an employee: read once per request (or
	job, or transaction) and forgotten when a KPI is saved or deleted (`forget_assigned_scope`)."""
	flags = frappe.local.flags
	if flags.kpibsc_assigned_scope is None:
		flags.kpibsc_assigned_scope = bool(
			frappe.db.exists("KPI", {"data_source": "Task Based", "task_scope": ASSIGNED})
		)
		frappe.db.after_commit.add(forget_assigned_scope)
		frappe.db.after_rollback.add(forget_assigned_scope)
	return flags.kpibsc_assigned_scope


def forget_assigned_scope(doc=None, method=None):
	"""doc_events KPI.on_change / on_trash, and the end of the transaction."""
	frappe.local.flags.pop("kpibsc_assigned_scope", None)


def task_based_scorecards(scorecards: list[str]) -> list[str]:
	item = frappe.qb.DocType("KPI Scorecard Item")
	kpi = frappe.qb.DocType("KPI")
	return (
		frappe.qb.from_(item)
		.join(kpi)
		.on(kpi.name == item.kpi)
		.select(item.parent)
		.distinct()
		.where(item.parent.isin(scorecards) & (kpi.data_source == "Task Based"))
		.run(pluck=True)
	)


def recompute_task_scorecards():
	"""Scheduler (daily_long): open tasks fall due without being saved, so the rates of
	open scorecards with task-based items are recomputed once a day."""
	scorecards = frappe.get_all(
		"KPI Scorecard", filters={"status": ("!=", "Closed"), "from_date": ("<=", today())}, pluck="name"
	)
	scorecards = task_based_scorecards(scorecards) if scorecards else []
	if scorecards:
		enqueue_recompute(scorecards)


# -- task-based actuals -----------------------------------------------------------------------


def task_actuals(scorecards: list[str], as_of=None, period_start=None) -> pd.DataFrame:
	"""Actuals of the Task Based items of `scorecards` for each started period (or only the
	period starting on `period_start`): columns scorecard, period_start, kpi, actual.

	Four queries whatever the number of scorecards: items, periods, linked tasks and
	assigned tasks (the last only when an Assigned-scope KPI is in use)."""
	columns = ["scorecard", "period_start", "kpi", "actual"]
	as_of = getdate(as_of or today())
	items = task_items(scorecards)
	if items.empty:
		return pd.DataFrame(columns=columns)
	periods = item_periods(items, as_of, period_start)
	if periods.empty:
		return pd.DataFrame(columns=columns)
	found = [frame for frame in (linked_tasks(items), assigned_tasks(items)) if not frame.empty]
	tasks = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["key", *TASK_COLUMNS])
	if not tasks.empty:
		milestones_only = set(items.loc[items["task_milestones_only"] == 1, "key"])
		tasks = tasks[~tasks["key"].isin(milestones_only) | (tasks["is_milestone"] == 1)]
	tasks = tasks.assign(completed=tasks["status"] == "Completed").rename(
		columns={"kpi_weight": "weight", "exp_end_date": "due"}
	)
	try:
		actuals = task_metrics(tasks, periods, as_of)
	except EngineError as error:
		throw_engine_error(error, _("Task Based KPI"))
	actuals = actuals.dropna(subset=["actual"])
	scorecard_kpi = actuals["key"].str.split("|", n=1, expand=True)
	if actuals.empty:
		return pd.DataFrame(columns=columns)
	return pd.DataFrame(
		{
			"scorecard": scorecard_kpi[0],
			"period_start": actuals["period_start"],
			"kpi": scorecard_kpi[1],
			"actual": actuals["actual"].astype(float),
		}
	).reset_index(drop=True)


def task_items(scorecards: list[str]) -> pd.DataFrame:
	item = frappe.qb.DocType("KPI Scorecard Item")
	kpi = frappe.qb.DocType("KPI")
	scorecard = frappe.qb.DocType("KPI Scorecard")
	rows = (
		frappe.qb.from_(item)
		.join(kpi)
		.on(kpi.name == item.kpi)
		.join(scorecard)
		.on(scorecard.name == item.parent)
		.select(
			item.parent,
			item.kpi,
			kpi.task_metric,
			kpi.task_scope,
			kpi.task_milestones_only,
			scorecard.scorecard_for,
			scorecard.employee,
		)
		.where(item.parent.isin(scorecards) & (item.parenttype == "KPI Scorecard"))
		.where(kpi.data_source == "Task Based")
		.run()
	)
	frame = pd.DataFrame(
		rows,
		columns=["scorecard", "kpi", "metric", "scope", "task_milestones_only", "scorecard_for", "employee"],
	)
	frame["key"] = frame["scorecard"] + "|" + frame["kpi"]
	frame["metric"] = frame["metric"].fillna("Completion Rate").replace("", "Completion Rate")
	return frame


def item_periods(items: pd.DataFrame, as_of, period_start=None) -> pd.DataFrame:
	target = frappe.qb.DocType("KPI Scorecard Target")
	query = (
		frappe.qb.from_(target)
		.select(target.parent, target.kpi, target.period_start, target.period_end)
		.where(
			target.parent.isin(list(items["scorecard"].unique()))
			& (target.parenttype == "KPI Scorecard")
			& target.kpi.isin(list(items["kpi"].unique()))
			& (target.period_start <= as_of)
		)
	)
	if period_start:
		query = query.where(target.period_start == getdate(period_start))
	frame = pd.DataFrame(query.run(), columns=["scorecard", "kpi", "period_start", "period_end"])
	frame["key"] = frame["scorecard"] + "|" + frame["kpi"]
	return frame.merge(items[["key", "metric"]], on="key", how="inner")


TASK_COLUMNS = ("kpi_weight", "exp_end_date", "status", "completed_on", "progress", "is_milestone")


def linked_tasks(items: pd.DataFrame) -> pd.DataFrame:
	linked = items[items["scope"].fillna(LINKED).replace("", LINKED) != ASSIGNED]
	columns = ["key", *TASK_COLUMNS]
	if linked.empty:
		return pd.DataFrame(columns=columns)
	task = frappe.qb.DocType("Task")
	rows = (
		frappe.qb.from_(task)
		.select(task.kpi_scorecard, task.kpi, *(task[field] for field in TASK_COLUMNS))
		.where(
			task.kpi_scorecard.isin(list(linked["scorecard"].unique()))
			& task.status.notin(["Cancelled", "Template"])
			& (task.is_template == 0)
		)
		.run()
	)
	frame = pd.DataFrame(rows, columns=["scorecard", "kpi", *TASK_COLUMNS])
	frame["key"] = frame["scorecard"] + "|" + frame["kpi"].fillna("")
	return frame[frame["key"].isin(set(linked["key"]))][columns]


def assigned_tasks(items: pd.DataFrame) -> pd.DataFrame:
	"""Tasks assigned (ToDo, open or closed) to the employee of an Assigned-scope item."""
	assigned = items[(items["scope"] == ASSIGNED) & (items["scorecard_for"] == "Employee")]
	columns = ["key", *TASK_COLUMNS]
	if assigned.empty:
		return pd.DataFrame(columns=columns)
	users = dict(
		frappe.get_all(
			"Employee",
			filters={"name": ("in", list(assigned["employee"].unique()))},
			fields=["name", "user_id"],
			as_list=True,
		)
	)
	assigned = assigned.assign(user=assigned["employee"].map(users)).dropna(subset=["user"])
	if assigned.empty:
		return pd.DataFrame(columns=columns)
	todo = frappe.qb.DocType("ToDo")
	task = frappe.qb.DocType("Task")
	rows = (
		frappe.qb.from_(todo)
		.join(task)
		.on(task.name == todo.reference_name)
		.select(todo.allocated_to, *(task[field] for field in TASK_COLUMNS))
		.distinct()
		.where(
			(todo.reference_type == "Task")
			& todo.allocated_to.isin(list(assigned["user"].unique()))
			& (todo.status != "Cancelled")
			& task.status.notin(["Cancelled", "Template"])
			& (task.is_template == 0)
		)
		.run()
	)
	frame = pd.DataFrame(rows, columns=["user", *TASK_COLUMNS])
	return frame.merge(assigned[["key", "user"]], on="user", how="inner")[columns]


# -- the scorecard's and the objective's work -------------------------------------------------


@frappe.whitelist()
def get_scorecard_tasks(scorecard: str) -> list[dict]:
	"""Each item of the scorecard with the tasks that count for it: progress and who does them."""
	frappe.get_doc("KPI Scorecard", scorecard).check_permission("read")
	items = frappe.get_all(
		"KPI Scorecard Item",
		filters={"parent": scorecard, "parenttype": "KPI Scorecard"},
		fields=["kpi", "kpi_name", "objective"],
		order_by="idx",
	)
	tasks = task_list({"kpi_scorecard": scorecard})
	by_kpi = {}
	for task in tasks:
		by_kpi.setdefault(task.kpi, []).append(task)
	return [
		{**item, **task_summary(by_kpi.get(item.kpi, [])), "tasks": by_kpi.get(item.kpi, [])}
		for item in items
	]


def task_list(filters: dict, or_filters: dict | None = None) -> list:
	"""Tasks the user may read (get_list applies Task permissions), with their assignees."""
	if not frappe.has_permission("Task", "read"):
		return []
	tasks = frappe.get_list(
		"Task",
		filters={**filters, "status": ("!=", "Cancelled"), "is_template": 0},
		or_filters=or_filters,
		fields=[
			"name",
			"subject",
			"status",
			"progress",
			"exp_end_date",
			"completed_on",
			"kpi_weight",
			"kpi_scorecard",
			"kpi",
			"strategic_objective",
			"project",
			"_assign",
			"completed_by",
		],
		order_by="exp_end_date asc, name asc",
	)
	for task in tasks:
		task.assigned_to = json.loads(task.pop("_assign") or "[]") or (
			[task.completed_by] if task.completed_by else []
		)
		task.overdue = bool(
			task.exp_end_date
			and task.status not in CLOSED_TASK_STATUSES
			and getdate(task.exp_end_date) < getdate()
		)
	return tasks


def task_summary(tasks: list) -> dict:
	weights = [flt(task.kpi_weight, 6) if task.kpi_weight is not None else 1.0 for task in tasks]
	total = sum(weights)
	progress = sum(
		weight * (100.0 if task.status == "Completed" else flt(task.progress))
		for weight, task in zip(weights, tasks, strict=True)
	)
	return {
		"task_count": len(tasks),
		"completed": sum(1 for task in tasks if task.status == "Completed"),
		"overdue": sum(1 for task in tasks if task.overdue),
		"progress": round(progress / total, 1) if total else None,
	}


def initiatives_of(objectives: list[str]) -> dict[str, list[dict]]:
	"""Objective -> its strategic initiatives (Projects) with their progress, as far as the
	user may read them: Project's own permissions decide, and a user without read access to
	Project (a KPI User who is no Projects User) gets none instead of an error."""
	if not objectives or not may_read_projects():
		return {}
	initiatives = {}
	for project in frappe.get_list(
		"Project",
		filters={"strategic_objective": ("in", objectives), "is_strategic_initiative": 1},
		fields=[
			"name",
			"project_name",
			"status",
			"percent_complete",
			"expected_end_date",
			"strategic_objective",
		],
		order_by="expected_end_date asc, name asc",
	):
		initiatives.setdefault(project.strategic_objective, []).append(project)
	return initiatives


def may_read_projects() -> bool:
	return bool(frappe.has_permission("Project", "read"))


# -- My Work ----------------------------------------------------------------------------------


@frappe.whitelist()
def get_my_work(employee: str | None = None) -> dict:
	"""An employee's scorecard items this period (target, actual, status), their tasks
	grouped by the objective they serve, and what is overdue."""
	user = frappe.session.user
	employee = employee or employee_of(user)
	if not employee:
		frappe.throw(
			_(
				"Your user is not linked to an active Employee, so there is no work to show. Choose an employee."
			),
			title=_("No Employee"),
		)
	if not may_see_employee(employee, user):
		frappe.throw(
			_("You may not see the work of {0}.").format(frappe.bold(employee)), frappe.PermissionError
		)
	details = frappe.db.get_value(
		"Employee", employee, ["name", "employee_name", "user_id", "department", "company"], as_dict=True
	)
	on = getdate()
	scorecards = [row.name for row in current_scorecards(employee, on)]
	items = current_items(scorecards, on)
	or_filters = {"kpi_scorecard": ("in", scorecards)} if scorecards else {}
	if details.user_id:
		or_filters["_assign"] = ("like", f"%{details.user_id}%")
	tasks = task_list({}, or_filters=or_filters) if or_filters else []
	tasks = [
		task
		for task in tasks
		if task.status != "Completed" or getdate(task.completed_on or on) >= period_floor(items, on)
	]
	return {
		"employee": details,
		"scorecards": scorecards,
		"items": items,
		"groups": group_by_objective(tasks),
		"overdue": [task for task in tasks if task.overdue],
	}


def current_scorecards(employee: str, on, fields=("name",), **options) -> list:
	"""The employee's open scorecards covering the day `on` (My Work, and the home's own
	scorecard, which takes the latest one)."""
	return frappe.get_all(
		"KPI Scorecard",
		filters={
			"employee": employee,
			"scorecard_for": "Employee",
			"status": ("!=", "Closed"),
			"from_date": ("<=", on),
			"to_date": (">=", on),
		},
		fields=list(fields),
		**options,
	)


def current_items(scorecards: list[str], on) -> list[dict]:
	"""The scorecards' KPI items with the period containing `on`: target, actual, status, and
	the forecast for the end of the scorecard's period (achievement, status, trend)."""
	if not scorecards:
		return []
	item = frappe.qb.DocType("KPI Scorecard Item")
	target = frappe.qb.DocType("KPI Scorecard Target")
	result = frappe.qb.DocType("KPI Result")
	objective = frappe.qb.DocType("Strategic Objective")
	return (
		frappe.qb.from_(item)
		.join(target)
		.on(
			(target.parent == item.parent)
			& (target.kpi == item.kpi)
			& (target.period_start <= on)
			& (target.period_end >= on)
		)
		.left_join(result)
		.on(
			(result.scorecard == item.parent)
			& (result.node_type == "KPI")
			& (result.kpi == item.kpi)
			& (result.period_start == target.period_start)
		)
		.left_join(objective)
		.on(objective.name == item.objective)
		.select(
			item.parent.as_("scorecard"),
			item.kpi,
			item.kpi_name,
			item.unit,
			item.weight,
			item.objective,
			objective.objective_name,
			target.period_start,
			target.period_end,
			target.target,
			result.actual,
			result.has_actual,
			result.achievement,
			result.status,
			result.forecast_achievement,
			result.forecast_status,
			result.trend,
		)
		.where(item.parent.isin(scorecards) & (item.parenttype == "KPI Scorecard"))
		.orderby(item.parent)
		.orderby(item.idx)
		.run(as_dict=True)
	)


def period_floor(items: list[dict], on):
	"""Completed tasks are shown from the start of the current period (or month)."""
	starts = [getdate(row.period_start) for row in items]
	return min(starts) if starts else getdate(on).replace(day=1)


def group_by_objective(tasks: list) -> list[dict]:
	names = (
		dict(
			frappe.get_all(
				"Strategic Objective",
				filters={
					"name": (
						"in",
						list({task.strategic_objective for task in tasks if task.strategic_objective}),
					)
				},
				fields=["name", "objective_name"],
				as_list=True,
			)
		)
		if any(task.strategic_objective for task in tasks)
		else {}
	)
	groups = {}
	for task in tasks:
		groups.setdefault(task.strategic_objective or "", []).append(task)
	ordered = sorted(groups.items(), key=lambda pair: (pair[0] == "", names.get(pair[0], pair[0])))
	return [
		{
			"objective": objective or None,
			"objective_name": names.get(objective) if objective else None,
			**task_summary(group),
			"tasks": group,
		}
		for objective, group in ordered
	]
