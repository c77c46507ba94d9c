"""What kpibsc's doc_events cost the host: ERPNext's and HRMS's own bulk operations timed with
kpibsc's hooks on their DocTypes and without them, in one process and one transaction.

kpibsc hooks Appraisal (before_validate), Task (validate, on_update), Project (validate),
Employee (on_update) and Salary Slip (validate). For each, the host's own bulk operation
runs with the hooks ("with"), with kpibsc's handlers taken out of Frappe's resolved
doc_events (`frappe.get_doc_hooks()`, "without") and, given `--before <commit>`, with the
hook functions of that commit ("before", loaded from git), rolled back to a savepoint after
every run; the order of the sides rotates every repetition so drift (a growing transaction,
other work on the machine) falls on all of them. A short warm-up run of each side comes
first. Reported: the median time and SQL statements (MariaDB's session counter `Questions`)
per run, per document, and the ratio of the medians; also the benchmark process's own CPU
time (Python, without MariaDB), which other work on a shared machine disturbs less.

Operations (setup not timed; everything is rolled back at the end, apart from the
benchmark employees cascade_bench.py keeps):
- appraisals: HRMS's `create_appraisals_for_cycle` for a cycle of N employees, once for a
  cycle whose final score does not use `kpi_score`, once for a cycle whose formula does,
  with employee scorecards and a year of approved results (recompute_bench.py);
- salary slips: the Salary Slip inserts of Payroll Entry, as payroll_bench.py makes them;
- tasks: N Task inserts (the Data Import / API path), then N saves of those tasks changing
  their progress;
- projects: Project inserts;
- employees: Employee saves that do not change User ID.

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/host_hooks_bench.py --site bench.localhost \
        --employees 2000 --slips 500 --projects 500 --employee-saves 20 --repeat 3 --before HEAD
"""

import argparse
import copy
import json
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_bench import COMPANY, bench_employees, ensure_company, ensure_employees, measure

YEAR = 2034
CYCLE_DATES = (f"{YEAR}-01-01", f"{YEAR}-06-30")
WARM_UP = 20


HOOK_MODULES = ("reviews", "work", "pay")
SIDES = ("with", "before", "without")


def load_hooks_of(commit: str):
	"""kpibsc's hook modules as they were at `commit` (their source from git), importable as
	`kpibsc.at_commit.<module>`: the "before" side of a change to the hooks, in the same run."""
	import subprocess
	import types

	repository = Path(__file__).resolve().parents[1]
	sys.modules["kpibsc.at_commit"] = types.ModuleType("kpibsc.at_commit")
	for module in HOOK_MODULES:
		path = f"kpibsc/kpibsc/services/{module}.py"
		source = subprocess.run(
			["git", "-C", str(repository), "show", f"{commit}:{path}"],
			capture_output=True,
			text=True,
			check=True,
		).stdout
		loaded = types.ModuleType(f"kpibsc.at_commit.{module}")
		loaded.__file__ = f"{commit}:{path}"
		exec(compile(source, loaded.__file__, "exec"), loaded.__dict__)
		sys.modules[loaded.__name__] = loaded


@contextmanager
def kpibsc_hooks(side: str, doctypes: tuple[str, ...]):
	"""kpibsc's handlers as they are ("with"), as they were at the --before commit ("before")
	or taken out ("without") of the doc_events Frappe resolved for this process."""
	hooks = frappe.get_doc_hooks()
	saved = {doctype: copy.deepcopy(hooks.get(doctype, {})) for doctype in doctypes}

	def handler_of(handler: str) -> str | None:
		if not handler.startswith("kpibsc.kpibsc.services.") or side == "with":
			return handler
		if side == "before":
			return handler.replace("kpibsc.kpibsc.services.", "kpibsc.at_commit.", 1)
		return None

	for doctype in doctypes:
		for event, handlers in saved[doctype].items():
			hooks[doctype][event] = [handler_of(h) for h in handlers if handler_of(h)]
	try:
		yield
	finally:
		for doctype, events in saved.items():
			hooks[doctype] = events


def new_request():
	"""What a new request or job starts with: no request-scoped kpibsc caches."""
	for key in [key for key in frappe.local.flags if str(key).startswith("kpibsc_")]:
		frappe.local.flags.pop(key)


