"""Cascade a scorecard to the departments or employees below it, in bulk.

The plan (who gets what) is worked out and checked before anything is written, so bad
input leaves the database as it was. The writes then go batch by batch: a batch of child
scorecards costs the same handful of queries whether it holds 10 KPIs or 100.

A child scorecard is matched by its owner and period, so running the cascade again
updates the children it made (and adopts one a person made for the same period) instead of
adding a second. A child's own items, its weights and its cascade settings are kept; the
cascaded items' targets and thresholds follow the parent again.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.model.naming import NamingSeries
from frappe.utils import cint, flt, format_date, getdate, now_datetime

from kpibsc.engine import normalise_weights
from kpibsc.engine.cascade import SCALED_VALUES, cascade_item
from kpibsc.engine.errors import EngineError
from kpibsc.engine.rounding import require_whole
from kpibsc.kpibsc.permissions import may_change_child_scorecard
from kpibsc.kpibsc.services.bulk import insert_rows, reserve_names
from kpibsc.kpibsc.services.engine_bridge import check_rule, scoring_rule, throw_engine_error
from kpibsc.kpibsc.services.scorecards import get_kpis, phase_items, scorecard_title

BATCH_SIZE = 250
# More children than this and the cascade runs as a background job.
BACKGROUND_THRESHOLD = 50
WEIGHT_TOLERANCE = 0.01

SPLIT_BASES = ("Evenly", "By Headcount")
# What each level may cascade to.
LEVELS_BELOW = {
	"Company": ("Department", "Employee"),
	"Department": ("Department", "Employee"),
	"Employee": ("Employee",),
}
OWNER_FIELD = {"Department": "department", "Employee": "employee"}
ITEM_FIELDS_FROM_PARENT = (
	"kpi",
	"kpi_name",
	"objective",
	"perspective",
	"unit",
	"scoring_method",
	"aggregation",
)


class CascadeError(frappe.ValidationError):
	pass


def level_label(level: str) -> str:
	return {"Company": _("Company"), "Department": _("Department"), "Employee": _("Employee")}.get(
		level, level
	)


@dataclass
class ChildUnit:
	"""A department or employee that receives a scorecard."""

	name: str
	label: str
	department: str | None = None
	employee_name: str | None = None
	headcount: int = 1


@dataclass
class CascadePlan:
	parent: "frappe.model.document.Document"
	level: str
	units: list[ChildUnit]
	items: list
	kpis: dict
	# per parent item name: one dict of target and thresholds per unit, in unit order
	values: dict[str, list[dict]] = field(default_factory=dict)
	# unit name -> existing child scorecard (same owner and period)
	existing: dict[str, str] = field(default_factory=dict)
	# unit name -> its existing child scorecard that is active, left as it is
	active: dict[str, str] = field(default_factory=dict)


def cascade_scorecard(
	scorecard: str,
	level: str,
	split_basis: str = "Evenly",
	units: list[str] | None = None,
	include_sub_departments: bool = False,
) -> dict:
	"""Check the cascade now; write it now or, when it is large, in a background job."""
	plan = make_plan(scorecard, level, split_basis, units, include_sub_departments)
	arguments = {
		"scorecard": scorecard,
		"level": level,
		"split_basis": split_basis,
		"units": units,
		"include_sub_departments": include_sub_departments,
	}
	if len(plan.units) <= BACKGROUND_THRESHOLD:
		return write_plan(plan)
	job = frappe.enqueue(
		"kpibsc.kpibsc.services.cascade.run_cascade_job",
		queue="long",
		timeout=3600,
		job_id=f"kpibsc-cascade-{scorecard}",
		deduplicate=True,
		enqueue_after_commit=True,
		user=frappe.session.user,
		**arguments,
	)
	return {"queued": True, "children": len(plan.units), "job_id": getattr(job, "id", None)}


def run_cascade_job(user: str, **arguments) -> dict:
	"""Background job: plan again (the data may have changed since it was queued), then write."""
	try:
		summary = write_plan(make_plan(**arguments), show_progress=True)
	except Exception:
		# the job runner rolls the transaction back; with now=True the caller does
		frappe.log_error(title=_("Cascade of {0} failed").format(arguments["scorecard"]))
		frappe.publish_realtime(
			"kpibsc_cascade_failed",
			{"scorecard": arguments["scorecard"]},
			user=user,
			after_commit=False,
		)
		raise
	frappe.publish_realtime("kpibsc_cascade_done", summary, user=user, after_commit=True)
	return summary


# -- plan -------------------------------------------------------------------------------------


def make_plan(
	scorecard: str,
	level: str,
	split_basis: str = "Evenly",
	units: list[str] | None = None,
	include_sub_departments: bool = False,
) -> CascadePlan:
	parent = frappe.get_doc("KPI Scorecard", scorecard)
	# cascading reads the parent and writes the children: a department head cascades their
	# department's scorecard, which they may not change, to the team
	parent.check_permission("read")
	frappe.has_permission("KPI Scorecard", "create", throw=True)
	if level not in LEVELS_BELOW.get(parent.scorecard_for, ()):
		frappe.throw(
			_("A {0} scorecard cannot be cascaded to the {1} level. Choose one of: {2}.").format(
				level_label(parent.scorecard_for),
				level_label(level),
				", ".join(level_label(choice) for choice in LEVELS_BELOW.get(parent.scorecard_for, ())),
			),
			exc=CascadeError,
		)
	if split_basis not in SPLIT_BASES:
		frappe.throw(_("Split the targets Evenly or By Headcount."), exc=CascadeError)
	if parent.status == "Closed":
		frappe.throw(
			_("Scorecard {0} is closed, so it cannot be cascaded.").format(parent.name), exc=CascadeError
		)

	items = [item for item in parent.items if item.cascade_mode]
	if not items:
		frappe.throw(
			_("Set a Cascade Mode on the items to cascade: none of the {0} items has one.").format(
				len(parent.items)
			),
			exc=CascadeError,
			title=_("Nothing to Cascade"),
		)
	children = child_units(parent, level, include_sub_departments, split_basis == "By Headcount")
	if units:
		children = pick_units(children, units, level)
	else:  # everyone below, but a head's own targets are set above them
		children = [unit for unit in children if may_change_child_scorecard(level, unit, own_only=True)]
	check_children_permission(children, level)
	plan = CascadePlan(parent, level, children, items, get_kpis([item.kpi for item in items]))
	plan.values = child_values(plan, split_basis)
	plan.existing = existing_children(plan)
	return plan


def child_units(parent, level: str, include_sub_departments: bool, with_headcount: bool) -> list[ChildUnit]:
	"""The departments or active employees right below the scorecard's owner."""
	if level == "Department":
		units = child_departments(parent)
		if not units:
			frappe.throw(
				_("{0} has no departments below it to cascade to.").format(
					frappe.bold(parent.department or parent.company)
				),
				exc=CascadeError,
				title=_("Nobody to Cascade To"),
			)
		if with_headcount:
			set_headcounts(units, parent.company)
		return units

	units = child_employees(parent, include_sub_departments)
	if not units:
		owner = parent.department or parent.employee_name or parent.company
		message = _("{0} has no active employees to cascade to.")
		if parent.scorecard_for == "Employee":
			message = _("Nobody active reports to {0}, so there is nobody to cascade to.")
		frappe.throw(message.format(frappe.bold(owner)), exc=CascadeError, title=_("Nobody to Cascade To"))
	return units


