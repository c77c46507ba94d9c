"""Idempotent test factories, in the style of ERPNext's make_employee."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from erpnext.setup.doctype.employee.test_employee import make_employee

from kpibsc.tests.jobs import InlineJobs

TEST_COMPANY = "_Test KPI Company"
TEST_ABBR = "_TKC"
YEAR = 2025


def make_fiscal_year(year: int) -> None:
	"""A calendar fiscal year for `year` unless one already touches it: payroll needs one, and a
	site set up for another year (one holding the demo, say) has none for the test years."""
	start, end = f"{year}-01-01", f"{year}-12-31"
	if not frappe.db.exists(
		"Fiscal Year", {"year_start_date": ("<=", end), "year_end_date": (">=", start), "disabled": 0}
	):
		frappe.get_doc(
			{
				"doctype": "Fiscal Year",
				"year": f"_Test KPI {year}",
				"year_start_date": start,
				"year_end_date": end,
			}
		).insert(ignore_permissions=True)


def make_company(name: str = TEST_COMPANY, abbr: str = TEST_ABBR) -> str:
	for year in (YEAR - 1, YEAR):  # the test year and the one before (December reviews)
		make_fiscal_year(year)
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": abbr,
				"default_currency": "VND",
				"country": "Vietnam",
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return name


def make_department(department_name: str, company: str = TEST_COMPANY, head: str | None = None) -> str:
	abbr = frappe.db.get_value("Company", company, "abbr")
	name = f"{department_name} - {abbr}"
	if not frappe.db.exists("Department", name):
		frappe.get_doc(
			{"doctype": "Department", "department_name": department_name, "company": company}
		).insert(ignore_permissions=True)
	if head:
		frappe.db.set_value("Department", name, "kpi_department_head", head)
	return name


def make_kpi_employee(email: str, department: str, company: str = TEST_COMPANY) -> str:
	employee = make_employee(email, company=company)
	frappe.db.set_value("Employee", employee, "department", department)
	return employee


def make_kpi(code: str, **values) -> str:
	if not frappe.db.exists("KPI", code):
		frappe.get_doc(
			{
				"doctype": "KPI",
				"kpi_code": code,
				"kpi_name": values.pop("kpi_name", code),
				"scoring_method": values.pop("scoring_method", "Higher is Better"),
				"aggregation": values.pop("aggregation", "Sum"),
				"frequency": "Monthly",
				**values,
			}
		).insert(ignore_permissions=True)
	return code


def make_strategy(name: str = "_Test Strategy 2025", company: str = TEST_COMPANY, **values) -> str:
	if not frappe.db.exists("Strategy", name):
		frappe.get_doc(
			{
				"doctype": "Strategy",
				"strategy_name": name,
				"company": company,
				"from_date": getdate(f"{YEAR}-01-01"),
				"to_date": getdate(f"{YEAR}-12-31"),
				**values,
			}
		).insert(ignore_permissions=True)
	return name


def scorecard_doc(items: list[dict], **values):
	"""An unsaved company scorecard for the test year."""
	return frappe.get_doc(
		{
			"doctype": "KPI Scorecard",
			"scorecard_for": values.pop("scorecard_for", "Company"),
			"company": values.pop("company", TEST_COMPANY),
			"from_date": values.pop("from_date", f"{YEAR}-01-01"),
			"to_date": values.pop("to_date", f"{YEAR}-12-31"),
			"items": items,
			**values,
		}
	)


def make_user(email: str, *roles: str) -> str:
	"""A user (made if missing) holding `roles` besides any it has."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	if roles:
		frappe.get_doc("User", email).add_roles(*roles)
	return email


def user_with_roles(email: str, *roles: str) -> str:
	"""A user with exactly `roles`: made if missing, other roles taken away if it exists."""
	make_user(email)
	user = frappe.get_doc("User", email)
	user.set("roles", [{"role": role} for role in roles])
	user.save(ignore_permissions=True)
	return email


def today_is(module, day):
	"""Inject "today" into `module`: its `getdate()` without a date returns `day`, so a test's
	dates are relative to a fixed day instead of the day it runs (the 1st of a month, say)."""
	fixed = getdate(day)
	return patch.object(
		module,
		"getdate",
		lambda date=None, *args, **kwargs: getdate(date, *args, **kwargs) if date else fixed,
	)


class KPITestCase(FrappeTestCase):
	"""Each test starts from what setUpClass made: changes are rolled back to a savepoint.

	kpibsc's background jobs run at once in the test's transaction and are recorded in
	`self.jobs` (see `kpibsc.tests.jobs`); `test_jobs.py` runs them through a real worker."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.class_jobs = InlineJobs().start()  # jobs queued while setUpClass makes its data
		cls.addClassCleanup(cls.class_jobs.stop)

	def setUp(self):
		frappe.db.savepoint("kpibsc_test")
		self.jobs = InlineJobs().start()
		self.addCleanup(self.jobs.stop)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="kpibsc_test")
		# what a commit would have flushed: tasks saved in this test queue no recompute later
		frappe.local.flags.pop("kpibsc_task_scorecards", None)

	def flush_task_recompute(self):
		"""What the commit does after tasks were saved: queue the recompute of their scorecards
		(run at once here)."""
		from kpibsc.kpibsc.services.work import flush_pending_recompute

		flush_pending_recompute()
