"""kpibsc's P1/P2/P3 Salary Components after something deleted them (HRMS's own tests delete
every Salary Component; a user may too): pay runs and policies refuse with an error that names
the component and how to restore it, and `after_migrate` makes what is missing again without
touching what exists.

Each test deletes a component inside its own transaction (rows only, no DDL) and rolls back to
a savepoint (KPITestCase); tearDown makes sure the components are back all the same.
"""

import frappe

from kpibsc.kpibsc.services import pay
from kpibsc.setup import install
from kpibsc.tests.factories import TEST_COMPANY, KPITestCase, make_company

P1 = "KPI Position Pay (P1)"
P2 = "KPI Person Pay (P2)"
P3 = "KPI Performance Pay (P3)"
SETTINGS = "KPI BSC Settings"


class TestPayComponents(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()

	def setUp(self):
		super().setUp()
		for field, name in (("p1_component", P1), ("p2_component", P2), ("p3_component", P3)):
			frappe.db.set_single_value(SETTINGS, field, name)
		install.restore_salary_components()  # a site whose components an earlier suite deleted
		frappe.clear_document_cache(SETTINGS, SETTINGS)

	def tearDown(self):
		super().tearDown()
		frappe.clear_document_cache(SETTINGS, SETTINGS)
		frappe.clear_messages()
		if not all(frappe.db.exists("Salary Component", name) for name in (P1, P2, P3)):
			# something committed the test's deletion: put the components back for the next tests
			install.restore_salary_components()
			frappe.db.commit()  # nosemgrep: restores what this test deleted

	def delete_component(self, name: str):
		frappe.delete_doc("Salary Component", name, force=True, ignore_permissions=True)
		frappe.clear_document_cache(SETTINGS, SETTINGS)
		self.assertFalse(frappe.db.exists("Salary Component", name))

	def test_a_missing_component_is_named_with_how_to_restore_it(self):
		self.delete_component(P2)
		with self.assertRaises(pay.PayRunError) as caught:
			pay.components()
		message = str(caught.exception)
		self.assertIn(P2, message)
		self.assertIn("(P2)", message)
		self.assertIn(f"bench --site {frappe.local.site} migrate", message)
		self.assertIn("KPI BSC Settings", message)
		self.assertNotIn(P1, message)  # the components that exist are not blamed

	def test_pay_policy_and_pay_run_refuse_and_write_nothing(self):
		policy = frappe.get_doc(
			{
				"doctype": "KPI Pay Policy",
				"policy_name": "_Test Components Policy",
				"company": TEST_COMPANY,
				"effective_from": "2031-01-01",
			}
		).insert()
		self.delete_component(P3)

		policy.p3_base = 1000
		with self.assertRaisesRegex(pay.PayRunError, r"KPI Performance Pay \(P3\)"):
			policy.save()
		self.assertEqual(frappe.db.get_value("KPI Pay Policy", policy.name, "p3_base"), 0)

		with self.assertRaisesRegex(pay.PayRunError, r"KPI Performance Pay \(P3\)"):
			frappe.get_doc(
				{
					"doctype": "KPI Pay Run",
					"company": TEST_COMPANY,
					"from_date": "2031-01-01",
					"to_date": "2031-01-31",
				}
			).insert()
		self.assertFalse(
			frappe.db.exists("KPI Pay Run", {"company": TEST_COMPANY, "from_date": "2031-01-01"})
		)

	def test_after_migrate_makes_the_missing_components_again(self):
		self.delete_component(P1)
		self.delete_component(P3)
		frappe.db.set_single_value(SETTINGS, "p3_component", None)  # and its setting cleared

		install.after_migrate()

		for name, abbr, description in (
			(P1, "KPI_P1", "Pay for the position: designation and grade."),
			(P3, "KPI_P3", "Pay for performance: rank band or KPI score."),
		):
			component = frappe.get_doc("Salary Component", name)
			self.assertEqual(component.salary_component_abbr, abbr)
			self.assertEqual(component.type, "Earning")
			self.assertEqual(component.description, description)
			self.assertEqual(component.depends_on_payment_days, 0)
			self.assertEqual(component.is_tax_applicable, 1)
			self.assertEqual(component.remove_if_zero_valued, 1)
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "p1_component"), P1)
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "p3_component"), P3)
		self.assertEqual(set(pay.components().values()), {P1, P2, P3})

	def test_after_migrate_keeps_what_the_user_made(self):
		# HR customised kpibsc's P2 and chose a component of their own for P1, then deleted it
		frappe.db.set_value(
			"Salary Component", P2, {"description": "Our own wording", "is_tax_applicable": 0}
		)
		own = (
			frappe.get_doc(
				{
					"doctype": "Salary Component",
					"salary_component": "_Test Own Position Pay",
					"salary_component_abbr": "_TOPP",
					"type": "Earning",
				}
			)
			.insert()
			.name
		)
		frappe.db.set_single_value(SETTINGS, "p1_component", own)
		self.delete_component(own)
		self.delete_component(P1)

		install.after_migrate()

		self.assertEqual(
			frappe.db.get_value("Salary Component", P2, ["description", "is_tax_applicable"]),
			("Our own wording", 0),
		)
		# HR's choice stays theirs: kpibsc's P1 is not needed, so not made again
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "p1_component"), own)
		self.assertFalse(frappe.db.exists("Salary Component", P1))
		frappe.clear_document_cache(SETTINGS, SETTINGS)
		with self.assertRaises(pay.PayRunError) as caught:
			pay.components()
		message = str(caught.exception)
		self.assertIn(own, message)
		self.assertIn("Create it again, or choose another component for P1", message)