def compare(name: str, doctypes: tuple[str, ...], operation, documents: int, repeat: int, warm_up=None):
	"""Run `operation` on each side, interleaved (the order rotates every repetition); medians
	and the ratios to the run without kpibsc's hooks."""
	sides = SIDES
	if warm_up:
		for side in sides:
			frappe.db.savepoint("host_hooks")
			with kpibsc_hooks(side, doctypes):
				warm_up()
			frappe.db.rollback(save_point="host_hooks")
	runs = {side: [] for side in sides}
	for turn in range(repeat):
		for side in sides[turn % len(sides) :] + sides[: turn % len(sides)]:
			new_request()
			frappe.db.savepoint("host_hooks")
			cpu = time.process_time()
			with kpibsc_hooks(side, doctypes):
				_none, seconds, queries = measure(operation)
			cpu = time.process_time() - cpu
			frappe.db.rollback(save_point="host_hooks")
			runs[side].append((seconds, queries, cpu))
	figures = {"operation": name, "documents": documents}
	for side, measured in runs.items():
		seconds = statistics.median(run[0] for run in measured)
		queries = statistics.median(run[1] for run in measured)
		figures[f"{side}_s"] = round(seconds, 2)
		figures[f"{side}_ms_per_doc"] = round(seconds * 1000 / documents, 2)
		figures[f"{side}_queries_per_doc"] = round(queries / documents, 2)
		figures[f"{side}_python_cpu_s"] = round(statistics.median(run[2] for run in measured), 2)
		figures[f"{side}_runs_s"] = [round(run[0], 2) for run in measured]
	for side in sides[:-1]:
		figures[f"{side}_ratio"] = round(figures[f"{side}_s"] / figures["without_s"], 3)
		figures[f"{side}_python_cpu_ratio"] = round(
			figures[f"{side}_python_cpu_s"] / figures["without_python_cpu_s"], 3
		)
	print(json.dumps(figures), flush=True)
	return figures


# -- appraisals -------------------------------------------------------------------------------


def appraisal_cycle(employees: list[str], name: str, formula: str | None = None):
	from hrms.hr.doctype.appraisal_template.test_appraisal_template import create_appraisal_template

	template = create_appraisal_template("Bench Appraisal Template")
	cycle = frappe.get_doc(
		{
			"doctype": "Appraisal Cycle",
			"cycle_name": name,
			"company": COMPANY,
			"start_date": CYCLE_DATES[0],
			"end_date": CYCLE_DATES[1],
			"kra_evaluation_method": "Manual Rating",
			"calculate_final_score_based_on_formula": 1 if formula else 0,
			"final_score_formula": formula,
			"appraisees": [
				{"employee": employee, "appraisal_template": template.name} for employee in employees
			],
		}
	).insert()
	return cycle


def compare_appraisals(name: str, cycle, repeat: int):
	from hrms.hr.doctype.appraisal_cycle.appraisal_cycle import create_appraisals_for_cycle

	def warm_up():
		small = copy.copy(cycle)
		small.appraisees = cycle.appraisees[:WARM_UP]
		create_appraisals_for_cycle(small)

	return compare(
		name,
		("Appraisal",),
		lambda: create_appraisals_for_cycle(cycle),
		len(cycle.appraisees),
		repeat,
		warm_up,
	)


# -- salary slips, tasks, projects, employees ---------------------------------------------------


def insert_tasks(count: int, prefix: str) -> list[str]:
	names = []
	for number in range(count):
		task = frappe.get_doc(
			{"doctype": "Task", "subject": f"{prefix} {number:05d}", "company": COMPANY, "priority": "Low"}
		).insert()
		names.append(task.name)
	return names


def update_tasks(names: list[str]):
	for name in names:
		task = frappe.get_doc("Task", name)
		task.progress = 50
		task.save()


def insert_projects(count: int):
	for number in range(count):
		frappe.get_doc(
			{"doctype": "Project", "project_name": f"Bench Project {number:05d}", "company": COMPANY}
		).insert()


def save_employees(names: list[str]):
	for name in names:
		employee = frappe.get_doc("Employee", name)
		employee.cell_number = "0900000000"
		employee.save()


