"""Scorecard Ranking opens on the user's company, not the site's."""

import frappe

from kpibsc.kpibsc.report.scorecard_ranking.scorecard_ranking import default_company
from kpibsc.tests.factories import KPITestCase, make_company, make_department, make_kpi_employee

OTHER_COMPANY = "_Test KPI Ranking Company"
USER = "kpi.ranking.user@example.com"
MANAGER = "kpi.ranking.manager@example.com"


class TestScorecardRanking(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_company(OTHER_COMPANY, "_TKRC")
		department = make_department("KPI Ranking Desk", company=OTHER_COMPANY)
		make_kpi_employee(USER, department, company=OTHER_COMPANY)
		frappe.get_doc("User", USER).add_roles("KPI User")

	def test_opens_on_the_employees_company(self):
		self.assertNotEqual(frappe.defaults.get_global_default("company"), OTHER_COMPANY)
		frappe.set_user(USER)
		self.assertEqual(default_company(), OTHER_COMPANY)

	def test_a_user_without_employee_gets_their_own_default(self):
		if not frappe.db.exists("User", MANAGER):
			frappe.get_doc(
				{"doctype": "User", "email": MANAGER, "first_name": "Ranking", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", MANAGER).add_roles("KPI Manager")
		frappe.defaults.set_user_default("company", OTHER_COMPANY, MANAGER)
		self.addCleanup(frappe.defaults.clear_user_default, "company", MANAGER)  # cached past rollback
		frappe.set_user(MANAGER)
		self.assertEqual(default_company(), OTHER_COMPANY)
