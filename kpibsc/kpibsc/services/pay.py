"""KPI pay and 3P salary: the pay run's register computed by the engine from the pay
policy, the approved reviews (or scorecards) and the employees' records, and its
Additional Salaries, which HRMS's Payroll Entry puts on the salary slips.

Reads are one query per kind of data for the whole run; the engine (`engine/pay.py`)
computes P1, P2, P3 and their rounding for everyone in one pass.
"""

import dataclasses

import numpy as np
import pandas as pd

import frappe
from frappe import _
from frappe.model.base_document import get_controller
from frappe.utils import date_diff, flt, fmt_money, format_date, getdate, strip_html

from kpibsc.engine.errors import EngineError
from kpibsc.engine.pay import band_lookup, compute_pay
from kpibsc.kpibsc.services import additional_salary
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error
from kpibsc.kpibsc.services.reviews import band_scale, get_settings, kpi_scores

COMPONENTS = (
	# settings field, component name, abbreviation, description
	("p1_component", "KPI Position Pay (P1)", "KPI_P1", "Pay for the position: designation and grade."),
	(
		"p2_component",
		"KPI Person Pay (P2)",
		"KPI_P2",
		"Pay for the person: competency, seniority, qualification.",
	),
	("p3_component", "KPI Performance Pay (P3)", "KPI_P3", "Pay for performance: rank band or KPI score."),
)
BACKGROUND_THRESHOLD = 100  # Additional Salaries created in the request up to this many
PAYOUT_SAVEPOINT = "kpibsc_pay_employee"


class PayPolicyError(frappe.ValidationError):
	pass


class PayRunError(frappe.ValidationError):
	pass


# -- policy -----------------------------------------------------------------------------------


def validate_policy(doc):
	"""KPI Pay Policy.validate: dates, no overlap with another policy of the company, and
	tables the engine can use."""
	if doc.effective_to and getdate(doc.effective_to) < getdate(doc.effective_from):
		frappe.throw(_("The policy ends before it starts."), exc=PayPolicyError)
	if not doc.disabled:
		components()  # what the policy pays goes on these: refuse while one is missing
	overlap = [
		other.name
		for other in frappe.get_all(
			"KPI Pay Policy",
			filters={"company": doc.company, "disabled": 0, "name": ("!=", doc.name or "")},
			fields=["name", "effective_from", "effective_to"],
		)
		if overlaps(doc.effective_from, doc.effective_to, other.effective_from, other.effective_to)
	]
	if overlap and not doc.disabled:
		frappe.throw(
			_(
				"Pay policy {0} of {1} is in effect over the same dates. Give them dates that do not overlap."
			).format(frappe.get_desk_link("KPI Pay Policy", sorted(set(overlap))[0]), doc.company),
			exc=PayPolicyError,
			title=_("Overlapping Pay Policies"),
		)
	for field in ("p1_unit_rate", "p2_base", "p3_base", "bonus_pool", "bonus_rate"):
		if flt(doc.get(field)) < 0:
			frappe.throw(
				_("{0} cannot be negative.").format(_(doc.meta.get_label(field))),  # translated at runtime
				exc=PayPolicyError,
			)
	for row in [*doc.position_rates, *doc.person_factors]:
		for field in ("amount", "job_value", "coefficient"):
			if flt(row.get(field)) < 0:
				frappe.throw(
					_("Row {0}: amounts and coefficients cannot be negative.").format(row.idx),
					exc=PayPolicyError,
				)
	for factor in ("Competency Score", "Seniority Years"):
		thresholds = [flt(row.threshold) for row in doc.person_factors if row.factor == factor]
		if len(thresholds) != len(set(thresholds)):
			frappe.throw(
				_("{0}: two rows start from the same value.").format(_(factor)),  # translated at runtime
				exc=PayPolicyError,
			)


def overlaps(start, end, other_start, other_end) -> bool:
	"""Two policies clash when they start together, or one starts inside the other's dates.
	An open end lasts until a later policy starts, so it clashes with nothing later."""
	start, other_start = getdate(start), getdate(other_start)
	if start == other_start:
		return True
	if end and start < other_start <= getdate(end):
		return True
	return bool(other_end and other_start < start <= getdate(other_end))


