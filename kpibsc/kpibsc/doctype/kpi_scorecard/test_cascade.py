"""Cascading scorecards: company → departments → employees, on the real site."""

from unittest.mock import patch

import frappe

from kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard import cascade
from kpibsc.kpibsc.services import cascade as cascade_service
from kpibsc.kpibsc.services.cascade import CascadeError
from kpibsc.kpibsc.services.engine_bridge import KPIScoringError
from kpibsc.tests.factories import (
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)


def children_of(scorecard: str) -> list:
	return [
		frappe.get_doc("KPI Scorecard", name)
		for name in frappe.get_all(
			"KPI Scorecard", filters={"parent_scorecard": scorecard}, pluck="name", order_by="title"
		)
	]


def item_of(scorecard, kpi: str):
	return next(item for item in scorecard.items if item.kpi == kpi)


class TestCascade(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("C-REV", aggregation="Sum")
		make_kpi("C-OTD", aggregation="Average")
		make_kpi("C-NPS", aggregation="Last")
		cls.north = make_department("KPI Cascade North")
		cls.south = make_department("KPI Cascade South")
		cls.empty = make_department("KPI Cascade Empty")
		cls.lead = make_kpi_employee("kpi.cascade.lead@example.com", cls.north)
		cls.north_staff = [
			make_kpi_employee(f"kpi.cascade.n{number}@example.com", cls.north) for number in range(3)
		]
		cls.south_staff = [make_kpi_employee("kpi.cascade.s0@example.com", cls.south)]
		for employee in cls.north_staff:
			frappe.db.set_value("Employee", employee, "reports_to", cls.lead)

	def company_scorecard(self, **values):
		return scorecard_doc(
			[
				{
					"kpi": "C-REV",
					"weight": 50,
					"target": 1200,
					"cascade_mode": values.pop("revenue", "Split Target"),
				},
				{
					"kpi": "C-OTD",
					"weight": 30,
					"target": 95,
					"cascade_mode": values.pop("on_time", "Same Target"),
				},
				{"kpi": "C-NPS", "weight": 20, "target": 40, "cascade_mode": values.pop("nps", "")},
			],
			**values,
		).insert()

	def department_scorecard(self, department: str, **values):
		return scorecard_doc(
			[
				{"kpi": "C-REV", "weight": 70, "target": 400, "cascade_mode": "Contributes"},
				{"kpi": "C-OTD", "weight": 30, "target": 95, "cascade_mode": "Contributes"},
			],
			scorecard_for="Department",
			department=department,
			**values,
		).insert()

	def test_company_to_chosen_departments_splits_and_copies(self):
		company = self.company_scorecard()
		summary = cascade(company.name, "Department", units=[self.north, self.south])
		self.assertEqual((summary["created"], summary["updated"]), (2, 0))

		north, south = children_of(company.name)
		self.assertEqual((north.department, south.department), (self.north, self.south))
		self.assertEqual(north.scorecard_for, "Department")
		# the revenue target is split, on-time delivery copied, NPS (no mode) not cascaded
		self.assertEqual([item.kpi for item in north.items], ["C-REV", "C-OTD"])
		self.assertEqual(item_of(north, "C-REV").target + item_of(south, "C-REV").target, 1200)
		self.assertEqual(item_of(north, "C-OTD").target, 95)
		self.assertEqual(item_of(north, "C-REV").source_item, item_of(company, "C-REV").name)
		# weights 50 + 30 normalised to 100, and the targets phased monthly
		self.assertEqual([item.weight for item in north.items], [62.5, 37.5])
		self.assertEqual(north.total_weight, 100)
		self.assertEqual([row.target for row in north.targets if row.kpi == "C-REV"], [50.0] * 12)
		self.assertEqual(north.title, f"{self.north} 2025")

	def test_cascaded_scorecards_are_valid_documents(self):
		company = self.company_scorecard()
		cascade(company.name, "Department", units=[self.north, self.south])
		north = children_of(company.name)[0]
		targets_before = [(row.kpi, row.period_start, row.target) for row in north.targets]
		north.save()  # the form's own validation accepts what the bulk writer wrote
		self.assertEqual([(row.kpi, row.period_start, row.target) for row in north.targets], targets_before)

	def test_company_to_all_top_level_departments(self):
		company = self.company_scorecard()
		cascade(company.name, "Department")
		departments = {child.department for child in children_of(company.name)}
		self.assertIn(self.north, departments)
		self.assertNotIn("All Departments", departments)
		top_level = frappe.get_all(
			"Department",
			filters={"company": company.company, "parent_department": "All Departments", "disabled": 0},
			pluck="name",
		)
		self.assertEqual(departments, set(top_level))

	def test_empty_units_mean_every_department_below(self):
		# the dialog's default: "Only these departments" left empty
		company = self.company_scorecard()
		cascade(company.name, "Department", units="")
		departments = {child.department for child in children_of(company.name)}
		self.assertTrue({self.north, self.south, self.empty} <= departments)

	def test_empty_units_mean_everyone_below(self):
		department = self.department_scorecard(self.north)
		summary = cascade(department.name, "Employee", units="")
		self.assertEqual(summary["created"], 4)
		self.assertEqual(
			{child.employee for child in children_of(department.name)}, {self.lead, *self.north_staff}
		)

	def test_split_by_headcount(self):
		company = self.company_scorecard()
		cascade(company.name, "Department", split_basis="By Headcount", units=[self.north, self.south])
		north, south = children_of(company.name)
		# north has the lead and three staff, south one person: 4 : 1
		self.assertEqual(item_of(north, "C-REV").target, 960)
		self.assertEqual(item_of(south, "C-REV").target, 240)

	def test_department_to_employees_contributes(self):
		department = self.department_scorecard(self.north)
		summary = cascade(department.name, "Employee")
		self.assertEqual(summary["created"], 4)
		people = children_of(department.name)
		self.assertEqual({person.employee for person in people}, {self.lead, *self.north_staff})
		self.assertTrue(all(person.department == self.north for person in people))
		# a summed KPI: each person owns a share; an average: everyone aims at the same rate
		self.assertEqual(sum(item_of(person, "C-REV").target for person in people), 400)
		self.assertEqual({item_of(person, "C-OTD").target for person in people}, {95})

	def test_employee_to_direct_reports(self):
		lead = scorecard_doc(
			[{"kpi": "C-OTD", "weight": 100, "target": 97, "cascade_mode": "Same Target"}],
			scorecard_for="Employee",
			employee=self.lead,
		).insert()
		cascade(lead.name, "Employee")
		self.assertEqual({child.employee for child in children_of(lead.name)}, set(self.north_staff))

	def test_rerun_updates_and_never_duplicates(self):
		department = self.department_scorecard(self.north)
		cascade(department.name, "Employee")
		person = children_of(department.name)[0]
		# the person's manager adds an own KPI and rebalances the weights
		person.append("items", {"kpi": "C-NPS", "weight": 20, "target": 30})
		for item in person.items:
			item.weight = {"C-REV": 50, "C-OTD": 30, "C-NPS": 20}[item.kpi]
		person.save()
		revenue_row = item_of(person, "C-REV").name

		department.items[0].target = 800
		department.save()
		summary = cascade(department.name, "Employee")
		self.assertEqual((summary["created"], summary["updated"]), (0, 4))

		people = children_of(department.name)
		self.assertEqual(len(people), 4)
		self.assertEqual(frappe.db.count("KPI Scorecard", {"employee": person.employee}), 1)
		again = next(child for child in people if child.name == person.name)
		self.assertEqual([item.kpi for item in again.items], ["C-REV", "C-OTD", "C-NPS"])
		self.assertEqual([item.weight for item in again.items], [50, 30, 20])
		self.assertEqual(item_of(again, "C-REV").name, revenue_row)
		self.assertEqual(sum(item_of(child, "C-REV").target for child in people), 800)
		self.assertEqual(len(again.targets), 3 * 12)

	def test_rerun_adopts_a_scorecard_made_by_hand(self):
		department = self.department_scorecard(self.north)
		own = scorecard_doc(
			[{"kpi": "C-OTD", "weight": 100, "target": 90}], scorecard_for="Employee", employee=self.lead
		).insert()
		summary = cascade(department.name, "Employee")
		self.assertEqual((summary["created"], summary["updated"]), (3, 1))
		own.reload()
		self.assertEqual(own.parent_scorecard, department.name)
		self.assertEqual([item.kpi for item in own.items], ["C-OTD", "C-REV"])
		self.assertEqual(item_of(own, "C-OTD").target, 95)

	def test_large_cascade_is_queued_as_a_job_with_the_same_result(self):
		# queued for after the commit on the long queue, once per scorecard; the job ran here in
		# the test's transaction (KPITestCase), test_jobs.py runs it in a real worker
		department = self.department_scorecard(self.north)
		with (
			patch.object(cascade_service, "BACKGROUND_THRESHOLD", 1),
			patch.object(cascade_service, "BATCH_SIZE", 3),
		):
			summary = cascade(department.name, "Employee")
		self.assertTrue(summary["queued"])
		self.assertEqual(self.jobs.methods(), ["run_cascade_job"])
		job = self.jobs.jobs[0]
		self.assertEqual(
			(job.queue, job.job_id, job.deduplicate, job.enqueue_after_commit),
			("long", f"kpibsc-cascade-{department.name}", True, True),
		)
		self.assertEqual(len(children_of(department.name)), 4)
		self.assertTrue(
			frappe.db.exists(
				"Comment", {"reference_name": department.name, "content": ("like", "Cascaded 2 items to 4%")}
			)
		)

	def test_department_head_cascades_to_the_team(self):
		department = self.department_scorecard(self.north)
		frappe.db.set_value("Department", self.north, "kpi_department_head", self.lead)
		frappe.get_doc("User", "kpi.cascade.lead@example.com").add_roles("KPI User")
		frappe.set_user("kpi.cascade.lead@example.com")
		summary = cascade(department.name, "Employee")
		# everyone below but the lead: nobody sets their own targets
		self.assertEqual(summary["created"], 3)
		self.assertNotIn(self.lead, [child.employee for child in children_of(department.name)])
		self.assertRaises(frappe.PermissionError, cascade, department.name, "Employee", units=[self.lead])
		# but not the company's scorecard, which reaches other departments
		frappe.set_user("Administrator")
		company = self.company_scorecard()
		frappe.set_user("kpi.cascade.lead@example.com")
		self.assertRaises(frappe.PermissionError, cascade, company.name, "Department", units=[self.north])

	def test_names_follow_the_series(self):
		company = self.company_scorecard()
		cascade(company.name, "Department", units=[self.north, self.south])
		names = sorted(child.name for child in children_of(company.name))
		prefix = company.name[: company.name.rindex("-") + 1]
		self.assertTrue(all(name.startswith(prefix) for name in names))
		# the next scorecard saved through the form takes the number after them
		later = scorecard_doc(
			[{"kpi": "C-OTD", "weight": 100, "target": 1}], scorecard_for="Department", department=self.empty
		).insert()
		self.assertGreater(later.name, names[-1])


class TestCascadeRefusals(KPITestCase):
	"""Each bad input: a clear error, and no scorecard written."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("C-REV", aggregation="Sum")
		make_kpi("C-OTD", aggregation="Average")
		cls.north = make_department("KPI Cascade North")
		cls.empty = make_department("KPI Cascade Empty")
		cls.person = make_kpi_employee("kpi.cascade.n0@example.com", cls.north)

	def assertRefused(self, error, scorecard, *args, **kwargs):
		children = {"parent_scorecard": scorecard}
		before = frappe.db.count("KPI Scorecard", children)
		with self.assertRaises(error) as raised:
			cascade(scorecard, *args, **kwargs)
		# a cascade writes many scorecards: a refused one may have written none of them
		self.assertEqual(frappe.db.count("KPI Scorecard", children), before)
		return str(raised.exception)

	def department_card(self, department, mode="Same Target", kpi="C-REV", target=100):
		return scorecard_doc(
			[{"kpi": kpi, "weight": 100, "target": target, "cascade_mode": mode}],
			scorecard_for="Department",
			department=department,
		).insert()

	def test_department_with_no_employees(self):
		message = self.assertRefused(CascadeError, self.department_card(self.empty).name, "Employee")
		self.assertIn("no active employees", message)

	def test_no_item_to_cascade(self):
		message = self.assertRefused(CascadeError, self.department_card(self.north, mode="").name, "Employee")
		self.assertIn("Cascade Mode", message)

	def test_split_of_an_averaged_kpi(self):
		card = self.department_card(self.north, mode="Split Target", kpi="C-OTD", target=95)
		message = self.assertRefused(KPIScoringError, card.name, "Employee")
		self.assertIn("cannot be split", message)

	def test_level_that_is_not_below(self):
		card = scorecard_doc(
			[{"kpi": "C-REV", "weight": 100, "target": 1, "cascade_mode": "Same Target"}],
			scorecard_for="Employee",
			employee=self.person,
		).insert()
		self.assertRefused(CascadeError, card.name, "Department")

	def test_child_with_an_overlapping_scorecard(self):
		scorecard_doc(
			[{"kpi": "C-REV", "weight": 100, "target": 1}],
			scorecard_for="Employee",
			employee=self.person,
			from_date="2025-07-01",
			to_date="2026-06-30",
		).insert()
		message = self.assertRefused(CascadeError, self.department_card(self.north).name, "Employee")
		self.assertIn("overlaps", message)

	def test_an_active_child_keeps_its_targets(self):
		# its targets change only through a recorded revision: a cascade run again leaves it
		# as it is (and says so) instead of rewriting it in bulk
		card = self.department_card(self.north, target=100)
		child = scorecard_doc(
			[{"kpi": "C-REV", "weight": 100, "target": 7}],
			scorecard_for="Employee",
			employee=self.person,
			status="Active",
		).insert()
		summary = cascade(card.name, "Employee")
		self.assertEqual((summary["created"], summary["updated"], summary["kept_active"]), (0, 0, 1))
		self.assertEqual(
			frappe.get_all("KPI Scorecard Item", filters={"parent": child.name}, fields=["kpi", "target"]),
			[{"kpi": "C-REV", "target": 7}],
		)
		self.assertIsNone(frappe.db.get_value("KPI Scorecard", child.name, "parent_scorecard"))

	def test_unknown_child(self):
		card = self.department_card(self.north)
		self.assertRefused(CascadeError, card.name, "Employee", units=["HR-EMP-NOBODY"])

	def test_employee_may_not_cascade(self):
		card = self.department_card(self.north)
		frappe.get_doc("User", "kpi.cascade.n0@example.com").add_roles("KPI User")
		frappe.set_user("kpi.cascade.n0@example.com")
		self.assertRefused(frappe.PermissionError, card.name, "Employee")