def child_departments(parent) -> list[ChildUnit]:
	department = frappe.qb.DocType("Department")
	above = frappe.qb.DocType("Department").as_("above")
	query = (
		frappe.qb.from_(department)
		.left_join(above)
		.on(above.name == department.parent_department)
		.select(department.name, department.department_name)
		.where((department.company == parent.company) & (department.disabled == 0))
		.orderby(department.lft)
	)
	if parent.scorecard_for == "Department":
		query = query.where(department.parent_department == parent.department)
	else:
		# top-level departments of the company: their parent is the shared root or another company's
		query = query.where(above.company.isnull() | (above.company != parent.company))
	return [ChildUnit(name=row.name, label=row.name) for row in query.run(as_dict=True)]


def set_headcounts(units: list[ChildUnit], company: str):
	"""Active employees in each department's subtree, in two queries."""
	department = frappe.qb.DocType("Department")
	employee = frappe.qb.DocType("Employee")
	ranges = {
		row.name: (row.lft, row.rgt)
		for row in frappe.qb.from_(department)
		.select(department.name, department.lft, department.rgt)
		.where(department.company == company)
		.run(as_dict=True)
	}
	counts = (
		frappe.qb.from_(employee)
		.join(department)
		.on(department.name == employee.department)
		.select(department.lft, frappe.query_builder.functions.Count("*").as_("count"))
		.where((employee.company == company) & (employee.status == "Active"))
		.groupby(department.lft)
		.run()
	)
	for unit in units:
		lft, rgt = ranges[unit.name]
		unit.headcount = sum(count for position, count in counts if lft <= position <= rgt)