def policy_for(company: str, on) -> frappe._dict:
	"""The policy in effect on `on` (the latest start on or before it)."""
	name = frappe.db.get_value(
		"KPI Pay Policy",
		{
			"company": company,
			"disabled": 0,
			"effective_from": ("<=", on),
		},
		"name",
		order_by="effective_from desc",
	)
	if name:
		policy = frappe.get_doc("KPI Pay Policy", name)
		if not policy.effective_to or getdate(policy.effective_to) >= getdate(on):
			return policy
	frappe.throw(
		_("No KPI Pay Policy of {0} is in effect on {1}. Create one, or change its dates.").format(
			frappe.bold(company), format_date(on)
		),
		exc=PayPolicyError,
		title=_("No Pay Policy"),
	)


# -- the register -----------------------------------------------------------------------------


def run_employees(run) -> list[frappe._dict]:
	"""Employees of the company working at some point in the period, as Payroll Entry
	picks them (with the run's department, designation and branch filters)."""
	employee = frappe.qb.DocType("Employee")
	query = (
		frappe.qb.from_(employee)
		.select(employee.name)
		.where(
			(employee.company == run.company)
			& (employee.date_of_joining <= run.to_date)
			& (employee.relieving_date.isnull() | (employee.relieving_date >= run.from_date))
			& (employee.status != "Inactive")
		)
		.orderby(employee.name)
	)
	for field in ("department", "designation", "branch"):
		if run.get(field):
			query = query.where(employee[field] == run.get(field))
	return query.run(pluck=True)


def already_paid(run, employees: list[str]) -> dict[str, str]:
	"""Employee -> the other pay run (draft or submitted) that covers them for these dates."""
	parent = frappe.qb.DocType("KPI Pay Run")
	row = frappe.qb.DocType("KPI Pay Run Employee")
	found = (
		frappe.qb.from_(row)
		.join(parent)
		.on(parent.name == row.parent)
		.select(row.employee, parent.name)
		.where(
			row.employee.isin(employees or [""])
			& (parent.docstatus < 2)
			& (parent.company == run.company)
			& (parent.name != (run.name or ""))
			& (parent.from_date <= run.to_date)
			& (parent.to_date >= run.from_date)
		)
		.run()
	)
	return dict(found)


def without_salary_structure(run, employees: list[str]) -> list[str]:
	assigned = set(
		frappe.get_all(
			"Salary Structure Assignment",
			filters={"employee": ("in", employees or [""]), "docstatus": 1, "from_date": ("<=", run.to_date)},
			pluck="employee",
		)
	)
	return [employee for employee in employees if employee not in assigned]


def compute_register(run, employees: list[str]) -> list[dict]:
	"""The register rows (P1, P2, P3 and the why of each) for `employees`."""
	if not employees:
		return []
	policy, people, frame = pay_inputs(run, employees)
	try:
		pay = compute_pay(frame, **pay_options(run, policy))
	except EngineError as error:
		throw_engine_error(error, _("KPI Pay"))
	blocked = people[people["blocked"]]
	if not blocked.empty:
		frappe.throw(
			_(
				"No approved performance for the pay period, and the pay policy blocks the run: {0}. Approve their reviews, or change Without Approved Performance on {1}."
			).format(
				", ".join(blocked["employee"].head(20)), frappe.get_desk_link("KPI Pay Policy", policy.name)
			),
			exc=PayRunError,
			title=_("Missing Performance"),
		)
	rows = []
	for person, amounts in zip(people.itertuples(index=False), pay.itertuples(index=False), strict=True):
		notes = [note for note in (person.note, person.performance_note) if note]
		if person.payment_days < person.working_days:
			notes.append(
				_("Prorated: {0} of {1} days").format(
					number(person.payment_days), number(person.working_days)
				)
			)
		if person.leave_without_pay:
			notes.append(_("Days of leave without pay: {0}").format(number(person.leave_without_pay)))
		if person.absent_days:
			notes.append(_("Days absent: {0}").format(number(person.absent_days)))
		rows.append(
			{
				"employee": person.employee,
				"employee_name": person.employee_name,
				"department": person.department,
				"designation": person.designation,
				"payment_days": person.payment_days,
				"working_days": person.working_days,
				"review": person.review,
				"rank_band": person.rank_band,
				"score": None if np.isnan(person.score) else float(person.score),
				"p1": float(amounts.p1),
				"p2": float(amounts.p2),
				"p3": float(amounts.p3),
				"total": float(amounts.total),
				"note": "; ".join(notes),
				"currency": run.currency or policy.currency,
			}
		)
	return rows


