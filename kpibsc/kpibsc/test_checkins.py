"""Continuous feedback and check-ins (#17 B), as each role sends them over HTTP: who is set by the
server, who reads what (REST and get_list), bad input refused with nothing written, the check-in's
KPIs needing attention and its actions turned into Tasks."""

import frappe
from frappe.utils import getdate

from kpibsc.kpibsc.services import checkins
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	make_user,
	scorecard_doc,
)
from kpibsc.tests.http import call, method, resource

BOSS = "kpi.cfb.boss@example.com"  # heads CFB Sales; Anna and Ben report to her
ANNA = "kpi.cfb.anna@example.com"
BEN = "kpi.cfb.ben@example.com"
OTTO = "kpi.cfb.otto@example.com"  # CFB Ops: unrelated to the others
OUTSIDER = "kpi.cfb.outsider@example.com"  # another company
HR_USER = "kpi.cfb.hru@example.com"
LENA = "kpi.cfb.lena@example.com"  # made by a test: Anna's Reports To, heads no department
FEEDBACK, CHECKIN = "Continuous Feedback", "Performance Check-in"
GET_LIST = method("frappe.client.get_list")


class TestCheckins(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		sales = make_department("KPI CFB Sales")
		ops = make_department("KPI CFB Ops")
		cls.boss = make_kpi_employee(BOSS, sales)
		cls.anna = make_kpi_employee(ANNA, sales)
		cls.ben = make_kpi_employee(BEN, sales)
		cls.otto = make_kpi_employee(OTTO, ops)
		cls.hr = make_kpi_employee(HR_USER, ops)
		other_company = frappe.db.get_value("Company", {"name": ("!=", TEST_COMPANY)}, "name")
		cls.outsider = make_kpi_employee(
			OUTSIDER, make_department("KPI CFB Away", other_company), other_company
		)
		for employee in (cls.anna, cls.ben):
			doc = frappe.get_doc("Employee", employee)
			doc.reports_to = cls.boss
			doc.save()  # Reports To is a tree (lft/rgt): through the document
		frappe.db.set_value("Department", sales, "kpi_department_head", cls.boss)
		for email in (ANNA, BEN, OTTO, OUTSIDER):
			make_user(email, "KPI User", "Employee")
		make_user(BOSS, "KPI User", "Employee", "Projects User")
		make_user(HR_USER, "HR User", "Employee")

		# Anna's scorecard and its results as the recompute stores them
		codes = ("CFB-A", "CFB-B", "CFB-C", "CFB-D")
		for code in codes:
			make_kpi(code, kpi_name=f"{code} name")
		cls.card = (
			scorecard_doc(
				[{"kpi": code, "weight": 25, "target": 100} for code in codes],
				scorecard_for="Employee",
				employee=cls.anna,
			)
			.insert()
			.name
		)
		results = (
			# kpi, month, actual, achievement, status, forecast, has_actual
			("CFB-A", 1, 120, 120, "Green", "Green", 1),
			("CFB-A", 2, 60, 60, "Red", "Red", 1),  # the latest reported in the check-in period
			("CFB-A", 3, 0, 0, "No Data", "Not Enough Data", 0),  # not reported
			("CFB-A", 4, 10, 10, "Red", "Red", 1),  # after the check-in period
			("CFB-B", 2, 105, 105, "Green", "At Risk", 1),  # on target, forecast to miss
			("CFB-C", 2, 110, 110, "Green", "Green", 1),  # fine: left out
			("CFB-D", 2, 95, 95, "Green", "Green", 1),  # Green by threshold, below target
		)
		for kpi, month, actual, achievement, status, forecast, has_actual in results:
			frappe.get_doc(
				{
					"doctype": "KPI Result",
					"scorecard": cls.card,
					"company": TEST_COMPANY,
					"scorecard_for": "Employee",
					"department": sales,
					"employee": cls.anna,
					"node_type": "KPI",
					"kpi": kpi,
					"period_start": getdate(f"2025-{month:02d}-01"),
					"period_end": frappe.utils.get_last_day(f"2025-{month:02d}-01"),
					"target": 100,
					"actual": actual,
					"has_actual": has_actual,
					"achievement": achievement,
					"status": status,
					"forecast_status": forecast,
				}
			).insert(ignore_permissions=True)

	def stored(self, doctype: str, name: str, *fields: str) -> dict:
		return frappe.db.get_value(doctype, name, list(fields), as_dict=True)

	def give(self, user: str, payload: dict):
		return call(user, "POST", resource(FEEDBACK), payload)

	def count(self, doctype: str, **filters) -> int:
		return frappe.db.count(doctype, filters)

	# -- continuous feedback ----------------------------------------------------------------------

	def test_giver_is_the_session_users_employee(self):
		reply = self.give(
			ANNA,
			{
				"recipient": self.ben,
				"giver": self.otto,  # forged
				"status": "Requested",  # the server's
				"feedback_date": "2020-01-01",  # the server's
				"giver_name": "Someone Else",  # fetched from the giver: the server's
				"department": frappe.db.get_value("Employee", self.otto, "department"),  # the server's
				"kind": "Praise",
				"feedback": "<p>Thanks for covering the Hanoi visit.</p>",
			},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		stored = self.stored(
			FEEDBACK,
			reply.data["name"],
			"giver",
			"giver_name",
			"recipient",
			"status",
			"company",
			"department",
			"feedback_date",
		)
		self.assertEqual(stored.giver, self.anna)
		self.assertEqual(stored.giver_name, frappe.db.get_value("Employee", self.anna, "employee_name"))
		self.assertEqual(stored.recipient, self.ben)
		self.assertEqual(stored.status, "Given")
		self.assertEqual(stored.company, TEST_COMPANY)
		self.assertEqual(stored.department, frappe.db.get_value("Employee", self.ben, "department"))
		self.assertEqual(stored.feedback_date, getdate())

		# nobody moves it afterwards: not the giver, not by naming another giver or recipient
		reply = call(
			ANNA, "PUT", resource(FEEDBACK, reply.data["name"]), {"recipient": self.otto, "giver": self.ben}
		)
		self.assertEqual(
			self.stored(FEEDBACK, reply.data["name"], "giver", "recipient"),
			{
				"giver": self.anna,
				"recipient": self.ben,
			},
		)

	def test_who_reads_feedback(self):
		name = self.give(ANNA, {"recipient": self.ben, "kind": "Concern", "feedback": "Late twice"}).data[
			"name"
		]
		# giver, recipient, the recipient's manager (Reports To and head) and HR read it
		for user in (ANNA, BEN, BOSS, HR_USER):
			self.assertEqual(call(user, "GET", resource(FEEDBACK, name)).status, 200, user)
			count = {"doctype": FEEDBACK, "filters": {"recipient": self.ben, "kind": "Concern"}}
			self.assertEqual(call(user, "POST", method("frappe.client.get_count"), count).message, 1, user)
			listed = call(user, "POST", GET_LIST, {"doctype": FEEDBACK, "filters": {"name": name}})
			self.assertEqual([row["name"] for row in listed.message], [name], user)
		# an unrelated colleague and another company's employee do not, by any path
		for user in (OTTO, OUTSIDER):
			self.assertEqual(call(user, "GET", resource(FEEDBACK, name)).status, 403, user)
			listed = call(user, "POST", GET_LIST, {"doctype": FEEDBACK, "filters": {"name": name}})
			self.assertEqual(listed.message, [], user)
			rows = call(user, "GET", resource(FEEDBACK), query={"filters": frappe.as_json({"name": name})})
			self.assertEqual(rows.data, [], user)
			# nor by counting: a Concern for Ben is not there to count
			count = {"doctype": FEEDBACK, "filters": {"recipient": self.ben, "kind": "Concern"}}
			self.assertEqual(call(user, "POST", method("frappe.client.get_count"), count).message, 0, user)
		# only the giver changes the text: not the recipient, the manager or HR
		for user in (BEN, BOSS, HR_USER, OTTO):
			reply = call(user, "PUT", resource(FEEDBACK, name), {"feedback": "rewritten", "kind": "Praise"})
			self.assertEqual(reply.status, 403, user)
		self.assertEqual(
			self.stored(FEEDBACK, name, "feedback", "kind"), {"feedback": "Late twice", "kind": "Concern"}
		)
		self.assertEqual(call(ANNA, "DELETE", resource(FEEDBACK, name)).status, 403)
		self.assertTrue(frappe.db.exists(FEEDBACK, name))

	def test_request_then_answer(self):
		reply = self.give(
			BEN,
			{"is_request": 1, "giver": self.anna, "recipient": self.otto, "request_message": "My demo?"},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		name = reply.data["name"]
		self.assertEqual(
			self.stored(FEEDBACK, name, "giver", "recipient", "status", "feedback_date"),
			{"giver": self.anna, "recipient": self.ben, "status": "Requested", "feedback_date": None},
		)
		# the one who asked cannot answer their own request
		self.assertEqual(call(BEN, "PUT", resource(FEEDBACK, name), {"feedback": "great"}).status, 403)
		self.assertEqual(self.stored(FEEDBACK, name, "status").status, "Requested")
		# the colleague asked finds it on My Work and on their to-do list, and answers
		with_anna = checkins_as(ANNA, checkins.my_feedback_requests)
		self.assertIn(name, [row.name for row in with_anna])
		todo = {"reference_type": FEEDBACK, "reference_name": name, "allocated_to": ANNA}
		self.assertEqual(frappe.get_all("ToDo", filters=todo, pluck="status"), ["Open"])
		reply = call(
			ANNA, "PUT", resource(FEEDBACK, name), {"feedback": "Clear and short", "kind": "Suggestion"}
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(
			self.stored(FEEDBACK, name, "status", "kind", "feedback_date", "is_request"),
			{"status": "Given", "kind": "Suggestion", "feedback_date": getdate(), "is_request": 1},
		)
		self.assertEqual(frappe.get_all("ToDo", filters=todo, pluck="status"), ["Closed"])
		# given feedback cannot be emptied again
		reply = call(ANNA, "PUT", resource(FEEDBACK, name), {"feedback": "<p> </p>"})
		self.assertEqual(reply.status, 417, reply.text[:500])
		self.assertEqual(self.stored(FEEDBACK, name, "feedback").feedback, "Clear and short")

	def test_bad_feedback_is_refused_and_nothing_written(self):
		cases = (
			(ANNA, {"recipient": self.anna, "feedback": "me"}, "yourself"),
			(ANNA, {"is_request": 1, "giver": self.anna}, "yourself"),
			(ANNA, {"recipient": self.outsider, "feedback": "hi"}, "another company"),
			(ANNA, {"is_request": 1, "giver": self.outsider}, "another company"),
			(ANNA, {"recipient": self.ben, "feedback": "<p><br></p>"}, "cannot be empty"),
			(
				ANNA,
				{"recipient": self.ben, "feedback": "x", "kpi_scorecard": self.card, "kpi": "CFB-Z"},
				"CFB-Z",
			),
			("Administrator", {"recipient": self.ben, "feedback": "x"}, "Employee"),
		)
		for user, payload, message in cases:
			reply = self.give(user, payload)
			self.assertEqual(reply.status, 417, f"{payload}: {reply.text[:300]}")
			self.assertIn(message, reply.text)
		for employee in (self.anna, self.ben, self.outsider):
			self.assertEqual(self.count(FEEDBACK, recipient=employee), 0)
			self.assertEqual(self.count(FEEDBACK, giver=employee), 0)

	def test_feedback_about_a_scorecard_item(self):
		reply = self.give(
			BOSS, {"recipient": self.anna, "kpi_scorecard": self.card, "kpi": "CFB-A", "feedback": "Watch A"}
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(self.stored(FEEDBACK, reply.data["name"], "kpi").kpi, "CFB-A")

	# -- check-ins --------------------------------------------------------------------------------

	def open_checkin(self, user: str, employee: str, **values):
		payload = {
			"employee": employee,
			"scorecard": self.card,
			"from_date": "2025-01-01",
			"to_date": "2025-03-31",
			"checkin_date": "2025-03-20",
			**values,
		}
		return call(user, "POST", resource(CHECKIN), payload)

	def test_checkin_is_prefilled_with_the_kpis_needing_attention(self):
		reply = self.open_checkin(BOSS, self.anna, manager=self.otto, kpis=[{"kpi": "CFB-C"}])
		self.assertEqual(reply.status, 200, reply.text[:500])
		doc = frappe.get_doc(CHECKIN, reply.data["name"])
		self.assertEqual((doc.manager, doc.company), (self.boss, TEST_COMPANY))
		self.assertEqual(doc.manager_name, frappe.db.get_value("Employee", self.boss, "employee_name"))
		# A at February (its latest reported month in the period: Red), B (forecast At Risk),
		# D (95%: below target though Green); C (110%, Green, forecast Green) is fine
		self.assertEqual(
			[
				(row.kpi, str(row.period_start), row.actual, row.status, row.forecast_status)
				for row in doc.kpis
			],
			[
				("CFB-A", "2025-02-01", 60, "Red", "Red"),
				("CFB-B", "2025-02-01", 105, "Green", "At Risk"),
				("CFB-D", "2025-02-01", 95, "Green", "Green"),
			],
		)
		# the KPIs are the server's: a client's rows are not kept
		kpis = [{"kpi": "CFB-C", "actual": 1}]
		reply = call(BOSS, "PUT", resource(CHECKIN, doc.name), {"kpis": kpis, "manager_notes": "ok"})
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(
			frappe.get_all(
				"Performance Check-in KPI", filters={"parent": doc.name}, pluck="kpi", order_by="idx"
			),
			["CFB-A", "CFB-B", "CFB-D"],
		)

	def test_employee_opens_one_with_their_manager(self):
		reply = self.open_checkin(ANNA, self.anna, employee_notes="Need help with A")
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(self.stored(CHECKIN, reply.data["name"], "manager").manager, self.boss)
		# each side writes its own notes
		reply = call(ANNA, "PUT", resource(CHECKIN, reply.data["name"]), {"manager_notes": "all fine"})
		self.assertEqual(reply.status, 403, reply.text[:500])

	def test_who_reads_and_writes_checkins(self):
		name = self.open_checkin(BOSS, self.anna).data["name"]
		for user in (ANNA, BOSS, HR_USER):
			self.assertEqual(call(user, "GET", resource(CHECKIN, name)).status, 200, user)
		for user in (BEN, OTTO, OUTSIDER):
			self.assertEqual(call(user, "GET", resource(CHECKIN, name)).status, 403, user)
			listed = call(user, "POST", GET_LIST, {"doctype": CHECKIN, "filters": {"name": name}})
			self.assertEqual(listed.message, [], user)
		for user in (HR_USER, BEN, OTTO):
			reply = call(user, "PUT", resource(CHECKIN, name), {"checkin_date": "2025-03-01"})
			self.assertEqual(reply.status, 403, user)
		self.assertEqual(str(self.stored(CHECKIN, name, "checkin_date").checkin_date), "2025-03-20")

	def test_checkin_for_someone_not_your_report_is_refused(self):
		for user, employee in ((OTTO, self.anna), (BEN, self.anna), (ANNA, self.ben), (OUTSIDER, self.anna)):
			reply = self.open_checkin(user, employee)
			self.assertEqual(reply.status, 417, f"{user}: {reply.text[:300]}")
			self.assertIn("does not report to you", reply.text)
		# a scorecard that is not the employee's, a period outside it
		reply = self.open_checkin(BOSS, self.ben)
		self.assertIn("is not", reply.text)
		reply = self.open_checkin(BOSS, self.anna, to_date="2026-01-31")
		self.assertIn("within the scorecard", reply.text)
		self.assertEqual(self.count(CHECKIN, employee=self.anna), 0)
		self.assertEqual(self.count(CHECKIN, employee=self.ben), 0)

	def test_create_tasks_for_the_actions(self):
		actions = [
			{"action": "Call the three late customers", "action_owner": self.anna, "due_date": "2025-04-10"},
			{"action": "Review the pipeline weekly", "action_owner": self.boss, "due_date": "2025-04-30"},
		]
		name = self.open_checkin(BOSS, self.anna, actions=actions).data["name"]
		doc = frappe.get_doc(CHECKIN, name)
		# a task link a client sends on a new row is not kept
		other = frappe.get_doc({"doctype": "Task", "subject": "CFB someone else's"}).insert().name
		rows = [row.as_dict() for row in doc.actions] + [{"action": "Unowned idea", "task": other}]
		reply = call(BOSS, "PUT", resource(CHECKIN, name), {"actions": rows})
		self.assertEqual(reply.status, 200, reply.text[:500])
		doc.reload()
		self.assertIsNone(doc.actions[2].task)

		run = {"dt": CHECKIN, "dn": name, "method": "create_tasks"}
		# an action without an owner: refused, no task made for any action
		reply = call(BOSS, "POST", method("run_doc_method"), run)
		self.assertEqual(reply.status, 417, reply.text[:500])
		self.assertIn("choose the action", reply.text)
		self.assertEqual(frappe.get_all("Task", filters={"description": ("like", f"%{name}%")}), [])

		# with an owner: one task per action, assigned to the owner, linked back
		doc.actions[2].action_owner = self.ben
		frappe.set_user(BOSS)
		doc.save()
		frappe.set_user("Administrator")
		# someone who is not in the check-in cannot run it, not even on a copy naming them manager
		forged = frappe.get_doc(CHECKIN, name).as_dict()
		forged.update(manager=self.otto, employee=self.otto)
		for attack in (run, {"docs": frappe.as_json(forged), "method": "create_tasks"}):
			self.assertEqual(call(OTTO, "POST", method("run_doc_method"), attack).status, 403)
		self.assertFalse(any(frappe.get_all("Performance Check-in Action", {"parent": name}, pluck="task")))
		reply = call(BOSS, "POST", method("run_doc_method"), run)
		self.assertEqual(reply.status, 200, reply.text[:500])
		doc.reload()
		tasks = [row.task for row in doc.actions]
		self.assertTrue(all(tasks), tasks)
		self.assertEqual(sorted(reply.message), sorted(tasks))
		stored = {
			task.name: task
			for task in frappe.get_all(
				"Task", filters={"name": ("in", tasks)}, fields=["name", "subject", "exp_end_date", "company"]
			)
		}
		self.assertEqual(stored[tasks[0]].subject, "Call the three late customers")
		self.assertEqual(str(stored[tasks[0]].exp_end_date), "2025-04-10")
		self.assertEqual(stored[tasks[1]].company, TEST_COMPANY)
		owners = dict(
			frappe.get_all(
				"ToDo",
				filters={"reference_type": "Task", "reference_name": ("in", tasks), "status": "Open"},
				fields=["reference_name", "allocated_to"],
				as_list=True,
			)
		)
		self.assertEqual(owners, {tasks[0]: ANNA, tasks[1]: BOSS, tasks[2]: BEN})
		# nothing left to make
		reply = call(BOSS, "POST", method("run_doc_method"), run)
		self.assertEqual(reply.status, 417)

	# -- a Reports To manager who is not the department head ------------------------------------

	def search_scorecards(self, user: str, employee: str, **filters):
		"""The check-in form's scorecard picker, as the desk's Link field asks for it."""
		reply = call(
			user,
			"POST",
			method("frappe.desk.search.search_link"),
			{
				"doctype": "KPI Scorecard",
				"txt": "",
				"query": "kpibsc.kpibsc.services.checkins.scorecard_query",
				"filters": {"employee": employee, **filters},
				"reference_doctype": CHECKIN,
			},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		return [row["value"] for row in reply.message]

	def test_a_reports_to_manager_holds_a_checkin_with_the_reports_scorecard(self):
		# Lena (Ops, heads nothing) is Anna's Reports To; Anna is in Sales, which Boss heads
		lena = make_kpi_employee(LENA, frappe.db.get_value("Employee", self.otto, "department"))
		make_user(LENA, "KPI User", "Employee")
		anna = frappe.get_doc("Employee", self.anna)
		anna.reports_to = lena
		anna.save()
		# the scorecard row rule does not show her Anna's scorecard, so the plain picker is empty
		plain = call(
			LENA,
			"POST",
			method("frappe.desk.search.search_link"),
			{"doctype": "KPI Scorecard", "txt": "", "filters": {"employee": self.anna}},
		)
		self.assertEqual(plain.message, [])
		# the check-in's picker does, and the form's default (the one running on a day) too
		self.assertEqual(self.search_scorecards(LENA, self.anna), [self.card])
		self.assertEqual(self.search_scorecards(LENA, self.anna, on_date="2025-03-20"), [self.card])
		self.assertEqual(self.search_scorecards(LENA, self.anna, on_date="2024-03-20"), [])
		reply = self.open_checkin(LENA, self.anna, manager_notes="Let us look at A")
		self.assertEqual(reply.status, 200, reply.text[:500])
		name = reply.data["name"]
		self.assertEqual(
			self.stored(CHECKIN, name, "manager", "scorecard"), {"manager": lena, "scorecard": self.card}
		)
		self.assertEqual(
			frappe.get_all("Performance Check-in KPI", filters={"parent": name}, pluck="kpi", order_by="idx"),
			["CFB-A", "CFB-B", "CFB-D"],
		)
		self.assertEqual(call(LENA, "GET", resource(CHECKIN, name)).status, 200)
		# and nothing more: the scorecard itself stays closed to her, to read and to change
		self.assertEqual(call(LENA, "GET", resource("KPI Scorecard", self.card)).status, 403)
		reply = call(LENA, "PUT", resource("KPI Scorecard", self.card), {"title": "Lena's now"})
		self.assertEqual(reply.status, 403)
		self.assertNotEqual(self.stored("KPI Scorecard", self.card, "title").title, "Lena's now")
		# the employee picks their own; a colleague, someone unrelated, another company nothing
		self.assertEqual(self.search_scorecards(ANNA, self.anna), [self.card])
		for user in (BEN, OTTO, OUTSIDER, HR_USER):
			self.assertEqual(self.search_scorecards(user, self.anna), [], user)

	# -- the review shows the period's feedback and check-ins ------------------------------------

	def test_review_shows_the_periods_feedback_and_checkins(self):
		review = (
			frappe.get_doc(
				{
					"doctype": "Performance Review",
					"employee": self.anna,
					"period_type": "Quarter",
					"from_date": "2025-01-01",
					"to_date": "2025-03-31",
					"review_mode": "Competencies Only",
				}
			)
			.insert()
			.name
		)
		inside = self.give(BEN, {"recipient": self.anna, "feedback": "Solid Q1"}).data["name"]
		outside = self.give(OTTO, {"recipient": self.anna, "feedback": "Later"}).data["name"]
		frappe.db.set_value(FEEDBACK, inside, "feedback_date", "2025-02-10")
		frappe.db.set_value(FEEDBACK, outside, "feedback_date", "2025-04-10")
		checkin = self.open_checkin(BOSS, self.anna).data["name"]
		getter = method("kpibsc.kpibsc.services.checkins.review_feedback")
		for user in (ANNA, BOSS, HR_USER):
			reply = call(user, "GET", getter, query={"review": review})
			self.assertEqual(reply.status, 200, user)
			self.assertEqual([row["name"] for row in reply.message["feedback"]], [inside], user)
			self.assertEqual(
				reply.message["feedback"][0]["giver_name"],
				frappe.db.get_value("Employee", self.ben, "employee_name"),
			)
			self.assertEqual([row["name"] for row in reply.message["checkins"]], [checkin], user)
		for user in (BEN, OTTO):
			self.assertEqual(call(user, "GET", getter, query={"review": review}).status, 403, user)


def checkins_as(user: str, function):
	frappe.set_user(user)
	try:
		return function()
	finally:
		frappe.set_user("Administrator")
