"""Work management on a real site: ERPNext Tasks and Projects linked to objectives and
scorecard items, task-based KPIs through the recompute, My Work, and the bad links."""

import frappe
from frappe.desk.form.assign_to import add as assign_task
from frappe.utils import getdate

from kpibsc.kpibsc.page.strategy_map.strategy_map import get_strategy_map
from kpibsc.kpibsc.report.balanced_scorecard.balanced_scorecard import execute as balanced_scorecard
from kpibsc.kpibsc.services import work
from kpibsc.kpibsc.services.work import TaskLinkError, get_my_work, get_scorecard_tasks
from kpibsc.setup.install import get_custom_fields
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	make_strategy,
	scorecard_doc,
	today_is,
)

HEAD = "kpi.work.head@example.com"
WORKER = "kpi.work.worker@example.com"
PEER = "kpi.work.peer@example.com"
OUTSIDER = "kpi.work.outsider@example.com"
OTHER_COMPANY = "_Test KPI Other Company"


def day(month: int, number: int):
	return getdate(f"2025-{month:02d}-{number:02d}")


class TestWork(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_company(OTHER_COMPANY, "_TKOC")
		make_kpi("W-DONE", aggregation="Average", unit="%", data_source="Task Based")
		make_kpi(
			"W-ONTIME",
			aggregation="Average",
			unit="%",
			data_source="Task Based",
			task_metric="On-time Completion Rate",
			task_milestones_only=1,
		)
		make_kpi(
			"W-PROGRESS",
			aggregation="Average",
			unit="%",
			data_source="Task Based",
			task_metric="Weighted Progress",
		)
		make_kpi(
			"W-MINE",
			aggregation="Average",
			unit="%",
			data_source="Task Based",
			task_scope="Tasks Assigned to the Employee",
		)
		make_kpi("W-REV", aggregation="Sum")
		cls.department = make_department("KPI Work Delivery")
		cls.head = make_kpi_employee(HEAD, cls.department)
		cls.worker = make_kpi_employee(WORKER, cls.department)
		cls.peer = make_kpi_employee(PEER, cls.department)
		frappe.db.set_value("Department", cls.department, "kpi_department_head", cls.head)
		for email in (HEAD, WORKER, PEER):
			frappe.get_doc("User", email).add_roles("KPI User", "Projects User")
		if not frappe.db.exists("User", OUTSIDER):
			frappe.get_doc(
				{"doctype": "User", "email": OUTSIDER, "first_name": "Outsider", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", OUTSIDER).add_roles("Projects User")

		strategy = make_strategy("_Test Work Strategy", company=TEST_COMPANY)
		cls.objective = objective("Deliver on time", strategy)
		cls.growth = objective("Grow the team", strategy, perspective="Learning & Growth")
		other_strategy = make_strategy("_Test Other Co Strategy", company=OTHER_COMPANY)
		cls.foreign_objective = objective("Someone else's goal", other_strategy)
		cls.scorecard = scorecard_doc(
			[
				{"kpi": "W-DONE", "weight": 40, "target": 90, "objective": cls.objective},
				{"kpi": "W-ONTIME", "weight": 20, "target": 80, "objective": cls.objective},
				{"kpi": "W-PROGRESS", "weight": 20, "target": 100, "objective": cls.growth},
				{"kpi": "W-MINE", "weight": 20, "target": 100},
			],
			scorecard_for="Employee",
			department=cls.department,
			employee=cls.worker,
		).insert()
		cls.peer_scorecard = scorecard_doc(
			[{"kpi": "W-DONE", "weight": 100, "target": 90}],
			scorecard_for="Employee",
			department=cls.department,
			employee=cls.peer,
		).insert()

	def task(self, subject: str, due=None, kpi: str | None = "W-DONE", **values):
		return frappe.get_doc(
			{
				"doctype": "Task",
				"subject": subject,
				"company": TEST_COMPANY,
				"exp_start_date": due,
				"exp_end_date": due,
				"kpi_scorecard": self.scorecard.name if kpi else None,
				"kpi": kpi,
				**values,
			}
		).insert()

	def complete(self, task, on):
		task.reload()
		task.status = "Completed"
		task.completed_on = on
		task.save()

	def result(self, kpi: str | None, month: int, scorecard: str | None = None):
		self.flush_task_recompute()  # what committing the task saves does: recompute, once
		filters = {"scorecard": scorecard or self.scorecard.name, "period_start": day(month, 1)}
		filters.update({"node_type": "KPI", "kpi": kpi} if kpi else {"node_type": "Scorecard"})
		return frappe.db.get_value(
			"KPI Result", filters, ["actual", "has_actual", "achievement", "score", "status"], as_dict=True
		)

	# -- custom fields ---------------------------------------------------------------------

	def test_fields_are_on_task_and_project(self):
		for doctype, fields in get_custom_fields().items():
			meta = frappe.get_meta(doctype)
			for field in fields:
				self.assertTrue(meta.has_field(field["fieldname"]), f"{doctype}.{field['fieldname']}")
		self.assertEqual(frappe.get_meta("Task").get_field("kpi_weight").default, "1")

	# -- task-based KPIs through the recompute ---------------------------------------------

	def test_creating_and_completing_tasks_moves_the_kpi_and_the_score(self):
		tasks = [self.task(f"January job {n}", day(1, 5 * n)) for n in range(1, 5)]
		# four tasks due and none done: 0 % of a 90 % target
		self.assertEqual(self.result("W-DONE", 1).actual, 0)
		self.assertEqual(self.result("W-DONE", 1).status, "Red")

		self.complete(tasks[0], day(1, 5))
		self.complete(tasks[1], day(1, 9))
		self.complete(tasks[2], day(1, 28))  # late, still completed
		# three of four done: 75 % of a 90 % target is 83.33 % achievement, score 83.33, Amber
		# (80 % to 100 %)
		got = self.result("W-DONE", 1)
		self.assertEqual(got.actual, 75.0)
		self.assertAlmostEqual(got.achievement, 83.333333, places=5)
		self.assertAlmostEqual(got.score, 83.333333, places=5)
		self.assertEqual(got.status, "Amber")
		# the scorecard's score is the weighted roll-up of what has data: W-DONE alone
		self.assertAlmostEqual(self.result(None, 1).score, 83.333333, places=5)

		# KPI weights: the open task counts three times as much
		tasks[3].reload()
		tasks[3].kpi_weight = 3
		tasks[3].save()
		self.assertAlmostEqual(self.result("W-DONE", 1).actual, 100.0 * 3 / 6, places=6)

		# deleting a task moves it back
		frappe.delete_doc("Task", tasks[3].name)
		self.assertEqual(self.result("W-DONE", 1).actual, 100.0)

	def test_cancelled_tasks_do_not_count(self):
		done = self.task("Done", day(2, 3))
		self.complete(done, day(2, 3))
		dropped = self.task("Dropped", day(2, 4))
		self.assertEqual(self.result("W-DONE", 2).actual, 50.0)
		dropped.reload()
		dropped.status = "Cancelled"
		dropped.save()
		self.assertEqual(self.result("W-DONE", 2).actual, 100.0)

	def test_on_time_milestones_and_weighted_progress(self):
		on_time = self.task("Milestone on time", day(3, 10), kpi="W-ONTIME", is_milestone=1)
		late = self.task("Milestone late", day(3, 12), kpi="W-ONTIME", is_milestone=1)
		self.task("Not a milestone", day(3, 12), kpi="W-ONTIME")  # ignored: milestones only
		self.complete(on_time, day(3, 9))
		self.complete(late, day(3, 20))
		self.assertEqual(self.result("W-ONTIME", 3).actual, 50.0)

		self.task("Course", day(3, 15), kpi="W-PROGRESS", progress=40)
		halfway = self.task("Mentoring", day(3, 25), kpi="W-PROGRESS", progress=60, kpi_weight=2)
		self.assertAlmostEqual(self.result("W-PROGRESS", 3).actual, (40 + 2 * 60) / 3, places=6)
		self.complete(halfway, day(3, 25))
		self.assertAlmostEqual(self.result("W-PROGRESS", 3).actual, (40 + 2 * 100) / 3, places=6)

	def test_assigned_scope_counts_the_employees_assigned_tasks(self):
		mine = self.task("Assigned to me", day(4, 10), kpi=None)
		theirs = self.task("Assigned to my peer", day(4, 11), kpi=None)
		assign_task({"doctype": "Task", "name": mine.name, "assign_to": [WORKER]})
		assign_task({"doctype": "Task", "name": theirs.name, "assign_to": [PEER]})
		self.complete(mine, day(4, 9))  # completing closes the assignment; it still counts
		self.assertEqual(self.result("W-MINE", 4).actual, 100.0)
		second = self.task("Also mine", day(4, 20), kpi=None)
		assign_task({"doctype": "Task", "name": second.name, "assign_to": [WORKER]})
		second.reload()
		second.progress = 10
		second.save()
		self.assertEqual(self.result("W-MINE", 4).actual, 50.0)

	def test_measurement_takes_task_actuals_and_approval_freezes_them(self):
		first = self.task("May one", day(5, 5))
		second = self.task("May two", day(5, 6))
		self.complete(first, day(5, 5))
		measurement = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": self.scorecard.name, "period_start": day(5, 1)}
		)
		measurement.fill_items()
		row = next(row for row in measurement.items if row.kpi == "W-DONE")
		row.actual = "12"  # typed: the tasks win
		measurement.insert()
		row = next(row for row in measurement.items if row.kpi == "W-DONE")
		self.assertEqual(row.actual_value, 50.0)
		measurement.submit()
		self.assertEqual(self.result("W-DONE", 5).actual, 50.0)

		# the approved period is frozen: a task due in it cannot be added...
		with self.assertRaises(TaskLinkError):
			self.task("Too late for May", day(5, 20))
		# ...and completing one of its tasks changes nothing
		self.complete(second, day(5, 30))
		self.assertEqual(self.result("W-DONE", 5).actual, 50.0)

	def test_a_burst_of_task_saves_queues_one_recompute(self):
		for n in range(3):
			self.task(f"Burst {n}", day(6, n + 1))
		self.task("Peer's", day(6, 1), kpi_scorecard=self.peer_scorecard.name)
		# nothing is queued until the transaction commits, and then once for all four saves
		self.assertEqual(self.jobs.jobs, [])
		pending = frappe.local.flags.kpibsc_task_scorecards
		self.assertEqual(pending, {self.scorecard.name, self.peer_scorecard.name})
		self.assertIn(work.flush_pending_recompute, list(frappe.db.after_commit._functions))
		self.flush_task_recompute()
		self.assertEqual(self.jobs.methods(), ["run_recompute_job"])
		self.assertEqual(
			self.jobs.jobs[0].kwargs["scorecards"], sorted([self.scorecard.name, self.peer_scorecard.name])
		)
		self.assertTrue(self.jobs.jobs[0].enqueue_after_commit and self.jobs.jobs[0].deduplicate)
		self.assertIsNone(frappe.local.flags.kpibsc_task_scorecards)

	# -- links from either side ----------------------------------------------------------

	def test_objective_comes_from_the_scorecard_item(self):
		task = self.task("Linked by item", day(7, 1))
		self.assertEqual(task.strategic_objective, self.objective)

	def test_scorecard_tasks_show_progress_and_assignees(self):
		task = self.task("Shown", day(7, 2))
		assign_task({"doctype": "Task", "name": task.name, "assign_to": [WORKER]})
		self.task("Shown too", day(7, 3), progress=50)
		items = {item["kpi"]: item for item in get_scorecard_tasks(self.scorecard.name)}
		self.assertEqual(items["W-DONE"]["task_count"], 2)
		self.assertEqual(items["W-DONE"]["progress"], 25.0)
		self.assertEqual(items["W-DONE"]["objective"], self.objective)
		shown = next(row for row in items["W-DONE"]["tasks"] if row.name == task.name)
		self.assertEqual(shown.assigned_to, [WORKER])
		self.assertEqual(items["W-MINE"]["task_count"], 0)  # assigned-scope items list linked tasks only

	def test_initiatives_show_on_the_report_and_the_strategy_map(self):
		project = frappe.get_doc(
			{
				"doctype": "Project",
				"project_name": "KPI Work Initiative",
				"company": TEST_COMPANY,
				"is_strategic_initiative": 1,
				"strategic_objective": self.objective,
				"percent_complete_method": "Manual",
				"percent_complete": 40,
			}
		).insert()
		self.complete(self.task("Any", day(1, 2)), day(1, 2))
		self.flush_task_recompute()  # what the commit does: the report reads the scores
		_columns, rows, *_rest = balanced_scorecard(
			{"scorecard": self.scorecard.name, "period_start": day(1, 1)}
		)
		initiative = next(row for row in rows if row.get("initiative") == project.name)
		self.assertEqual(initiative["progress"], 40)
		self.assertEqual(initiative["parent"], f"O:{self.objective}")
		mapped = get_strategy_map("_Test Work Strategy")
		box = next(row for row in mapped["objectives"] if row.name == self.objective)
		self.assertEqual([row.name for row in box.initiatives], [project.name])

	def test_initiatives_only_for_users_who_may_read_projects(self):
		from frappe.desk.query_report import run

		project = frappe.get_doc(
			{
				"doctype": "Project",
				"project_name": "KPI Work Private Initiative",
				"company": TEST_COMPANY,
				"is_strategic_initiative": 1,
				"strategic_objective": self.objective,
			}
		).insert()
		self.complete(self.task("Any", day(1, 2)), day(1, 2))
		self.flush_task_recompute()  # what the commit does: the report reads the scores
		filters = {"scorecard": self.scorecard.name, "period_start": "2025-01-01"}
		# a department head who is no Projects User: the report, without initiatives
		head = make_kpi_employee("kpi.work.noprojects@example.com", self.department)
		frappe.get_doc("User", "kpi.work.noprojects@example.com").add_roles("KPI User")
		frappe.db.set_value("Department", self.department, "kpi_department_head", head)
		frappe.set_user("kpi.work.noprojects@example.com")
		report = run("Balanced Scorecard", filters=filters)
		self.assertTrue(any(row.get("kpi") == "W-DONE" for row in report["result"]))
		self.assertFalse(any(row.get("initiative") for row in report["result"]))
		self.assertNotIn("initiative", [column["fieldname"] for column in report["columns"]])
		self.assertEqual(work.initiatives_of([self.objective]), {})
		# the worker, a Projects User, sees it through Project's own permissions
		frappe.set_user(WORKER)
		report = run("Balanced Scorecard", filters=filters)
		self.assertIn(project.name, [row.get("initiative") for row in report["result"]])

	def test_my_work(self):
		# "today" is 15 June 2025, inside the worker's 2025 scorecard; a task due on the 1st is
		# overdue, one due today is not (yet)
		overdue = self.task("Overdue work", day(6, 1))
		self.task("Due today", day(6, 15))
		loose = self.task("Unlinked but mine", None, kpi=None)
		assign_task({"doctype": "Task", "name": loose.name, "assign_to": [WORKER]})

		self.enterContext(today_is(work, day(6, 15)))
		frappe.set_user(WORKER)
		mine = get_my_work()
		self.assertEqual(mine["employee"].name, self.worker)
		self.assertEqual([row.kpi for row in mine["items"]], ["W-DONE", "W-ONTIME", "W-PROGRESS", "W-MINE"])
		self.assertAlmostEqual(mine["items"][0].target, 90.0)  # an averaged KPI: every month 90
		self.assertEqual([task.name for task in mine["overdue"]], [overdue.name])
		groups = {group["objective"]: group for group in mine["groups"]}
		self.assertIn(overdue.name, [task.name for task in groups[self.objective]["tasks"]])
		self.assertIn(loose.name, [task.name for task in groups[None]["tasks"]])
		self.assertEqual(mine["groups"][-1]["objective"], None)  # unlinked work last

		# a peer may not look; the department head may
		frappe.set_user(PEER)
		with self.assertRaises(frappe.PermissionError):
			get_my_work(self.worker)
		frappe.set_user(HEAD)
		self.assertEqual(get_my_work(self.worker)["employee"].name, self.worker)

	# -- bad input ------------------------------------------------------------------------

	def test_negative_kpi_weight_is_refused(self):
		with self.assertRaises(TaskLinkError):
			self.task("Negative", day(8, 1), kpi_weight=-1)

	def test_another_companys_objective_is_refused(self):
		with self.assertRaises(TaskLinkError):
			self.task("Wrong company", day(8, 2), kpi=None, strategic_objective=self.foreign_objective)
		with self.assertRaises(TaskLinkError):
			frappe.get_doc(
				{
					"doctype": "Project",
					"project_name": "Wrong company initiative",
					"company": TEST_COMPANY,
					"is_strategic_initiative": 1,
					"strategic_objective": self.foreign_objective,
				}
			).insert()

	def test_closed_scorecard_and_foreign_kpi_are_refused(self):
		with self.assertRaises(TaskLinkError):
			self.task("Not an item", day(8, 3), kpi="W-REV")
		frappe.db.set_value("KPI Scorecard", self.scorecard.name, "status", "Closed")
		with self.assertRaises(TaskLinkError):
			self.task("Closed", day(8, 4))

	def test_kpi_without_scorecard_and_initiative_without_objective_are_refused(self):
		with self.assertRaises(TaskLinkError):
			self.task("KPI alone", day(8, 5), kpi_scorecard=None)
		with self.assertRaises(TaskLinkError):
			frappe.get_doc(
				{
					"doctype": "Project",
					"project_name": "Initiative of nothing",
					"company": TEST_COMPANY,
					"is_strategic_initiative": 1,
				}
			).insert()

	def test_links_the_user_may_not_see_are_refused(self):
		# a Projects User without KPI roles cannot read objectives or scorecards
		frappe.set_user(OUTSIDER)
		with self.assertRaises(frappe.PermissionError):
			self.task("Outsider's", day(8, 6), kpi=None, strategic_objective=self.objective)
		# an employee cannot make their task count on a colleague's scorecard
		frappe.set_user(WORKER)
		with self.assertRaises(frappe.PermissionError):
			self.task("On the peer's card", day(8, 7), kpi_scorecard=self.peer_scorecard.name)
		# but on their own, yes
		self.assertTrue(self.task("On my card", day(8, 8)).name)


def objective(name: str, strategy: str, perspective: str = "Internal Process") -> str:
	existing = frappe.db.get_value("Strategic Objective", {"objective_name": name, "strategy": strategy})
	if existing:
		return existing
	return (
		frappe.get_doc(
			{
				"doctype": "Strategic Objective",
				"objective_name": name,
				"strategy": strategy,
				"perspective": perspective,
				"level": "Company",
			}
		)
		.insert()
		.name
	)