def pay_inputs(run, employees: list[str], policy=None) -> tuple:
	"""The pay policy (the one in effect at the end of the run's period unless given), the
	employees' records, days and performance, and the frame `compute_pay` reads for them."""
	policy = policy or policy_for(run.company, run.to_date)
	settings = get_settings()
	people = pd.DataFrame(
		# plain dicts: pandas probes frappe._dict for array attributes and gets None
		[
			dict(row)
			for row in frappe.get_all(
				"Employee",
				filters={"name": ("in", employees)},
				fields=[
					"name as employee",
					"employee_name",
					"department",
					"designation",
					"grade",
					"date_of_joining",
					"relieving_date",
					"holiday_list",
				],
				order_by="name",
			)
		]
	)
	start, end = getdate(run.from_date), getdate(run.to_date)
	people = people.join(count_days(run.company, start, end, people))
	people["note"] = ""

	frame = pd.DataFrame(index=people.index)
	add_position_pay(frame, people, policy)
	add_person_pay(frame, people, policy, end)
	performance = performance_of(people, policy, settings, start, end)
	people = people.join(performance)
	frame["p3_base"] = flt(policy.p3_base)
	frame["band_coefficient"] = people["band_coefficient"]
	frame["achievement"] = people["score"] / 100.0
	frame["bonus_rate"] = flt(policy.bonus_rate)
	frame["score"] = people["score"]
	frame["payment_days"] = people["payment_days"]
	frame["working_days"] = people["working_days"]
	return policy, people, frame


def pay_options(run, policy) -> dict:
	"""`compute_pay`'s options from the pay policy and the run's currency."""
	return {
		"p3_mode": policy.p3_mode,
		"combine": policy.p2_combine or "Product",
		"prorate_p3": bool(policy.prorate_p3),
		"pool": flt(policy.bonus_pool) if policy.p3_mode == "Bonus Pool" else None,
		"precision": currency_precision(run.currency or policy.currency),
	}


def number(value: float) -> str:
	"""Days as a clerk writes them, in the site's number format: 18, 23,5 (23.5 on a #,###.##
	site)."""
	decimals = len(f"{flt(value):g}".partition(".")[2])
	return fmt_money(flt(value), decimals)


# -- payment days, counted by HRMS ------------------------------------------------------------


def count_days(company: str, start, end, people: pd.DataFrame) -> pd.DataFrame:
	"""Working days, payment days, leave without pay and absent days of each employee for the
	period, counted by HRMS's own `Salary Slip.get_working_days_details` — holiday list,
	joining and relieving dates, leave without pay (or attendance) and the Payroll Settings
	(payroll based on, include holidays in total working days, half-day fraction, unmarked
	attendance) — so the register's days are the salary slip's days.

	Only the day count of a slip runs, not the slip: joining and relieving dates come from the
	register's Employee query and the holidays from one query per holiday list, handed to HRMS's
	method through the slip's own hooks for them; HRMS then reads each employee's approved leave
	without pay (one query) or, when payroll is based on attendance, their attendance (two or
	three queries)."""
	holiday_lists = people["holiday_list"].where(
		people["holiday_list"].astype(bool),
		frappe.get_cached_value("Company", company, "default_holiday_list"),
	)
	without = people.loc[~holiday_lists.astype(bool), "employee"].tolist()
	if without:
		frappe.throw(
			_(
				"No holiday list for {0}: HRMS needs one to count payment days. Set a Holiday List on the employees or a Default Holiday List on company {1}."
			).format(", ".join(without[:20]), frappe.bold(company)),
			exc=PayRunError,
			title=_("No Holiday List"),
		)
	holidays = holidays_between(set(holiday_lists), start, end)
	counter = days_counter()
	rows = []
	for employee, joined, relieved, holiday_list in zip(
		people["employee"], people["date_of_joining"], people["relieving_date"], holiday_lists, strict=True
	):
		slip = counter(
			{
				"doctype": "Salary Slip",
				"employee": employee,
				"company": company,
				"start_date": start,
				"end_date": end,
			}
		)
		slip.kpibsc_dates = (getdate(joined) if joined else None, getdate(relieved) if relieved else None)
		slip.kpibsc_holidays = holidays[holiday_list]
		slip.get_working_days_details()
		rows.append(
			(
				flt(slip.total_working_days),
				flt(slip.payment_days),
				flt(slip.leave_without_pay),
				flt(slip.get("absent_days")),
			)
		)
	return pd.DataFrame(
		rows,
		columns=["working_days", "payment_days", "leave_without_pay", "absent_days"],
		index=people.index,
		dtype=float,
	)


