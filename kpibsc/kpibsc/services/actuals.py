"""Actuals that come from data: ERPNext documents declared on the KPI, and formula KPIs.

An *ERPNext Query* KPI names a source DocType, an aggregate (sum, count, average,
distinct count) of one field, the date field that puts a document in a period, optional
filters, and the fields that tie a document to an employee or a department. Only
submitted documents count (for submittable DocTypes), and only the scorecard's company's.
`refresh_actuals` reads each source once for all scorecards and periods, then fills the
draft measurements one document at a time (creating them where missing); approved periods
are never touched. `actuals_bulk.fill_actuals` does the same for every scorecard of a
period at once, with grouped queries and multi-row writes (the scheduler uses it).

A *Formula* KPI's actual is computed from the other actuals of the same measurement
whenever it is saved (`formula_actuals`).
"""

import json
from datetime import timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import cint, getdate, today

from kpibsc.engine.errors import EngineError
from kpibsc.engine.sources import bucket, evaluate_formulas, evaluation_order, formula_inputs
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error

NUMERIC_FIELDTYPES = {"Int", "Float", "Currency", "Percent", "Duration"}
STANDARD_FIELDS = {"name", "owner", "creation", "modified", "docstatus"}
# The KPI fields that declare an ERPNext Query source (the library ships them too).
QUERY_SOURCE_FIELDS = (
	"source_doctype",
	"source_aggregate",
	"source_field",
	"source_date_field",
	"source_employee_field",
	"source_department_field",
	"source_filters",
)


class DataSourceError(frappe.ValidationError):
	pass


# -- KPI settings -----------------------------------------------------------------------------


def validate_source(kpi):
	if kpi.data_source == "ERPNext Query":
		validate_query_source(kpi)
	elif kpi.data_source == "Formula":
		validate_formula_source(kpi)
	elif kpi.data_source == "Task Based":
		kpi.task_metric = kpi.task_metric or "Completion Rate"


def validate_query_source(kpi):
	if not kpi.source_doctype:
		return  # not connected yet (as library KPIs arrive): actuals are typed until it is
	if not frappe.has_permission(kpi.source_doctype, "read"):
		frappe.throw(
			_("You may not read {0}, so it cannot be the source of a KPI you set up.").format(
				frappe.bold(_(kpi.source_doctype))  # translated at runtime: a DocType name
			),
			frappe.PermissionError,
		)
	meta = frappe.get_meta(kpi.source_doctype)
	if meta.istable or meta.issingle:
		frappe.throw(
			_("{0} cannot be a source: pick a DocType with its own records.").format(kpi.source_doctype),
			DataSourceError,
		)
	if kpi.source_aggregate != "Count":
		check_field(meta, kpi.source_field, _("Field"), numeric=kpi.source_aggregate in ("Sum", "Average"))
	check_field(meta, kpi.source_date_field, _("Date Field"), fieldtypes={"Date", "Datetime"})
	for fieldname, label in (
		(kpi.source_employee_field, _("Employee Field")),
		(kpi.source_department_field, _("Department Field")),
	):
		if fieldname:
			check_field(meta, fieldname, label)
	for fieldname in filter_fields(kpi.source_filters):
		check_field(meta, fieldname, _("Filters"))


def check_field(meta, fieldname: str | None, label: str, numeric: bool = False, fieldtypes=None):
	if not fieldname:
		frappe.throw(_("{0}: enter a field of {1}.").format(label, meta.name), DataSourceError)
	if fieldname in STANDARD_FIELDS:
		return
	field = meta.get_field(fieldname)
	if not field:
		frappe.throw(
			_("{0}: {1} has no field {2}.").format(label, meta.name, frappe.bold(fieldname)), DataSourceError
		)
	allowed = fieldtypes or (NUMERIC_FIELDTYPES if numeric else None)
	if allowed and field.fieldtype not in allowed:
		frappe.throw(
			_("{0}: {1} is a {2} field; use one of type {3}.").format(
				label, frappe.bold(fieldname), field.fieldtype, ", ".join(sorted(allowed))
			),
			DataSourceError,
		)


def parse_filters(source_filters: str | None) -> list[list]:
	"""Filters as [fieldname, operator, value] lists, from a JSON dict or list."""
	if not source_filters or not source_filters.strip():
		return []
	try:
		filters = json.loads(source_filters)
	except ValueError:
		frappe.throw(_("Filters must be JSON, such as {0}.").format('{"status": "Present"}'), DataSourceError)
	if isinstance(filters, dict):
		return [[field, "=", value] for field, value in filters.items()]
	if isinstance(filters, list) and all(isinstance(row, list) and len(row) in (3, 4) for row in filters):
		return [row[-3:] for row in filters]
	frappe.throw(_("Filters must be JSON, such as {0}.").format('{"status": "Present"}'), DataSourceError)


def filter_fields(source_filters: str | None) -> list[str]:
	return [row[0] for row in parse_filters(source_filters)]