def child_employees(parent, include_sub_departments: bool) -> list[ChildUnit]:
	employee = frappe.qb.DocType("Employee")
	query = (
		frappe.qb.from_(employee)
		.select(employee.name, employee.employee_name, employee.department)
		.where((employee.company == parent.company) & (employee.status == "Active"))
		.orderby(employee.name)
	)
	if parent.scorecard_for == "Employee":
		query = query.where(employee.reports_to == parent.employee)
	elif parent.scorecard_for == "Department":
		departments = [parent.department]
		if include_sub_departments:
			lft, rgt = frappe.db.get_value("Department", parent.department, ["lft", "rgt"])
			departments = frappe.get_all(
				"Department", filters={"lft": (">=", lft), "rgt": ("<=", rgt)}, pluck="name"
			)
		query = query.where(employee.department.isin(departments))
	return [
		ChildUnit(
			name=row.name,
			label=row.employee_name or row.name,
			department=row.department,
			employee_name=row.employee_name,
		)
		for row in query.run(as_dict=True)
	]


def check_children_permission(children: list[ChildUnit], level: str):
	"""The writes skip per-document checks, so check here, by the scorecards' own rule, that
	every child is the user's to change."""
	for unit in children:
		if not may_change_child_scorecard(level, unit):
			frappe.throw(
				_(
					"You may not change the scorecard of {0}: only its department head or a KPI Manager can, and nobody sets their own targets."
				).format(frappe.bold(unit.label)),
				frappe.PermissionError,
			)


def pick_units(children: list[ChildUnit], wanted: list[str], level: str) -> list[ChildUnit]:
	"""Only the chosen children; each must be one the scorecard may cascade to."""
	by_name = {unit.name: unit for unit in children}
	unknown = [name for name in wanted if name not in by_name]
	if unknown:
		frappe.throw(
			_("{0} is not a {1} below this scorecard's owner.").format(
				frappe.bold(unknown[0]), level_label(level)
			),
			exc=CascadeError,
		)
	return [by_name[name] for name in dict.fromkeys(wanted)]


def child_values(plan: CascadePlan, split_basis: str) -> dict[str, list[dict]]:
	"""Target and thresholds of every cascaded item for every child, checked by the engine."""
	weights = [unit.headcount if split_basis == "By Headcount" else 1 for unit in plan.units]
	values = {}
	for item in plan.items:
		kpi = plan.kpis[item.kpi]
		parent_values = {"target": flt(item.target)}
		parent_values.update({name: item.get(name) or None for name in SCALED_VALUES})
		try:
			if kpi.precision == 0:  # whole units: 48 customers over 5 people are 10/10/10/9/9
				require_whole(parent_values["target"], kpi.kpi_code, kpi.unit)
			values[item.name] = cascade_item(
				item.cascade_mode,
				kpi.aggregation,
				parent_values,
				weights,
				precision=kpi.precision,
				label=kpi.kpi_code,
			)
		except EngineError as error:
			throw_engine_error(error, _("Row {0}").format(item.idx))
		# children often share a target: check each distinct one once
		for child in {tuple(sorted(child.items())): child for child in values[item.name]}.values():
			check_rule(
				scoring_rule(kpi, frappe._dict(child)),
				child["target"],
				context=_("Row {0}, cascaded target {1}").format(item.idx, child["target"]),
			)
	return values


def existing_children(plan: CascadePlan) -> dict[str, str]:
	"""Scorecards the children already have for the period; any other overlap is an error."""
	parent, owner_field = plan.parent, OWNER_FIELD[plan.level]
	scorecard = frappe.qb.DocType("KPI Scorecard")
	rows = (
		frappe.qb.from_(scorecard)
		.select(scorecard.name, scorecard[owner_field].as_("owner"), scorecard.from_date, scorecard.to_date)
		.select(scorecard.status)
		.where(
			(scorecard.scorecard_for == plan.level)
			& (scorecard.company == parent.company)
			& scorecard[owner_field].isin([unit.name for unit in plan.units])
			& (scorecard.from_date <= parent.to_date)
			& (scorecard.to_date >= parent.from_date)
			& (scorecard.name != parent.name)
		)
		.run(as_dict=True)
	)
	existing, conflicts = {}, []
	for row in rows:
		same_period = row.from_date == parent.from_date and row.to_date == parent.to_date
		if same_period and row.status != "Closed" and row.owner not in existing:
			existing[row.owner] = row.name
		else:
			conflicts.append(row)
	if conflicts:
		first = conflicts[0]
		message = _(
			"{0} already has scorecard {1} for {2} to {3}, which overlaps this period without matching it"
			" (or is closed). Change or remove it, or leave {0} out of the cascade."
		).format(
			frappe.bold(first.owner),
			frappe.get_desk_link("KPI Scorecard", first.name),
			format_date(first.from_date),
			format_date(first.to_date),
		)
		if len(conflicts) > 1:
			message += " " + _("{0} more children have the same problem.").format(len(conflicts) - 1)
		frappe.throw(message, exc=CascadeError, title=_("Overlapping Scorecard"))
	# an active child's targets change only through a recorded revision (Revise Targets), which
	# a bulk rewrite would go round: it keeps its targets, and still counts in the split
	plan.active = {
		row.owner: row.name for row in rows if existing.get(row.owner) == row.name and row.status == "Active"
	}
	return existing


