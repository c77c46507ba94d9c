"""Prepare the tier-3 site: the demo company, and a login for each person the browser flows
act as.

The demo (`kpibsc.demo.setup`) makes employees but no users, so nobody could log in. This
links a user to the demo people whose roles the flows need, the way HR would (User with
roles, then Employee → User ID, which also gives the Employee role and ERPNext's user
permission on their own Employee record):

| user                     | who                          | roles                                  |
|--------------------------|------------------------------|----------------------------------------|
| ngoc.truong@kpibsc.test  | Trương Bảo Ngọc, strategy office (Management, added here) | KPI Manager (+ Employee) |
| kpi.only@kpibsc.test     | a KPI Manager and nothing else | KPI Manager                          |
| an.nguyen@kpibsc.test    | Nguyễn Văn An, head of Sales | KPI User (+ Employee)                  |
| bich.tran@kpibsc.test    | Trần Thị Bích, Sales         | KPI User (+ Employee)                  |
| quan.vo@kpibsc.test      | Võ Minh Quân, head of R&D    | KPI User (+ Employee)                  |
| suong.dinh@kpibsc.test   | Đinh Thị Sương, R&D          | KPI User (+ Employee)                  |
| mai.ngo@kpibsc.test      | Ngô Thị Mai, HR              | HR Manager, HR User (+ Employee)       |

HR and the strategy office work with everyone's records, so their Employees have *Create
User Permission* unticked (as HR does for such staff); the others keep ERPNext's default user
permission on their own Employee. The strategy office is an employee (of Management, which
has no scorecard) because ERPNext gives the Employee role, and with it read access to Company
and Employee, only to users linked to an Employee; `kpi.only`, a KPI Manager and nothing
else, shows what happens without it.

All share the password in PASSWORD (a throwaway test site). What the flows need to know
(scorecards, the open period, the reviews) is written as JSON to the file named on the
command line.

Run with the bench's Python from the bench's sites/ folder:

    ../env/bin/python <repo>/tests/browser/site_setup.py browser.localhost /tmp/kpibsc-tier3/site.json
"""

import json
import sys

import frappe
from frappe.utils import getdate
from frappe.utils.password import update_password

PASSWORD = "Tier3-browser-flows!"
# key -> (email, employee name or None, roles)
PEOPLE = {
	"manager": ("ngoc.truong@kpibsc.test", "Trương Bảo Ngọc", ["KPI Manager"]),
	"kpi_only": ("kpi.only@kpibsc.test", None, ["KPI Manager"]),
	"head": ("an.nguyen@kpibsc.test", "Nguyễn Văn An", ["KPI User", "Projects User"]),  # + Tasks of check-ins
	"employee": ("bich.tran@kpibsc.test", "Trần Thị Bích", ["KPI User"]),
	"rd_head": ("quan.vo@kpibsc.test", "Võ Minh Quân", ["KPI User"]),
	"reviewee": ("suong.dinh@kpibsc.test", "Đinh Thị Sương", ["KPI User"]),
	"hr": ("mai.ngo@kpibsc.test", "Ngô Thị Mai", ["HR Manager", "HR User"]),
}
# people whose Employee gets no user permission on itself (HR staff)
NO_USER_PERMISSION = {"hr", "manager"}
# people the demo does not have: name -> department
EXTRA_EMPLOYEES = {"Trương Bảo Ngọc": "Management"}


def main(site: str, out: str):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		frappe.flags.mute_emails = True
		from kpibsc import demo

		vietnamese_number_format()
		demo.setup()
		frappe.db.commit()
		make_extra_employees()
		info = {"site": site, "password": PASSWORD, "users": {}, "employees": {}}
		for key, (email, employee_name, roles) in PEOPLE.items():
			employee = make_user(email, employee_name, roles, key not in NO_USER_PERMISSION)
			info["users"][key] = email
			if employee:
				info["employees"][key] = employee
		frappe.db.commit()
		info.update(facts(info["employees"]))
		with open(out, "w") as f:
			json.dump(info, f, indent=1, default=str, ensure_ascii=False)
		print(f"tier-3 site {site} ready: {len(PEOPLE)} users, facts in {out}")
	finally:
		frappe.destroy()


def vietnamese_number_format():
	"""Every flow sees numbers as Vietnam writes them, 1.234,5 (what the setup wizard picks for
	Vietnam, set here so no flow depends on it); VND keeps its own format, #.### (no decimals)."""
	frappe.db.set_single_value("System Settings", "number_format", "#.###,##")
	frappe.db.set_default("number_format", "#.###,##")
	frappe.db.commit()