def validate_formula_source(kpi):
	"""The formula may name any KPI, but not itself, directly or through other formulas."""
	codes = set(frappe.get_all("KPI", pluck="name")) | {kpi.name or kpi.kpi_code}
	formulas = {
		row.name: row.source_formula
		for row in frappe.get_all(
			"KPI",
			filters={"data_source": "Formula", "name": ("!=", kpi.name or "")},
			fields=["name", "source_formula"],
		)
		if row.source_formula
	}
	formulas[kpi.name or kpi.kpi_code] = kpi.source_formula
	try:
		inputs = {code: formula_inputs(source, codes) for code, source in formulas.items()}
		evaluation_order(inputs)
	except EngineError as error:
		throw_engine_error(error, _("Actual Formula"))


# -- formula actuals in a measurement ---------------------------------------------------------


def formula_actuals(rows: list) -> dict[str, float | None]:
	"""Actuals of the formula KPIs among a measurement's rows, from the other rows."""
	kpis = [row.kpi for row in rows]
	formulas = dict(
		frappe.get_all(
			"KPI",
			filters={"name": ("in", kpis), "data_source": "Formula"},
			fields=["name", "source_formula"],
			as_list=True,
		)
	)
	if not formulas:
		return {}
	actuals = {
		row.kpi: row.actual_value if row.has_actual else None for row in rows if row.kpi not in formulas
	}
	try:
		return evaluate_formulas(formulas, actuals)
	except EngineError as error:
		throw_engine_error(error, _("Actual Formula"))


# -- refresh from ERPNext -----------------------------------------------------------------------


@frappe.whitelist()
def refresh_scorecard_actuals(scorecard: str) -> dict:
	"""The scorecard's button: fill its draft measurements from ERPNext now, for whoever may
	enter the scorecard's actuals."""
	frappe.get_doc("KPI Scorecard", scorecard).check_permission("read")
	frappe.new_doc("KPI Measurement", scorecard=scorecard).check_permission("create")
	return refresh_actuals([scorecard])


def refresh_all():
	"""Scheduler (daily_long): every open scorecard, for the periods that have started, in
	bulk (`actuals_bulk`: the same actuals as `refresh_actuals`, without a save per draft)."""
	from kpibsc.kpibsc.services.actuals_bulk import fill_actuals

	fill_actuals()


def refresh_actuals(scorecards: list[str], up_to=None) -> dict:
	up_to = getdate(up_to or today())
	items = query_items(scorecards)
	if not items:
		return {"created": 0, "updated": 0, "skipped": 0}
	owners = {
		row.name: row
		for row in frappe.get_all(
			"KPI Scorecard",
			filters={"name": ("in", scorecards)},
			fields=["name", "scorecard_for", "company", "department", "employee"],
		)
	}
	target = frappe.qb.DocType("KPI Scorecard Target")
	periods = (
		frappe.qb.from_(target)
		.select(target.parent, target.period_start, target.period_end)
		.where(target.parent.isin(scorecards) & (target.period_start <= up_to))
		.distinct()
		.orderby(target.parent)
		.orderby(target.period_start)
		.run(as_dict=True)
	)
	periods_of = {}
	for row in periods:
		periods_of.setdefault(row.parent, []).append(row)

	values = {}  # (scorecard, period_start, kpi) -> actual
	for kpi, kpi_items in group_by_kpi(items):
		source_rows = read_source(kpi, {owners[item.scorecard].company for item in kpi_items}, periods)
		for item in kpi_items:
			owner = owners[item.scorecard]
			key_field = {"Company": "company", "Department": "department", "Employee": "employee"}[
				owner.scorecard_for
			]
			if key_field != "company" and not kpi.get(f"source_{key_field}_field"):
				continue  # the source cannot tell whose documents these are at this level
			mine = [
				row
				for row in source_rows
				if row.company == owner.company
				and (key_field == "company" or row.get(key_field) == owner.get(key_field))
			]
			card_periods = periods_of.get(item.scorecard, [])
			if not card_periods:
				continue
			positions = bucket(
				[row.date for row in mine],
				[period.period_start for period in card_periods],
				[period.period_end for period in card_periods],
			)
			for index, period in enumerate(card_periods):
				in_period = [row for row, position in zip(mine, positions, strict=True) if position == index]
				values[(item.scorecard, period.period_start, kpi.name)] = combine(
					kpi.source_aggregate, in_period
				)
	return write_measurements(values)


def query_items(scorecards: list[str]) -> list:
	item = frappe.qb.DocType("KPI Scorecard Item")
	kpi = frappe.qb.DocType("KPI")
	return (
		frappe.qb.from_(item)
		.join(kpi)
		.on(kpi.name == item.kpi)
		.select(item.parent.as_("scorecard"), item.kpi)
		.where(
			item.parent.isin(scorecards)
			& (kpi.data_source == "ERPNext Query")
			& kpi.source_doctype.isnotnull()
			& (kpi.source_doctype != "")
		)
		.run(as_dict=True)
	)


