"""KPI Pay Register: P1, P2 and P3 per employee from the submitted pay runs of a period,
department totals, and the change against the previous period of the same length.

A register says what was paid: a run that failed part-way (or whose job is still running)
counts only the Additional Salaries it has made, and its unpaid people are marked."""

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import add_days, date_diff, flt, fmt_money, getdate

from kpibsc.kpibsc.services.printing import currency_decimals

AMOUNTS = ("p1", "p2", "p3", "total")


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	if not (filters.company and filters.from_date and filters.to_date):
		return columns(), [], _("Choose a company and a period.")
	frappe.has_permission("KPI Pay Run", "read", throw=True)
	current = register(filters.company, filters.from_date, filters.to_date, filters.department)
	if not current:
		return columns(), [], _("No submitted KPI pay run for this period.")
	days = date_diff(filters.to_date, filters.from_date) + 1
	previous_end = add_days(getdate(filters.from_date), -1)
	previous = {
		row.employee: row.total
		for row in register(
			filters.company, add_days(previous_end, -days + 1), previous_end, filters.department
		)
	}
	rows = tree(current, previous)
	currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	return columns(currency), rows, None, chart(rows, currency), summary(current, previous, currency)


def register(company, from_date, to_date, department=None) -> list:
	run = frappe.qb.DocType("KPI Pay Run")
	row = frappe.qb.DocType("KPI Pay Run Employee")
	query = (
		frappe.qb.from_(row)
		.join(run)
		.on(run.name == row.parent)
		.select(
			row.employee,
			row.employee_name,
			row.department,
			row.rank_band,
			row.p1,
			row.p2,
			row.p3,
			row.total,
			row.note,
			run.name.as_("pay_run"),
			run.status.as_("run_status"),
		)
		.where(
			(run.docstatus == 1)
			& (run.company == company)
			& (run.from_date >= from_date)
			& (run.to_date <= to_date)
		)
		.orderby(row.department)
		.orderby(row.employee)
	)
	if department:
		query = query.where(row.department == department)
	rows = query.run(as_dict=True)
	unfinished = {row.pay_run for row in rows if row.run_status != "Submitted"}
	if unfinished:
		count_only_what_was_made(
			rows, unfinished, frappe.get_cached_value("Company", company, "default_currency")
		)
	for row in rows:
		del row["run_status"]
	return rows


def count_only_what_was_made(rows: list, runs: set[str], currency: str | None = None):
	"""Rows of runs that are not Submitted (Failed, Queued) count the run's submitted Additional
	Salaries only: the register is what payroll will pay, not what the run meant to."""
	settings = frappe.get_cached_doc("KPI BSC Settings")
	field_of = {settings.p1_component: "p1", settings.p2_component: "p2", settings.p3_component: "p3"}
	salary = frappe.qb.DocType("Additional Salary")
	made = {}
	for paid in (
		frappe.qb.from_(salary)
		.select(
			salary.ref_docname, salary.employee, salary.salary_component, Sum(salary.amount).as_("amount")
		)
		.where(
			(salary.ref_doctype == "KPI Pay Run")
			& salary.ref_docname.isin(list(runs))
			& (salary.docstatus == 1)
		)
		.groupby(salary.ref_docname, salary.employee, salary.salary_component)
		.run(as_dict=True)
	):
		field = field_of.get(paid.salary_component)
		if field:
			made.setdefault((paid.ref_docname, paid.employee), {})[field] = flt(paid.amount)
	for row in rows:
		if row.pay_run not in runs:
			continue
		paid = made.get((row.pay_run, row.employee), {})
		meant = {field: flt(row[field]) for field in ("p1", "p2", "p3")}
		row.update({field: paid.get(field, 0.0) for field in meant})
		row.total = row.p1 + row.p2 + row.p3
		if row.total != sum(meant.values()):
			row.note = _("Not paid yet: {0} of {1} ({2} pay run)").format(
				money(sum(meant.values()) - row.total, currency),
				money(sum(meant.values()), currency),
				_(row.run_status),  # translated at runtime: the status options are in the catalogue
			)


