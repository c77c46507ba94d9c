"""A demo company to try kpibsc on: strategy, objectives, and scorecards from company to people.

    bench --site <site> execute kpibsc.demo.setup

Everything goes through the same documents and services a person uses in the desk (the
KPI library loader, Document.insert, the cascade), so the demo is also a smoke test of the
flow. Running it again changes nothing that already exists.
"""

import random
import unicodedata

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow
from frappe.utils import add_days, getdate

from kpibsc.kpibsc.services.cascade import cascade_scorecard
from kpibsc.kpibsc.services.kpi_library import load_kpi_library
from kpibsc.kpibsc.services.recompute import descendants, recompute

COMPANY = "KPI Demo Company"
ABBR = "KDC"
# every demo login uses it; documented in the README and the user guide
DEMO_PASSWORD = "KpiDemo@2026"
DEMO_DOMAIN = "kpidemo.example"
# the CEO's office runs the KPIs; the head of Human Resources is also the HR Manager
CEO_USER = f"ceo@{DEMO_DOMAIN}"

# department (ERPNext's default departments of a company) -> head, staff
PEOPLE = {
	"Sales": [
		("Nguyễn", "Văn An", "Male"),
		("Trần", "Thị Bích", "Female"),
		("Lê", "Hoàng Cường", "Male"),
		("Phạm", "Thu Dung", "Female"),
		("Hoàng", "Minh Đức", "Male"),
	],
	"Accounts": [
		("Vũ", "Thị Hà", "Female"),
		("Đặng", "Quốc Hùng", "Male"),
		("Bùi", "Lan Hương", "Female"),
		("Đỗ", "Văn Khánh", "Male"),
		("Hồ", "Ngọc Linh", "Female"),
	],
	"Human Resources": [
		("Ngô", "Thị Mai", "Female"),
		("Dương", "Văn Nam", "Male"),
		("Lý", "Thị Oanh", "Female"),
		("Phan", "Thanh Phong", "Male"),
		("Trịnh", "Thu Quỳnh", "Female"),
	],
	"Research & Development": [
		("Võ", "Minh Quân", "Male"),
		("Đinh", "Thị Sương", "Female"),
		("Mai", "Văn Tài", "Male"),
		("Tô", "Thị Uyên", "Female"),
		("Lương", "Quang Vinh", "Male"),
	],
}

# key, name, perspective, level, department, parent key, supports
OBJECTIVES = [
	("F1", "Grow profitable revenue", "Financial", "Company", None, None, []),
	("F2", "Keep costs under control", "Financial", "Company", None, None, []),
	("C1", "Win and keep customers", "Customer", "Company", None, None, ["F1"]),
	("P1", "Deliver projects on time, right first time", "Internal Process", "Company", None, None, ["C1"]),
	("P2", "Run a fast, clean finance process", "Internal Process", "Company", None, None, ["F2"]),
	("L1", "Build a skilled, engaged team", "Learning & Growth", "Company", None, None, ["P1", "P2"]),
	("F1.S", "Grow sales revenue 20%", "Financial", "Department", "Sales", "F1", []),
	("C1.S", "Win 48 new customers", "Customer", "Department", "Sales", "C1", ["F1.S"]),
	("P1.R", "Ship milestones on time", "Internal Process", "Department", "Research & Development", "P1", []),
	("P2.A", "Close the books within 5 working days", "Internal Process", "Department", "Accounts", "P2", []),
	(
		"L1.H",
		"Fill open positions within 30 days",
		"Learning & Growth",
		"Department",
		"Human Resources",
		"L1",
		[],
	),
	("L1.T", "40 training hours per person", "Learning & Growth", "Department", "Human Resources", "L1", []),
]