def holidays_between(holiday_lists: set[str], start, end) -> dict[str, list]:
	"""Holiday list -> its holiday dates in the period, in order (one query for all lists)."""
	holiday = frappe.qb.DocType("Holiday")
	found = {name: [] for name in holiday_lists}
	for name, day in (
		frappe.qb.from_(holiday)
		.select(holiday.parent, holiday.holiday_date)
		.where(
			(holiday.parenttype == "Holiday List")
			& holiday.parent.isin(list(holiday_lists) or [""])
			& holiday.holiday_date[start:end]
		)
		.orderby(holiday.holiday_date)
		.run()
	):
		found[name].append(getdate(day))
	return found


def days_counter() -> type:
	"""The site's Salary Slip class (HRMS's, or an app's override of it) with the employee's
	dates and holidays supplied rather than read per employee. HRMS reads them through these
	three members only; everything else about the count is HRMS's code."""
	slip_class = get_controller("Salary Slip")

	class PaymentDaysCounter(slip_class):
		@property
		def joining_date(self):
			return self.kpibsc_dates[0]

		@property
		def relieving_date(self):
			return self.kpibsc_dates[1]

		def get_holidays_for_employee(self, start_date, end_date):
			start_date, end_date = getdate(start_date), getdate(end_date)
			return [day for day in self.kpibsc_holidays if start_date <= day <= end_date]

	return PaymentDaysCounter


def add_position_pay(frame: pd.DataFrame, people: pd.DataFrame, policy):
	"""P1 from the most specific position row: designation and grade, designation, grade."""
	rates = {}
	for row in policy.position_rates:
		rates[(row.designation or None, row.employee_grade or None)] = row
	matched = [
		rates.get((designation, grade)) or rates.get((designation, None)) or rates.get((None, grade))
		for designation, grade in zip(people["designation"], people["grade"], strict=True)
	]
	for index, row in enumerate(matched):
		if row is None:
			people.at[index, "note"] = _("No position rate for this designation or grade: P1 is 0")
	if policy.p1_method == "Unit Rate × Job Value":
		frame["p1_rate"] = flt(policy.p1_unit_rate)
		frame["p1_coefficient"] = [flt(row.job_value) if row else 0.0 for row in matched]
	else:
		frame["p1_amount"] = [flt(row.amount) if row else 0.0 for row in matched]


def add_person_pay(frame: pd.DataFrame, people: pd.DataFrame, policy, end):
	"""P2 base and the person coefficients: competency score, seniority, qualification."""
	frame["p2_base"] = flt(policy.p2_base)
	factors = {}
	for row in policy.person_factors:
		factors.setdefault(row.factor, []).append(row)
	try:
		competency_rows = sorted(factors.get("Competency Score", []), key=lambda row: flt(row.threshold))
		if competency_rows:
			scores = latest_competency_scores(people["employee"].tolist(), end)
			frame["competency_coefficient"] = band_lookup(
				[scores.get(employee, 0.0) for employee in people["employee"]],
				[flt(row.threshold) for row in competency_rows],
				[flt(row.coefficient) for row in competency_rows],
			)
		seniority_rows = sorted(factors.get("Seniority Years", []), key=lambda row: flt(row.threshold))
		if seniority_rows:
			years = [date_diff(end, getdate(day)) / 365.25 for day in people["date_of_joining"]]
			frame["seniority_coefficient"] = band_lookup(
				years,
				[flt(row.threshold) for row in seniority_rows],
				[flt(row.coefficient) for row in seniority_rows],
			)
	except EngineError as error:
		throw_engine_error(error, _("Person Coefficients"))
	qualification_rows = factors.get("Qualification", [])
	if qualification_rows:
		by_name = {
			(row.qualification or "").strip().lower(): flt(row.coefficient) for row in qualification_rows
		}
		education = {}
		for row in frappe.get_all(
			"Employee Education",
			filters={"parent": ("in", people["employee"].tolist()), "parenttype": "Employee"},
			fields=["parent", "level", "qualification"],
		):
			for value in (row.level, row.qualification):
				coefficient = by_name.get((value or "").strip().lower())
				if coefficient is not None:
					education[row.parent] = max(education.get(row.parent, 0.0), coefficient)
		frame["qualification_coefficient"] = [
			education.get(employee, np.nan) for employee in people["employee"]
		]


