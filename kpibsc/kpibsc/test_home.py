"""Each role's home (My Work's sections), "Enter actuals", the scorecard the reports open on
and where the desk opens: each user sees only their own rows."""

import frappe
from frappe.utils import getdate

from kpibsc.kpibsc.page.my_work.my_work import get_home
from kpibsc.kpibsc.services import home
from kpibsc.kpibsc.services.home import (
	NotYourScorecardError,
	boot_session,
	default_scorecard,
	enter_actuals,
	home_sections,
)
from kpibsc.kpibsc.test_host_hooks import counted_queries
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
	today_is,
	user_with_roles,
)

HEAD = "kpi.home.head@example.com"
GOOD = "kpi.home.good@example.com"  # January on target (Green), February a draft
LATE = "kpi.home.late@example.com"  # January far below target (Red), nothing since
OTHER = "kpi.home.other@example.com"  # another department, a draft of their own
HR = "kpi.home.hr@example.com"
MANAGER = "kpi.home.manager@example.com"
TODAY = "2025-03-15"
JAN, FEB, MAR = getdate("2025-01-01"), getdate("2025-02-01"), getdate("2025-03-01")


class TestHome(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("HM-SALES", aggregation="Sum")
		cls.department = make_department("KPI Home Sales")
		cls.other_department = make_department("KPI Home Support")
		cls.head = make_kpi_employee(HEAD, cls.department)
		cls.good = make_kpi_employee(GOOD, cls.department)
		cls.late = make_kpi_employee(LATE, cls.department)
		cls.other = make_kpi_employee(OTHER, cls.other_department)
		frappe.db.set_value("Department", cls.department, "kpi_department_head", cls.head)
		for email in (HEAD, GOOD, LATE, OTHER):
			frappe.get_doc("User", email).add_roles("KPI User", "Employee")
		user_with_roles(HR, "HR Manager", "HR User")
		user_with_roles(MANAGER, "KPI Manager")
		cls.cards = {}
		for email, employee in ((HEAD, cls.head), (GOOD, cls.good), (LATE, cls.late), (OTHER, cls.other)):
			cls.cards[email] = scorecard_doc(
				[{"kpi": "HM-SALES", "weight": 100, "target": 1200}],  # 100 a month
				scorecard_for="Employee",
				employee=employee,
			).insert()
		cls.company_card = scorecard_doc([{"kpi": "HM-SALES", "weight": 100, "target": 1200}]).insert()
		cls.measurement(GOOD, JAN, "100").submit()  # approved by Administrator
		cls.measurement(LATE, JAN, "10").submit()
		cls.good_draft = cls.measurement(GOOD, FEB, "40").name
		cls.head_draft = cls.measurement(HEAD, JAN, "70").name  # a KPI Manager approves it
		cls.other_draft = cls.measurement(OTHER, JAN, "50").name

	@classmethod
	def measurement(cls, email, period, actual):
		doc = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": cls.cards[email].name, "period_start": period}
		)
		doc.fill_items()
		doc.items[0].actual = actual
		return doc.insert()

	def sections(self, user):
		frappe.set_user(user)
		with today_is(home, TODAY):
			return home_sections()

	def test_an_employee_sees_their_own_period_score_and_nothing_of_others(self):
		sections = self.sections(GOOD)
		self.assertEqual(set(sections), {"mine"})  # no team, reviews or pay runs
		mine = sections["mine"]
		self.assertEqual(mine["scorecard"].name, self.cards[GOOD].name)
		# January is approved: February is the period to enter, in the draft already made
		self.assertEqual(
			(mine["period"].period_start, mine["period"].period_end, mine["period"].measurement),
			(FEB, getdate("2025-02-28"), self.good_draft),
		)
		# January: 100 against 100 is 100% achievement, a score of 100 (Percent scale), Green
		self.assertEqual((mine["ytd"].ytd_score, mine["ytd"].ytd_status), (100, "Green"))
		self.assertEqual(mine["ytd"].period_start, JAN)
		self.assertIsNone(mine["review"])

		late = self.sections(LATE)["mine"]
		self.assertEqual((late["period"].period_start, late["period"].measurement), (FEB, None))
		self.assertEqual((late["ytd"].ytd_score, late["ytd"].ytd_status), (10, "Red"))

	def test_enter_actuals_opens_the_draft_or_makes_one_on_your_own_scorecard_only(self):
		frappe.set_user(GOOD)
		with today_is(home, TODAY):
			self.assertEqual(enter_actuals(self.cards[GOOD].name), self.good_draft)
		frappe.set_user(LATE)
		with today_is(home, TODAY):
			made = enter_actuals(self.cards[LATE].name)
			self.assertEqual(enter_actuals(self.cards[LATE].name), made)  # not a second one
		stored = frappe.db.get_value(
			"KPI Measurement", made, ["scorecard", "period_start", "docstatus", "employee"], as_dict=True
		)
		self.assertEqual(
			(stored.scorecard, stored.period_start, stored.docstatus, stored.employee),
			(self.cards[LATE].name, FEB, 0, self.late),
		)
		self.assertEqual(frappe.get_all("KPI Measurement Item", {"parent": made}, pluck="kpi"), ["HM-SALES"])

		# someone else's scorecard: refused, and nothing is made
		before = frappe.db.count("KPI Measurement", {"scorecard": self.cards[GOOD].name})
		with today_is(home, TODAY):
			self.assertRaises(frappe.PermissionError, enter_actuals, self.cards[GOOD].name)
			frappe.set_user(HEAD)  # the head reads the team's scorecards, but enters only their own
			self.assertRaises(NotYourScorecardError, enter_actuals, self.cards[GOOD].name)
			frappe.set_user(MANAGER)  # a KPI Manager has no scorecard of their own
			self.assertRaises(NotYourScorecardError, enter_actuals, self.cards[GOOD].name)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("KPI Measurement", {"scorecard": self.cards[GOOD].name}), before)

	def test_a_head_sees_the_team_not_themselves_nor_other_departments(self):
		sections = self.sections(HEAD)
		self.assertEqual(set(sections), {"mine", "team"})
		team = sections["team"]
		self.assertEqual(
			{row.name: (row.score, row.status) for row in team["scorecards"]},
			{self.cards[GOOD].name: (100, "Green"), self.cards[LATE].name: (10, "Red")},
		)
		# the head's own draft is a KPI Manager's to approve; the other department's is not theirs
		self.assertEqual([row.name for row in team["approvals"]], [self.good_draft])
		self.assertEqual(
			[(row.scorecard, row.kpi, row.period_start, row.actual) for row in team["red"]],
			[(self.cards[LATE].name, "HM-SALES", JAN, 10)],
		)
		# the head's own period: January has only a draft
		self.assertEqual(
			(sections["mine"]["period"].period_start, sections["mine"]["period"].measurement),
			(JAN, self.head_draft),
		)

	def test_hr_sees_review_cycles_and_pay_runs(self):
		cycle = frappe.get_doc(
			{
				"doctype": "Performance Review Cycle",
				"cycle_name": "_Test Home Q1",
				"company": TEST_COMPANY,
				"period_type": "Quarter",
				"from_date": JAN,
				"to_date": getdate("2025-03-31"),
				"department": self.department,
				"review_mode": "Competencies Only",
			}
		).insert()
		self.assertEqual(cycle.create_reviews()["created"], 3)  # the head, GOOD and LATE
		hr = self.sections(HR)
		self.assertEqual(set(hr), {"reviews", "pay_runs"})  # HR has no employee here
		mine = next(row for row in hr["reviews"] if row.name == cycle.name)
		self.assertEqual((mine.states, mine.total), ({"Self Assessment": 3}, 3))
		self.assertIn("runs", hr["pay_runs"])
		# a KPI Manager follows the cycles but reads no pay runs
		self.assertEqual(set(self.sections(MANAGER)), {"reviews"})
		# the employee sees the step of their own review only
		review = self.sections(GOOD)["mine"]["review"]
		self.assertEqual(
			(
				review.review_cycle,
				review.workflow_state,
				frappe.db.get_value("Performance Review", review.name, "employee"),
			),
			(cycle.name, "Self Assessment", self.good),
		)

	def test_reports_open_on_your_own_scorecard_or_the_company_s(self):
		for user, expected in (
			(GOOD, self.cards[GOOD].name),
			(HEAD, self.cards[HEAD].name),
			(OTHER, self.cards[OTHER].name),
		):
			frappe.set_user(user)
			with today_is(home, TODAY):
				self.assertEqual(default_scorecard(), expected, user)
		frappe.set_user("Administrator")
		frappe.defaults.set_user_default("company", TEST_COMPANY, MANAGER)
		frappe.set_user(MANAGER)
		with today_is(home, TODAY):
			found = default_scorecard()
		self.assertEqual(
			frappe.db.get_value("KPI Scorecard", found, ["scorecard_for", "company"]),
			("Company", TEST_COMPANY),
		)
		frappe.set_user(HR)  # no employee, not a KPI Manager: no scorecard of theirs
		with today_is(home, TODAY):
			self.assertIsNone(default_scorecard())

	def test_my_work_of_another_department_is_refused(self):
		frappe.set_user(HEAD)
		with today_is(home, TODAY):
			self.assertEqual(get_home(self.good)["work"]["employee"].name, self.good)
			self.assertRaises(frappe.PermissionError, get_home, self.other)
		frappe.set_user(MANAGER)
		self.assertIsNone(get_home()["work"])  # no employee: sections only

	def test_the_desk_opens_my_work_for_employees_not_for_managers(self):
		for user, expected in (
			(GOOD, "my-work"),
			(HEAD, "my-work"),
			(HR, "my-work"),
			(MANAGER, "Workspaces"),
		):
			frappe.set_user(user)
			bootinfo = frappe._dict(home_page="Workspaces")
			boot_session(bootinfo)
			self.assertEqual(bootinfo.home_page, expected, user)
		frappe.set_user(GOOD)
		bootinfo = frappe._dict(home_page="dashboard-view")  # the site chose a desk home
		boot_session(bootinfo)
		self.assertEqual(bootinfo.home_page, "dashboard-view")

	def test_the_balanced_scorecard_colours_each_perspective_by_its_status(self):
		from kpibsc.kpibsc.report.balanced_scorecard.balanced_scorecard import chart

		rows = [
			{"name": "S", "node": "Total", "score": 70, "status": "Amber"},
			{"name": "P:Financial", "node": "Financial", "score": 104.26, "status": "Green"},
			{"name": "P:Customer", "node": "Customer", "score": 45, "status": "Red"},
			{"name": "P:Internal Process", "node": "Internal Process", "score": None, "status": "No Data"},
			{"name": "P:Learning & Growth", "node": "Learning & Growth", "score": 85, "status": "Amber"},
		]
		found = chart(rows)
		# one stacked dataset per status present, in the order Green, Amber, Red; each bar
		# carries its score in its own status's dataset and 0 in the others
		self.assertEqual(found["data"]["labels"], ["Financial", "Customer", "Learning & Growth"])
		self.assertEqual(
			[(dataset["name"], dataset["values"]) for dataset in found["data"]["datasets"]],
			[("Green", [104.3, 0, 0]), ("Amber", [0, 0, 85]), ("Red", [0, 45, 0])],
		)
		self.assertEqual(found["colors"], ["#29cd42", "#ffa00a", "#e24c4c"])
		self.assertEqual(found["barOptions"], {"stacked": 1})

	def test_the_owner_sends_for_approval_and_only_an_approver_is_offered_submit(self):
		def may_approve(user, name):
			frappe.set_user(user)
			doc = frappe.get_doc("KPI Measurement", name)
			doc.run_method("onload")
			return doc.get_onload().may_approve

		self.assertFalse(may_approve(GOOD, self.good_draft))  # their own numbers
		self.assertTrue(may_approve(HEAD, self.good_draft))  # the head of their department
		self.assertFalse(may_approve(HEAD, self.head_draft))  # the head's own: a KPI Manager's
		self.assertTrue(may_approve(MANAGER, self.head_draft))

		frappe.set_user(GOOD)
		asked = frappe.get_doc("KPI Measurement", self.good_draft).send_for_approval()
		self.assertEqual(asked, [frappe.utils.get_fullname(HEAD)])
		frappe.set_user(HEAD)  # nobody below a KPI Manager approves the head's own
		self.assertEqual(frappe.get_doc("KPI Measurement", self.head_draft).send_for_approval(), [])
		frappe.set_user(GOOD)  # not theirs to send
		self.assertRaises(
			frappe.PermissionError, frappe.get_doc("KPI Measurement", self.other_draft).send_for_approval
		)

	def test_hr_staff_without_a_kpi_role_who_head_a_department_get_no_team(self):
		# an HR Manager who is an employee and KPI Department Head, but holds no KPI role:
		# no scorecards to show (and no refusal), their review only
		staff = make_kpi_employee("kpi.home.hrstaff@example.com", self.other_department)
		user_with_roles("kpi.home.hrstaff@example.com", "HR Manager", "Employee")
		frappe.db.set_value("Department", self.other_department, "kpi_department_head", staff)
		sections = self.sections("kpi.home.hrstaff@example.com")
		self.assertEqual(set(sections), {"mine", "reviews", "pay_runs"})
		self.assertEqual(sections["mine"], {"employee": staff, "review": None})

	def test_a_bigger_team_costs_no_more_queries(self):
		def queries() -> int:
			frappe.set_user(HEAD)
			with today_is(home, TODAY):
				home_sections()  # roles and other per-request caches read once
				with counted_queries() as sent:
					home_sections()
			frappe.set_user("Administrator")
			return len(sent)

		before = queries()
		for number in range(3):
			employee = make_kpi_employee(f"kpi.home.more{number}@example.com", self.department)
			self.cards[employee] = scorecard_doc(
				[{"kpi": "HM-SALES", "weight": 100, "target": 1200}],
				scorecard_for="Employee",
				employee=employee,
			).insert()
			self.addCleanup(self.cards.pop, employee)  # the rows go with the rollback
			self.measurement(employee, JAN, "20").submit()  # Red
			self.measurement(employee, FEB, "90")  # waiting for approval
		self.assertEqual(len(self.sections(HEAD)["team"]["red"]), 4)
		frappe.set_user("Administrator")
		self.assertEqual(queries(), before)
