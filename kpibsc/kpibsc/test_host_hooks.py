"""What kpibsc's doc_events cost ERPNext's and HRMS's own documents (issue #22): a document
kpibsc has nothing to do with costs no query more than without kpibsc, a bulk creation reads
kpibsc's data once rather than once per document, and the hooks still do their work."""

import copy
from contextlib import contextmanager

import frappe
from frappe.utils import getdate

from hrms.hr.doctype.appraisal_cycle.appraisal_cycle import create_appraisals_for_cycle
from hrms.hr.doctype.appraisal_template.test_appraisal_template import create_appraisal_template

from kpibsc.kpibsc.services import pay, reviews, work
from kpibsc.kpibsc.services.pay import PayRunError
from kpibsc.kpibsc.services.work import ASSIGNED
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)

PEOPLE = ("kpi.hooks.an@example.com", "kpi.hooks.binh@example.com", "kpi.hooks.cuong@example.com")
# monthly actuals against a monthly target of 100: January, February, March
ACTUALS = ((90, 100, 110), (70, 80, 75), (100, 120, 95))
Q1 = (getdate("2025-01-01"), getdate("2025-03-31"))


@contextmanager
def without_kpibsc_hooks(doctype: str):
	"""The host's own behaviour: kpibsc's handlers out of the resolved doc_events."""
	hooks = frappe.get_doc_hooks()
	saved = copy.deepcopy(hooks.get(doctype, {}))
	hooks[doctype] = {
		event: [handler for handler in handlers if not handler.startswith("kpibsc.")]
		for event, handlers in saved.items()
	}
	try:
		yield
	finally:
		hooks[doctype] = saved


@contextmanager
def counted_queries():
	"""The SQL statements sent inside the block (as FrappeTestCase.assertQueryCount counts)."""
	queries = []
	sql = frappe.db.__class__.sql

	def counting(*args, **kwargs):
		queries.append(args[1] if len(args) > 1 else kwargs.get("query"))
		return sql(*args, **kwargs)

	frappe.db.__class__.sql = counting
	try:
		yield queries
	finally:
		frappe.db.__class__.sql = sql