def latest_competency_scores(employees: list[str], on) -> dict[str, float]:
	rows = frappe.get_all(
		"Performance Review",
		filters={"employee": ("in", employees), "docstatus": 1, "to_date": ("<=", on)},
		fields=["employee", "competency_score"],
		order_by="to_date asc",
	)
	return {row.employee: flt(row.competency_score) for row in rows}


def performance_of(people: pd.DataFrame, policy, settings, start, end) -> pd.DataFrame:
	"""Per employee: the score (percent), rank band and its coefficient that P3 uses, the
	review it comes from, and a note when the policy filled a gap."""
	employees = people["employee"].tolist()
	scale = band_scale(settings)
	result = pd.DataFrame(
		{
			"score": np.nan,
			"rank_band": None,
			"review": None,
			"performance_note": "",
			"blocked": False,
		},
		index=people.index,
	)
	reviews = frappe.get_all(
		"Performance Review",
		filters={"employee": ("in", employees), "docstatus": 1, "from_date": ("<=", end)},
		fields=["name", "employee", "from_date", "to_date", "final_score", "rank_band"],
		order_by="to_date asc",
	)
	current, earlier = {}, {}
	for review in reviews:
		covers = getdate(review.to_date) >= start
		(current if covers else earlier)[review.employee] = review
	if policy.p3_basis == "Scorecard":
		scores = kpi_scores(employees, [start] * len(employees), [end] * len(employees))
		last_scores = kpi_scores(
			employees, [getdate("1900-01-01")] * len(employees), [start] * len(employees)
		)
	for index, employee in enumerate(employees):
		if policy.p3_basis == "Scorecard":
			score = scores.at[index, "kpi_score"]
			if not np.isnan(score):
				result.at[index, "score"] = score
				result.at[index, "rank_band"] = scale.assign([score])[0]
				continue
			fallback = last_scores.at[index, "kpi_score"]
			fallback = (
				None
				if np.isnan(fallback)
				else frappe._dict(final_score=fallback, rank_band=scale.assign([fallback])[0], name=None)
			)
		else:
			review = current.get(employee)
			if review:
				result.at[index, "score"] = flt(review.final_score)
				result.at[index, "rank_band"] = review.rank_band
				result.at[index, "review"] = review.name
				continue
			fallback = earlier.get(employee)
		apply_missing_policy(result, index, policy.missing_performance, fallback)
	result["band_coefficient"] = scale.coefficients(result["rank_band"].tolist())
	return result


def apply_missing_policy(result: pd.DataFrame, index: int, policy: str, fallback):
	if policy == "Last Known Band" and fallback:
		result.at[index, "score"] = flt(fallback.final_score)
		result.at[index, "rank_band"] = fallback.rank_band
		result.at[index, "review"] = fallback.name
		result.at[index, "performance_note"] = _(
			"No approved performance for the period: last known band {0}"
		).format(fallback.rank_band)
	elif policy == "Block":
		result.at[index, "blocked"] = True
	else:
		result.at[index, "performance_note"] = _("No approved performance for the period: P3 is 0")


def currency_precision(currency: str | None) -> int:
	"""Decimals of the currency's number format (VND #.### → 0, USD #,###.## → 2)."""
	number_format = frappe.db.get_value("Currency", currency, "number_format") if currency else None
	number_format = number_format or frappe.db.get_default("number_format") or "#,###.##"
	separator = number_format[-3] if len(number_format) > 3 and number_format[-3] in ".," else None
	return 2 if separator and number_format[-2:] == "##" else 0


# -- Additional Salary ------------------------------------------------------------------------


def components() -> dict[str, str]:
	"""The P1/P2/P3 Salary Components of KPI BSC Settings; refuses, naming each one and how
	to restore it, when one is not set or no longer exists (HRMS's tests or a user deleted it)."""
	settings = frappe.get_cached_doc("KPI BSC Settings")
	found = {"p1": settings.p1_component, "p2": settings.p2_component, "p3": settings.p3_component}
	missing = [key.upper() for key, value in found.items() if not value]
	if missing:
		frappe.throw(
			_("Set the {0} salary components in KPI BSC Settings first.").format(", ".join(missing)),
			exc=PayRunError,
		)
	check_components_exist(found)
	return found


