"""Attacks over HTTP, as each role would send them: forged owner fields, server-owned fields,
forged documents through run_doc_method, functions and reports outside the row rules, and
separation of duties. Every refused request is checked against the stored values: a 403 that
still wrote something is a failure (see kpibsc/tests/http.py for how a request is run)."""

import frappe
from frappe.model.workflow import apply_workflow
from frappe.utils import getdate

from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	make_strategy,
	make_user,
	scorecard_doc,
)
from kpibsc.tests.http import call, method, resource

MANAGER = "kpi.sec.manager@example.com"
HR_MANAGER = "kpi.sec.hrm@example.com"
HR_USER = "kpi.sec.hru@example.com"
HEAD = "kpi.sec.head@example.com"  # heads Sales
SELLER = "kpi.sec.seller@example.com"  # Sales, reports to HEAD
OPERATOR = "kpi.sec.operator@example.com"  # Ops: another department
OUTSIDER = "kpi.sec.outsider@example.com"  # an employee of another company
JANUARY = getdate("2025-01-01")


class TestSecurityOverHTTP(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("SEC-REV", aggregation="Sum")
		cls.sales = make_department("KPI Sec Sales")
		cls.ops = make_department("KPI Sec Ops")
		cls.head = make_kpi_employee(HEAD, cls.sales)
		cls.seller = make_kpi_employee(SELLER, cls.sales)
		cls.operator = make_kpi_employee(OPERATOR, cls.ops)
		outsider_company = frappe.db.get_value("Company", {"name": ("!=", TEST_COMPANY)}, "name")
		cls.outsider = make_kpi_employee(
			OUTSIDER, make_department("KPI Sec Away", outsider_company), outsider_company
		)
		seller = frappe.get_doc("Employee", cls.seller)
		seller.reports_to = cls.head
		seller.save()  # Reports To is a tree (lft/rgt): through the document
		frappe.db.set_value("Department", cls.sales, "kpi_department_head", cls.head)
		for email in (HEAD, SELLER, OPERATOR, OUTSIDER):
			make_user(email, "KPI User", "Employee")
		make_user(MANAGER, "KPI Manager", "KPI User")
		make_user(HR_MANAGER, "HR Manager", "Employee")
		make_user(HR_USER, "HR User", "Employee")

		item = [{"kpi": "SEC-REV", "weight": 100, "target": 1200}]
		cls.sales_card = scorecard_doc(item, scorecard_for="Department", department=cls.sales).insert().name
		cls.cards = {
			email: scorecard_doc(item, scorecard_for="Employee", employee=employee).insert().name
			for email, employee in ((HEAD, cls.head), (SELLER, cls.seller), (OPERATOR, cls.operator))
		}
		cls.measurements = {email: cls.make_measurement(card) for email, card in cls.cards.items()}
		cls.measurements["department"] = cls.make_measurement(cls.sales_card)

		cls.strategy = make_strategy("_Test Security Strategy")
		cls.objective = (
			frappe.get_doc(
				{
					"doctype": "Strategic Objective",
					"objective_name": "Sec: sell more",
					"strategy": cls.strategy,
					"perspective": "Financial",
					"level": "Employee",
					"employee": cls.operator,
				}
			)
			.insert()
			.name
		)
		# stored scores, as the recompute writes them: the operator's objective and card
		for node_type, score in (("Objective", 37.0), ("Scorecard", 41.0)):
			frappe.get_doc(
				{
					"doctype": "KPI Result",
					"scorecard": cls.cards[OPERATOR],
					"company": TEST_COMPANY,
					"scorecard_for": "Employee",
					"department": cls.ops,
					"employee": cls.operator,
					"node_type": node_type,
					"objective": cls.objective,
					"period_start": JANUARY,
					"period_end": getdate("2025-01-31"),
					"score": score,
					"status": "Red",
					"ytd_score": score,
					"ytd_status": "Red",
				}
			).insert(ignore_permissions=True)
		cls.company_card = scorecard_doc(item, from_date="2024-01-01", to_date="2024-12-31").insert().name
		frappe.get_doc(
			{
				"doctype": "KPI Result",
				"scorecard": cls.company_card,
				"company": TEST_COMPANY,
				"scorecard_for": "Company",
				"node_type": "Scorecard",
				"period_start": getdate("2099-01-01"),
				"period_end": getdate("2099-01-31"),
				"score": 88.5,
				"status": "Green",
				"ytd_score": 88.5,
				"ytd_status": "Green",
			}
		).insert(ignore_permissions=True)

		cls.review = (
			frappe.get_doc(
				{
					"doctype": "Performance Review",
					"employee": cls.seller,
					"period_type": "Quarter",
					"from_date": "2025-01-01",
					"to_date": "2025-03-31",
					"review_mode": "Competencies Only",
				}
			)
			.insert()
			.name
		)
		cls.operator_review = (
			frappe.get_doc(
				{
					"doctype": "Performance Review",
					"employee": cls.operator,
					"period_type": "Quarter",
					"from_date": "2025-01-01",
					"to_date": "2025-03-31",
					"review_mode": "Competencies Only",
				}
			)
			.insert()
			.name
		)

	@classmethod
	def make_measurement(cls, scorecard: str) -> str:
		doc = frappe.get_doc({"doctype": "KPI Measurement", "scorecard": scorecard, "period_start": JANUARY})
		doc.fill_items()
		doc.items[0].actual = "100"
		return doc.insert().name

	def stored(self, doctype: str, name: str, *fields: str) -> dict:
		return frappe.db.get_value(doctype, name, list(fields), as_dict=True)

	def assertRefused(self, reply, *statuses: int):
		self.assertIn(reply.status, statuses or (403,), reply.text[:500])

	# -- the matrix: role × document × read / write, through /api/resource ----------------------

	def test_role_matrix_for_scorecards_and_measurements(self):
		# who may read (r) and write (w) each document; anyone else is refused and changes nothing
		matrix = {
			"seller": {SELLER: "r", HEAD: "rw", MANAGER: "rw"},
			"operator": {OPERATOR: "r", MANAGER: "rw"},
			"head": {HEAD: "r", MANAGER: "rw"},
			"department": {HEAD: "r", MANAGER: "rw"},
		}
		cards = {
			"seller": self.cards[SELLER],
			"operator": self.cards[OPERATOR],
			"head": self.cards[HEAD],
			"department": self.sales_card,
		}
		users = (MANAGER, HR_MANAGER, HR_USER, HEAD, SELLER, OPERATOR, OUTSIDER)
		for key, card in cards.items():
			for user in users:
				allowed = matrix[key].get(user, "")
				with self.subTest(scorecard=key, user=user):
					reply = call(user, "GET", resource("KPI Scorecard", card))
					self.assertEqual(reply.status == 200, "r" in allowed, reply.text[:200])
					before = frappe.db.get_value("KPI Scorecard", card, "status")
					wanted = "Closed" if before != "Closed" else "Draft"
					reply = call(user, "PUT", resource("KPI Scorecard", card), {"status": wanted})
					after = frappe.db.get_value("KPI Scorecard", card, "status")
					self.assertEqual(after == wanted, "w" in allowed, reply.text[:200])
					if after != before:
						frappe.db.set_value("KPI Scorecard", card, "status", before)
		# measurements: the owner enters, the head of the team also approves
		entering = {
			SELLER: {SELLER: "rw", HEAD: "rw", MANAGER: "rw"},
			OPERATOR: {OPERATOR: "rw", MANAGER: "rw"},
			HEAD: {HEAD: "rw", MANAGER: "rw"},
			"department": {HEAD: "rw", MANAGER: "rw"},
		}
		for key, name in self.measurements.items():
			for user in users:
				allowed = entering[key].get(user, "")
				with self.subTest(measurement=key, user=user):
					reply = call(user, "GET", resource("KPI Measurement", name))
					self.assertEqual(reply.status == 200, "r" in allowed, reply.text[:200])
					remark = f"by {user}"
					call(user, "PUT", resource("KPI Measurement", name), {"remarks": remark})
					stored = frappe.db.get_value("KPI Measurement", name, "remarks")
					self.assertEqual(stored == remark, "w" in allowed, stored)

	def test_whitelisted_functions_refuse_who_may_not(self):
		def cycle_doc():
			return frappe.get_doc(
				{
					"doctype": "Performance Review Cycle",
					"cycle_name": "_Test Security Cycle",
					"company": TEST_COMPANY,
					"period_type": "Quarter",
					"from_date": "2024-01-01",
					"to_date": "2024-03-31",
					"department": self.sales,
					"review_mode": "Competencies Only",
				}
			).insert()

		cycle = cycle_doc()
		operator_card = {"scorecard": self.cards[OPERATOR]}
		module = "kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard"
		attacks = [
			(SELLER, method(f"{module}.get_cascade_children"), operator_card),
			(SELLER, method(f"{module}.recompute_scores"), operator_card),
			(HEAD, method(f"{module}.recompute_scores"), operator_card),
			(SELLER, method("kpibsc.kpibsc.services.actuals.refresh_scorecard_actuals"), operator_card),
			(HEAD, method("kpibsc.kpibsc.services.work.get_scorecard_tasks"), operator_card),
			(SELLER, method("kpibsc.kpibsc.services.kpi_library.load_kpi_library"), {"categories": "Sales"}),
			(
				HEAD,
				method("run_doc_method"),
				{"docs": frappe.as_json(cycle.as_dict()), "method": "create_reviews"},
			),
		]
		kpis_before = frappe.db.count("KPI", {"kpi_code": ("like", "SAL-%")})
		for user, path, payload in attacks:
			with self.subTest(user=user, path=path, method=payload.get("method")):
				reply = call(user, "POST", path, payload)
				self.assertRefused(reply)
				self.assertNotIn("SEC-REV", reply.text)
		self.assertFalse(frappe.db.exists("Performance Review", {"review_cycle": cycle.name}))
		self.assertEqual(frappe.db.count("KPI", {"kpi_code": ("like", "SAL-%")}), kpis_before)
		# an employee may open a cycle (the review reports filter by it) but counts only what
		# they may see of it: their own review
		frappe.db.set_value("Performance Review", self.review, "review_cycle", cycle.name)
		frappe.db.set_value("Performance Review", self.operator_review, "review_cycle", cycle.name)
		counted = {
			user: sum(
				row["count"]
				for row in call(
					user,
					"POST",
					method("run_doc_method"),
					{"docs": frappe.as_json(cycle.as_dict()), "method": "get_status"},
				).message
			)
			for user in (SELLER, HR_MANAGER)
		}
		self.assertEqual(counted, {SELLER: 1, HR_MANAGER: 2})

	def test_workflow_actions_follow_the_stored_step_and_role(self):
		reply = call(
			SELLER,
			"POST",
			method("frappe.model.workflow.apply_workflow"),
			{
				"doc": frappe.as_json({"doctype": "Performance Review", "name": self.review}),
				"action": "Submit to HR",
			},
		)
		self.assertRefused(reply, 403, 417)
		self.assertEqual(
			frappe.db.get_value("Performance Review", self.review, "workflow_state"), "Self Assessment"
		)

	# -- 1. owner fields come from what is stored, never from the request ----------------------

	def test_head_cannot_claim_another_departments_measurement(self):
		name = self.measurements[OPERATOR]
		before = self.stored("KPI Measurement", name, "department", "employee", "modified")
		reply = call(
			HEAD,
			"PUT",
			resource("KPI Measurement", name),
			{"department": self.sales, "employee": self.seller, "remarks": "mine now"},
		)
		self.assertRefused(reply)
		self.assertEqual(self.stored("KPI Measurement", name, "department", "employee", "modified"), before)
		self.assertIsNone(frappe.db.get_value("KPI Measurement", name, "remarks"))

	def test_head_cannot_read_or_submit_another_departments_measurement(self):
		name = self.measurements[OPERATOR]
		self.assertRefused(call(HEAD, "GET", resource("KPI Measurement", name)))
		reply = call(
			HEAD,
			"POST",
			method("frappe.client.submit"),
			{"doc": {**frappe.get_doc("KPI Measurement", name).as_dict(), "department": self.sales}},
		)
		self.assertRefused(reply)
		self.assertEqual(frappe.db.get_value("KPI Measurement", name, "docstatus"), 0)

	def test_head_cannot_make_a_scorecard_for_another_departments_employee(self):
		before = frappe.db.count("KPI Scorecard", {"employee": self.operator})
		reply = call(
			HEAD,
			"POST",
			resource("KPI Scorecard"),
			{
				"scorecard_for": "Employee",
				"company": TEST_COMPANY,
				"employee": self.operator,
				"department": self.sales,
				"from_date": "2026-01-01",
				"to_date": "2026-12-31",
				"items": [{"kpi": "SEC-REV", "weight": 100, "target": 5}],
			},
		)
		self.assertRefused(reply)
		self.assertEqual(frappe.db.count("KPI Scorecard", {"employee": self.operator}), before)

	def test_a_measurement_does_not_move_to_another_scorecard(self):
		name = self.measurements[SELLER]
		reply = call(SELLER, "PUT", resource("KPI Measurement", name), {"scorecard": self.cards[OPERATOR]})
		self.assertRefused(reply)
		self.assertEqual(frappe.db.get_value("KPI Measurement", name, "scorecard"), self.cards[SELLER])

	def test_a_scorecard_does_not_move_to_another_owner(self):
		card = self.cards[SELLER]
		reply = call(HEAD, "PUT", resource("KPI Scorecard", card), {"employee": self.operator})
		self.assertRefused(reply)
		self.assertEqual(
			self.stored("KPI Scorecard", card, "employee", "department"),
			{"employee": self.seller, "department": self.sales},
		)

	def test_only_a_kpi_manager_deletes(self):
		name = self.measurements[SELLER]
		self.assertRefused(call(SELLER, "DELETE", resource("KPI Measurement", name)))
		self.assertTrue(frappe.db.exists("KPI Measurement", name))
		self.assertRefused(call(SELLER, "DELETE", resource("KPI Scorecard", self.cards[SELLER])))
		self.assertTrue(frappe.db.exists("KPI Scorecard", self.cards[SELLER]))
		self.assertRefused(call(HEAD, "DELETE", resource("KPI Measurement", name)))  # KPI User: no delete
		self.assertIn(call(MANAGER, "DELETE", resource("KPI Measurement", name)).status, (200, 202))
		self.assertFalse(frappe.db.exists("KPI Measurement", name))

	def test_employee_of_another_company_sees_nothing(self):
		for doctype, name in (
			("KPI Scorecard", self.cards[SELLER]),
			("KPI Measurement", self.measurements[SELLER]),
			("Performance Review", self.review),
		):
			reply = call(OUTSIDER, "GET", resource(doctype, name))
			self.assertRefused(reply)
			self.assertNotIn("SEC-REV", reply.text)
		listed = call(OUTSIDER, "GET", resource("KPI Scorecard"), query={"limit_page_length": 0})
		self.assertEqual(listed.status, 200)
		self.assertFalse({row["name"] for row in listed.data} & {*self.cards.values(), self.sales_card})

	# -- 2. fields the server owns --------------------------------------------------------------

	def test_approval_fields_sent_by_a_client_are_ignored(self):
		name = self.measurements[SELLER]
		reply = call(
			SELLER,
			"PUT",
			resource("KPI Measurement", name),
			{"status": "Approved", "approved_by": HEAD, "approved_on": "2025-02-01 10:00:00"},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(
			self.stored("KPI Measurement", name, "status", "approved_by", "approved_on", "docstatus"),
			{"status": "Draft", "approved_by": None, "approved_on": None, "docstatus": 0},
		)

	def test_set_value_cannot_approve(self):
		name = self.measurements[SELLER]
		reply = call(
			SELLER,
			"POST",
			method("frappe.client.set_value"),
			{"doctype": "KPI Measurement", "name": name, "fieldname": "status", "value": "Approved"},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(frappe.db.get_value("KPI Measurement", name, "status"), "Draft")

	def test_review_scores_band_and_release_are_the_servers(self):
		reply = call(
			SELLER,
			"PUT",
			resource("Performance Review", self.review),
			{
				"final_score": 150,
				"calculated_band": "A",
				"band_coefficient": 3,
				"released": 1,
				"employee_user": OPERATOR,
				"kpi_score": 120,
				"self_comments": "I did well",
			},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		stored = self.stored(
			"Performance Review",
			self.review,
			"final_score",
			"band_coefficient",
			"released",
			"employee_user",
			"kpi_score",
			"self_comments",
		)
		self.assertEqual(stored.released, 0)
		self.assertEqual(stored.employee_user, SELLER)
		self.assertFalse(stored.kpi_score)  # competencies only: no KPI score at all
		self.assertNotEqual(stored.final_score, 150)
		self.assertNotEqual(stored.band_coefficient, 3)
		self.assertEqual(stored.self_comments, "I did well")  # what the employee may write

	def test_reviewee_cannot_change_what_is_reviewed_or_by_whom(self):
		for change in (
			{"reviewer": self.seller},
			{"review_mode": "KPI and Competencies"},
			{"from_date": "2025-02-01"},
			{"employee": self.operator},
			{"rank_band": "A"},
		):
			before = frappe.get_doc("Performance Review", self.review).as_dict()
			reply = call(SELLER, "PUT", resource("Performance Review", self.review), change)
			self.assertRefused(reply, 403, 417)
			after = frappe.get_doc("Performance Review", self.review)
			for field in change:
				self.assertEqual(after.get(field), before.get(field), field)

	def test_the_desk_saves_the_whole_form_with_dates_as_text(self):
		# the desk sends every field, dates as "2025-01-01": unchanged ones are not changes
		doc = frappe.get_doc("Performance Review", self.review).as_dict()
		doc.update({"self_comments": "saved from the form"})
		reply = call(SELLER, "POST", method("frappe.client.save"), {"doc": frappe.as_json(doc)})
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(
			frappe.db.get_value("Performance Review", self.review, "self_comments"), "saved from the form"
		)
		doc = frappe.get_doc("Performance Review", self.review).as_dict()
		doc.update({"to_date": "2025-02-28"})
		reply = call(SELLER, "POST", method("frappe.client.save"), {"doc": frappe.as_json(doc)})
		self.assertRefused(reply, 403, 417)
		self.assertEqual(str(frappe.db.get_value("Performance Review", self.review, "to_date")), "2025-03-31")

	def test_employees_may_read_review_cycles_for_the_report_filter(self):
		cycle = frappe.get_doc(
			{
				"doctype": "Performance Review Cycle",
				"cycle_name": "_Test Security Readable Cycle",
				"company": TEST_COMPANY,
				"period_type": "Quarter",
				"from_date": "2024-04-01",
				"to_date": "2024-06-30",
			}
		).insert()
		self.assertEqual(call(SELLER, "GET", resource("Performance Review Cycle", cycle.name)).status, 200)
		reply = call(SELLER, "PUT", resource("Performance Review Cycle", cycle.name), {"cycle_name": "mine"})
		self.assertRefused(reply)
		self.assertEqual(
			frappe.db.get_value("Performance Review Cycle", cycle.name, "cycle_name"), cycle.cycle_name
		)

	def test_note_author_and_source_are_the_servers(self):
		reply = call(
			HEAD,
			"POST",
			resource("Performance Review Note"),
			{"review": self.review, "note": "good quarter", "note_by": "HR", "author": HR_MANAGER},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		note = self.stored("Performance Review Note", reply.data["name"], "note_by", "author", "employee")
		self.assertEqual(note, {"note_by": "Manager", "author": HEAD, "employee": self.seller})

	def test_pay_is_hr_only(self):
		self.assertRefused(call(SELLER, "GET", resource("KPI Pay Run")))
		self.assertRefused(call(MANAGER, "GET", resource("KPI Pay Run")))

		def coefficients():
			return dict(
				frappe.get_all(
					"KPI Rank Band",
					filters={"parent": "KPI BSC Settings"},
					fields=["band", "coefficient"],
					as_list=True,
				)
			)

		before = coefficients()
		rows = [
			{**row.as_dict(), "coefficient": 9} for row in frappe.get_single("KPI BSC Settings").rank_bands
		]
		path = resource("KPI BSC Settings", "KPI BSC Settings")
		# a KPI Manager's coefficients are ignored (permlevel) or refused, never saved
		call(MANAGER, "PUT", path, {"rank_bands": rows})
		self.assertEqual(coefficients(), before)
		reply = call(MANAGER, "PUT", path, {"p3_component": None})
		self.assertTrue(frappe.db.get_single_value("KPI BSC Settings", "p3_component"), reply.text[:300])
		# an HR Manager's are saved
		self.assertEqual(call(HR_MANAGER, "PUT", path, {"rank_bands": rows}).status, 200)
		self.assertEqual(set(coefficients().values()), {9})

	# -- 3. forged documents through run_doc_method ---------------------------------------------

	def run_doc_method(self, user: str, doc: dict, name: str, args: dict | None = None):
		return call(
			user,
			"POST",
			method("run_doc_method"),
			{"docs": frappe.as_json(doc), "method": name, "args": frappe.as_json(args or {})},
		)

	def test_forged_measurement_cannot_read_a_colleagues_targets(self):
		forged = {
			"doctype": "KPI Measurement",
			"name": "new-kpi-measurement-1",
			"__islocal": 1,
			"scorecard": self.cards[OPERATOR],
			"period_start": str(JANUARY),
			"employee": self.seller,
			"department": self.sales,
			"items": [],
		}
		reply = self.run_doc_method(SELLER, forged, "fill_items")
		self.assertRefused(reply)
		self.assertNotIn("1200", reply.text)
		self.assertNotIn("SEC-REV", reply.text)

	def test_forged_review_cannot_add_a_note_elsewhere(self):
		# the head manages the seller, not the operator: a copy of the operator's review that
		# claims the seller as its employee must not reach the operator's review
		forged = frappe.get_doc("Performance Review", self.operator_review).as_dict()
		forged.update({"employee": self.seller, "__islocal": 1})
		reply = self.run_doc_method(HEAD, forged, "add_note", {"note": "forged"})
		self.assertRefused(reply)
		self.assertFalse(frappe.db.exists("Performance Review Note", {"review": self.operator_review}))

	def test_forged_review_cannot_be_reopened_by_a_manager(self):
		forged = frappe.get_doc("Performance Review", self.review).as_dict()
		forged.update({"docstatus": 1, "__islocal": 1})
		reply = self.run_doc_method(HEAD, forged, "reopen", {"reason": "forged"})
		self.assertRefused(reply)
		self.assertEqual(frappe.db.get_value("Performance Review", self.review, "docstatus"), 0)

	# -- 4. functions, pages and reports keep the row rules --------------------------------------

	def test_number_cards_show_only_what_the_user_may_read(self):
		path = method("kpibsc.kpibsc.dashboard.company_score")
		filters = frappe.as_json({"company": TEST_COMPANY})

		# the card's text, in the site's number format ("88,5" on a Vietnamese site)
		def shown(score):
			return frappe.format(score, {"fieldtype": "Float", "precision": 1})

		self.assertEqual(call(SELLER, "GET", path, query={"filters": filters}).message, shown(0))
		self.assertEqual(call(OUTSIDER, "GET", path, query={"filters": filters}).message, shown(0))
		self.assertEqual(call(MANAGER, "GET", path, query={"filters": filters}).message, shown(88.5))
		red = method("kpibsc.kpibsc.dashboard.scorecards_in_red")
		self.assertEqual(call(SELLER, "GET", red, query={"filters": filters}).message, 0)
		self.assertGreaterEqual(call(MANAGER, "GET", red, query={"filters": filters}).message, 1)

	def test_strategy_map_hides_other_peoples_scores(self):
		path = method("kpibsc.kpibsc.page.strategy_map.strategy_map.get_strategy_map")
		for user, expected in ((SELLER, None), (OPERATOR, 37.0), (MANAGER, 37.0)):
			reply = call(user, "GET", path, query={"strategy": self.strategy})
			self.assertEqual(reply.status, 200, reply.text[:500])
			scores = {row["name"]: row["score"] for row in reply.message["objectives"]}
			self.assertEqual(scores[self.objective], expected, user)

	def test_my_work_of_someone_else_is_refused(self):
		path = method("kpibsc.kpibsc.services.work.get_my_work")
		self.assertRefused(call(SELLER, "GET", path, query={"employee": self.operator}))
		self.assertRefused(call(HEAD, "GET", path, query={"employee": self.operator}))
		self.assertEqual(call(HEAD, "GET", path, query={"employee": self.seller}).status, 200)

	def test_enter_actuals_only_on_your_own_scorecard(self):
		path = method("kpibsc.kpibsc.services.home.enter_actuals")
		before = frappe.db.count("KPI Measurement", {"scorecard": self.cards[SELLER]})
		# another department's employee, and the seller's head (who reads the scorecard)
		for user in (OPERATOR, HEAD):
			self.assertRefused(call(user, "POST", path, {"scorecard": self.cards[SELLER]}))
		self.assertEqual(frappe.db.count("KPI Measurement", {"scorecard": self.cards[SELLER]}), before)
		path = method("kpibsc.kpibsc.page.my_work.my_work.get_home")
		self.assertRefused(call(SELLER, "GET", path, query={"employee": self.operator}))

	def test_reports_refuse_a_scorecard_the_user_may_not_read(self):
		for report in ("Balanced Scorecard", "KPI Achievement"):
			reply = call(
				SELLER,
				"POST",
				method("frappe.desk.query_report.run"),
				{"report_name": report, "filters": frappe.as_json({"scorecard": self.cards[OPERATOR]})},
			)
			self.assertRefused(reply)
			self.assertNotIn("SEC-REV", reply.text)

	def test_tree_adds_only_objectives(self):
		before = frappe.db.count("ToDo", {"description": "kpibsc forged"})
		call(
			MANAGER,
			"POST",
			method("kpibsc.kpibsc.doctype.strategic_objective.strategic_objective.add_node"),
			{
				"doctype": "ToDo",
				"description": "kpibsc forged",
				"is_root": "false",
				"strategy": self.strategy,
			},
		)
		self.assertEqual(frappe.db.count("ToDo", {"description": "kpibsc forged"}), before)

	# -- 5. separation of duties --------------------------------------------------------------------

	def test_head_cannot_approve_their_own_or_the_departments_numbers(self):
		for key in (HEAD, "department"):
			name = self.measurements[key]
			reply = call(
				HEAD,
				"POST",
				method("frappe.client.submit"),
				{"doc": frappe.get_doc("KPI Measurement", name).as_dict()},
			)
			self.assertRefused(reply)
			self.assertEqual(frappe.db.get_value("KPI Measurement", name, "docstatus"), 0, key)
		# but approves the team's
		name = self.measurements[SELLER]
		reply = call(
			HEAD,
			"POST",
			method("frappe.client.submit"),
			{"doc": frappe.get_doc("KPI Measurement", name).as_dict()},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(
			self.stored("KPI Measurement", name, "docstatus", "status", "approved_by"),
			{"docstatus": 1, "status": "Approved", "approved_by": HEAD},
		)

	def test_head_cannot_set_their_own_or_the_departments_targets(self):
		for card in (self.cards[HEAD], self.sales_card):
			doc = frappe.get_doc("KPI Scorecard", card)
			rows = [{**row.as_dict(), "target": 1} for row in doc.items]
			reply = call(HEAD, "PUT", resource("KPI Scorecard", card), {"items": rows})
			self.assertRefused(reply)
			self.assertEqual(frappe.db.get_value("KPI Scorecard Item", {"parent": card}, "target"), 1200)
		# the team's they set
		card = self.cards[SELLER]
		rows = [{**row.as_dict(), "target": 900} for row in frappe.get_doc("KPI Scorecard", card).items]
		self.assertEqual(call(HEAD, "PUT", resource("KPI Scorecard", card), {"items": rows}).status, 200)
		self.assertEqual(frappe.db.get_value("KPI Scorecard Item", {"parent": card}, "target"), 900)

	def test_head_cascades_the_department_to_others_not_to_themselves(self):
		frappe.db.set_value("KPI Scorecard Item", {"parent": self.sales_card}, "cascade_mode", "Split Target")
		for card in self.cards.values():  # make room: the cascade makes the team's scorecards
			frappe.delete_doc("KPI Measurement", self.measurements_of(card), force=True)
			frappe.delete_doc("KPI Scorecard", card, force=True)
		reply = call(
			HEAD,
			"POST",
			method("kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard.cascade"),
			{"scorecard": self.sales_card, "level": "Employee", "units": ""},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		made = frappe.get_all(
			"KPI Scorecard", filters={"parent_scorecard": self.sales_card}, pluck="employee"
		)
		self.assertIn(self.seller, made)
		self.assertNotIn(self.head, made)
		reply = call(
			HEAD,
			"POST",
			method("kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard.cascade"),
			{"scorecard": self.sales_card, "level": "Employee", "units": frappe.as_json([self.head])},
		)
		self.assertRefused(reply)
		self.assertFalse(
			frappe.db.exists("KPI Scorecard", {"employee": self.head, "parent_scorecard": self.sales_card})
		)

	def measurements_of(self, card: str) -> list[str]:
		return frappe.get_all("KPI Measurement", filters={"scorecard": card}, pluck="name")

	def test_reviewer_cannot_act_on_a_step_that_is_not_theirs(self):
		review = frappe.get_doc("Performance Review", self.review)
		frappe.set_user(SELLER)
		apply_workflow(review, "Submit for Review")
		frappe.set_user("Administrator")
		# now in manager review: the employee may no longer change it
		reply = call(
			SELLER, "PUT", resource("Performance Review", self.review), {"self_comments": "late edit"}
		)
		self.assertRefused(reply)
		self.assertNotEqual(
			frappe.db.get_value("Performance Review", self.review, "self_comments"), "late edit"
		)
		# and the manager may not rewrite the employee's comments
		reply = call(HEAD, "PUT", resource("Performance Review", self.review), {"self_comments": "rewritten"})
		self.assertRefused(reply, 403, 417)
		self.assertNotEqual(
			frappe.db.get_value("Performance Review", self.review, "self_comments"), "rewritten"
		)