# KPI, weight, target, cascade mode, objective
COMPANY_ITEMS = [
	("SAL-01", 30, 120_000_000_000, "", "F1"),
	("CO-02", 20, 12, "", "F1"),
	("CO-04", 20, 90, "", "C1"),
	("CO-07", 15, 4, "Same Target", "L1"),
	("CO-09", 15, 90, "Same Target", "P1"),
]
DEPARTMENT_ITEMS = {
	"Sales": [
		("SAL-01", 40, 120_000_000_000, "Split Target", "F1.S"),
		("SAL-03", 25, 48, "Split Target", "C1.S"),
		("SAL-07", 15, 95, "Same Target", "F1.S"),
	],
	"Accounts": [
		("ACC-01", 30, 1, "Same Target", "P2.A"),
		("ACC-03", 25, 45, "Same Target", "P2.A"),
		("ACC-02", 25, 0, "Contributes", "P2.A"),
	],
	"Human Resources": [
		("HR-01", 30, 30, "Same Target", "L1.H"),
		("HR-05", 25, 99.5, "Same Target", "L1.H"),
		("HR-06", 25, 40, "Contributes", "L1.T"),
	],
	"Research & Development": [
		("ENG-01", 35, 90, "Same Target", "P1.R"),
		("ENG-02", 25, 2, "Same Target", "P1.R"),
		("ENG-07", 20, 0, "Contributes", "P1.R"),
	],
}


def setup(year: int | None = None):
	"""Build (or complete) the demo company for `year` (this year by default)."""
	year = int(year or getdate().year)
	frappe.only_for(("System Manager", "KPI Manager"))
	if not frappe.is_setup_complete():
		frappe.throw(_("Finish the ERPNext setup wizard on this site first, then run the demo again."))
	say(f"KPI demo for {year} on {frappe.local.site}")
	make_company()
	departments = company_departments()
	people = make_people(departments)
	logins = make_users(people)
	library = load_kpi_library(language=frappe.local.lang if frappe.local.lang == "vi" else "en")
	say(f"KPI library: {library['created']} KPIs loaded, {library['skipped']} already there")
	strategy = make_strategy(year)
	objectives = make_objectives(strategy, departments)
	company_card = make_scorecard("Company", None, COMPANY_ITEMS, objectives, strategy, year, normalise=False)
	summary = cascade_scorecard(company_card, "Department", units=list(departments.values()))
	say(f"Company scorecard {company_card} cascaded to {len(departments)} departments: {summary}")
	for department, items in DEPARTMENT_ITEMS.items():
		card = add_department_items(departments[department], company_card, items, objectives)
		summary = cascade_scorecard(card, "Employee")
		say(f"{department}: scorecard {card} cascaded to {len(people[department])} people: {summary}")
	scorecards = [company_card, *descendants([company_card])]
	tasks = make_work(scorecards, objectives, year)
	say(f"Work: {tasks} milestone tasks for R&D's on-time KPI, and {len(INITIATIVES)} strategic initiatives")
	count = make_measurements(scorecards, year)
	summary = recompute(scorecards)
	say(
		f"{count} measurements approved; {summary['results']} results stored for {summary['scorecards']} scorecards"
	)
	cycle = make_review_cycle(year)
	say(f"Review cycle {cycle}: {review_states(cycle)}")
	run, slips = make_pay_run(year)
	say(f"KPI pay run {run} for June submitted; payroll: {slips}")
	say(f"Demo logins (password {DEMO_PASSWORD}):")
	for role, user in logins:
		say(f"  {role:<28} {user}")
	# `bench execute` commits when this returns.
	say("Done. Open KPI Scorecard in the desk, or the Strategic Objective tree.")


# objective key, project, % complete
INITIATIVES = [
	("C1", "Customer portal for order tracking", 35),
	("P1", "Project management office and weekly milestone review", 60),
	("L1", "Technical academy for new engineers", 20),
]


