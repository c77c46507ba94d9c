import frappe

from kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard import (
	DuplicateKPIError,
	OverlappingScorecardError,
	ScorecardWeightError,
)
from kpibsc.kpibsc.services.engine_bridge import KPIScoringError
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)


class TestKPIScorecard(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("T-REV", aggregation="Sum")
		make_kpi("T-OTD", aggregation="Average")
		make_kpi("T-COST", scoring_method="Lower is Better", aggregation="Sum")
		make_kpi("T-TEMP", scoring_method="Target Range", aggregation="Average")
		make_kpi("T-SAFE", scoring_method="Thresholds", aggregation="Average")
		cls.sales = make_department("KPI Test Sales")

	def test_company_scorecard_phases_sum_targets_and_repeats_rates(self):
		scorecard = scorecard_doc(
			[
				{"kpi": "T-REV", "weight": 60, "target": 1200},
				{"kpi": "T-OTD", "weight": 40, "target": 95},
			]
		).insert()
		revenue = [row.target for row in scorecard.targets if row.kpi == "T-REV"]
		on_time = [row.target for row in scorecard.targets if row.kpi == "T-OTD"]
		self.assertEqual(revenue, [100.0] * 12)
		self.assertEqual(on_time, [95.0] * 12)
		self.assertEqual(scorecard.total_weight, 100)
		self.assertEqual(scorecard.title, f"{TEST_COMPANY} 2025")

	def test_phasing_by_days_keeps_the_total(self):
		scorecard = scorecard_doc(
			[{"kpi": "T-REV", "weight": 100, "target": 1000}], phasing="By Days"
		).insert()
		targets = [row.target for row in scorecard.targets]
		self.assertAlmostEqual(sum(targets), 1000, places=6)
		self.assertAlmostEqual(targets[1], 76.71, delta=0.011)  # February: 28 of 365 days

	def test_phasing_by_monthly_distribution(self):
		name = "_Test KPI Year End Heavy"
		if not frappe.db.exists("Monthly Distribution", name):
			distribution = frappe.new_doc("Monthly Distribution")
			distribution.distribution_id = name
			distribution.get_months()
			for row in distribution.percentages:
				row.percentage_allocation = 45 if row.month == "December" else 5
			distribution.insert()
		scorecard = scorecard_doc(
			[{"kpi": "T-REV", "weight": 100, "target": 1000}],
			phasing="Monthly Distribution",
			monthly_distribution=name,
		).insert()
		targets = [row.target for row in scorecard.targets]
		self.assertEqual(targets[0], 50)
		self.assertEqual(targets[11], 450)

	def test_resaving_keeps_target_rows_so_history_shows_real_changes(self):
		scorecard = scorecard_doc([{"kpi": "T-REV", "weight": 100, "target": 1200}]).insert()
		rows = [row.name for row in scorecard.targets]
		scorecard.items[0].target = 2400
		scorecard.save()
		self.assertEqual([row.name for row in scorecard.targets], rows)
		# same row names: the Version diff lists 12 changed targets, not 12 removed and 12 added
		self.assertEqual([row.target for row in scorecard.targets], [200.0] * 12)

	def test_quarterly_frequency(self):
		scorecard = scorecard_doc(
			[{"kpi": "T-REV", "weight": 100, "target": 1000}], frequency="Quarterly"
		).insert()
		self.assertEqual([row.target for row in scorecard.targets], [250.0] * 4)

	def test_department_and_employee_scorecards(self):
		department = scorecard_doc(
			[{"kpi": "T-REV", "weight": 100, "target": 500}],
			scorecard_for="Department",
			department=self.sales,
		).insert()
		self.assertEqual(department.title, f"{self.sales} 2025")
		employee = make_kpi_employee("kpi.seller@example.com", self.sales)
		personal = scorecard_doc(
			[{"kpi": "T-REV", "weight": 100, "target": 100}], scorecard_for="Employee", employee=employee
		).insert()
		self.assertEqual(personal.department, self.sales)

	def test_weights_must_add_up_unless_normalised(self):
		items = [{"kpi": "T-REV", "weight": 30, "target": 1}, {"kpi": "T-OTD", "weight": 30, "target": 1}]
		self.assertRaises(ScorecardWeightError, scorecard_doc(items).insert)
		scorecard = scorecard_doc(items, normalise_weights=1).insert()
		self.assertEqual([item.weight for item in scorecard.items], [50, 50])

	def test_negative_weight_refused(self):
		items = [{"kpi": "T-REV", "weight": 110, "target": 1}, {"kpi": "T-OTD", "weight": -10, "target": 1}]
		self.assertRaises(ScorecardWeightError, scorecard_doc(items).insert)

	def test_same_kpi_twice_refused(self):
		items = [{"kpi": "T-REV", "weight": 50, "target": 1}, {"kpi": "T-REV", "weight": 50, "target": 2}]
		self.assertRaises(DuplicateKPIError, scorecard_doc(items).insert)

	def test_overlapping_scorecard_for_the_same_owner_refused(self):
		scorecard_doc([{"kpi": "T-REV", "weight": 100, "target": 1}]).insert()
		overlapping = scorecard_doc(
			[{"kpi": "T-REV", "weight": 100, "target": 1}], from_date="2025-06-01", to_date="2026-05-31"
		)
		self.assertRaises(OverlappingScorecardError, overlapping.insert)
		# the next year does not overlap
		scorecard_doc(
			[{"kpi": "T-REV", "weight": 100, "target": 1}], from_date="2026-01-01", to_date="2026-12-31"
		).insert()

	def test_zero_target_refused_where_the_method_divides_by_it(self):
		self.assertRaises(
			KPIScoringError, scorecard_doc([{"kpi": "T-REV", "weight": 100, "target": 0}]).insert
		)
		# lower is better accepts a zero target (zero accidents)
		scorecard_doc([{"kpi": "T-COST", "weight": 100, "target": 0}]).insert()

	def test_range_kpi_needs_its_band(self):
		self.assertRaises(
			KPIScoringError, scorecard_doc([{"kpi": "T-TEMP", "weight": 100, "target": 20}]).insert
		)
		scorecard = scorecard_doc(
			[{"kpi": "T-TEMP", "weight": 100, "target": 20, "lower_bound": 18, "upper_bound": 22}]
		).insert()
		self.assertEqual(scorecard.items[0].upper_bound, 22)

	def test_thresholds_in_the_wrong_order_refused(self):
		wrong = scorecard_doc([{"kpi": "T-SAFE", "weight": 100, "target": 90, "red_flag": 80, "stretch": 85}])
		with self.assertRaises(KPIScoringError) as error:
			wrong.insert()
		self.assertIn("Row 1", str(error.exception))
		scorecard_doc(
			[{"kpi": "T-SAFE", "weight": 100, "target": 90, "red_flag": 80, "stretch": 95}]
		).insert()

	def test_period_must_run_forwards(self):
		backwards = scorecard_doc(
			[{"kpi": "T-REV", "weight": 100, "target": 1}], from_date="2025-12-31", to_date="2025-01-01"
		)
		self.assertRaises(frappe.ValidationError, backwards.insert)