# -- write ------------------------------------------------------------------------------------


def write_plan(plan: CascadePlan, show_progress: bool = False) -> dict:
	created = updated = 0
	new_units = [unit for unit in plan.units if unit.name not in plan.existing]
	names = dict(
		zip(
			[unit.name for unit in new_units],
			reserve_names(plan.parent.naming_series, len(new_units)),
			strict=True,
		)
	)
	names.update(plan.existing)
	positions = {unit.name: index for index, unit in enumerate(plan.units)}  # shares count everyone
	writable = [unit for unit in plan.units if unit.name not in plan.active]
	total = len(writable)
	for start in range(0, total, BATCH_SIZE):
		batch = writable[start : start + BATCH_SIZE]
		batch_created, batch_updated = write_batch(plan, batch, names, positions)
		created += batch_created
		updated += batch_updated
		if show_progress:
			frappe.publish_progress(
				flt((start + len(batch)) * 100 / total, 1),
				title=_("Cascading {0}").format(plan.parent.name),
				doctype="KPI Scorecard",
				docname=plan.parent.name,
				description=_("{0} of {1} scorecards written").format(start + len(batch), total),
			)
	summary = {
		"scorecard": plan.parent.name,
		"level": plan.level,
		"created": created,
		"updated": updated,
		"kept_active": len(plan.active),
		"items": len(plan.items),
	}
	plan.parent.add_comment(
		"Info",
		_("Cascaded {0} items to {1} {2} scorecards: {3} new, {4} updated.").format(
			len(plan.items), total, level_label(plan.level), created, updated
		)
		+ (
			" "
			+ _("{0} active scorecards kept their targets: revise them with Revise Targets.").format(
				len(plan.active)
			)
			if plan.active
			else ""
		),
	)
	return summary


def write_batch(plan: CascadePlan, batch: list[ChildUnit], names: dict, positions: dict) -> tuple[int, int]:
	"""Build the batch's scorecards in memory, then replace their rows in a few queries."""
	existing_names = [names[unit.name] for unit in batch if unit.name in plan.existing]
	old_parents = {row.name: row for row in fetch_rows("KPI Scorecard", "name", existing_names)}
	old_items = defaultdict(list)
	for row in fetch_rows("KPI Scorecard Item", "parent", existing_names, order_by="idx"):
		old_items[row.parent].append(row)

	now, user = now_datetime(), frappe.session.user
	parents, items = [], []
	for unit in batch:
		name = names[unit.name]
		parent_row = child_parent_row(plan, unit, name, old_parents.get(name), now, user)
		item_rows = child_item_rows(
			plan, parent_row, old_items.get(name, []), positions[unit.name], now, user
		)
		parents.append(parent_row)
		items.extend(item_rows)
	targets = target_rows(parents, items, plan.kpis, now, user, pinned_rows(existing_names))

	if existing_names:
		for doctype, column in (
			("KPI Scorecard Target", "parent"),
			("KPI Scorecard Item", "parent"),
			("KPI Scorecard", "name"),
		):
			table = frappe.qb.DocType(doctype)
			frappe.qb.from_(table).delete().where(table[column].isin(existing_names)).run()
	insert_rows("KPI Scorecard", parents)
	insert_rows("KPI Scorecard Item", items)
	insert_rows("KPI Scorecard Target", targets)
	return len(batch) - len(existing_names), len(existing_names)


def row_name() -> str:
	"""A random row name for bulk inserts, which have no retry on a duplicate as
	Document.insert has: 16 hex digits, since Frappe's 10 collide about twice among the
	2.4 million targets of a 20,000-employee cascade (the birthday bound of 16^10)."""
	return frappe.generate_hash(length=16)


def fetch_rows(doctype: str, column: str, values: list[str], order_by: str | None = None) -> list:
	if not values:
		return []
	return frappe.get_all(doctype, filters={column: ("in", values)}, fields=["*"], order_by=order_by)


