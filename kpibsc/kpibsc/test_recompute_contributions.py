"""The company scorecard's recompute without reading every employee's rows: the leaves of the
cascade (scorecards with no children of their own) come summed and counted by MariaDB, and the
*Contributes* actuals stored are those worked out by hand and those of the old path, which read
every descendant in full (`read(targets | descendants(targets))`)."""

import frappe
from frappe.utils import getdate

from kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard import cascade
from kpibsc.kpibsc.services import recompute as recompute_service
from kpibsc.tests.factories import (
	TEST_COMPANY,
	YEAR,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)

JANUARY, FEBRUARY = getdate(f"{YEAR}-01-01"), getdate(f"{YEAR}-02-01")


def children_of(parent: str, field: str) -> dict[str, str]:
	return dict(
		frappe.get_all(
			"KPI Scorecard", filters={"parent_scorecard": parent}, fields=[field, "name"], as_list=True
		)
	)


class TestRecomputeContributions(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("RC-REV", aggregation="Sum")
		make_kpi("RC-OTD", aggregation="Average", unit="%")
		make_kpi("RC-DONE", aggregation="Average", unit="%", data_source="Task Based")
		north, south, east = (make_department(f"KPI Contrib {name}") for name in ("North", "South", "East"))
		cls.staff = {
			key: make_kpi_employee(f"kpi.contrib.{key}@example.com", department)
			for key, department in (("n1", north), ("n2", north), ("s1", south), ("s2", south), ("s3", south))
		}
		# the company's three items take their actuals from the departments'
		cls.company = (
			scorecard_doc(
				[
					{"kpi": "RC-REV", "weight": 50, "target": 1200, "cascade_mode": "Contributes"},
					{"kpi": "RC-OTD", "weight": 30, "target": 90, "cascade_mode": "Contributes"},
					{"kpi": "RC-DONE", "weight": 20, "target": 80, "cascade_mode": "Contributes"},
				]
			)
			.insert()
			.name
		)
		cascade(cls.company, "Department", units=[north, south, east])
		departments = children_of(cls.company, "department")
		cls.north, cls.south, cls.east = departments[north], departments[south], departments[east]
		# North and South take theirs from their people; East has none and reports its own
		for name, people in ((cls.north, ("n1", "n2")), (cls.south, ("s1", "s2", "s3"))):
			doc = frappe.get_doc("KPI Scorecard", name)
			for item in doc.items:
				item.cascade_mode = "Contributes"
			doc.save()
			cascade(name, "Employee", units=[cls.staff[key] for key in people])
		cards = {**children_of(cls.north, "employee"), **children_of(cls.south, "employee")}
		cls.cards = {key: cards[employee] for key, employee in cls.staff.items()}

		# January approved: everyone reports revenue, s2 no on-time delivery
		january = {
			"n1": {"RC-REV": 10, "RC-OTD": 80},
			"n2": {"RC-REV": 20, "RC-OTD": 90},
			"s1": {"RC-REV": 5, "RC-OTD": 70},
			"s2": {"RC-REV": 7},
			"s3": {"RC-REV": 3, "RC-OTD": 94},
		}
		for key, actuals in january.items():
			cls.approve(cls.cards[key], actuals)
		cls.approve(cls.east, {"RC-REV": 100, "RC-OTD": 60})
		# February not approved: done-rate from the tasks, live
		cls.task("n1", done=True)
		cls.task("n1", done=False)
		cls.task("n2", done=True)
		cls.task("s1", done=False)

	@classmethod
	def approve(cls, scorecard: str, actuals: dict):
		measurement = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": scorecard, "period_start": JANUARY}
		)
		measurement.fill_items()
		for row in measurement.items:
			if row.kpi in actuals:
				row.actual = str(actuals[row.kpi])
		measurement.insert()
		measurement.submit()

	@classmethod
	def task(cls, key: str, done: bool):
		due = getdate(f"{YEAR}-02-10")
		frappe.get_doc(
			{
				"doctype": "Task",
				"subject": f"Contribution {key}",
				"company": TEST_COMPANY,
				"exp_start_date": due,
				"exp_end_date": due,
				"kpi_scorecard": cls.cards[key],
				"kpi": "RC-DONE",
				"status": "Completed" if done else "Open",
				"completed_on": due if done else None,
			}
		).insert()

	def stored_actual(self, scorecard: str, kpi: str, period) -> float | None:
		return frappe.db.get_value(
			"KPI Result",
			{"scorecard": scorecard, "kpi": kpi, "period_start": period, "node_type": "KPI"},
			"actual",
		)

	def test_contributed_actuals_as_worked_out_by_hand(self):
		recompute_service.recompute([self.company])
		# revenue summed: North 10 + 20, South 5 + 7 + 3, East its own 100
		self.assertEqual(self.stored_actual(self.company, "RC-REV", JANUARY), 145)
		# on-time delivery averaged over the direct children, North (80 + 90) / 2 = 85, South
		# (70 + 94) / 2 = 82 without s2's missing one, East 60: (85 + 82 + 60) / 3, not the mean
		# of the five people and East (78.8)
		self.assertAlmostEqual(self.stored_actual(self.company, "RC-OTD", JANUARY), 227 / 3, places=6)
		# February's done-rates from the tasks: n1 1 of 2, n2 1 of 1 → North 75; s1 0 of 1 → South
		# 0 (s2, s3 have no tasks, East neither): (75 + 0) / 2
		self.assertAlmostEqual(self.stored_actual(self.company, "RC-DONE", FEBRUARY), 37.5, places=6)

	def test_departments_from_their_people(self):
		recompute_service.recompute([self.north, self.south])
		self.assertEqual(self.stored_actual(self.north, "RC-REV", JANUARY), 30)
		self.assertEqual(self.stored_actual(self.south, "RC-REV", JANUARY), 15)
		self.assertEqual(self.stored_actual(self.north, "RC-OTD", JANUARY), 85)
		self.assertEqual(self.stored_actual(self.south, "RC-OTD", JANUARY), 82)
		self.assertEqual(self.stored_actual(self.north, "RC-DONE", FEBRUARY), 75)
		self.assertEqual(self.stored_actual(self.south, "RC-DONE", FEBRUARY), 0)

	def test_same_results_as_reading_every_descendant(self):
		# the company alone, and an employee with its ancestors (its siblings summed)
		for targets in ({self.company}, recompute_service.ancestors_and_self([self.cards["s1"]])):
			with self.subTest(targets=sorted(targets)):
				family = targets | recompute_service.descendants(targets)
				old = recompute_service.score(recompute_service.read(family), targets)
				new = recompute_service.score(recompute_service.read_with_contributions(targets), targets)
				self.assertEqual(len(new), len(old))
				self.assertFalse(old.empty)
				self.assertEqual(canonical(new), canonical(old))

	def test_query_count_stays_flat_with_more_employees(self):
		recompute_service.recompute([self.company])  # caches warm (KPIs, policies)
		before = queries_of(lambda: recompute_service.recompute([self.company]))
		more = [
			make_kpi_employee(f"kpi.contrib.more{number}@example.com", make_department("KPI Contrib South"))
			for number in range(3)
		]
		cascade(self.south, "Employee", units=[self.staff[key] for key in ("s1", "s2", "s3")] + more)
		for name in children_of(self.south, "employee").values():
			if name not in self.cards.values():
				self.approve(name, {"RC-REV": 1, "RC-OTD": 100})
		self.assertEqual(queries_of(lambda: recompute_service.recompute([self.company])), before)
		# three more people with 1 each; South's on-time (70 + 94 + 3 × 100) / 5 = 92.8
		self.assertEqual(self.stored_actual(self.company, "RC-REV", JANUARY), 148)
		self.assertAlmostEqual(
			self.stored_actual(self.company, "RC-OTD", JANUARY), (85 + 92.8 + 60) / 3, places=6
		)


def canonical(results) -> list[tuple]:
	"""The results as comparable rows: floats rounded as KPI Result stores them (9 places)."""
	columns = sorted(results.columns)
	rows = []
	for row in results[columns].itertuples(index=False):
		rows.append(
			tuple(
				None
				if value is None or (isinstance(value, float) and value != value)
				else round(value, 9)
				if isinstance(value, float)
				else str(value)
				for value in row
			)
		)
	return sorted(rows, key=lambda row: tuple("" if value is None else str(value) for value in row))


def queries_of(run) -> int:
	"""How many queries `run` sends (as FrappeTestCase.assertQueryCount counts them)."""
	sent = []
	original = frappe.db.sql

	def counted(*args, **kwargs):
		sent.append(args[0] if args else kwargs.get("query"))
		return original(*args, **kwargs)

	frappe.db.sql = counted
	try:
		run()
	finally:
		frappe.db.sql = original
	return len(sent)
