"""The indexes the large reads rely on exist on the installed site (made by each DocType's
`on_doctype_update` at install and migrate)."""

import frappe
from frappe.tests.utils import FrappeTestCase

INDEXES = (
	("tabKPI Measurement", "scorecard_period_start_index"),
	("tabKPI Scorecard", "parent_scorecard_index"),
	("tabKPI Scorecard Target", "period_start_parent_index"),
)


class TestIndexes(FrappeTestCase):
	def test_the_large_reads_have_their_indexes(self):
		for table, index in INDEXES:
			with self.subTest(table=table):
				self.assertTrue(frappe.db.has_index(table, index), f"{table} has no {index}")

	def test_a_scorecards_measurements_are_read_through_the_index(self):
		plan = frappe.db.sql(
			"explain select name from `tabKPI Measurement` where scorecard = %s and period_start = %s",
			("KSC-none", "2026-01-01"),
			as_dict=True,
		)
		self.assertIn("scorecard_period_start_index", plan[0].get("possible_keys") or "")
