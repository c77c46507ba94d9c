"""A newcomer's first hour on a site without the demo: the workspace's guide (*Set up your
Balanced Scorecard*) ticks the steps whose work the site already holds, and HR users who are
not employees may open My Work, where the desk sends them (tier 3: tests/browser/test_newcomer.py).

Each test rolls back to a savepoint (KPITestCase).
"""

import json
from pathlib import Path

import frappe

from kpibsc.kpibsc.services.home import HOME_PAGE
from kpibsc.setup import onboarding
from kpibsc.tests.factories import KPITestCase, make_kpi, user_with_roles

GUIDE = Path(__file__).parents[1] / "kpibsc" / "module_onboarding" / "kpi_bsc" / "kpi_bsc.json"
LIBRARY_STEP = "KPI BSC Load KPI Library"


class TestOnboarding(KPITestCase):
	def setUp(self):
		super().setUp()
		# the guide as a new site has it: nothing ticked (the test's own change, rolled back)
		frappe.db.set_value("Module Onboarding", onboarding.ONBOARDING, "is_complete", 0)
		step = frappe.qb.DocType("Onboarding Step")
		frappe.qb.update(step).set(step.is_complete, 0).set(step.is_skipped, 0).where(
			step.name.isin(list(onboarding.DONE))
		).run()
		make_kpi("_T-NEWCOMER-1")  # the site holds a KPI, as after Load KPI Library

	def ticked(self, step: str) -> bool:
		return bool(frappe.db.get_value("Onboarding Step", step, "is_complete"))

	def test_the_guide_is_installed_with_the_steps_it_ticks(self):
		steps = [row["step"] for row in json.loads(GUIDE.read_text())["steps"]]
		self.assertEqual(len(steps), 7)
		self.assertEqual(
			[row.step for row in frappe.get_doc("Module Onboarding", onboarding.ONBOARDING).steps], steps
		)
		# every step the server ticks is one of the guide's; the report's is ticked on viewing it
		self.assertLessEqual(set(onboarding.DONE), set(steps))
		self.assertEqual(set(steps) - set(onboarding.DONE), {"KPI BSC View Balanced Scorecard"})

	def test_a_step_whose_work_exists_is_ticked_when_a_kpi_manager_opens_the_desk(self):
		frappe.set_user(user_with_roles("guide.manager@kpibsc.test", "KPI Manager"))
		onboarding.complete_done_steps()
		self.assertTrue(self.ticked(LIBRARY_STEP))
		self.assertTrue(frappe.local.flags.commit)  # boot is a GET: the tick must be committed
		frappe.local.flags.commit = False

	def test_skipped_steps_a_complete_guide_and_other_roles_are_left_alone(self):
		frappe.db.set_value("Onboarding Step", LIBRARY_STEP, "is_skipped", 1)
		onboarding.complete_done_steps()
		self.assertFalse(self.ticked(LIBRARY_STEP))

		frappe.db.set_value("Onboarding Step", LIBRARY_STEP, "is_skipped", 0)
		frappe.db.set_value("Module Onboarding", onboarding.ONBOARDING, "is_complete", 1)
		onboarding.complete_done_steps()
		self.assertFalse(self.ticked(LIBRARY_STEP))

		frappe.db.set_value("Module Onboarding", onboarding.ONBOARDING, "is_complete", 0)
		frappe.set_user(user_with_roles("guide.employee@kpibsc.test", "KPI User"))
		onboarding.complete_done_steps()
		self.assertFalse(self.ticked(LIBRARY_STEP))

	def test_hr_user_who_is_not_an_employee_may_open_my_work(self):
		"""The desk sends HR Managers and HR Users to My Work: a new HR Manager without an
		Employee (so without the Employee role) used to land on Not Permitted."""
		user = user_with_roles("guide.hr@kpibsc.test", "HR Manager", "HR User")
		frappe.set_user(user)
		self.assertNotIn("Employee", frappe.get_roles())
		self.assertTrue(frappe.get_doc("Page", HOME_PAGE).is_permitted())

		from kpibsc.kpibsc.page.my_work.my_work import get_home

		home = get_home()
		self.assertIsNone(home["work"])
		self.assertIn("reviews", home["home"])
		self.assertIn("pay_runs", home["home"])