def child_parent_row(plan: CascadePlan, unit: ChildUnit, name: str, old, now, user) -> frappe._dict:
	parent = plan.parent
	row = frappe._dict(old or {})
	if not old:
		row.update(
			name=name,
			creation=now,
			owner=user,
			docstatus=0,
			idx=0,
			naming_series=parent.naming_series,
			status="Draft",
			frequency=parent.frequency,
			phasing=parent.phasing,
			monthly_distribution=parent.monthly_distribution,
			normalise_weights=0,
		)
	row.update(
		modified=now,
		modified_by=user,
		scorecard_for=plan.level,
		company=parent.company,
		strategy=parent.strategy,
		from_date=parent.from_date,
		to_date=parent.to_date,
		parent_scorecard=parent.name,
		department=unit.department if plan.level == "Employee" else unit.name,
		employee=unit.name if plan.level == "Employee" else None,
		employee_name=unit.employee_name,
		title=scorecard_title(unit.label, parent.from_date, parent.to_date),
	)
	return row


def child_item_rows(plan: CascadePlan, parent_row, old_items: list, position: int, now, user) -> list:
	"""The child's own items as they were, and the cascaded ones set from the parent."""
	rows = [frappe._dict(row) for row in old_items]
	by_source = {row.source_item: row for row in rows if row.source_item}
	by_kpi = {row.kpi: row for row in rows}
	for item in plan.items:
		row = by_source.get(item.name) or by_kpi.get(item.kpi)
		if row is None:
			row = frappe._dict(name=row_name(), creation=now, owner=user)
			row.update(weight=flt(item.weight), cascade_mode=None, docstatus=0)
			rows.append(row)
		row.update({fieldname: item.get(fieldname) for fieldname in ITEM_FIELDS_FROM_PARENT})
		row.update(plan.values[item.name][position])
		row.update(source_item=item.name, modified=now, modified_by=user)
	for index, row in enumerate(rows, start=1):
		row.update(parent=parent_row.name, parentfield="items", parenttype="KPI Scorecard", idx=index)
	set_weights(parent_row, rows)
	return rows


def set_weights(parent_row, rows: list):
	"""Weights that add up to 100; if the child's don't, normalise them as the form would."""
	total = sum(flt(row.weight) for row in rows)
	if abs(total - 100) > WEIGHT_TOLERANCE:
		for row, weight in zip(rows, normalise_weights([flt(row.weight) for row in rows]), strict=True):
			row.weight = flt(weight, 4)
		parent_row.normalise_weights = 1
	parent_row.total_weight = flt(sum(flt(row.weight) for row in rows), 4)


def pinned_rows(scorecards: list[str]) -> dict[tuple[str, str], dict]:
	"""The targets the children's planners pinned, by (scorecard, KPI): a re-cascade keeps them."""
	pins = defaultdict(dict)
	if scorecards:
		for row in frappe.get_all(
			"KPI Scorecard Target",
			filters={"parent": ("in", scorecards), "parenttype": "KPI Scorecard", "pinned": 1},
			fields=["parent", "kpi", "period_start", "period_end", "target"],
		):
			period = (getdate(row.period_start), getdate(row.period_end))
			pins[(row.parent, row.kpi)][period] = row.target
	return pins


def target_rows(parents: list, items: list, kpis: dict, now, user, pins: dict | None = None) -> list:
	"""Phased targets of every item, one engine call per period, phasing, aggregation and
	precision; pinned targets are kept and the rest of the target spread around them."""
	missing = {row.kpi for row in items} - set(kpis)
	kpis = {**kpis, **get_kpis(list(missing))} if missing else kpis
	pins = pins or {}
	by_parent = {row.name: row for row in parents}
	groups = defaultdict(list)
	for row in items:
		parent = by_parent[row.parent]
		key = (
			parent.from_date,
			parent.to_date,
			parent.frequency,
			parent.phasing,
			parent.monthly_distribution,
		)
		groups[key].append(row)
	rows, next_idx = [], defaultdict(int)
	for key, group in groups.items():
		group_pins = [pins.get((item.parent, item.kpi), {}) for item in group]
		for item, phased in zip(group, phase_items(group, kpis, *key, pins=group_pins), strict=True):
			for target in phased:
				next_idx[item.parent] += 1
				target.update(
					name=row_name(),
					parent=item.parent,
					parentfield="targets",
					parenttype="KPI Scorecard",
					idx=next_idx[item.parent],
					docstatus=0,
					creation=now,
					modified=now,
					owner=user,
					modified_by=user,
				)
				rows.append(target)
	return rows