def make_extra_employees():
	company = demo_company()
	for name, department in EXTRA_EMPLOYEES.items():
		if frappe.db.exists("Employee", {"employee_name": name, "company": company}):
			continue
		*first, last = name.split()
		frappe.get_doc(
			{
				"doctype": "Employee",
				"first_name": " ".join(first),
				"last_name": last,
				"gender": "Female",
				"date_of_birth": "1985-05-05",
				"date_of_joining": "2020-01-06",
				"company": company,
				"department": frappe.db.get_value(
					"Department", {"department_name": department, "company": company}
				),
				"status": "Active",
			}
		).insert()


def make_user(email: str, employee_name: str | None, roles: list[str], user_permission: bool) -> str | None:
	employee = None
	first_name = employee_name or "KPI Manager Only"
	if employee_name:
		employee = frappe.db.get_value(
			"Employee", {"employee_name": employee_name, "company": demo_company()}, "name"
		)
		if not employee:
			raise SystemExit(f"demo employee {employee_name} not found")
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first_name,
				"send_welcome_email": 0,
				"language": "en",
			}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.add_roles(*roles)
	update_password(email, PASSWORD)
	if employee:
		doc = frappe.get_doc("Employee", employee)
		if doc.user_id != email or doc.create_user_permission != int(user_permission):
			doc.user_id = email
			doc.create_user_permission = int(user_permission)
			doc.save(ignore_permissions=True)
	return employee


def demo_company() -> str:
	from kpibsc import demo

	return demo.COMPANY


def facts(employees: dict[str, str]) -> dict:
	"""Names the flows start from, looked up rather than assumed (they depend on the date)."""
	company = demo_company()
	today = getdate()
	card_of = {
		key: frappe.db.get_value(
			"KPI Scorecard",
			{"employee": employee, "scorecard_for": "Employee", "status": ("!=", "Closed")},
			"name",
		)
		for key, employee in employees.items()
	}
	employee_card = card_of["employee"]
	# the period to enter: the one holding today, else the first without a measurement
	periods = frappe.get_all(
		"KPI Scorecard Target",
		filters={"parent": employee_card},
		fields=["period_start", "period_end"],
		distinct=True,
		order_by="period_start",
	)
	measured = set(
		frappe.get_all(
			"KPI Measurement",
			filters={"scorecard": employee_card, "docstatus": ("<", 2)},
			pluck="period_start",
		)
	)
	open_periods = [p for p in periods if p.period_start not in measured]
	current = next((p for p in open_periods if p.period_start <= today <= p.period_end), None)
	period = current or (open_periods[0] if open_periods else None)
	departments = {
		row.department_name: row.name
		for row in frappe.get_all(
			"Department", filters={"company": company}, fields=["name", "department_name"]
		)
	}
	company_card = frappe.db.get_value(
		"KPI Scorecard",
		{"scorecard_for": "Company", "company": company, "parent_scorecard": ("is", "not set")},
	)
	cycle = frappe.db.get_value(
		"Performance Review Cycle", {"company": company}, "name", order_by="from_date"
	)
	reviews = {
		key: frappe.db.get_value(
			"Performance Review",
			{"employee": employee, "review_cycle": cycle, "docstatus": ("<", 2)},
			["name", "workflow_state"],
			as_dict=True,
		)
		for key, employee in employees.items()
	}
	calibration = frappe.get_all(
		"Performance Review",
		filters={"review_cycle": cycle, "workflow_state": "HR Calibration", "docstatus": 0},
		pluck="name",
		order_by="name",
	)
	pay_runs = frappe.get_all(
		"KPI Pay Run",
		filters={"company": company, "docstatus": 1},
		fields=["name", "from_date", "to_date"],
		order_by="from_date",
	)
	strategy = frappe.db.get_value("Strategy", {"company": company, "status": "Active"}, "name")
	return {
		"company": company,
		"year": today.year,
		"today": today,
		"number_format": frappe.db.get_single_value("System Settings", "number_format"),
		"date_format": frappe.db.get_single_value("System Settings", "date_format"),
		"departments": departments,
		"strategy": strategy,
		"company_scorecard": company_card,
		"department_scorecards": {
			name: frappe.db.get_value(
				"KPI Scorecard", {"scorecard_for": "Department", "department": department}, "name"
			)
			for name, department in departments.items()
		},
		"employee_scorecards": card_of,
		"period": period,
		"review_cycle": cycle,
		"reviews": reviews,
		"calibration_reviews": calibration,
		"pay_runs": pay_runs,
	}


if __name__ == "__main__":
	main(*sys.argv[1:3])
