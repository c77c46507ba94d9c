"""KPI pay-cost simulation: what paying a period's KPI pay will cost, per department and in
total, against a budget, before anyone is paid — under the current scores, the forced
distribution quotas, or band shares the user types.

The inputs are the pay run's own (`pay.pay_inputs`: the policy, days and performance, one
read per kind of data), the arithmetic is the engine's `simulate_pay_cost`; so under Current
Scores the figures are what the run pays.
"""

import json
import re

import numpy as np

import frappe
from frappe import _
from frappe.utils import flt, getdate

from kpibsc.engine.errors import EngineError
from kpibsc.engine.pay_cost import CostPolicy, Scenario, ScenarioKind, simulate_pay_cost
from kpibsc.kpibsc.services import pay
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error
from kpibsc.kpibsc.services.reviews import band_scale, distribution_quotas, get_settings

SCENARIOS = tuple(kind.value for kind in ScenarioKind)
AMOUNTS = ("p1", "p2", "p3", "total", "budget", "variance")


class PayCostError(frappe.ValidationError):
	pass


def simulate(
	run,
	employees: list[str],
	scenario: str = ScenarioKind.CURRENT,
	shares: str | dict | None = None,
	budget: str | None = None,
	total_budget: float | None = None,
	policy: str | None = None,
) -> dict:
	"""The simulated cost of paying `employees` for the period of `run` (a KPI Pay Run, or a
	dict of company, from_date, to_date and currency): {"policy", "currency", "rows"}, a row
	per department (sorted) and a last row for the total, each with headcount, P1, P2, P3,
	total, budget and variance (budget minus cost). `budget` names a KPI Pay Budget; a
	`total_budget` overrides its total. `policy` defaults to the one in effect."""
	if scenario not in SCENARIOS:
		frappe.throw(
			# translated at runtime: the scenario names are in the catalogue (the JS offers them)
			_("Choose a scenario: {0}.").format(", ".join(_(kind) for kind in SCENARIOS)),
			exc=PayCostError,
		)
	if scenario == ScenarioKind.WHAT_IF and not shares:
		frappe.throw(_("Type the what-if share of each rank band, e.g. A=10, B=60, C=30."), exc=PayCostError)
	budgets, budget_total = budget_figures(budget, run.company)
	if total_budget:
		budget_total = flt(total_budget)
	currency = run.get("currency")
	if not employees:
		return {"policy": policy, "currency": currency, "rows": []}
	policy_doc = None
	if policy:
		policy_doc = frappe.get_doc("KPI Pay Policy", policy)
		policy_doc.check_permission("read")
		if policy_doc.company != run.company:
			frappe.throw(
				_("Pay policy {0} is not for company {1}.").format(policy, run.company), exc=PayCostError
			)
	policy_doc, people, frame = pay.pay_inputs(run, employees, policy_doc)
	frame["employee"] = people["employee"]
	frame["department"] = people["department"]
	frame["rank_band"] = people["rank_band"]
	settings = get_settings()
	options = pay.pay_options(run, policy_doc)
	cost_policy = CostPolicy(
		scale=band_scale(settings),
		quotas=tuple(distribution_quotas(settings)) if scenario == ScenarioKind.FORCED else (),
		**options,
	)
	try:
		result = simulate_pay_cost(
			frame,
			cost_policy,
			Scenario(scenario, parse_shares(shares) if scenario == ScenarioKind.WHAT_IF else {}),
			budgets=budgets,
			total_budget=budget_total,
		)
	except EngineError as error:
		throw_engine_error(error, _("Pay Cost Simulation"))
	currency = currency or policy_doc.currency
	rows = [
		row_of(department or _("No Department"), figures, currency, department=department or None)
		for department, figures in result.departments.iterrows()
	]
	rows.append(row_of(_("Total"), result.total, currency, is_total=True))
	return {"policy": policy_doc.name, "currency": currency, "rows": rows}


def row_of(label: str, figures, currency: str | None, department=None, is_total=False) -> dict:
	row = {
		"label": label,
		"department": department,
		"is_total": int(is_total),
		"headcount": int(figures["headcount"]),
		"currency": currency,
	}
	for field in AMOUNTS:
		value = figures[field]
		row[field] = None if np.isnan(value) else float(value)
	return row


def parse_shares(shares: str | dict) -> dict[str, float]:
	"""Band -> percent from a dict, a JSON object or text such as "A=10, B=60, C=30"."""
	if isinstance(shares, dict):
		found = shares
	else:
		text = (shares or "").strip()
		try:
			found = json.loads(text) if text.startswith("{") else None
		except ValueError:
			found = None
		if found is None:
			found = {}
			for part in filter(None, (part.strip() for part in re.split(r"[,;\n]", text))):
				match = re.fullmatch(r"(.+?)\s*[=:]\s*(-?[\d.]+)\s*%?", part)
				if not match:
					frappe.throw(
						_("Cannot read the what-if share {0}: write each band as A=10.").format(
							frappe.bold(part)
						),
						exc=PayCostError,
					)
				found[match.group(1).strip()] = float(match.group(2))
	try:
		return {str(code): float(percent) for code, percent in found.items()}
	except (TypeError, ValueError, AttributeError):
		frappe.throw(
			_("What-if shares must be a percent for each band, e.g. A=10, B=60, C=30."), exc=PayCostError
		)


def budget_figures(budget: str | None, company: str) -> tuple[dict[str, float], float | None]:
	"""Department -> budget, and the total budget, of a KPI Pay Budget the user may read."""
	if not budget:
		return {}, None
	doc = frappe.get_doc("KPI Pay Budget", budget)
	doc.check_permission("read")
	if doc.company != company:
		frappe.throw(_("Pay budget {0} is not for company {1}.").format(budget, company), exc=PayCostError)
	return {row.department: flt(row.budget) for row in doc.departments}, (
		flt(doc.total_budget) if doc.total_budget else None
	)


def period_employees(company: str, from_date, to_date, department: str | None = None) -> list[str]:
	"""The employees a pay run of the period would pick (with the same department filter)."""
	run = frappe._dict(
		company=company, from_date=getdate(from_date), to_date=getdate(to_date), department=department
	)
	return pay.run_employees(run)