class TestHostHooks(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("H-SALES", aggregation="Sum")
		department = make_department("KPI Hooks Sales")
		cls.people = [make_kpi_employee(email, department) for email in PEOPLE]
		for employee, actuals in zip(cls.people, ACTUALS, strict=True):
			card = scorecard_doc(
				[{"kpi": "H-SALES", "weight": 100, "target": 1200}],
				scorecard_for="Employee",
				department=department,
				employee=employee,
			).insert()
			for month, actual in enumerate(actuals, start=1):
				measurement = frappe.get_doc(
					{
						"doctype": "KPI Measurement",
						"scorecard": card.name,
						"period_start": getdate(f"2025-{month:02d}-01"),
					}
				)
				measurement.fill_items()
				measurement.items[0].actual = str(actual)
				measurement.insert().submit()
		cls.template = create_appraisal_template("_Test KPI Hooks Template").name

	def cycle(self, name: str, formula: str | None = None):
		return frappe.get_doc(
			{
				"doctype": "Appraisal Cycle",
				"cycle_name": name,
				"company": TEST_COMPANY,
				"start_date": Q1[0],
				"end_date": Q1[1],
				"kra_evaluation_method": "Manual Rating",
				"calculate_final_score_based_on_formula": 1 if formula else 0,
				"final_score_formula": formula,
				"appraisees": [
					{"employee": employee, "appraisal_template": self.template} for employee in self.people
				],
			}
		).insert()

	def appraisal_queries(self, cycle, hooks: bool) -> int:
		"""Statements of HRMS's Create Appraisals for the cycle, as a new request; undone."""
		frappe.db.savepoint("host_hooks")
		reviews.drop_appraisal_score_cache()
		try:
			with counted_queries() as queries:
				if hooks:
					create_appraisals_for_cycle(cycle)
				else:
					with without_kpibsc_hooks("Appraisal"):
						create_appraisals_for_cycle(cycle)
			return len(queries)
		finally:
			frappe.db.rollback(save_point="host_hooks")

	# -- Appraisal.before_validate --------------------------------------------------------------

	def test_appraisal_of_a_cycle_without_kpi_score_costs_no_query(self):
		cycle = self.cycle(
			"_Test KPI Hooks Plain Cycle", formula="goal_score * 0.5 + self_appraisal_score * 0.5"
		)
		self.appraisal_queries(cycle, hooks=True)  # warm Frappe's caches
		without = self.appraisal_queries(cycle, hooks=False)
		reviews.drop_appraisal_score_cache()
		with self.assertQueryCount(without):
			create_appraisals_for_cycle(cycle)
		scores = frappe.get_all("Appraisal", {"appraisal_cycle": cycle.name}, pluck="kpi_score")
		self.assertEqual(len(scores), len(self.people))
		self.assertFalse(any(scores))

	def test_bulk_appraisals_read_the_kpi_scores_once(self):
		cycle = self.cycle("_Test KPI Hooks KPI Cycle", formula="kpi_score / 20")
		self.appraisal_queries(cycle, hooks=True)
		without = self.appraisal_queries(cycle, hooks=False)
		# the first appraisal reads its scorecard and results (2 queries), the second those of
		# every appraisee (2); the third reads nothing: not 2 per appraisal
		self.assertLessEqual(self.appraisal_queries(cycle, hooks=True), without + 4)
		reviews.drop_appraisal_score_cache()
		create_appraisals_for_cycle(cycle)
		expected = reviews.kpi_scores(self.people, [Q1[0]] * 3, [Q1[1]] * 3).set_index("employee")
		for employee in self.people:
			appraisal = frappe.get_doc("Appraisal", {"appraisal_cycle": cycle.name, "employee": employee})
			self.assertAlmostEqual(appraisal.kpi_score, expected.loc[employee, "kpi_score"], places=2)
			self.assertEqual(appraisal.kpi_scorecard, expected.loc[employee, "scorecard"])
			self.assertAlmostEqual(appraisal.final_score, appraisal.kpi_score / 20, places=2)
		self.assertEqual(len(set(expected["kpi_score"].round(4))), 3)  # three different scores

	def test_formula_mentions_kpi_score_as_a_name(self):
		def uses(formula, based_on_formula=1):
			return reviews.cycle_uses_kpi_score(
				frappe._dict(
					calculate_final_score_based_on_formula=based_on_formula, final_score_formula=formula
				)
			)

		self.assertTrue(uses("kpi_score / 20 * 0.6 + average_feedback_score * 0.4"))
		self.assertTrue(uses("(kpi_score/20)"))
		self.assertFalse(uses("kpi_score / 20", based_on_formula=0))
		self.assertFalse(uses("goal_score + my_kpi_score_bonus"))
		self.assertFalse(uses(None))

	# -- Task.validate / on_update --------------------------------------------------------------

	def plain_task(self, subject: str):
		return frappe.get_doc({"doctype": "Task", "subject": subject, "company": TEST_COMPANY})

	def test_a_task_without_kpi_links_costs_no_query(self):
		# an Assigned-scope KPI exists: a new task still needs no query (no ToDo assigns it yet)
		make_kpi("H-MINE", aggregation="Average", data_source="Task Based", task_scope=ASSIGNED)
		self.plain_task("Warm-up").insert()
		with counted_queries() as queries, without_kpibsc_hooks("Task"):
			self.plain_task("Without kpibsc").insert()
		with self.assertQueryCount(len(queries)):
			self.plain_task("With kpibsc").insert()

	def test_task_saves_ask_once_whether_assigned_tasks_count(self):
		frappe.db.set_value("KPI", {"task_scope": ASSIGNED}, "task_scope", work.LINKED)
		work.forget_assigned_scope()
		tasks = [self.plain_task(f"Saved {number}").insert() for number in range(3)]

		def save(task, progress):
			task.progress = progress
			task.save()

		save(tasks[0], 10)  # warm, and reads that no KPI counts assigned tasks
		self.assertFalse(frappe.local.flags.kpibsc_assigned_scope)
		with counted_queries() as queries, without_kpibsc_hooks("Task"):
			save(tasks[1], 20)
		with self.assertQueryCount(len(queries)):
			save(tasks[2], 30)
		# a KPI that counts assigned tasks makes the next save look for their scorecards again
		make_kpi("H-ASSIGNED", aggregation="Average", data_source="Task Based", task_scope=ASSIGNED)
		self.assertIsNone(frappe.local.flags.kpibsc_assigned_scope)
		save(tasks[0], 40)
		self.assertTrue(frappe.local.flags.kpibsc_assigned_scope)

	# -- Project.validate, Employee.on_update -------------------------------------------------

	def test_a_project_without_an_objective_costs_no_query(self):
		def project(name):
			return frappe.get_doc({"doctype": "Project", "project_name": name, "company": TEST_COMPANY})

		project("_Test KPI Hooks Warm-up").insert()
		with counted_queries() as queries, without_kpibsc_hooks("Project"):
			project("_Test KPI Hooks Without").insert()
		with self.assertQueryCount(len(queries)):
			project("_Test KPI Hooks With").insert()

	def test_an_employee_save_without_a_new_user_costs_no_query(self):
		def save(employee, phone):
			doc = frappe.get_doc("Employee", employee)
			doc.cell_number = phone
			doc.save()

		save(self.people[0], "0900000001")
		with counted_queries() as queries, without_kpibsc_hooks("Employee"):
			save(self.people[1], "0900000002")
		with self.assertQueryCount(len(queries)):
			save(self.people[2], "0900000003")

	# -- Salary Slip.validate -------------------------------------------------------------------

	def test_a_slip_of_a_company_without_a_draft_pay_run_costs_no_query(self):
		employee = self.people[0]
		slip = frappe._dict(
			doctype="Salary Slip",
			employee=employee,
			company=TEST_COMPANY,
			start_date=getdate("2025-01-01"),
			end_date=getdate("2025-01-31"),
			docstatus=1,
		)
		frappe.db.delete("KPI Pay Run", {"docstatus": 0})
		pay.forget_draft_pay_runs()
		pay.check_salary_slip(slip)  # reads the companies with a draft run: none
		with self.assertQueryCount(0):
			pay.check_salary_slip(slip)
		# a draft run (written directly, then its doc event as a save fires it) is seen at once
		run = frappe.new_doc("KPI Pay Run")
		run.update(
			{
				"name": "_Test KPI Hooks Run",
				"company": TEST_COMPANY,
				"from_date": slip.start_date,
				"to_date": slip.end_date,
				"payroll_date": slip.end_date,
			}
		)
		run.append("employees", {"employee": employee})
		run.db_insert()
		run.employees[0].db_insert()
		run.run_method("on_change")
		self.assertIn(TEST_COMPANY, pay.draft_pay_run_companies())
		with self.assertRaises(PayRunError):
			pay.check_salary_slip(slip)