def check_components_exist(found: dict[str, str]):
	existing = set(
		frappe.get_all("Salary Component", filters={"name": ("in", list(found.values()))}, pluck="name")
	)
	ours = {field.split("_")[0]: name for field, name, _abbr, _description in COMPONENTS}
	problems = []
	for key, name in found.items():
		if name in existing:
			continue
		if name == ours[key]:
			problems.append(
				_(
					"Salary Component {0} ({1}) no longer exists. kpibsc makes it again when a System Manager runs bench --site {2} migrate; or choose another component for {1} in KPI BSC Settings."
				).format(frappe.bold(name), key.upper(), frappe.local.site)
			)
		else:
			problems.append(
				_(
					"Salary Component {0}, chosen for {1} in KPI BSC Settings, no longer exists. Create it again, or choose another component for {1} in KPI BSC Settings."
				).format(frappe.bold(name), key.upper())
			)
	if problems:
		frappe.throw("<br>".join(problems), exc=PayRunError, title=_("Salary Component Missing"))


@dataclasses.dataclass
class Payout:
	"""What one attempt at a run's Additional Salaries did: how many it made, and who is still
	unpaid and why (employee, name, reason)."""

	created: int = 0
	employees: int = 0
	failed: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)


def make_additional_salaries(run_name: str, show_progress: bool = False) -> Payout:
	"""One submitted Additional Salary per employee and non-zero component, referencing the
	run, with HRMS's validations — only those the run does not have yet, so a retry makes what
	a failed attempt left out and never a second one.

	Each employee's are made together or not at all: one employee HRMS refuses does not stop the
	others. In bulk (`services/additional_salary`: HRMS's rules for all rows in a few queries,
	multi-row inserts) unless something else on the site acts on Additional Salaries
	(`bulk_allowed`), or for an employee with a draft of the run to submit: then through HRMS's
	document, a savepoint per employee. The run's row is locked first, so two attempts at the
	same run (a job and a retry) take turns; nothing is committed here, so an attempt that
	dies half-way leaves none of its Additional Salaries."""
	frappe.db.get_value("KPI Pay Run", run_name, "name", for_update=True)
	run = frappe.get_doc("KPI Pay Run", run_name)
	if run.docstatus != 1:  # cancelled while a job waited: pay nothing
		return Payout()
	salary_components = components()
	todo = missing_additional_salaries(run, salary_components)
	dates = payroll_dates(run, list(todo))
	payout = Payout(employees=len(todo))
	if additional_salary.bulk_allowed():
		fresh = {
			employee: work for employee, work in todo.items() if not any(draft for *_line, draft in work[1])
		}
		pay_in_bulk(run, fresh, dates, payout)
		todo = {employee: work for employee, work in todo.items() if employee not in fresh}
	pay_one_by_one(run, todo, dates, payout, show_progress)
	payout.failed.sort(key=lambda failure: failure[0])
	return payout


def additional_salary_fields(run, employee: str, component: str, amount: float, payroll_date) -> dict:
	"""One line of the run as an Additional Salary: the same fields by either path, so the
	bulk rows and HRMS's documents cannot drift apart."""
	return {
		"employee": employee,
		"company": run.company,
		"currency": run.currency,
		"salary_component": component,
		"amount": amount,
		"payroll_date": payroll_date,
		"overwrite_salary_structure_amount": 1,
		"ref_doctype": "KPI Pay Run",
		"ref_docname": run.name,
	}


def pay_in_bulk(run, todo: dict[str, tuple], dates: dict, payout: Payout):
	"""HRMS's refusals for every line at once; an employee with a refused line gets none."""
	rows = [
		additional_salary_fields(run, employee, component, amount, dates[employee])
		for employee, (_name, lines) in todo.items()
		for component, amount, _draft in lines
	]
	refused = {}
	for row, why in zip(rows, additional_salary.refusals(rows), strict=True):
		if why:
			refused.setdefault(row["employee"], why)
	accepted = [row for row in rows if row["employee"] not in refused]
	additional_salary.insert_submitted(accepted)
	payout.created += len(accepted)
	payout.failed.extend((employee, todo[employee][0], why) for employee, why in refused.items())