def make_work(scorecards: list[str], objectives: dict[str, str], year: int) -> int:
	"""Strategic initiatives (Projects), and milestone tasks behind the task-based ENG-01
	items: three a month per scorecard, most done on time; this month's still open."""
	for key, project_name, percent in INITIATIVES:
		if not frappe.db.exists("Project", {"project_name": project_name, "company": COMPANY}):
			frappe.get_doc(
				{
					"doctype": "Project",
					"project_name": project_name,
					"company": COMPANY,
					"is_strategic_initiative": 1,
					"strategic_objective": objectives[key],
					"percent_complete_method": "Manual",
					"percent_complete": percent,
					"expected_start_date": f"{year}-01-01",
					"expected_end_date": f"{year}-12-31",
				}
			).insert()
	today = getdate()
	targets = frappe.get_all(
		"KPI Scorecard Target",
		filters={"parent": ("in", scorecards), "kpi": "ENG-01", "period_start": ("<=", today)},
		fields=["parent", "period_start", "period_end"],
		order_by="parent, period_start",
	)
	owners = dict(
		frappe.get_all(
			"KPI Scorecard", filters={"name": ("in", scorecards)}, fields=["name", "title"], as_list=True
		)
	)
	# an approved period takes no new tasks (a site where the demo ran before tasks existed)
	approved = {
		(row.scorecard, row.period_start)
		for row in frappe.get_all(
			"KPI Measurement",
			filters={"scorecard": ("in", scorecards), "docstatus": 1},
			fields=["scorecard", "period_start"],
		)
	}
	count = 0
	for row in targets:
		if (row.parent, row.period_start) in approved:
			continue
		due_in_period = ("between", [row.period_start, row.period_end])
		if frappe.db.exists("Task", {"kpi_scorecard": row.parent, "exp_end_date": due_in_period}):
			continue
		rng = random.Random(f"{row.parent}{row.period_start}")
		for number, day in enumerate((8, 16, 24), start=1):
			due = row.period_start.replace(day=day)
			late = rng.random() < 0.15
			done_on = add_days(due, rng.randint(1, 5) if late else -rng.randint(0, 3))
			done = done_on <= today and row.period_end < today
			task = frappe.get_doc(
				{
					"doctype": "Task",
					"subject": f"{owners[row.parent]}: milestone {number}, {due:%m/%Y}",
					"company": COMPANY,
					"is_milestone": 1,
					"exp_start_date": row.period_start,
					"exp_end_date": due,
					"kpi_scorecard": row.parent,
					"kpi": "ENG-01",
					"status": "Completed" if done else "Open",
					"completed_on": done_on if done else None,
					"progress": 100 if done else rng.choice([0, 20, 50, 80]),
				}
			)
			task.flags.skip_kpi_recompute = True  # the demo recomputes once at the end
			task.insert()
			count += 1
	return count


# name, category, description
COMPETENCIES = [
	("Customer Focus", "Core", "Understands what customers need and acts on it."),
	("Teamwork", "Core", "Works with others openly and shares what they know."),
	("Ownership", "Core", "Takes responsibility for results and follows through."),
	("Problem Solving", "Functional", "Finds causes, weighs options and fixes problems for good."),
	("Developing People", "Leadership", "Coaches, gives feedback and grows the team."),
]
FRAMEWORK = "KPI Demo Core Competencies"


def make_review_cycle(year: int) -> str:
	"""A first-half review cycle for everyone, with reviews at every step of the workflow:
	the first department approved, the second with HR, the third with the managers, the
	last still in self assessment."""
	for name, category, description in COMPETENCIES:
		if not frappe.db.exists("Competency", name):
			frappe.get_doc(
				{
					"doctype": "Competency",
					"competency_name": name,
					"category": category,
					"description": description,
				}
			).insert()
	if not frappe.db.exists("Competency Framework", FRAMEWORK):
		frappe.get_doc(
			{
				"doctype": "Competency Framework",
				"framework_name": FRAMEWORK,
				"company": COMPANY,
				"competencies": [
					{"competency": name, "weight": weight}
					for (name, _category, _description), weight in zip(
						COMPETENCIES, (25, 20, 25, 20, 10), strict=True
					)
				],
			}
		).insert()
	cycle_name = f"KPI Demo H1 {year}"
	if not frappe.db.exists("Performance Review Cycle", cycle_name):
		frappe.get_doc(
			{
				"doctype": "Performance Review Cycle",
				"cycle_name": cycle_name,
				"company": COMPANY,
				"period_type": "Half-year",
				"from_date": f"{year}-01-01",
				"to_date": f"{year}-06-30",
				"competency_framework": FRAMEWORK,
			}
		).insert()
	cycle = frappe.get_doc("Performance Review Cycle", cycle_name)
	if cycle.total_reviews:
		return cycle_name
	cycle.create_reviews()
	steps = {  # department -> workflow actions taken
		"Sales": ("Submit for Review", "Submit to HR", "Approve"),
		"Accounts": ("Submit for Review", "Submit to HR"),
		"Human Resources": ("Submit for Review",),
		"Research & Development": (),
	}
	departments = company_departments()
	for department, actions in steps.items():
		for name in frappe.get_all(
			"Performance Review",
			filters={"review_cycle": cycle_name, "department": departments[department]},
			pluck="name",
			order_by="name",
		):
			review = frappe.get_doc("Performance Review", name)
			rng = random.Random(name)
			for row in review.competencies:
				row.self_rating = rng.choice([3, 4, 4, 5])
			review.save()
			for action in actions:
				if action == "Submit to HR":
					review.reload()
					for row in review.competencies:
						row.manager_rating = max(1, min(5, row.self_rating + rng.choice([-1, 0, 0, 1])))
					review.save()
				apply_workflow(review, action)
				review.reload()
	return cycle_name


