"""KPI Pay Budget: a period's pay budget per department, as the pay-cost simulation reads it."""

import frappe

from kpibsc.kpibsc.services.pay_cost import PayCostError, budget_figures
from kpibsc.tests.factories import TEST_COMPANY, KPITestCase, make_company, make_department


def budget(name: str, departments: list, **values):
	return frappe.get_doc(
		{
			"doctype": "KPI Pay Budget",
			"budget_name": name,
			"company": TEST_COMPANY,
			"from_date": "2025-01-01",
			"to_date": "2025-01-31",
			"departments": [
				{"department": department, "budget": amount} for department, amount in departments
			],
			**values,
		}
	)


class TestKPIPayBudget(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		cls.sales = make_department("KPI Budget Sales")
		cls.ops = make_department("KPI Budget Ops")

	def test_figures_per_department_and_total(self):
		name = (
			budget("_Test KPI Budget Jan", [(self.sales, 18_000_000), (self.ops, 15_000_000)]).insert().name
		)
		self.assertEqual(
			budget_figures(name, TEST_COMPANY), ({self.sales: 18_000_000, self.ops: 15_000_000}, None)
		)
		frappe.db.set_value("KPI Pay Budget", name, "total_budget", 30_000_000)
		self.assertEqual(budget_figures(name, TEST_COMPANY)[1], 30_000_000)
		with self.assertRaises(PayCostError):  # another company's budget
			budget_figures(name, "_Test Company")

	def test_refused(self):
		with self.assertRaises(frappe.ValidationError):
			budget("_Test KPI Budget Backwards", [], to_date="2024-12-31").insert()
		with self.assertRaises(frappe.ValidationError):
			budget("_Test KPI Budget Twice", [(self.sales, 1), (self.sales, 2)]).insert()