def ensure_fiscal_year():
	"""HRMS's slips need the fiscal year of their dates (the test site has far-off years)."""
	if not frappe.db.exists("Fiscal Year", {"year_start_date": f"{YEAR}-01-01"}):
		frappe.get_doc(
			{
				"doctype": "Fiscal Year",
				"year": f"Bench {YEAR}",
				"year_start_date": f"{YEAR}-01-01",
				"year_end_date": f"{YEAR}-12-31",
			}
		).insert()


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", default="bench.localhost")
	parser.add_argument("--employees", type=int, default=2000)
	parser.add_argument("--slips", type=int, default=500)
	parser.add_argument("--tasks", type=int, default=2000)
	parser.add_argument("--projects", type=int, default=500)
	parser.add_argument("--employee-saves", type=int, default=20)
	parser.add_argument("--repeat", type=int, default=3)
	parser.add_argument(
		"--before",
		help="a commit whose hook functions are timed too (the side 'before'), e.g. the one before a change",
	)
	parser.add_argument(
		"--only",
		nargs="*",
		default=["appraisals", "kpi_appraisals", "slips", "tasks", "projects", "employees"],
	)
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	frappe.flags.mute_emails = True
	frappe.db.set_single_value("Payroll Settings", "email_salary_slip_to_employee", 0)
	# the hook modules imported before anything is timed
	for module in HOOK_MODULES:
		frappe.get_module(f"kpibsc.kpibsc.services.{module}")
	global SIDES
	if arguments.before:
		load_hooks_of(arguments.before)
	else:
		SIDES = ("with", "without")
	results = []
	try:
		ensure_employees(arguments.employees, ensure_company())
		employees = bench_employees(arguments.employees)
		repeat = arguments.repeat
		if "appraisals" in arguments.only:
			cycle = appraisal_cycle(employees, f"Bench Cycle {YEAR}")
			results.append(compare_appraisals("appraisals, cycle without kpi_score", cycle, repeat))
		if "slips" in arguments.only:
			from payroll_bench import make_slips
			from payroll_bench import setup as payroll_setup

			slip_employees = employees[: arguments.slips]
			ensure_fiscal_year()
			payroll_setup(slip_employees)
			results.append(
				compare(
					"salary slips (Payroll Entry's inserts)",
					("Salary Slip",),
					lambda: make_slips(slip_employees),
					len(slip_employees),
					repeat,
					lambda: make_slips(slip_employees[:WARM_UP]),
				)
			)
		if "tasks" in arguments.only:
			results.append(
				compare(
					"task inserts",
					("Task",),
					lambda: insert_tasks(arguments.tasks, "Bench Task"),
					arguments.tasks,
					repeat,
					lambda: insert_tasks(WARM_UP, "Bench Warm-up Task"),
				)
			)
			tasks = insert_tasks(arguments.tasks, "Bench Saved Task")
			results.append(
				compare(
					"task saves (progress changed)",
					("Task",),
					lambda: update_tasks(tasks),
					len(tasks),
					repeat,
					lambda: update_tasks(tasks[:WARM_UP]),
				)
			)
		if "projects" in arguments.only:
			results.append(
				compare(
					"project inserts",
					("Project",),
					lambda: insert_projects(arguments.projects),
					arguments.projects,
					repeat,
					lambda: insert_projects(WARM_UP),
				)
			)
		if "employees" in arguments.only:
			sample = employees[: arguments.employee_saves]
			results.append(
				compare(
					"employee saves (User ID unchanged)",
					("Employee",),
					lambda: save_employees(sample),
					len(sample),
					repeat,
					lambda: save_employees(sample[:WARM_UP]),
				)
			)
		if "kpi_appraisals" in arguments.only:
			# as recompute_bench.measured_employee_scorecards, without its commit (ensure_company)
			from cascade_bench import company_scorecard
			from recompute_bench import approved_measurements

			from kpibsc.kpibsc.services.cascade import make_plan, write_plan
			from kpibsc.kpibsc.services.recompute import recompute

			company = company_scorecard(YEAR)
			write_plan(make_plan(company.name, "Employee", units=employees))
			children = frappe.get_all(
				"KPI Scorecard", filters={"parent_scorecard": company.name}, pluck="name"
			)
			approved_measurements(children)
			recompute(children)
			cycle = appraisal_cycle(employees, f"Bench KPI Cycle {YEAR}", "kpi_score / 20")
			results.append(compare_appraisals("appraisals, cycle formula uses kpi_score", cycle, repeat))
			frappe.db.savepoint("host_hooks")
			from hrms.hr.doctype.appraisal_cycle.appraisal_cycle import create_appraisals_for_cycle

			new_request()
			create_appraisals_for_cycle(cycle)
			results[-1]["appraisals_with_kpi_score"] = frappe.db.count(
				"Appraisal", {"appraisal_cycle": cycle.name, "kpi_score": (">", 0)}
			)
			frappe.db.rollback(save_point="host_hooks")
	finally:
		frappe.db.rollback()
		frappe.destroy()
	print(json.dumps(results, indent=1))


if __name__ == "__main__":
	main()
