import os

import frappe


def before_tests():
	"""The run's "today" first (KPIBSC_TODAY), then HRMS's own preparation: ERPNext's
	"_Test Company", a fiscal year for today, roles for Administrator."""
	from hrms.tests.test_utils import before_tests as hrms_before_tests

	inject_today()
	hrms_before_tests()
	frappe.clear_cache()


def inject_today():
	"""`KPIBSC_TODAY=2026-11-01 bench run-tests ...` runs the whole test process as if it were
	that day, from 08:00 in the system time zone, the clock ticking on from there: Frappe's own
	`FrappeTestCase.freeze_time` (freezegun, a Frappe dev dependency) for the whole run, so
	every date, `now` and timestamp in the process agrees. A worker process (test_jobs) keeps
	the real clock. Read only by this test-runner hook."""
	day = os.environ.get("KPIBSC_TODAY")
	if not day or not frappe.flags.in_test:
		return
	# pandas first: its C extensions, imported under a frozen clock, spin for many minutes
	import numpy
	import pandas
	import pytz
	from freezegun import freeze_time

	from frappe.utils import get_datetime, get_system_timezone, getdate

	start = pytz.timezone(get_system_timezone()).localize(get_datetime(f"{getdate(day)} 08:00:00"))
	freeze_time(start.astimezone(pytz.utc), tick=True).start()
	print(f"kpibsc tests: today is {frappe.utils.nowdate()} (KPIBSC_TODAY)")