def review_states(cycle: str) -> str:
	counts = frappe.get_all(
		"Performance Review",
		filters={"review_cycle": cycle, "docstatus": ("<", 2)},
		fields=["workflow_state", "count(name) as count"],
		group_by="workflow_state",
	)
	return ", ".join(f"{row.count} {row.workflow_state}" for row in counts)


def make_pay_run(year: int) -> tuple[str, str]:
	"""3P pay for June (the end of the review half-year) through HRMS payroll: a holiday
	list, a salary structure and its assignments, a pay policy, the KPI pay run, and a
	Payroll Entry whose salary slips carry P1/P2/P3."""
	june = (getdate(f"{year}-06-01"), getdate(f"{year}-06-30"))
	existing = frappe.db.get_value(
		"KPI Pay Run", {"company": COMPANY, "from_date": june[0], "docstatus": 1}, "name"
	)
	if existing:
		return existing, "already done"
	if frappe.db.exists(
		"Additional Salary",
		{"company": COMPANY, "ref_doctype": "KPI Pay Run", "payroll_date": june[1], "docstatus": 1},
	):
		# paid by a run of an earlier install (uninstall keeps payroll): HRMS refuses a second one
		return "-", "June already paid by an earlier install"
	holidays = f"KPI Demo Holidays {year}"
	if not frappe.db.exists("Holiday List", holidays):
		holiday_list = frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": holidays,
				"from_date": f"{year}-01-01",
				"to_date": f"{year}-12-31",
				"weekly_off": "Sunday",
			}
		)
		holiday_list.get_weekly_off_dates()
		holiday_list.insert()
	frappe.db.set_value("Company", COMPANY, "default_holiday_list", holidays)
	employees = frappe.get_all(
		"Employee",
		filters={"company": COMPANY, "status": "Active"},
		fields=["name", "reports_to"],
		order_by="name",
	)
	for designation in ("Head of Department", "Specialist"):
		if not frappe.db.exists("Designation", designation):
			frappe.get_doc({"doctype": "Designation", "designation_name": designation}).insert()
	for row in employees:
		frappe.db.set_value(
			"Employee", row.name, "designation", "Specialist" if row.reports_to else "Head of Department"
		)
	structure = make_salary_structure()
	payable = frappe.db.get_value("Company", COMPANY, "default_payroll_payable_account")
	for index, row in enumerate(employees):
		if not frappe.db.exists("Salary Structure Assignment", {"employee": row.name, "docstatus": 1}):
			frappe.get_doc(
				{
					"doctype": "Salary Structure Assignment",
					"employee": row.name,
					"salary_structure": structure,
					"company": COMPANY,
					"currency": "VND",
					"from_date": f"{year}-01-01",
					"base": 9_000_000 + 500_000 * (index % 5),
					"payroll_payable_account": payable,
				}
			).insert().submit()
	policy = f"KPI Demo 3P {year}"
	if not frappe.db.exists("KPI Pay Policy", policy):
		frappe.get_doc(
			{
				"doctype": "KPI Pay Policy",
				"policy_name": policy,
				"company": COMPANY,
				"effective_from": f"{year}-01-01",
				"p1_method": "Fixed Amount",
				"position_rates": [
					{"designation": "Head of Department", "amount": 12_000_000},
					{"designation": "Specialist", "amount": 7_000_000},
				],
				"p2_base": 2_000_000,
				"person_factors": [
					{"factor": "Seniority Years", "threshold": 0, "coefficient": 1.0},
					{"factor": "Seniority Years", "threshold": 5, "coefficient": 1.1},
					{"factor": "Seniority Years", "threshold": 10, "coefficient": 1.2},
				],
				"p3_mode": "Band Coefficient",
				"p3_basis": "Performance Review",
				"p3_base": 3_000_000,
				"missing_performance": "Zero P3",
			}
		).insert()
	run = frappe.get_doc(
		{"doctype": "KPI Pay Run", "company": COMPANY, "from_date": june[0], "to_date": june[1]}
	).insert()
	run.get_employees()
	run.submit()
	if frappe.flags.in_test:  # HRMS commits while making slips; tests make them in test_kpi_pay_run
		return run.name, "not run in tests"
	return run.name, run_payroll(june)


