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
