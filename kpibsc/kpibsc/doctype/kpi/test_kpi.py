import frappe

from kpibsc.kpibsc.services.engine_bridge import KPIScoringError
from kpibsc.tests.factories import KPITestCase


def kpi_doc(code: str, **values):
	return frappe.get_doc({"doctype": "KPI", "kpi_code": code, "kpi_name": code, **values})


class TestKPI(KPITestCase):
	def test_smart_completeness(self):
		kpi = kpi_doc(
			"T-SMART",
			desired_outcome="More revenue",
			why_it_matters="Growth",
			how_measured="Sales Invoices",
			review_frequency="Monthly",
		).insert()
		self.assertEqual(kpi.smart_completeness, round(400 / 7, 1))
		kpi.how_influenced, kpi.responsible, kpi.achievement_evidence = "Calls", "Sales Manager", "Ledger"
		kpi.save()
		self.assertEqual(kpi.smart_completeness, 100)

	def test_formula_is_checked_on_save(self):
		kpi_doc("T-F-OK", scoring_method="Formula", formula="min(actual / target, 1.2)").insert()
		for formula in ("__import__('os')", "actual.real", "salary * 2", "actual ** 999"):
			with self.assertRaises(KPIScoringError, msg=formula):
				kpi_doc(f"T-F-{abs(hash(formula))}", scoring_method="Formula", formula=formula).insert()

	def test_step_bands_are_checked_on_save(self):
		kpi_doc(
			"T-STEP-OK",
			scoring_method="Step Bands",
			step_bands=[{"achievement_from": 100, "score": 100}, {"achievement_from": 95, "score": 60}],
		).insert()
		decreasing = kpi_doc(
			"T-STEP-BAD",
			scoring_method="Step Bands",
			step_bands=[{"achievement_from": 100, "score": 50}, {"achievement_from": 95, "score": 60}],
		)
		self.assertRaises(KPIScoringError, decreasing.insert)
		self.assertRaises(KPIScoringError, kpi_doc("T-STEP-NONE", scoring_method="Step Bands").insert)

	def test_reversed_band_refused(self):
		reversed_band = kpi_doc("T-RANGE", scoring_method="Target Range", lower_bound=10, upper_bound=5)
		self.assertRaises(frappe.ValidationError, reversed_band.insert)