def make_salary_structure() -> str:
	name = "KPI Demo Salary Structure"
	if not frappe.db.exists("Salary Component", "KPI Demo Basic"):
		frappe.get_doc(
			{
				"doctype": "Salary Component",
				"salary_component": "KPI Demo Basic",
				"salary_component_abbr": "KDB",
				"type": "Earning",
			}
		).insert()
	if not frappe.db.exists("Salary Structure", name):
		frappe.get_doc(
			{
				"doctype": "Salary Structure",
				"name": name,
				"company": COMPANY,
				"payroll_frequency": "Monthly",
				"currency": "VND",
				"earnings": [
					{
						"salary_component": "KPI Demo Basic",
						"abbr": "KDB",
						"amount_based_on_formula": 1,
						"formula": "base",
					}
				],
			}
		).insert().submit()
	return name


def run_payroll(period: tuple) -> str:
	entry = frappe.get_doc(
		{
			"doctype": "Payroll Entry",
			"company": COMPANY,
			"posting_date": period[1],
			"payroll_frequency": "Monthly",
			"salary_slip_based_on_timesheet": 0,
			"start_date": period[0],
			"end_date": period[1],
			"currency": "VND",
			"exchange_rate": 1,
			"payroll_payable_account": frappe.db.get_value(
				"Company", COMPANY, "default_payroll_payable_account"
			),
			"cost_center": frappe.db.get_value("Company", COMPANY, "cost_center"),
			"payment_account": frappe.db.get_value(
				"Account", {"company": COMPANY, "account_type": "Cash", "is_group": 0}
			),
		}
	)
	entry.fill_employee_details()
	entry.insert()
	entry.submit()  # HRMS makes the salary slips (drafts) with the P1/P2/P3 lines
	slips = frappe.db.count("Salary Slip", {"payroll_entry": entry.name})
	return f"Payroll Entry {entry.name} made {slips} salary slips"


def make_measurements(scorecards: list[str], year: int) -> int:
	"""Approved actuals for every month of `year` that has ended, near the targets.

	Contributes items are left empty: their actuals come from the scorecards below."""
	today = getdate()
	targets = frappe.get_all(
		"KPI Scorecard Target",
		filters={"parent": ("in", scorecards), "period_end": ("<", today)},
		fields=["parent", "kpi", "period_start", "target"],
		order_by="parent, period_start, idx",
	)
	modes = {
		(row.parent, row.kpi): row.cascade_mode
		for row in frappe.get_all(
			"KPI Scorecard Item",
			filters={"parent": ("in", scorecards)},
			fields=["parent", "kpi", "cascade_mode"],
		)
	}
	methods = {kpi.name: kpi for kpi in frappe.get_all("KPI", fields=["name", "scoring_method", "unit"])}
	periods = {}
	for row in targets:
		periods.setdefault((row.parent, row.period_start), []).append(row)
	count = 0
	for (scorecard, period_start), rows in periods.items():
		if frappe.db.exists(
			"KPI Measurement", {"scorecard": scorecard, "period_start": period_start, "docstatus": ("<", 2)}
		):
			continue
		rng = random.Random(f"{scorecard}{period_start}")
		actuals = {
			row.kpi: demo_actual(rng, methods[row.kpi].scoring_method, methods[row.kpi].unit, row.target)
			for row in rows
			if modes.get((scorecard, row.kpi)) != "Contributes"
		}
		measurement = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": scorecard, "period_start": period_start}
		)
		measurement.fill_items()
		for item in measurement.items:
			item.actual = actuals.get(item.kpi)
		measurement.flags.skip_recompute = True
		measurement.insert().submit()
		count += 1
	return count