def pay_one_by_one(run, todo: dict[str, tuple], dates: dict, payout: Payout, show_progress: bool):
	"""Through HRMS's document, each employee's inside a savepoint."""
	done = 0
	for employee, (employee_name, lines) in todo.items():
		frappe.db.savepoint(PAYOUT_SAVEPOINT)
		messages = len(frappe.local.message_log)
		try:
			for component, amount, draft in lines:
				document = (
					frappe.get_doc("Additional Salary", draft)
					if draft
					else frappe.get_doc(
						{
							"doctype": "Additional Salary",
							**additional_salary_fields(run, employee, component, amount, dates[employee]),
						}
					).insert(ignore_permissions=True)
				)
				document.flags.ignore_permissions = True  # the run's submitter decided
				document.submit()
		except Exception as error:
			frappe.db.rollback(save_point=PAYOUT_SAVEPOINT)
			del frappe.local.message_log[messages:]  # the reason goes on the run, once
			if not isinstance(error, frappe.ValidationError):
				frappe.log_error(title=_("KPI pay run {0}: {1}").format(run.name, employee))
			payout.failed.append((employee, employee_name, reason(error)))
		else:
			payout.created += len(lines)
		done += 1
		if show_progress and done % 20 == 0:
			frappe.publish_progress(
				done * 100 / len(todo),
				title=_("Paying {0}").format(run.name),
				doctype="KPI Pay Run",
				docname=run.name,
			)


def missing_additional_salaries(run, salary_components: dict[str, str]) -> dict[str, tuple]:
	"""Employee -> (name, [(component, amount, draft)]) for each non-zero P1/P2/P3 of the
	register that has no submitted Additional Salary of the run yet (`draft`: the name of one
	left as a draft, to submit rather than duplicate)."""
	made = {
		(row.employee, row.salary_component): row
		for row in frappe.get_all(
			"Additional Salary",
			filters={"ref_doctype": "KPI Pay Run", "ref_docname": run.name, "docstatus": ("<", 2)},
			fields=["name", "employee", "salary_component", "docstatus"],
		)
	}
	todo = {}
	for row in run.employees:
		for key in ("p1", "p2", "p3"):
			component = salary_components[key]
			found = made.get((row.employee, component))
			if not flt(row.get(key)) or (found and found.docstatus == 1):
				continue
			todo.setdefault(row.employee, (row.employee_name, []))[1].append(
				(component, flt(row.get(key)), found.name if found else None)
			)
	return todo


def payroll_dates(run, employees: list[str]) -> dict[str, object]:
	"""The run's payroll date, moved into each employee's employment: HRMS refuses an
	Additional Salary dated before joining or after relieving, and the slip of the period
	still pays one dated on the relieving day."""
	payroll_date = getdate(run.payroll_date or run.to_date)
	dates = {}
	for row in frappe.get_all(
		"Employee",
		filters={"name": ("in", employees or [""])},
		fields=["name", "date_of_joining", "relieving_date"],
	):
		day = max(payroll_date, getdate(row.date_of_joining)) if row.date_of_joining else payroll_date
		dates[row.name] = min(day, getdate(row.relieving_date)) if row.relieving_date else day
	return dates


def reason(error: Exception) -> str:
	"""An exception's message as one line of plain text."""
	return " ".join(strip_html(str(error) or type(error).__name__).split())


def record_payout(run_name: str, payout: Payout):
	"""The run's status after an attempt: Submitted, or Failed naming who is unpaid and why."""
	if not payout.failed:
		frappe.db.set_value(
			"KPI Pay Run", {"name": run_name, "docstatus": 1}, {"status": "Submitted", "error_message": None}
		)
		return
	lines = [f"{employee} ({name or employee}): {why}" for employee, name, why in payout.failed]
	if len(lines) > 20:
		lines = [*lines[:20], _("… and {0} more: see the Error Log.").format(len(lines) - 20)]
	message = "\n".join(
		[
			_(
				"{0} of {1} employees have no Additional Salaries from this run yet; the others do. Fix the cause, then press Retry: it makes only what is missing."
			).format(len(payout.failed), payout.employees),
			*lines,
		]
	)
	frappe.log_error(title=_("KPI pay run {0} failed").format(run_name), message=message)
	frappe.db.set_value(
		"KPI Pay Run", {"name": run_name, "docstatus": 1}, {"status": "Failed", "error_message": message}
	)


