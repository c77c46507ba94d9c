"""KPI Pay Cost Simulation: what P1, P2 and P3 of a period will cost per department, against
a budget, under the current scores, the forced distribution quotas or typed band shares,
before a pay run pays them (`services/pay_cost`)."""

import frappe
from frappe import _

from kpibsc.kpibsc.services import pay_cost
from kpibsc.kpibsc.services.printing import currency_decimals


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	frappe.has_permission("KPI Pay Run", "read", throw=True)
	if not (filters.company and filters.from_date and filters.to_date):
		return columns(), [], _("Choose a company and a period.")
	run = frappe._dict(
		company=filters.company,
		from_date=filters.from_date,
		to_date=filters.to_date,
		currency=frappe.get_cached_value("Company", filters.company, "default_currency"),
	)
	employees = pay_cost.period_employees(
		filters.company, filters.from_date, filters.to_date, filters.department
	)
	if not employees:
		return columns(), [], _("No employee of {0} works in this period.").format(filters.company)
	result = pay_cost.simulate(
		run,
		employees,
		scenario=filters.scenario or "Current Scores",
		shares=filters.what_if_shares,
		budget=filters.pay_budget,
		total_budget=filters.total_budget,
		policy=filters.pay_policy,
	)
	rows = result["rows"]
	scenario = filters.scenario or "Current Scores"
	message = _("Pay policy {0}, scenario {1}.").format(
		frappe.bold(result["policy"]),
		_(scenario),  # translated at runtime: the scenario names are in the catalogue
	)
	return columns(), rows, message, chart(rows), summary(rows)


def columns() -> list[dict]:
	currency = {"fieldtype": "Currency", "options": "currency", "width": 150}
	return [
		{"fieldname": "label", "label": _("Department"), "fieldtype": "Data", "width": 220},
		{"fieldname": "headcount", "label": _("Employees"), "fieldtype": "Int", "width": 100},
		{"fieldname": "p1", "label": _("P1 Position"), **currency},
		{"fieldname": "p2", "label": _("P2 Person"), **currency},
		{"fieldname": "p3", "label": _("P3 Performance"), **currency},
		{"fieldname": "total", "label": _("Total"), **currency},
		{"fieldname": "budget", "label": _("Budget"), **currency},
		{"fieldname": "variance", "label": _("Budget Variance"), **currency},
	]


def chart(rows: list[dict]) -> dict:
	departments = [row for row in rows if not row["is_total"]]
	datasets = [{"name": _("Cost"), "values": [row["total"] for row in departments]}]
	if any(row["budget"] is not None for row in departments):
		datasets.append({"name": _("Budget"), "values": [row["budget"] or 0 for row in departments]})
	currency = rows[-1]["currency"] if rows else None
	return {
		"data": {"labels": [row["label"] for row in departments], "datasets": datasets},
		"type": "bar",
		# the currency's format and decimals in tooltips, the axis shortened (kpibsc_charts.js)
		"fieldtype": "Currency",
		"options": currency,
		"precision": currency_decimals(currency),
	}


def summary(rows: list[dict]) -> list[dict]:
	total = rows[-1]
	cards = [
		{"value": total[field], "label": label, "datatype": "Currency", "currency": total["currency"]}
		for field, label in (("p1", _("P1")), ("p2", _("P2")), ("p3", _("P3")), ("total", _("Total")))
	]
	cards.append({"value": total["headcount"], "label": _("Employees"), "datatype": "Int"})
	if total["budget"] is not None:
		cards.append(
			{
				"value": total["variance"],
				"label": _("Budget Variance"),
				"datatype": "Currency",
				"currency": total["currency"],
				"indicator": "Red" if total["variance"] < 0 else "Green",
			}
		)
	return cards