def tree(current: list, previous: dict) -> list[dict]:
	rows, by_department = [], {}
	for row in current:
		by_department.setdefault(row.department or _("No Department"), []).append(row)
	for department, people in by_department.items():
		totals = {field: sum(flt(person[field]) for person in people) for field in AMOUNTS}
		earlier = [previous[person.employee] for person in people if person.employee in previous]
		before = sum(flt(value) for value in earlier) if earlier else None
		rows.append(
			{
				"name": department,
				"parent": None,
				"indent": 0,
				"employee_name": department,
				**totals,
				"previous_total": before,
				"change": totals["total"] - before if before is not None else None,
			}
		)
		for person in people:
			before = previous.get(person.employee)
			rows.append(
				{
					**person,
					"name": f"{department}/{person.employee}",
					"parent": department,
					"indent": 1,
					"previous_total": before,
					"change": flt(person.total) - flt(before) if before is not None else None,
				}
			)
	return rows


def money(value: float, currency: str | None) -> str:
	"""An amount as the register prints it: the site's number format, the currency's decimals
	(VND 224.800.000 on a #.###,## site, whatever the site's currency precision)."""
	return fmt_money(value, currency_decimals(currency), currency)


def columns(currency: str | None = None) -> list[dict]:
	# the currency's decimals (none for VND), not the site's currency precision
	currency = {"fieldtype": "Currency", "width": 150, "precision": currency_decimals(currency)}
	return [
		{
			"fieldname": "employee_name",
			"label": _("Department / Employee"),
			"fieldtype": "Data",
			"width": 240,
		},
		{
			"fieldname": "employee",
			"label": _("Employee"),
			"fieldtype": "Link",
			"options": "Employee",
			"width": 110,
		},
		{"fieldname": "rank_band", "label": _("Rank Band"), "fieldtype": "Data", "width": 80},
		{"fieldname": "p1", "label": _("P1 Position"), **currency},
		{"fieldname": "p2", "label": _("P2 Person"), **currency},
		{"fieldname": "p3", "label": _("P3 Performance"), **currency},
		{"fieldname": "total", "label": _("Total"), **currency},
		{"fieldname": "previous_total", "label": _("Previous Period"), **currency},
		{"fieldname": "change", "label": _("Change"), **currency},
		{
			"fieldname": "pay_run",
			"label": _("Pay Run"),
			"fieldtype": "Link",
			"options": "KPI Pay Run",
			"width": 140,
		},
		{"fieldname": "note", "label": _("Note"), "fieldtype": "Data", "width": 260},
	]


def chart(rows: list[dict], currency: str | None = None) -> dict:
	"""P1, P2 and P3 of each department, stacked; tooltips in the currency's format and
	decimals ("₫ 224.800.000"), the axis shortened (kpibsc_charts.js)."""
	departments = [row for row in rows if row["indent"] == 0]
	return {
		"data": {
			"labels": [row["employee_name"] for row in departments],
			"datasets": [
				{"name": label, "values": [flt(row[field]) for row in departments]}
				for field, label in (("p1", _("P1")), ("p2", _("P2")), ("p3", _("P3")))
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"fieldtype": "Currency",
		"options": currency,
		"precision": currency_decimals(currency),
	}


def summary(current: list, previous: dict, currency: str | None = None) -> list[dict]:
	# formatted here: the desk formats a Currency card with the site's currency precision
	cards = [
		{
			"value": money(sum(flt(row[field]) for row in current), currency),
			"label": label,
			"datatype": "Data",
		}
		for field, label in (("p1", _("P1")), ("p2", _("P2")), ("p3", _("P3")), ("total", _("Total")))
	]
	cards.append({"value": len(current), "label": _("Employees"), "datatype": "Int"})
	if previous:
		cards.append(
			{
				"value": money(sum(flt(value) for value in previous.values()), currency),
				"label": _("Previous Period"),
				"datatype": "Data",
			}
		)
	return cards
