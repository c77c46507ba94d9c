"""Targets suggested from last period (#18): an employee's actuals of last year, entered and
approved as usual, suggest this year's draft targets, improved by a percentage; applying sets
the chosen items' targets (phased by the scorecard's save) and nothing else; only a draft, and
only for who may edit it."""

import frappe

from kpibsc.kpibsc.services.baseline import apply_suggested_targets, suggest_targets, suggestions
from kpibsc.tests.factories import (
	YEAR,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
	user_with_roles,
)
from kpibsc.tests.http import call

REVENUE, DEFECTS = "_T-BASE-REV", "_T-BASE-DEF"
OUTSIDER = "kpi.base.outsider@example.com"


class TestBaselineTargets(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi(REVENUE, aggregation="Sum")
		make_kpi(DEFECTS, aggregation="Sum", scoring_method="Lower is Better", unit="Count")
		department = make_department("KPI Baseline Desk")
		employee = make_kpi_employee("kpi.base.seller@example.com", department)
		user_with_roles(OUTSIDER, "KPI User")
		items = [{"kpi": REVENUE, "weight": 60, "target": 1200}, {"kpi": DEFECTS, "weight": 40, "target": 30}]
		last_year = scorecard_doc(
			items,
			scorecard_for="Employee",
			employee=employee,
			from_date=f"{YEAR - 1}-01-01",
			to_date=f"{YEAR - 1}-12-31",
		).insert()
		# January to March reported (revenue 100 + 120 + 80 = 300, defects 11 + 7 + 8 = 26)
		for month, revenue, defects in (("01", 100, 11), ("02", 120, 7), ("03", 80, 8)):
			measurement = frappe.get_doc(
				{
					"doctype": "KPI Measurement",
					"scorecard": last_year.name,
					"period_start": f"{YEAR - 1}-{month}-01",
				}
			)
			measurement.fill_items()
			for row in measurement.items:
				row.actual = str(revenue if row.kpi == REVENUE else defects)
			measurement.insert().submit()
		cls.draft = scorecard_doc(
			[dict(item) for item in items], scorecard_for="Employee", employee=employee
		).insert()

	def test_suggestions_by_hand(self):
		found = {row["kpi"]: row for row in suggestions(self.draft, 20)}
		# revenue: 300 last year, 20% more = 360
		self.assertEqual((found[REVENUE]["baseline"], found[REVENUE]["suggested"]), (300, 360))
		self.assertIn("3 periods reported", found[REVENUE]["basis"])
		self.assertIn("20", found[REVENUE]["basis"])
		# defects (lower is better, counted in whole units): 26, 20% fewer = 20.8 -> 21
		self.assertEqual((found[DEFECTS]["baseline"], found[DEFECTS]["suggested"]), (26, 21))

	def test_apply_sets_only_the_chosen_items_and_phases_them(self):
		self.assertEqual(apply_suggested_targets(self.draft.name, 20, [REVENUE]), {"changed": 1})
		doc = frappe.get_doc("KPI Scorecard", self.draft.name)
		items = {item.kpi: item.target for item in doc.items}
		self.assertEqual(items, {REVENUE: 360, DEFECTS: 30})
		phased = [row.target for row in doc.targets if row.kpi == REVENUE]
		self.assertEqual(len(phased), 12)
		self.assertAlmostEqual(sum(phased), 360, 6)

	def test_only_a_draft_and_only_for_who_may_edit_it(self):
		frappe.db.set_value("KPI Scorecard", self.draft.name, "status", "Active")
		with self.assertRaises(frappe.ValidationError):
			apply_suggested_targets(self.draft.name, 20, [REVENUE])
		frappe.db.set_value("KPI Scorecard", self.draft.name, "status", "Draft")

		frappe.set_user(OUTSIDER)  # another employee: may not read this scorecard
		with self.assertRaises(frappe.PermissionError):
			suggest_targets(self.draft.name, 20)
		frappe.set_user("Administrator")
		path = "/api/method/kpibsc.kpibsc.services.baseline.apply_suggested_targets"
		payload = {"scorecard": self.draft.name, "growth_percent": 20, "kpis": [REVENUE, DEFECTS]}
		self.assertEqual(call(OUTSIDER, "POST", path, payload).status, 403)
		self.assertEqual(call("Administrator", "GET", path, query={**payload, "kpis": "[]"}).status, 403)
		targets = dict(
			frappe.get_all(
				"KPI Scorecard Item",
				filters={"parent": self.draft.name},
				fields=["kpi", "target"],
				as_list=True,
			)
		)
		self.assertEqual(targets, {REVENUE: 1200, DEFECTS: 30})


CUSTOMERS, MARGIN = "_T-SPLIT-CUST", "_T-SPLIT-MARGIN"


class TestParentSplitTargets(KPITestCase):
	"""Suggest from Parent Scorecard: the share the parent's cascade would give this owner,
	among everyone the parent cascades to, written nowhere until applied."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi(CUSTOMERS, aggregation="Sum", unit="Customers", whole_numbers=1)
		make_kpi(MARGIN, aggregation="Average")
		department = make_department("KPI Split Desk")
		cls.sellers = [
			make_kpi_employee(f"kpi.split.seller{number}@example.com", department) for number in (1, 2, 3)
		]
		cls.parent = scorecard_doc(
			[
				{"kpi": CUSTOMERS, "weight": 70, "target": 100, "cascade_mode": "Split Target"},
				{"kpi": MARGIN, "weight": 30, "target": 25, "cascade_mode": "Same Target"},
			],
			scorecard_for="Department",
			department=department,
		).insert()
		ordered = sorted(cls.sellers)  # the cascade orders employees by ID
		cls.first, cls.last = ordered[0], ordered[-1]
		cls.children = {}
		for employee in (cls.first, cls.last):
			child = scorecard_doc(
				[
					{"kpi": CUSTOMERS, "weight": 70, "target": 1},
					{"kpi": MARGIN, "weight": 30, "target": 1},
				],
				scorecard_for="Employee",
				employee=employee,
			).insert()
			# as the cascade links its children (the field is the server's, not the form's)
			child.db_set("parent_scorecard", cls.parent.name)
			cls.children[employee] = child

	def test_split_by_hand(self):
		# 100 customers among 3 sellers in whole units: 34, 33, 33 (the first in ID order
		# takes the unit left over); the average margin is not split: 25 each
		first = {row["kpi"]: row for row in suggestions(self.children[self.first], basis="Parent Split")}
		last = {row["kpi"]: row for row in suggestions(self.children[self.last], basis="Parent Split")}
		self.assertEqual((first[CUSTOMERS]["suggested"], last[CUSTOMERS]["suggested"]), (34, 33))
		self.assertEqual((first[MARGIN]["suggested"], last[MARGIN]["suggested"]), (25, 25))
		self.assertIn(self.parent.name, first[CUSTOMERS]["basis"])
		self.assertIn("3", first[CUSTOMERS]["basis"])

	def test_apply_from_the_parent(self):
		child = self.children[self.last]
		self.assertEqual(
			apply_suggested_targets(child.name, 0, [CUSTOMERS, MARGIN], basis="Parent Split"),
			{"changed": 2},
		)
		stored = dict(
			frappe.get_all(
				"KPI Scorecard Item", filters={"parent": child.name}, fields=["kpi", "target"], as_list=True
			)
		)
		self.assertEqual(stored, {CUSTOMERS: 33, MARGIN: 25})
		# the parent and the other child are untouched
		self.assertEqual(
			frappe.db.get_value(
				"KPI Scorecard Item", {"parent": self.parent.name, "kpi": CUSTOMERS}, "target"
			),
			100,
		)
		self.assertEqual(
			frappe.db.get_value(
				"KPI Scorecard Item", {"parent": self.children[self.first].name, "kpi": CUSTOMERS}, "target"
			),
			1,
		)

	def test_no_parent_and_bad_basis(self):
		orphan = scorecard_doc(
			[{"kpi": CUSTOMERS, "weight": 100, "target": 5}],
			scorecard_for="Employee",
			employee=self.sellers[1],
			from_date=f"{YEAR + 1}-01-01",
			to_date=f"{YEAR + 1}-12-31",
		).insert()
		with self.assertRaisesRegex(frappe.ValidationError, "no parent scorecard"):
			suggestions(orphan, basis="Parent Split")
		with self.assertRaises(frappe.ValidationError):
			suggestions(self.children[self.first], basis="Next Year")
		with self.assertRaises(frappe.ValidationError):
			suggestions(self.children[self.first], basis="Parent Split", split_basis="By Mood")