def demo_actual(rng: random.Random, method: str, unit: str | None, target: float) -> str:
	if method == "Yes/No":
		return "1" if rng.random() < 0.9 else "0"
	if method == "Lower is Better" and not target:
		return str(rng.choice([0, 0, 0, 1, 2]))
	value = max(target * rng.gauss(1.0, 0.1 if method == "Lower is Better" else 0.15), 0)
	if unit == "%":
		value = min(value, 100)
	return str(round(value, 2))


def say(message: str):
	print(message)


def make_company():
	if frappe.db.exists("Company", COMPANY):
		return
	say(f"Creating company {COMPANY} (chart of accounts, default departments)…")
	frappe.get_doc(
		{
			"doctype": "Company",
			"company_name": COMPANY,
			"abbr": ABBR,
			"default_currency": "VND",
			"country": "Vietnam",
			"create_chart_of_accounts_based_on": "Standard Template",
			"chart_of_accounts": "Standard",
		}
	).insert()


def company_departments() -> dict[str, str]:
	"""ERPNext's default departments of the company (named with or without the abbreviation)."""
	departments = {}
	for department_name in PEOPLE:
		name = frappe.db.get_value("Department", {"department_name": department_name, "company": COMPANY})
		if not name:
			name = (
				frappe.get_doc(
					{"doctype": "Department", "department_name": department_name, "company": COMPANY}
				)
				.insert()
				.name
			)
		departments[department_name] = name
	return departments


def make_people(departments: dict[str, str]) -> dict[str, list[str]]:
	"""Five people per department; the first heads it and the others report to them."""
	people = {}
	for department, names in PEOPLE.items():
		people[department] = []
		head = None
		for index, (family_name, given_names, gender) in enumerate(names):
			# Vietnamese order: ERPNext joins first + last name, so the family and middle
			# names go first and the given name last ("Nguyễn Văn" + "An").
			*middle, given_name = given_names.split()
			first_name = " ".join([family_name, *middle])
			employee_name = f"{first_name} {given_name}"
			employee = frappe.db.get_value("Employee", {"employee_name": employee_name, "company": COMPANY})
			if not employee:
				employee = (
					frappe.get_doc(
						{
							"doctype": "Employee",
							"first_name": first_name,
							"last_name": given_name,
							"gender": gender,
							"date_of_birth": f"{1980 + index * 3}-0{index + 1}-15",
							"date_of_joining": f"{2015 + index}-03-01",
							"company": COMPANY,
							"department": departments[department],
							"reports_to": head,
							"status": "Active",
						}
					)
					.insert()
					.name
				)
			head = head or employee
			people[department].append(employee)
		frappe.db.set_value("Department", departments[department], "kpi_department_head", head)
	return people


def demo_email(employee_name: str) -> str:
	"""'Nguyễn Văn An' -> an.nguyen@kpidemo.example (given name, then family name, no marks)."""
	plain = unicodedata.normalize("NFKD", employee_name.replace("Đ", "D").replace("đ", "d"))
	words = "".join(char for char in plain if not unicodedata.combining(char)).lower().split()
	return f"{words[-1]}.{words[0]}@{DEMO_DOMAIN}"


def make_users(people: dict[str, list[str]]) -> list[tuple[str, str]]:
	"""A login for the CEO (KPI Manager) and for everyone in the demo, with the demo company as
	their default company (and Administrator's), so each role's view can be tried at once.
	Returns (role, user) for the README's list of logins."""
	logins = [("KPI Manager (CEO)", ensure_user(CEO_USER, "Demo CEO", ("KPI Manager", "KPI User")))]
	for department, employees in people.items():
		names = dict(
			frappe.get_all(
				"Employee",
				filters={"name": ("in", employees)},
				fields=["name", "employee_name"],
				as_list=True,
			)
		)
		for index, employee in enumerate(employees):
			roles = ["KPI User", "Employee"]
			if department == "Human Resources" and index == 0:
				roles += ["HR Manager", "HR User"]
			user = ensure_user(demo_email(names[employee]), names[employee], roles)
			if not frappe.db.get_value("Employee", employee, "user_id"):
				doc = frappe.get_doc("Employee", employee)
				doc.user_id = user
				doc.save()
			if index == 0:
				role = "HR Manager, head" if "HR Manager" in roles else "Department head"
				logins.append((f"{role} ({department})", user))
			elif index == 1:
				logins.append((f"Employee ({department})", user))
	# the desk reads a user's default company as the "company" default (ERPNext's key); a
	# "Company" row would be updated in place (keys compare case-insensitively) and hide it
	for user in ("Administrator", *(user for _role, user in logins)):
		frappe.db.delete("DefaultValue", {"parent": user, "defkey": "company"})
		frappe.defaults.set_user_default("company", COMPANY, user)
	return logins


