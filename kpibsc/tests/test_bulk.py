"""The bulk writer's SQL literals round-trip every kind of value."""

import datetime

import frappe

from kpibsc.kpibsc.services.bulk import insert_rows
from kpibsc.tests.factories import KPITestCase

AWKWARD = ["it's", 'say "hi"', "back\\slash", "50% %s", "two\nlines", "Nguyễn Văn An", "tab\there", "", "\\'"]


class TestBulkInsert(KPITestCase):
	def test_values_come_back_as_written(self):
		rows = [
			frappe._dict(
				name=f"_T-BULK-{index}",
				scorecard=text,
				kpi=None,
				node_type="KPI",
				period_start=datetime.date(2025, 1 + index % 12, 1),
				target=[0.1, 1e11, -5.25, 123456789.123, None][index % 5],
				has_actual=index % 2,
			)
			for index, text in enumerate(AWKWARD)
		]
		insert_rows("KPI Result", rows)
		stored = frappe.get_all(
			"KPI Result",
			filters={"name": ("like", "_T-BULK-%")},
			fields=["name", "scorecard", "kpi", "period_start", "target", "has_actual"],
			order_by="name",
		)
		by_name = {row.name: row for row in stored}
		for row in rows:
			back = by_name[row.name]
			self.assertEqual(back.scorecard, row.scorecard)
			self.assertIsNone(back.kpi)
			self.assertEqual(back.period_start, row.period_start)
			self.assertEqual(back.target, row.target or 0)  # a NOT NULL number column stores 0
			self.assertEqual(back.has_actual, row.has_actual)
