"""Whole-numbered KPIs and pinned period targets on the real site (issue #14, items 3 and 4)."""

import frappe
from frappe.utils import getdate

from kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard import cascade
from kpibsc.kpibsc.services.engine_bridge import KPIScoringError
from kpibsc.tests.factories import (
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)


def targets_of(scorecard, kpi: str) -> list[tuple]:
	return [
		(str(row.period_start), row.target, row.pinned)
		for row in sorted(scorecard.targets, key=lambda row: getdate(row.period_start))
		if row.kpi == kpi
	]


class TestWholeNumbersAndPins(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("W-CUST", aggregation="Sum", unit="Customers")
		make_kpi("W-WIDGET", aggregation="Sum", unit="Widgets", whole_numbers=1)
		make_kpi("W-REV", aggregation="Sum", unit="VND")
		make_kpi("W-CALLS", aggregation="Average", unit="Count")
		cls.sales = make_department("KPI Whole Sales")
		cls.people = [make_kpi_employee(f"kpi.whole.{number}@example.com", cls.sales) for number in range(5)]

	def quarter(self, target=1500, kpi="W-REV", **values):
		return scorecard_doc(
			[{"kpi": kpi, "weight": 100, "target": target}],
			from_date="2025-01-01",
			to_date="2025-03-31",
			**values,
		).insert()

	# -- whole numbers ------------------------------------------------------------------------

	def test_fields_are_migrated(self):
		self.assertEqual(frappe.get_meta("KPI").get_field("whole_numbers").fieldtype, "Check")
		self.assertEqual(frappe.get_meta("KPI Scorecard Target").get_field("pinned").fieldtype, "Check")
		self.assertTrue(frappe.db.has_column("KPI", "whole_numbers"))
		self.assertTrue(frappe.db.has_column("KPI Scorecard Target", "pinned"))

	def test_a_counting_unit_ticks_whole_numbers(self):
		self.assertEqual(frappe.db.get_value("KPI", "W-CUST", "whole_numbers"), 1)
		self.assertEqual(frappe.db.get_value("KPI", "W-WIDGET", "whole_numbers"), 1)
		self.assertEqual(frappe.db.get_value("KPI", "W-REV", "whole_numbers"), 0)

	def test_48_customers_cascade_to_5_people_as_10_10_10_9_9(self):
		department = scorecard_doc(
			[{"kpi": "W-CUST", "weight": 100, "target": 48, "red_flag": 40, "cascade_mode": "Split Target"}],
			scorecard_for="Department",
			department=self.sales,
		).insert()
		summary = cascade(department.name, "Employee")
		self.assertEqual(summary["created"], 5)
		children = frappe.get_all(
			"KPI Scorecard", filters={"parent_scorecard": department.name}, fields=["name", "employee"]
		)
		by_employee = {
			child.employee: frappe.get_doc("KPI Scorecard", child.name)
			for child in sorted(children, key=lambda child: child.employee)
		}
		self.assertEqual(sorted(by_employee), sorted(self.people))
		items = [card.items[0] for card in by_employee.values()]
		self.assertEqual([item.target for item in items], [10, 10, 10, 9, 9])
		self.assertEqual([item.red_flag for item in items], [8] * 5)
		for card in by_employee.values():
			phased = [target for _start, target, _pinned in targets_of(card, "W-CUST")]
			# a child's 10 customers over 12 months: whole numbers that add up to 10
			self.assertEqual(sum(phased), card.items[0].target)
			self.assertTrue(all(target == int(target) for target in phased))
		self.assertEqual(
			[target for _s, target, _p in targets_of(by_employee[self.people[0]], "W-CUST")],
			[1] * 10 + [0] * 2,
		)

	def test_money_still_splits_to_cents(self):
		department = scorecard_doc(
			[{"kpi": "W-REV", "weight": 100, "target": 48, "cascade_mode": "Split Target"}],
			scorecard_for="Department",
			department=self.sales,
		).insert()
		cascade(department.name, "Employee")
		targets = frappe.get_all(
			"KPI Scorecard Item",
			filters={
				"parent": (
					"in",
					frappe.get_all("KPI Scorecard", {"parent_scorecard": department.name}, pluck="name"),
				)
			},
			pluck="target",
		)
		self.assertEqual(sorted(targets), [9.6] * 5)

	def test_whole_phasing_of_a_scorecard(self):
		card = scorecard_doc([{"kpi": "W-WIDGET", "weight": 100, "target": 100}]).insert()
		self.assertEqual([target for _s, target, _p in targets_of(card, "W-WIDGET")], [9] * 4 + [8] * 8)

	def test_a_fractional_count_is_refused(self):
		with self.assertRaisesRegex(KPIScoringError, "W-CUST is counted in whole Customers: 48.5"):
			self.quarter(48.5, kpi="W-CUST")

	def test_an_average_of_counts_may_be_fractional(self):
		card = self.quarter(12.5, kpi="W-CALLS")
		self.assertEqual([target for _s, target, _p in targets_of(card, "W-CALLS")], [12.5] * 3)

	# -- pinned periods -----------------------------------------------------------------------

	def pin(self, card, month: int, target: float, tick: bool = True):
		row = next(row for row in card.targets if getdate(row.period_start).month == month)
		row.target = target
		if tick:
			row.pinned = 1
		card.save()
		card.reload()
		return card

	def test_february_800_of_the_quarters_1500(self):
		card = self.pin(self.quarter(), 2, 800)
		self.assertEqual(
			targets_of(card, "W-REV"),
			[("2025-01-01", 350, 0), ("2025-02-01", 800, 1), ("2025-03-01", 350, 0)],
		)
		# stored, as the measurements and the recompute read it
		stored = frappe.get_all(
			"KPI Scorecard Target",
			filters={"parent": card.name},
			fields=["period_start", "target", "pinned"],
			order_by="period_start",
		)
		self.assertEqual([(row.target, row.pinned) for row in stored], [(350, 0), (800, 1), (350, 0)])

	def test_typing_a_target_pins_it(self):
		card = self.pin(self.quarter(), 2, 800, tick=False)
		self.assertEqual([pinned for _s, _t, pinned in targets_of(card, "W-REV")], [0, 1, 0])

	def test_pins_stay_when_the_target_changes_and_go_when_unticked(self):
		card = self.pin(self.quarter(), 2, 800)
		card.items[0].target = 1800
		card.save()
		self.assertEqual([target for _s, target, _p in targets_of(card, "W-REV")], [500, 800, 500])
		next(row for row in card.targets if row.pinned).pinned = 0
		card.save()
		self.assertEqual(targets_of(card, "W-REV"), [(f"2025-0{month}-01", 600, 0) for month in (1, 2, 3)])

	def test_pinned_by_days_with_whole_units(self):
		card = scorecard_doc([{"kpi": "W-CUST", "weight": 100, "target": 1000}], phasing="By Days").insert()
		card = self.pin(card, 12, 300)
		self.assertEqual(
			[target for _s, target, _p in targets_of(card, "W-CUST")],
			[65, 58, 65, 63, 65, 63, 65, 65, 63, 65, 63, 300],
		)

	def test_a_pin_lapses_when_its_period_goes(self):
		card = self.pin(self.quarter(), 1, 600)  # January 600, February and March 450
		self.assertEqual([target for _s, target, _p in targets_of(card, "W-REV")], [600, 450, 450])
		card.frequency = "Quarterly"  # one period from 1 January: not January's pin
		card.save()
		self.assertEqual(targets_of(card, "W-REV"), [("2025-01-01", 1500, 0)])

	def test_pins_beyond_the_target_are_refused(self):
		card = self.quarter()
		with self.assertRaisesRegex(
			KPIScoringError, "pinned targets add up to 1600.0, beyond the target 1500.0"
		):
			self.pin(card, 2, 1600)

	def test_a_recascade_keeps_a_childs_pins(self):
		department = scorecard_doc(
			[{"kpi": "W-CUST", "weight": 100, "target": 60, "cascade_mode": "Split Target"}],
			scorecard_for="Department",
			department=self.sales,
			from_date="2025-01-01",
			to_date="2025-03-31",
		).insert()
		cascade(department.name, "Employee")
		child_name = frappe.db.get_value(
			"KPI Scorecard", {"parent_scorecard": department.name, "employee": self.people[0]}
		)
		child = self.pin(frappe.get_doc("KPI Scorecard", child_name), 1, 6)  # 12 customers: 6, 3, 3
		self.assertEqual([target for _s, target, _p in targets_of(child, "W-CUST")], [6, 3, 3])
		department.reload()
		department.items[0].target = 75  # 15 each
		department.save()
		cascade(department.name, "Employee")
		child.reload()
		self.assertEqual(
			targets_of(child, "W-CUST"), [("2025-01-01", 6, 1), ("2025-02-01", 5, 0), ("2025-03-01", 4, 0)]
		)

	def test_a_period_phased_to_zero_is_not_scored_and_counts_in_the_year(self):
		"""8 customers a year in whole months leaves four months at 0: a customer won in such a
		month is stored and counts in the year to date, but that month is not scored (the demo's
		recompute stopped on it with 'the target is 0.0')."""
		from kpibsc.kpibsc.services.recompute import recompute

		card = scorecard_doc(
			[{"kpi": "W-CUST", "weight": 100, "target": 8}], from_date="2025-01-01", to_date="2025-12-31"
		).insert()
		zero_months = [row.period_start for row in card.targets if row.target == 0]
		self.assertEqual(len(zero_months), 4)
		month = zero_months[0]
		measurement = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": card.name, "period_start": month}
		)
		measurement.fill_items()
		measurement.items[0].actual = "1"
		measurement.insert().submit()
		recompute([card.name])
		result = frappe.db.get_value(
			"KPI Result",
			{"scorecard": card.name, "node_type": "KPI", "period_start": month},
			["actual", "has_actual", "status", "ytd_actual"],
			as_dict=True,
		)
		self.assertEqual((result.actual, result.has_actual, result.status), (1, 1, "No Data"))
		self.assertEqual(result.ytd_actual, 1)