def ensure_user(email: str, full_name: str, roles) -> str:
	if not frappe.db.exists("User", email):
		first_name, *rest = full_name.split()
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first_name,
				"last_name": " ".join(rest),
				"language": "vi",
				"new_password": DEMO_PASSWORD,
				"send_welcome_email": 0,
			}
		).insert(ignore_permissions=True)
	frappe.get_doc("User", email).add_roles(*roles)
	return email


def make_strategy(year: int) -> str:
	name = f"KPI Demo Strategy {year}"
	if not frappe.db.exists("Strategy", name):
		frappe.get_doc(
			{
				"doctype": "Strategy",
				"strategy_name": name,
				"company": COMPANY,
				"status": "Active",
				"from_date": f"{year}-01-01",
				"to_date": f"{year}-12-31",
				"vision": "The most trusted engineering partner for Vietnamese manufacturers by 2030.",
				"mission": "Deliver reliable projects on time, grow with our customers and our people.",
			}
		).insert()
	return name


def make_objectives(strategy: str, departments: dict[str, str]) -> dict[str, str]:
	"""The objective tree; links ("supports") are added once every objective exists."""
	names = {}
	for key, title, perspective, level, department, parent, _supports in OBJECTIVES:
		name = frappe.db.get_value("Strategic Objective", {"strategy": strategy, "objective_name": title})
		if not name:
			name = (
				frappe.get_doc(
					{
						"doctype": "Strategic Objective",
						"objective_name": title,
						"strategy": strategy,
						"company": COMPANY,
						"perspective": perspective,
						"level": level,
						"department": departments.get(department),
						"parent_strategic_objective": names.get(parent),
						"is_group": int(level == "Company"),
						"weight": 1,
					}
				)
				.insert()
				.name
			)
		names[key] = name
	for key, *_rest, supports in OBJECTIVES:
		objective = frappe.get_doc("Strategic Objective", names[key])
		if supports and not objective.supports:
			for supported in supports:
				objective.append("supports", {"objective": names[supported]})
			objective.save()
	return names


def make_scorecard(level, department, items, objectives, strategy, year, normalise) -> str:
	filters = {"scorecard_for": level, "company": COMPANY, "from_date": f"{year}-01-01"}
	if department:
		filters["department"] = department
	name = frappe.db.get_value("KPI Scorecard", filters)
	if name:
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "KPI Scorecard",
				"scorecard_for": level,
				"company": COMPANY,
				"department": department,
				"strategy": strategy,
				"from_date": f"{year}-01-01",
				"to_date": f"{year}-12-31",
				"status": "Active",
				"normalise_weights": int(normalise),
				"items": [
					{
						"kpi": kpi,
						"weight": weight,
						"target": target,
						"cascade_mode": mode,
						"objective": objectives[objective],
					}
					for kpi, weight, target, mode, objective in items
				],
			}
		)
		.insert()
		.name
	)


def add_department_items(department: str, company_card: str, items, objectives) -> str:
	"""The department's own KPIs next to the ones cascaded from the company (10% each)."""
	name = frappe.db.get_value(
		"KPI Scorecard",
		{"parent_scorecard": company_card, "department": department, "scorecard_for": "Department"},
	)
	card = frappe.get_doc("KPI Scorecard", name)
	if card.status == "Active":  # a demo run before made it, and its targets are revised, not reset
		return card.name
	present = {item.kpi for item in card.items}
	for kpi, weight, target, mode, objective in items:
		if kpi not in present:
			card.append(
				"items",
				{
					"kpi": kpi,
					"weight": weight,
					"target": target,
					"cascade_mode": mode,
					"objective": objectives[objective],
				},
			)
	for item in card.items:
		if item.source_item:
			item.weight = 10
			item.cascade_mode = "Same Target"
	card.normalise_weights = 0
	card.status = "Active"
	card.save()
	return card.name
