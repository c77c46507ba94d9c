"""Helpers of hrms_tests_with_without.sh (issue #22): check a site's side, prepare the test
environment the same way on both sites, and compare the two sides' unittest output.

    ../env/bin/python hrms_tests_env.py check SITE with|without
    ../env/bin/python hrms_tests_env.py prepare SITE
    ../env/bin/python hrms_tests_env.py compare OUT_DIR MODULE...

Run `check` and `prepare` from the bench's sites directory. `check` fails unless the site is
on the side it claims: with kpibsc, kpibsc is installed and its doc_events are in Frappe's
resolved hooks; without it, the site does not list kpibsc (the bench still does), none of its
doc_events, before_tests hooks, DocTypes, custom fields, columns, roles or scheduled jobs
are left. `prepare` changes only what HRMS's tests need from the site and does not touch
HRMS's or kpibsc's code (see the list in `prepare`).
"""

import re
import sys
from pathlib import Path

KPIBSC = "kpibsc."


def connect(site: str):
	import frappe

	frappe.init(site=site)
	frappe.connect()
	return frappe


def check(site: str, side: str):
	frappe = connect(site)
	try:
		doc_events = sorted(
			f"{doctype}.{event}"
			for doctype, events in frappe.get_hooks("doc_events").items()
			for event, handlers in events.items()
			if any(str(handler).startswith(KPIBSC) for handler in handlers)
		)
		installed = "kpibsc" in frappe.get_installed_apps()
		print(f"{site}: installed apps {frappe.get_installed_apps()}; kpibsc doc_events {doc_events}")
		if side == "with":
			assert installed and "Salary Slip.validate" in doc_events, "kpibsc is not active on the site"
			return
		leftovers = {
			"installed": installed,
			"doc_events": doc_events,
			"before_tests": [h for h in frappe.get_hooks("before_tests") if h.startswith(KPIBSC)],
			"doctypes": frappe.get_all("DocType", filters={"module": "KPIBSC"}, pluck="name"),
			"custom fields": frappe.get_all(
				"Custom Field",
				or_filters={"module": "KPIBSC", "fieldname": ("like", "kpi%")},
				pluck="name",
			),
			"columns": frappe.db.sql(
				"""select concat(table_name, '.', column_name) from information_schema.columns
				where table_schema = database() and (column_name like 'kpi\\_%%'
					or column_name in ('strategic_objective', 'is_strategic_initiative'))""",
				pluck=True,
			),
			"roles": frappe.get_all(
				"Role", filters={"name": ("in", ["KPI Manager", "KPI User"])}, pluck="name"
			),
			"scheduled jobs": frappe.get_all(
				"Scheduled Job Type", filters={"method": ("like", "kpibsc.%")}, pluck="name"
			),
		}
		left = {what: found for what, found in leftovers.items() if found}
		assert not left, f"kpibsc is still on {site}: {left}"
		print(f"{site}: nothing of kpibsc is left")
	finally:
		frappe.destroy()


def prepare(site: str):
	"""Give the site what HRMS's own CI site has and HRMS's tests take for granted. The same on
	both sides; nothing of HRMS's or kpibsc's code changes.

	- _Test Company and INR as the global defaults. HRMS's CI site is set up by HRMS's
	  `before_tests` (`run-tests --app hrms`). A site that ERPNext's `before_tests` set up first
	  has Wind Power LLC and USD, and HRMS's test helpers make salary structures, tax slabs and
	  employees for "the default company / currency": they then belong to another company or
	  currency than the _Test Company payroll the tests run.
	- A default outgoing Email Account: a submitted slip e-mails the employee (into the Email
	  Queue; tests send nothing), and Frappe refuses to queue mail without one.
	- HRMS's Leave Type and ERPNext's Activity Type test records (_Test Leave Type, _Test
	  Activity Type ...), which a module run does not make for the Salary Slip tests.
	"""
	frappe = connect(site)
	try:
		from frappe.test_runner import make_test_records

		frappe.flags.in_test = True  # no SMTP login check for the Email Account below
		defaults = frappe.get_single("Global Defaults")
		defaults.default_company = "_Test Company"
		defaults.default_currency = "INR"
		defaults.save()

		make_test_records("Leave Type", commit=True)
		make_test_records("Activity Type", commit=True)
		if not frappe.db.exists("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": "HRMS Tests Outgoing",
					"email_id": "hrms-tests-outgoing@example.com",
					"enable_outgoing": 1,
					"default_outgoing": 1,
					"smtp_server": "smtp.example.com",
					"no_smtp_authentication": 1,
				}
			).insert(ignore_permissions=True)

		frappe.db.commit()
		print(
			f"{site}: defaults {frappe.db.get_default('company')} / {frappe.db.get_default('currency')}, "
			f"outgoing {frappe.db.get_value('Email Account', {'default_outgoing': 1}, 'name')}, "
			f"_Test Leave Type {bool(frappe.db.exists('Leave Type', '_Test Leave Type'))}"
		)
	finally:
		frappe.destroy()


HEADER = re.compile(r"^(ERROR|FAIL): (\w+) \(([\w.]+)\)")
RAN = re.compile(r"^Ran (\d+) tests? in ([\d.]+)s")
DATABASE = re.compile(r"\b_[0-9a-f]{16}\.")  # a site's database name in an SQL error


def parse(log: Path) -> dict:
	"""Tests run, seconds, and each failing test with the last line of its traceback."""
	lines = log.read_text(errors="replace").splitlines() if log.exists() else []
	result = {"ran": None, "seconds": None, "failures": {}}
	current, message, in_traceback = None, None, False
	for line in lines:
		header = HEADER.match(line)
		if header:
			current, message, in_traceback = header.group(2), None, False
			continue
		rule = line.startswith("=" * 20) or line.startswith("-" * 20)
		if current and rule and not in_traceback:
			in_traceback = True  # the docstring line, if any, is above this rule
		elif current and rule:
			result["failures"][current] = DATABASE.sub("<db>.", message or "")
			current = None
		elif current and in_traceback and line.strip():
			message = line.strip()
		ran = RAN.match(line)
		if ran:
			result["ran"], result["seconds"] = int(ran.group(1)), float(ran.group(2))
	if current:
		result["failures"][current] = message or ""
	return result


def compare(out: str, modules: list[str]) -> int:
	out = Path(out)
	only_with = 0
	for module in modules:
		sides = {side: parse(out / f"{side}-{module}.log") for side in ("with", "without")}
		print(f"== {module}")
		for side, result in sides.items():
			passed = None if result["ran"] is None else result["ran"] - len(result["failures"])
			print(f"  {side:8} kpibsc: {passed}/{result['ran']} pass ({result['seconds']} s)")
		for name in sorted(set(sides["with"]["failures"]) | set(sides["without"]["failures"])):
			with_, without = sides["with"]["failures"].get(name), sides["without"]["failures"].get(name)
			if with_ is not None and without is None:
				only_with += 1
				print(f"  ONLY WITH kpibsc: {name}: {with_}")
			elif with_ is None:
				print(f"  only without kpibsc: {name}: {without}")
			elif with_ == without:
				print(f"  both, same error: {name}: {with_}")
			else:
				print(f"  both, different errors: {name}:\n    with: {with_}\n    without: {without}")
	print(f"tests failing only with kpibsc: {only_with}")
	return 1 if only_with else 0


if __name__ == "__main__":
	command, *args = sys.argv[1:]
	if command == "check":
		check(*args)
	elif command == "prepare":
		prepare(*args)
	elif command == "compare":
		sys.exit(compare(args[0], args[1:]))
	else:
		sys.exit(f"unknown command {command}")