def record_failure(run_name: str, error: Exception):
	"""The run's status when an attempt stopped as a whole (nothing it made was kept)."""
	frappe.db.set_value(
		"KPI Pay Run",
		{"name": run_name, "docstatus": 1},
		{
			"status": "Failed",
			"error_message": _(
				"Making the Additional Salaries stopped, and none made by this attempt were kept: {0}. Fix the cause (see the Error Log), then press Retry."
			).format(reason(error)),
		},
	)


def cancel_additional_salaries(run_name: str) -> int:
	"""HRMS's cancel of the run's submitted Additional Salaries: refused while a submitted salary
	slip pays one; in bulk unless something else on the site acts on them."""
	names = frappe.get_all(
		"Additional Salary",
		filters={"ref_doctype": "KPI Pay Run", "ref_docname": run_name, "docstatus": 1},
		pluck="name",
	)
	if additional_salary.bulk_allowed():
		return additional_salary.cancel_submitted(names)
	for name in names:
		frappe.get_doc("Additional Salary", name).cancel()
	return len(names)


# -- the salary slip guard --------------------------------------------------------------------


def check_salary_slip(doc, method=None):
	"""doc_events Salary Slip.validate: while a KPI pay run for the slip's dates is still a
	draft, its pay is not on the slip yet. Saving warns; submitting is refused, since a
	submitted slip would never receive it. (A draft slip picks the pay up by itself when
	saved after the run is submitted: HRMS reads Additional Salaries on every save.)

	Without a query for a company that has no draft KPI pay run (`draft_pay_run_companies`,
	cached): the slips of a payroll run cost nothing while no KPI pay run is being prepared."""
	if not (doc.employee and doc.start_date and doc.end_date):
		return
	if doc.get("company") and doc.company not in draft_pay_run_companies():
		return
	run = frappe.qb.DocType("KPI Pay Run")
	row = frappe.qb.DocType("KPI Pay Run Employee")
	pending = (
		frappe.qb.from_(row)
		.join(run)
		.on(run.name == row.parent)
		.select(run.name)
		.where(
			(row.employee == doc.employee)
			& (run.docstatus == 0)
			& (run.payroll_date[doc.start_date : doc.end_date])
		)
		.run(pluck=True)
	)
	if not pending:
		return
	message = _(
		"KPI pay run {0} for this period is still a draft, so its pay is not on this salary slip. Submit the pay run first, then save the slip again."
	).format(frappe.get_desk_link("KPI Pay Run", pending[0]))
	if doc.docstatus == 1:
		frappe.throw(message, exc=PayRunError, title=_("KPI Pay Missing"))
	frappe.msgprint(message, title=_("KPI Pay Missing"), indicator="orange")


DRAFT_PAY_RUN_COMPANIES = "kpibsc:draft_pay_run_companies"


def draft_pay_run_companies() -> list[str]:
	"""Companies with a draft KPI pay run: one query, then Frappe's cache until a pay run is
	saved, submitted, cancelled or deleted (`forget_draft_pay_runs`)."""
	return frappe.cache.get_value(
		DRAFT_PAY_RUN_COMPANIES,
		generator=lambda: frappe.get_all(
			"KPI Pay Run", filters={"docstatus": 0}, pluck="company", distinct=True
		),
	)


def forget_draft_pay_runs(doc=None, method=None):
	"""doc_events KPI Pay Run.on_change / on_trash, and again when that transaction ends, so a
	list read by another request before the commit is not kept."""
	frappe.cache.delete_value(DRAFT_PAY_RUN_COMPANIES)
	if doc is not None:
		frappe.db.after_commit.add(forget_draft_pay_runs)
		frappe.db.after_rollback.add(forget_draft_pay_runs)


def with_submitted_slips(run, employees: list[str]) -> dict[str, str]:
	"""Employee -> their submitted salary slip whose dates hold the run's payroll date:
	an Additional Salary of that date would never be paid."""
	slip = frappe.qb.DocType("Salary Slip")
	payroll_date = getdate(run.payroll_date or run.to_date)
	return dict(
		frappe.qb.from_(slip)
		.select(slip.employee, slip.name)
		.where(
			slip.employee.isin(employees or [""])
			& (slip.docstatus == 1)
			& (slip.start_date <= payroll_date)
			& (slip.end_date >= payroll_date)
		)
		.run()
	)