def group_by_kpi(items: list) -> list[tuple]:
	kpis = {
		row.name: row
		for row in frappe.get_all(
			"KPI",
			filters={"name": ("in", list({item.kpi for item in items}))},
			fields=["name", *QUERY_SOURCE_FIELDS],
		)
	}
	grouped = {}
	for item in items:
		grouped.setdefault(kpis[item.kpi].name, []).append(item)
	return [(kpis[name], rows) for name, rows in grouped.items()]


def read_source(kpi, companies: set[str], periods: list) -> list:
	"""One grouped query per KPI: per company, owner (employee or department) and date,
	the sum and count of the field (or its distinct values)."""
	meta = frappe.get_meta(kpi.source_doctype)
	table = frappe.qb.DocType(kpi.source_doctype)
	date = table[kpi.source_date_field]
	owner_columns = [
		table[field].as_(alias)
		for field, alias in (
			(kpi.source_employee_field, "employee"),
			(kpi.source_department_field, "department"),
		)
		if field
	]
	has_company = meta.has_field("company")
	company = table.company if has_company else frappe.qb.terms.ValueWrapper(next(iter(companies)))
	query = frappe.qb.from_(table).select(company.as_("company"), date.as_("date"), *owner_columns)
	group = [
		company,
		date,
		*(table[field] for field in (kpi.source_employee_field, kpi.source_department_field) if field),
	]
	if kpi.source_aggregate == "Distinct Count":
		query = query.select(table[kpi.source_field].as_("value"))
		group.append(table[kpi.source_field])
	elif kpi.source_aggregate == "Count":
		query = query.select(Count("*").as_("total"), Count("*").as_("count"))
	else:
		query = query.select(
			Sum(table[kpi.source_field]).as_("total"), Count(table[kpi.source_field]).as_("count")
		)
	# a day's end is the next day's start: Datetime fields count the whole last day
	last = getdate(max(row.period_end for row in periods)) + timedelta(days=1)
	query = query.where((date >= min(row.period_start for row in periods)) & (date < last))
	if meta.is_submittable:
		query = query.where(table.docstatus == 1)
	if has_company:
		query = query.where(table.company.isin(list(companies)))
	for fieldname, operator, value in parse_filters(kpi.source_filters):
		query = query.where(criterion(table[fieldname], operator, value))
	rows = query.groupby(*group).run(as_dict=True)
	for row in rows:
		row.date = getdate(row.date)
	return rows


def criterion(column, operator: str, value):
	operator = (operator or "=").lower()
	if operator == "in":
		return column.isin(value if isinstance(value, list) else [value])
	if operator == "not in":
		return column.notin(value if isinstance(value, list) else [value])
	comparisons = {
		"=": column.__eq__,
		"!=": column.__ne__,
		">": column.__gt__,
		">=": column.__ge__,
		"<": column.__lt__,
		"<=": column.__le__,
		"like": column.like,
	}
	if operator not in comparisons:
		frappe.throw(_("Filters: the operator {0} is not supported.").format(operator), DataSourceError)
	return comparisons[operator](value)


def combine(aggregate: str, rows: list) -> float:
	"""One period's actual from its grouped source rows; no documents make 0, not 'missing'."""
	if aggregate == "Distinct Count":
		return float(len({row.value for row in rows if row.value is not None}))
	total = sum(row.total or 0 for row in rows)
	if aggregate == "Average":
		count = sum(cint(row.count) for row in rows)
		return float(total) / count if count else 0.0
	return float(total)


def write_measurements(values: dict) -> dict:
	"""Put the values in the periods' draft measurements; approved ones are left alone."""
	keys = {(scorecard, period) for scorecard, period, _kpi in values}
	existing = {
		(row.scorecard, row.period_start): row
		for row in frappe.get_all(
			"KPI Measurement",
			filters={"scorecard": ("in", list({key[0] for key in keys})), "docstatus": ("<", 2)},
			fields=["name", "scorecard", "period_start", "docstatus"],
		)
	}
	created = updated = skipped = 0
	for scorecard, period in sorted(keys):
		found = existing.get((scorecard, period))
		if found and found.docstatus == 1:
			skipped += 1
			continue
		doc = (
			frappe.get_doc("KPI Measurement", found.name)
			if found
			else frappe.get_doc(
				{"doctype": "KPI Measurement", "scorecard": scorecard, "period_start": period}
			)
		)
		if not found:
			doc.fill_items()
		for row in doc.items:
			value = values.get((scorecard, period, row.kpi))
			if value is not None:
				row.actual = repr(round(value, 6))
		doc.save(ignore_permissions=True)
		created, updated = (created, updated + 1) if found else (created + 1, updated)
	return {"created": created, "updated": updated, "skipped": skipped}
