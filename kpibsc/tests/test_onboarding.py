"""A newcomer's first hour on a site without the demo: the workspace's guide (*Set up your
Balanced Scorecard*) is installed with steps that open screens that exist, and HR users who are
not employees may open My Work, where the desk sends them (tier 3: tests/browser/test_newcomer.py).

Each test rolls back to a savepoint (KPITestCase).
"""

import json
from pathlib import Path

import frappe

from kpibsc.kpibsc.services.home import HOME_PAGE
from kpibsc.tests.factories import KPITestCase, user_with_roles

GUIDE = Path(__file__).parents[1] / "kpibsc" / "module_onboarding" / "kpi_bsc" / "kpi_bsc.json"


class TestOnboarding(KPITestCase):
	def test_the_guide_is_installed_with_its_steps(self):
		guide = json.loads(GUIDE.read_text())
		steps = [row["step"] for row in guide["steps"]]
		self.assertEqual(len(steps), 7)
		doc = frappe.get_doc("Module Onboarding", guide["name"])
		self.assertEqual([row.step for row in doc.steps], steps)
		self.assertEqual(doc.module, "KPIBSC")
		# each step opens a screen that exists
		for name in steps:
			step = frappe.get_doc("Onboarding Step", name)
			if step.action == "Create Entry":
				self.assertTrue(frappe.db.exists("DocType", step.reference_document), name)
			elif step.action == "View Report":
				self.assertTrue(frappe.db.exists("Report", step.reference_report), name)
			else:
				self.assertEqual(step.action, "Go to Page", name)
				self.assertIn(step.path, ("kpi", "kpi-scorecard", "user"), name)

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
