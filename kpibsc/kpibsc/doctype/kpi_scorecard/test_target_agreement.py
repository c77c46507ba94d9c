"""Targets agreed, not imposed (#18): the manager proposes an employee's draft targets, the
employee agrees or asks for changes, each recorded with who and when; with the setting on, only
an agreed scorecard becomes Active, and a changed target needs a new proposal. Only the
scorecard's own employee answers, over the API too."""

import json

import frappe

from kpibsc.kpibsc.services.agreement import answer_proposal, propose_own_targets, propose_targets
from kpibsc.tests.factories import (
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
	user_with_roles,
)
from kpibsc.tests.http import call

KPI = "_T-AGREE-REV"
EMPLOYEE_USER = "kpi.agree.seller@example.com"
OTHER_USER = "kpi.agree.other@example.com"
MANAGER = "kpi.agree.manager@example.com"
HEAD_USER = "kpi.agree.head@example.com"


class AgreementCase(KPITestCase):
	"""An employee's draft scorecard, with the setting on."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi(KPI, aggregation="Sum")
		department = make_department("KPI Agreement Desk")
		cls.employee = make_kpi_employee(EMPLOYEE_USER, department)
		make_kpi_employee(OTHER_USER, department)
		head = make_kpi_employee(HEAD_USER, department)
		make_department("KPI Agreement Desk", head=head)
		for user in (EMPLOYEE_USER, OTHER_USER, HEAD_USER):
			user_with_roles(user, "Employee", "KPI User")
		user_with_roles(MANAGER, "KPI Manager")

	def setUp(self):
		super().setUp()
		frappe.db.set_single_value("KPI BSC Settings", "require_target_agreement", 1)
		self.card = scorecard_doc(
			[{"kpi": KPI, "weight": 100, "target": 1200}], scorecard_for="Employee", employee=self.employee
		).insert()

	def activate(self):
		card = frappe.get_doc("KPI Scorecard", self.card.name)
		card.status = "Active"
		card.save()

	def todos(self, user):
		return frappe.get_all(
			"ToDo",
			filters={
				"reference_type": "KPI Scorecard",
				"reference_name": self.card.name,
				"allocated_to": user,
				"status": "Open",
			},
			pluck="description",
		)


class TestTargetAgreement(AgreementCase):
	def test_proposed_agreed_then_active(self):
		with self.assertRaisesRegex(frappe.ValidationError, "not agreed"):
			self.activate()
		frappe.set_user(MANAGER)
		propose_targets(self.card.name)
		self.assertEqual(len(self.todos(EMPLOYEE_USER)), 1)
		frappe.set_user(EMPLOYEE_USER)
		answer_proposal(self.card.name, agree=True)
		frappe.set_user("Administrator")
		stored = frappe.db.get_value(
			"KPI Scorecard", self.card.name, ["agreement_status", "proposed_by", "agreed_by"], as_dict=True
		)
		self.assertEqual(
			(stored.agreement_status, stored.proposed_by, stored.agreed_by),
			("Agreed", MANAGER, EMPLOYEE_USER),
		)
		self.assertEqual(self.todos(EMPLOYEE_USER), [])
		self.activate()
		self.assertEqual(frappe.db.get_value("KPI Scorecard", self.card.name, "status"), "Active")

	def test_changes_requested_go_back_to_the_manager_and_a_new_target_needs_a_new_proposal(self):
		frappe.set_user(MANAGER)
		propose_targets(self.card.name)
		frappe.set_user(EMPLOYEE_USER)
		with self.assertRaises(frappe.MandatoryError):  # asking for changes says which
			answer_proposal(self.card.name, agree=False, comment=" ")
		answer_proposal(self.card.name, agree=False, comment="1.200 là quá cao, đề nghị 1.000")
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value("KPI Scorecard", self.card.name, ["agreement_status", "agreement_comment"]),
			("Changes Requested", "1.200 là quá cao, đề nghị 1.000"),
		)
		self.assertIn("1.200 là quá cao", self.todos(MANAGER)[0])

		# the manager lowers the target, proposes again, the employee agrees; then a later
		# change of the target withdraws the agreement and activation waits for a new one
		card = frappe.get_doc("KPI Scorecard", self.card.name)
		card.items[0].target = 1000
		card.save()
		frappe.set_user(MANAGER)
		propose_targets(self.card.name)
		frappe.set_user(EMPLOYEE_USER)
		answer_proposal(self.card.name, agree=True)
		frappe.set_user("Administrator")
		card = frappe.get_doc("KPI Scorecard", self.card.name)
		card.items[0].target = 1100
		card.save()
		self.assertIsNone(frappe.db.get_value("KPI Scorecard", self.card.name, "agreement_status"))
		with self.assertRaisesRegex(frappe.ValidationError, "not agreed"):
			self.activate()

	def test_only_the_employee_answers_and_nobody_types_the_agreement(self):
		frappe.set_user(MANAGER)
		propose_targets(self.card.name)
		frappe.set_user("Administrator")
		path = "/api/method/kpibsc.kpibsc.services.agreement.answer_proposal"
		for user in (OTHER_USER, MANAGER):  # another employee; the manager cannot agree for them
			reply = call(user, "POST", path, {"scorecard": self.card.name, "agree": 1})
			self.assertIn(reply.status, (403, 417), reply.text)
		# the employee cannot propose (no write on their own scorecard) nor agree by saving
		reply = call(
			EMPLOYEE_USER,
			"POST",
			"/api/method/kpibsc.kpibsc.services.agreement.propose_targets",
			{"scorecard": self.card.name},
		)
		self.assertEqual(reply.status, 403, reply.text)
		card = frappe.get_doc("KPI Scorecard", self.card.name)
		card.agreement_status, card.agreed_by = "Agreed", OTHER_USER
		card.save()
		self.assertEqual(
			frappe.db.get_value("KPI Scorecard", self.card.name, ["agreement_status", "agreed_by"]),
			("Proposed", None),
		)

	def test_companies_that_impose_targets_activate_without_agreement(self):
		frappe.db.set_single_value("KPI BSC Settings", "require_target_agreement", 0)
		self.activate()
		self.assertEqual(frappe.db.get_value("KPI Scorecard", self.card.name, "status"), "Active")


class TestEmployeeProposesTargets(AgreementCase):
	"""The reverse direction: the employee proposes their own figures, which wait beside the
	scorecard until the department head agrees (setting them) or asks for changes."""

	def stored(self, *fields):
		return frappe.db.get_value("KPI Scorecard", self.card.name, list(fields))

	def target(self):
		return frappe.db.get_value("KPI Scorecard Item", {"parent": self.card.name, "kpi": KPI}, "target")

	def test_employee_proposes_head_agrees_and_it_is_set(self):
		frappe.set_user(EMPLOYEE_USER)
		propose_own_targets(self.card.name, {KPI: 1000}, comment="Thị trường giảm")
		frappe.set_user("Administrator")
		self.assertEqual(
			self.stored("agreement_status", "proposed_by"), ("Proposed by Employee", EMPLOYEE_USER)
		)
		self.assertEqual(self.target(), 1200)  # proposed, not set
		self.assertEqual(len(self.todos(HEAD_USER)), 1)
		with self.assertRaisesRegex(frappe.ValidationError, "not agreed"):
			self.activate()

		frappe.set_user(HEAD_USER)
		answer_proposal(self.card.name, agree=True)
		frappe.set_user("Administrator")
		self.assertEqual(self.target(), 1000)
		self.assertEqual(self.stored("agreement_status", "agreed_by"), ("Agreed", HEAD_USER))
		phased = frappe.get_all(
			"KPI Scorecard Target", filters={"parent": self.card.name, "kpi": KPI}, pluck="target"
		)
		self.assertAlmostEqual(sum(phased), 1000, 6)  # the scorecard's own save phased it
		self.assertEqual(self.todos(HEAD_USER), [])
		self.activate()

	def test_head_asks_for_changes(self):
		frappe.set_user(EMPLOYEE_USER)
		propose_own_targets(self.card.name, {KPI: 900})
		frappe.set_user(HEAD_USER)
		answer_proposal(self.card.name, agree=False, comment="900 là quá thấp")
		frappe.set_user("Administrator")
		self.assertEqual(
			self.stored("agreement_status", "agreement_comment"), ("Changes Requested", "900 là quá thấp")
		)
		self.assertEqual(self.target(), 1200)
		self.assertIn("900 là quá thấp", self.todos(EMPLOYEE_USER)[0])

	def test_nobody_agrees_to_their_own_nor_proposes_for_another(self):
		api = "/api/method/kpibsc.kpibsc.services.agreement."
		reply = call(
			EMPLOYEE_USER,
			"POST",
			api + "propose_own_targets",
			{"scorecard": self.card.name, "targets": {KPI: "abc"}},
		)
		self.assertEqual(reply.status, 417, reply.text)
		reply = call(
			EMPLOYEE_USER,
			"POST",
			api + "propose_own_targets",
			{"scorecard": self.card.name, "targets": {"_T-NOT-ON-CARD": 5}},
		)
		self.assertEqual(reply.status, 417, reply.text)
		self.assertEqual(self.stored("agreement_status"), None)
		reply = call(
			OTHER_USER,
			"POST",
			api + "propose_own_targets",
			{"scorecard": self.card.name, "targets": {KPI: 1}},
		)
		self.assertIn(reply.status, (403, 417), reply.text)
		self.assertEqual(self.stored("agreement_status"), None)

		frappe.set_user(EMPLOYEE_USER)
		propose_own_targets(self.card.name, {KPI: 1}, comment="tự đặt")
		frappe.set_user("Administrator")
		for user in (EMPLOYEE_USER, OTHER_USER):  # the proposer, and a colleague with no write
			reply = call(user, "POST", api + "answer_proposal", {"scorecard": self.card.name, "agree": 1})
			self.assertEqual(reply.status, 403, reply.text)
		self.assertEqual(self.target(), 1200)
		self.assertEqual(self.stored("agreement_status"), "Proposed by Employee")
		# the proposal is the server's: a save cannot change the figures waiting for agreement
		card = frappe.get_doc("KPI Scorecard", self.card.name)
		card.employee_proposal = json.dumps({KPI: 5000})
		card.save()
		self.assertEqual(
			frappe.db.get_value("KPI Scorecard", self.card.name, "employee_proposal"), json.dumps({KPI: 1.0})
		)
