"""Attacks over HTTP on what the 360° feedback, check-in, calibration, KPI version and target
revision work added: each role (the reviewee, a peer, the department head, HR, a KPI Manager,
Guest) sends what the desk never would — forged owner, status and approval fields, child-table
reads, shares, other people's documents — and the stored rows are read afterwards. A refused
request that still wrote something, or a reply that carries what the user may not read, fails
(see kpibsc/tests/http.py for how a request is run)."""

import frappe
from frappe.utils import getdate

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

HEAD = "kpi.s360.head@example.com"  # heads S360 Sales; ANNA and BEN report to them
ANNA = "kpi.s360.anna@example.com"  # the reviewee, the scorecard's employee
BEN = "kpi.s360.ben@example.com"  # Anna's peer, her anonymous rater
OTTO = "kpi.s360.otto@example.com"  # S360 Ops: unrelated to the others
HR_MANAGER = "kpi.s360.hrm@example.com"
MANAGER = "kpi.s360.manager@example.com"  # KPI Manager
GUEST = "Guest"
RATING, REQUEST = "Performance Feedback Rating", "Performance Feedback Request"
FEEDBACK, CHECKIN = "Continuous Feedback", "Performance Check-in"
REVISION, REVISION_ITEM = "KPI Target Revision", "KPI Target Revision Item"
SECRET_COMMENT = "s360-rater-secret"
SECRET_ACTION = "s360-action-secret"
GET_LIST = method("frappe.client.get_list")


def shown(reply) -> str:
	"""What a reply gives the client: its message or data (not the error log of the request)."""
	return frappe.as_json({"message": reply.message, "data": reply.data, "docs": reply.body.get("docs")})


class TestSecurity360(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		sales = make_department("KPI S360 Sales")
		ops = make_department("KPI S360 Ops")
		cls.people = {
			HEAD: make_kpi_employee(HEAD, sales),
			ANNA: make_kpi_employee(ANNA, sales),
			BEN: make_kpi_employee(BEN, sales),
			OTTO: make_kpi_employee(OTTO, ops),
			HR_MANAGER: make_kpi_employee(HR_MANAGER, ops),
		}
		for email in (ANNA, BEN):
			employee = frappe.get_doc("Employee", cls.people[email])
			employee.reports_to = cls.people[HEAD]
			employee.save()  # Reports To is a tree (lft/rgt): through the document
		frappe.db.set_value("Department", sales, "kpi_department_head", cls.people[HEAD])
		for email in (HEAD, ANNA, BEN, OTTO):
			make_user(email, "KPI User", "Employee")
		make_user(HR_MANAGER, "HR Manager", "Employee")
		make_user(MANAGER, "KPI Manager", "KPI User")
		cls.sales = sales

		# Anna's scorecard, and a revision of it the service wrote (targets 100 -> 80)
		make_kpi("S360-A", kpi_name="S360 Alpha")
		cls.card = (
			scorecard_doc(
				[{"kpi": "S360-A", "weight": 100, "target": 100}],
				scorecard_for="Employee",
				employee=cls.people[ANNA],
			)
			.insert()
			.name
		)
		revision = frappe.get_doc(
			{
				"doctype": REVISION,
				"scorecard": cls.card,
				"effective_from": getdate(
					f"{getdate(frappe.db.get_value('KPI Scorecard', cls.card, 'from_date')).year}-07-01"
				),
				"reason": "s360 revision",
				"status": "Pending",
				"requested_by": ANNA,
				"scorecard_for": "Employee",
				"company": TEST_COMPANY,
				"department": sales,
				"employee": cls.people[ANNA],
				"items": [
					{
						"kpi": "S360-A",
						"old_target": 100,
						"new_target": 80,
						"old_weight": 100,
						"new_weight": 100,
					}
				],
			}
		)
		revision.flags.from_revision_service = True
		cls.revision = revision.insert(ignore_permissions=True).name

		# an anonymous 360° cycle: Ben rates Anna, and has answered
		for name in ("S360 Teamwork",):
			if not frappe.db.exists("Competency", name):
				frappe.get_doc({"doctype": "Competency", "competency_name": name}).insert()
		if not frappe.db.exists("Competency Framework", "_Test S360 Framework"):
			frappe.get_doc(
				{
					"doctype": "Competency Framework",
					"framework_name": "_Test S360 Framework",
					"competencies": [{"competency": "S360 Teamwork", "weight": 100}],
				}
			).insert()
		cycle = frappe.get_doc(
			{
				"doctype": "Performance Review Cycle",
				"cycle_name": "_Test S360 Cycle",
				"company": TEST_COMPANY,
				"period_type": "Quarter",
				"from_date": getdate("2025-01-01"),
				"to_date": getdate("2025-03-31"),
				"department": sales,
				"review_mode": "Competencies Only",
				"competency_framework": "_Test S360 Framework",
				"feedback_enabled": 1,
				"feedback_anonymity": "Anonymous",
				"anonymity_threshold": 3,
				"feedback_min_raters": 1,
				"feedback_max_raters": 8,
				"feedback_due_date": getdate("2025-03-20"),
				"weight_self": 10,
				"weight_manager": 40,
				"weight_peers": 50,
				"weight_reports": 0,
				"weight_others": 0,
			}
		).insert()
		cycle.create_reviews()
		cls.cycle = cycle.name
		cls.review = frappe.db.get_value(
			"Performance Review", {"employee": cls.people[ANNA], "review_cycle": cycle.name}
		)
		request = frappe.get_doc(
			{"doctype": REQUEST, "review": cls.review, "rater": cls.people[BEN], "source": "Peer"}
		).insert()
		request.ratings[0].rating = 2
		request.ratings[0].comment = SECRET_COMMENT
		request.comment = SECRET_COMMENT
		request.status = "Submitted"
		request.flags.kpibsc_server = True
		request.save(ignore_permissions=True)
		cls.request = request.name

		# Ben's feedback to Anna, and Anna's check-in with her head
		frappe.set_user(BEN)
		cls.feedback = (
			frappe.get_doc(
				{
					"doctype": FEEDBACK,
					"recipient": cls.people[ANNA],
					"kind": "Praise",
					"feedback": "s360 thanks",
				}
			)
			.insert()
			.name
		)
		frappe.set_user(HEAD)
		cls.checkin = (
			frappe.get_doc(
				{
					"doctype": CHECKIN,
					"employee": cls.people[ANNA],
					"scorecard": cls.card,
					"from_date": frappe.db.get_value("KPI Scorecard", cls.card, "from_date"),
					"to_date": frappe.db.get_value("KPI Scorecard", cls.card, "from_date"),
					"manager_notes": "s360 private notes",
					"actions": [{"action": SECRET_ACTION, "action_owner": cls.people[ANNA]}],
				}
			)
			.insert()
			.name
		)
		frappe.set_user("Administrator")

	def stored(self, doctype: str, name: str, *fields: str) -> dict:
		return frappe.db.get_value(doctype, name, list(fields), as_dict=True)

	def assertRefused(self, reply, *statuses: int):
		self.assertIn(reply.status, statuses or (403,), reply.text[:500])

	def child_rows(self, user: str, doctype: str, parent: str, fields: list[str]):
		return call(
			user,
			"POST",
			GET_LIST,
			{"doctype": doctype, "parent": parent, "fields": frappe.as_json(fields), "limit_page_length": 0},
		)

	# -- child tables are read as their parent's rows, never all of them ------------------------

	def test_child_rows_follow_the_parents_row_rules(self):
		attacks = (
			# the reviewee reads her anonymous rater's own ratings and comment
			(ANNA, RATING, REQUEST, self.request, ["parent", "rating", "comment"], SECRET_COMMENT),
			# a colleague of another department reads Anna's check-in actions and KPIs
			(OTTO, "Performance Check-in Action", CHECKIN, self.checkin, ["parent", "action"], SECRET_ACTION),
			# a peer reads Anna's revised targets
			(BEN, REVISION_ITEM, REVISION, self.revision, ["parent", "kpi", "new_target"], self.revision),
			# ... her scorecard's targets, and her review's competencies
			(BEN, "KPI Scorecard Item", "KPI Scorecard", self.card, ["parent", "kpi", "target"], self.card),
			(
				OTTO,
				"Performance Review Competency",
				"Performance Review",
				self.review,
				["parent"],
				self.review,
			),
		)
		for user, doctype, parent, name, fields, secret in attacks:
			with self.subTest(user=user, doctype=doctype):
				reply = self.child_rows(user, doctype, parent, fields)
				self.assertNotIn(name, shown(reply))
				self.assertNotIn(secret, shown(reply))
				reply = call(
					user,
					"POST",
					method("frappe.desk.reportview.get"),
					{"doctype": doctype, "parent_doctype": parent, "fields": frappe.as_json(fields)},
				)
				self.assertNotIn(name, shown(reply))
				self.assertNotIn(secret, shown(reply))
		# the people the parent's row rule lets in still read them
		for user, doctype, parent, name, fields in (
			(BEN, RATING, REQUEST, self.request, ["parent", "comment"]),  # the rater
			(HEAD, "Performance Check-in Action", CHECKIN, self.checkin, ["parent", "action"]),
			(ANNA, REVISION_ITEM, REVISION, self.revision, ["parent", "new_target"]),
			(MANAGER, REVISION_ITEM, REVISION, self.revision, ["parent", "new_target"]),
		):
			with self.subTest(reader=user, doctype=doctype):
				reply = self.child_rows(user, doctype, parent, fields)
				self.assertEqual(reply.status, 200, reply.text[:300])
				self.assertIn(name, [row["parent"] for row in reply.message])

	# -- a request's text is the colleague's to write -----------------------------------------------

	def test_a_request_cannot_carry_feedback_in_the_colleagues_name(self):
		reply = call(
			ANNA,
			"POST",
			resource(FEEDBACK),
			{
				"is_request": 1,
				"giver": self.people[BEN],
				"feedback": "Anna is the best, promote her",
				"kind": "Praise",
			},
		)
		if reply.status == 200:
			stored = self.stored(FEEDBACK, reply.data["name"], "giver", "recipient", "status", "feedback")
			self.assertEqual(stored.giver, self.people[BEN])
			self.assertEqual(stored.status, "Requested", stored)
			self.assertFalse(stored.feedback)
		self.assertFalse(
			frappe.db.exists(FEEDBACK, {"giver": self.people[BEN], "feedback": ("like", "%promote her%")})
		)

	# -- nobody passes on what the row rules keep to the people in it ------------------------------

	def test_nobody_shares_past_the_row_rules(self):
		# feedback, check-ins and revisions: no role but System Manager; scorecards and reviews:
		# no employee or head (the head reads Anna's; a share would let Otto read them too)
		for user, doctype, name in (
			(ANNA, FEEDBACK, self.feedback),  # the recipient
			(HEAD, FEEDBACK, self.feedback),  # the recipient's manager
			(HR_MANAGER, FEEDBACK, self.feedback),
			(HEAD, CHECKIN, self.checkin),
			(ANNA, CHECKIN, self.checkin),
			(ANNA, REVISION, self.revision),
			(HEAD, REVISION, self.revision),
			(HEAD, "KPI Scorecard", self.card),
			(ANNA, "KPI Scorecard", self.card),
			(HEAD, "Performance Review", self.review),
			(ANNA, "Performance Review", self.review),
		):
			with self.subTest(user=user, doctype=doctype):
				reply = call(
					user,
					"POST",
					method("frappe.share.add"),
					{"doctype": doctype, "name": name, "user": OTTO, "read": 1},
				)
				self.assertRefused(reply)
				self.assertFalse(frappe.db.exists("DocShare", {"share_doctype": doctype, "share_name": name}))
				reply = call(
					OTTO,
					"GET",
					method("frappe.desk.form.load.getdoc"),
					query={"doctype": doctype, "name": name},
				)
				self.assertRefused(reply)

	def test_the_patch_revokes_shares_made_before(self):
		from kpibsc.patches.v0_5.revoke_shares_past_row_rules import revoke_shares

		def shared(by: str) -> str:
			row = frappe.get_doc(
				{
					"doctype": "DocShare",
					"share_doctype": "Performance Review",
					"share_name": self.review,
					"user": OTTO,
					"read": 1,
				}
			)
			row.flags.ignore_share_permission = True
			row.insert(ignore_permissions=True)
			frappe.db.set_value("DocShare", row.name, "owner", by, update_modified=False)
			return row.name

		by_head, by_admin = shared(HEAD), shared("Administrator")
		revoke_shares(only=[by_head, by_admin])
		self.assertFalse(frappe.db.exists("DocShare", by_head))
		self.assertTrue(frappe.db.exists("DocShare", by_admin))
		frappe.delete_doc("DocShare", by_admin, ignore_permissions=True)

	def test_assigning_shares_nothing_past_the_row_rules(self):
		# Frappe shares a document with an assignee who may not read it: assigning must not
		for user, doctype, name, assignee in (
			(HEAD, CHECKIN, self.checkin, OTTO),
			(ANNA, FEEDBACK, self.feedback, OTTO),
			(HR_MANAGER, REQUEST, self.request, ANNA),  # the reviewee would learn her rater
			(MANAGER, REVISION, self.revision, BEN),
		):
			with self.subTest(user=user, doctype=doctype):
				reply = call(
					user,
					"POST",
					method("frappe.desk.form.assign_to.add"),
					{"doctype": doctype, "name": name, "assign_to": frappe.as_json([assignee])},
				)
				self.assertRefused(reply)
				self.assertFalse(frappe.db.exists("DocShare", {"share_doctype": doctype, "share_name": name}))
				self.assertFalse(
					frappe.db.exists(
						"ToDo", {"reference_type": doctype, "reference_name": name, "allocated_to": assignee}
					)
				)
				reply = call(
					assignee,
					"GET",
					method("frappe.desk.form.load.getdoc"),
					query={"doctype": doctype, "name": name},
				)
				self.assertRefused(reply)

	# -- 360° feedback requests: who rates is hidden from the reviewee; the status is the server's --

	def test_the_reviewee_never_reaches_a_request_or_its_rater(self):
		request, rater = self.request, self.people[BEN]
		for path, payload in (
			(resource(REQUEST, request), None),
			(method("frappe.desk.form.load.getdoc"), {"doctype": REQUEST, "name": request}),
			(
				method("frappe.client.get_value"),
				{"doctype": REQUEST, "filters": request, "fieldname": "rater"},
			),
			(
				method("frappe.client.get_value"),
				{
					"doctype": REQUEST,
					"filters": frappe.as_json({"review": self.review}),
					"fieldname": "rater",
				},
			),
			(
				method("frappe.client.validate_link"),
				{"doctype": REQUEST, "docname": request, "fields": frappe.as_json(["rater", "rater_name"])},
			),
			(
				method("frappe.client.get_value"),
				{
					"doctype": RATING,
					"parent": REQUEST,
					"filters": frappe.as_json({"parent": request}),
					"fieldname": frappe.as_json(["comment", "rating"]),
				},
			),
		):
			with self.subTest(path=path):
				reply = call(ANNA, "GET", path, query=payload)
				self.assertNotIn(rater, shown(reply))
				self.assertNotIn(SECRET_COMMENT, shown(reply))
		for path, payload in (
			(
				GET_LIST,
				{"doctype": REQUEST, "fields": frappe.as_json(["name", "rater"]), "limit_page_length": 0},
			),
			(
				method("frappe.desk.reportview.get"),
				{"doctype": REQUEST, "fields": frappe.as_json(["name", "rater", "rater_name"])},
			),
			(
				method("frappe.desk.search.search_link"),
				{"doctype": REQUEST, "txt": "", "page_length": 100},
			),
			(
				method("frappe.client.get_count"),
				{"doctype": REQUEST, "filters": frappe.as_json({"rater": rater})},
			),
		):
			with self.subTest(path=path):
				reply = call(ANNA, "POST", path, payload)
				self.assertNotIn(request, shown(reply))
				self.assertNotIn(rater, shown(reply))
				if "get_count" in path:
					self.assertEqual(reply.message, 0)
		# what the review's people do see: per-source averages, the peers held back below the threshold
		for user in (ANNA, HEAD):
			reply = call(
				user,
				"GET",
				method("kpibsc.kpibsc.services.feedback.get_review_feedback"),
				query={"review": self.review},
			)
			self.assertEqual(reply.status, 200, reply.text[:300])
			self.assertNotIn(rater, shown(reply))
			self.assertNotIn(SECRET_COMMENT, shown(reply))
		self.assertRefused(
			call(
				OTTO,
				"GET",
				method("kpibsc.kpibsc.services.feedback.get_review_feedback"),
				query={"review": self.review},
			)
		)

	def test_request_status_people_and_approval_are_the_servers(self):
		frappe.set_user(HR_MANAGER)
		open_request = frappe.get_doc(
			{
				"doctype": REQUEST,
				"review": self.review,
				"rater": self.people[OTTO],
				"source": "Cross-functional",
			}
		).insert()
		frappe.set_user("Administrator")
		fields = (
			"status",
			"rater",
			"rater_user",
			"reviewee",
			"anonymous",
			"approved_by",
			"proposed_by",
			"submitted_on",
			"due_date",
			"review",
		)
		before = self.stored(REQUEST, open_request.name, *fields)
		forged = {
			"status": "Submitted",
			"rater": self.people[BEN],
			"rater_user": BEN,
			"reviewee": self.people[OTTO],
			"anonymous": 0,
			"approved_by": OTTO,
			"proposed_by": OTTO,
			"submitted_on": "2025-02-01 10:00:00",
			"due_date": "2030-01-01",
			"review": frappe.db.get_value(
				"Performance Review", {"employee": self.people[BEN], "review_cycle": self.cycle}
			),
		}
		# the rater: the PUT is taken (ratings are theirs) but none of these fields move
		call(OTTO, "PUT", resource(REQUEST, open_request.name), forged)
		self.assertEqual(self.stored(REQUEST, open_request.name, *fields), before)
		for field in ("status", "approved_by", "rater"):
			call(
				OTTO,
				"POST",
				method("frappe.client.set_value"),
				{"doctype": REQUEST, "name": open_request.name, "fieldname": field, "value": forged[field]},
			)
		self.assertEqual(self.stored(REQUEST, open_request.name, *fields), before)
		# the head (the reviewee's manager in an anonymous cycle) and a peer change nothing either
		for user in (HEAD, BEN, ANNA):
			with self.subTest(user=user):
				self.assertRefused(
					call(user, "PUT", resource(REQUEST, open_request.name), {"comment": "x", **forged})
				)
				self.assertRefused(call(user, "DELETE", resource(REQUEST, open_request.name)))
		self.assertEqual(self.stored(REQUEST, open_request.name, *fields), before)
		# nobody but HR opens a request, not even on a colleague's review
		made = frappe.db.count(REQUEST, {"review": self.review})
		for user in (ANNA, BEN, HEAD, OTTO, GUEST):
			with self.subTest(creator=user):
				reply = call(
					user,
					"POST",
					resource(REQUEST),
					{
						"review": self.review,
						"rater": self.people[HEAD],
						"source": "Peer",
						"status": "Submitted",
					},
				)
				self.assertRefused(reply, 401, 403)
		self.assertEqual(frappe.db.count(REQUEST, {"review": self.review}), made)

	def test_request_methods_on_the_stored_request_for_their_people_only(self):
		frappe.set_user(HR_MANAGER)
		proposed = frappe.get_doc(
			{
				"doctype": REQUEST,
				"review": self.review,
				"rater": self.people[OTTO],
				"source": "Cross-functional",
			}
		)
		proposed.flags.kpibsc_status = "Proposed"
		proposed.insert()
		frappe.set_user("Administrator")
		self.assertEqual(proposed.status, "Proposed")

		def run(user, name, doc, args=None):
			return call(
				user,
				"POST",
				method("run_doc_method"),
				{"docs": frappe.as_json(doc), "method": name, "args": frappe.as_json(args or {})},
			)

		# the reviewee approves her own proposed rater; a forged copy says she is the reviewer
		forged = {**proposed.as_dict(), "status": "Proposed", "reviewee": self.people[OTTO]}
		self.assertRefused(run(ANNA, "approve", forged))
		self.assertRefused(run(BEN, "approve", forged))
		self.assertEqual(frappe.db.get_value(REQUEST, proposed.name, "status"), "Proposed")
		# someone other than the rater sends or declines it
		for user in (ANNA, BEN, HEAD):
			with self.subTest(user=user):
				self.assertRefused(run(user, "submit_feedback", {**proposed.as_dict(), "rater_user": user}))
				self.assertRefused(
					run(user, "decline", {**proposed.as_dict(), "rater_user": user}, {"reason": "x"})
				)
		self.assertEqual(
			self.stored(REQUEST, proposed.name, "status", "decline_reason"),
			{"status": "Proposed", "decline_reason": None},
		)
		# the stored answer cannot be sent again or reopened by its rater
		submitted = frappe.get_doc(REQUEST, self.request).as_dict()
		self.assertNotEqual(run(BEN, "submit_feedback", {**submitted, "status": "Approved"}).status, 200)
		self.assertEqual(frappe.db.get_value(REQUEST, self.request, "status"), "Submitted")
		reply = call(
			BEN, "PUT", resource(REQUEST, self.request), {"status": "Approved", "comment": "changed"}
		)
		self.assertEqual(
			self.stored(REQUEST, self.request, "status", "comment"),
			{"status": "Submitted", "comment": SECRET_COMMENT},
		)
		# proposing raters: only the review's people or HR
		before = frappe.db.count(REQUEST, {"review": self.review})
		reply = call(
			OTTO,
			"POST",
			method("kpibsc.kpibsc.services.feedback.propose_raters"),
			{"review": self.review, "raters": frappe.as_json([self.people[HEAD]])},
		)
		self.assertRefused(reply)
		self.assertEqual(frappe.db.count(REQUEST, {"review": self.review}), before)

	# -- continuous feedback and check-ins: the people in them, fixed when made -------------------------

	def test_continuous_feedback_people_and_status_are_the_servers(self):
		fields = (
			"giver",
			"recipient",
			"giver_user",
			"recipient_user",
			"status",
			"feedback_date",
			"is_request",
			"department",
			"feedback",
		)
		before = self.stored(FEEDBACK, self.feedback, *fields)
		forged = {
			"giver": self.people[HEAD],
			"recipient": self.people[OTTO],
			"giver_user": HEAD,
			"recipient_user": OTTO,
			"status": "Requested",
			"feedback_date": "2020-01-01",
			"is_request": 1,
			"department": frappe.db.get_value("Employee", self.people[OTTO], "department"),
		}
		call(BEN, "PUT", resource(FEEDBACK, self.feedback), forged)  # the giver: text is theirs, not these
		self.assertEqual(self.stored(FEEDBACK, self.feedback, *fields), before)
		for user in (ANNA, HEAD, OTTO, HR_MANAGER, MANAGER):  # only the giver writes it
			with self.subTest(user=user):
				self.assertRefused(
					call(user, "PUT", resource(FEEDBACK, self.feedback), {"feedback": f"by {user}"})
				)
				self.assertRefused(call(user, "DELETE", resource(FEEDBACK, self.feedback)), 403, 417)
		self.assertEqual(self.stored(FEEDBACK, self.feedback, *fields), before)
		self.assertRefused(call(OTTO, "GET", resource(FEEDBACK, self.feedback)))
		self.assertRefused(call(GUEST, "GET", resource(FEEDBACK, self.feedback)), 401, 403)
		listed = call(
			OTTO, "POST", GET_LIST, {"doctype": FEEDBACK, "fields": frappe.as_json(["name", "feedback"])}
		)
		self.assertNotIn(self.feedback, shown(listed))

	def test_check_in_people_rows_and_sides_are_the_servers(self):
		fields = (
			"employee",
			"manager",
			"company",
			"department",
			"scorecard",
			"from_date",
			"employee_notes",
			"manager_notes",
		)
		before = self.stored(CHECKIN, self.checkin, *fields)
		kpis_before = frappe.db.count("Performance Check-in KPI", {"parent": self.checkin})
		forged = {
			"employee": self.people[BEN],
			"manager": self.people[ANNA],
			"department": frappe.db.get_value("Employee", self.people[OTTO], "department"),
			"kpis": [{"kpi": "S360-A", "target": 1, "actual": 1}],
		}
		call(ANNA, "PUT", resource(CHECKIN, self.checkin), forged)
		self.assertEqual(self.stored(CHECKIN, self.checkin, *fields), before)
		self.assertEqual(frappe.db.count("Performance Check-in KPI", {"parent": self.checkin}), kpis_before)
		# the employee may not write the manager's side; others (HR reads only) nothing at all
		self.assertNotEqual(
			call(ANNA, "PUT", resource(CHECKIN, self.checkin), {"manager_notes": "mine"}).status, 200
		)
		for user in (BEN, OTTO, HR_MANAGER, MANAGER):
			with self.subTest(user=user):
				self.assertRefused(
					call(user, "PUT", resource(CHECKIN, self.checkin), {"employee_notes": "x"})
				)
		self.assertRefused(call(ANNA, "DELETE", resource(CHECKIN, self.checkin)))
		self.assertEqual(self.stored(CHECKIN, self.checkin, *fields), before)
		# a colleague opens no check-in for someone who does not report to them
		made = frappe.db.count(CHECKIN, {"employee": self.people[ANNA]})
		reply = call(
			OTTO,
			"POST",
			resource(CHECKIN),
			{
				"employee": self.people[ANNA],
				"scorecard": self.card,
				"from_date": str(before.from_date),
				"to_date": str(before.from_date),
				"manager": self.people[OTTO],
			},
		)
		self.assertRefused(reply, 403, 417)
		self.assertEqual(frappe.db.count(CHECKIN, {"employee": self.people[ANNA]}), made)
		# and Create Tasks runs on the stored check-in, for its people only
		doc = {
			**frappe.get_doc(CHECKIN, self.checkin).as_dict(),
			"employee": self.people[OTTO],
			"manager": self.people[OTTO],
		}
		reply = call(
			OTTO, "POST", method("run_doc_method"), {"docs": frappe.as_json(doc), "method": "create_tasks"}
		)
		self.assertRefused(reply)
		self.assertFalse(frappe.db.exists("Task", {"subject": ("like", f"%{SECRET_ACTION}%")}))

	# -- target revisions: written by the revision service only, decided by the head or a KPI Manager --

	def test_revisions_are_written_only_through_the_service(self):
		fields = (
			"status",
			"approved_by",
			"approved_on",
			"requested_by",
			"employee",
			"scorecard",
			"effective_from",
		)
		before = self.stored(REVISION, self.revision, *fields)
		target = frappe.db.get_value(REVISION_ITEM, {"parent": self.revision}, "new_target")
		forged = {
			"status": "Approved",
			"approved_by": HEAD,
			"approved_on": "2025-02-01 10:00:00",
			"employee": self.people[BEN],
		}
		for user in (ANNA, BEN, HEAD, MANAGER, HR_MANAGER):
			with self.subTest(user=user):
				self.assertRefused(call(user, "PUT", resource(REVISION, self.revision), forged), 403, 417)
				for field in ("status", "approved_by"):
					reply = call(
						user,
						"POST",
						method("frappe.client.set_value"),
						{
							"doctype": REVISION,
							"name": self.revision,
							"fieldname": field,
							"value": forged[field],
						},
					)
					self.assertRefused(reply, 403, 417)
				rows = [
					{**row, "new_target": 1}
					for row in frappe.get_all(
						REVISION_ITEM, filters={"parent": self.revision}, fields=["name", "kpi", "new_target"]
					)
				]
				self.assertRefused(
					call(user, "PUT", resource(REVISION, self.revision), {"items": rows}), 403, 417
				)
				self.assertRefused(call(user, "DELETE", resource(REVISION, self.revision)), 403, 417)
		self.assertEqual(self.stored(REVISION, self.revision, *fields), before)
		self.assertEqual(frappe.db.get_value(REVISION_ITEM, {"parent": self.revision}, "new_target"), target)
		made = frappe.db.count(REVISION, {"scorecard": self.card})
		for user in (ANNA, HEAD, MANAGER):
			reply = call(
				user,
				"POST",
				resource(REVISION),
				{
					"scorecard": self.card,
					"effective_from": str(before.effective_from),
					"reason": "x",
					"status": "Approved",
				},
			)
			self.assertRefused(reply, 403, 417)
		self.assertEqual(frappe.db.count(REVISION, {"scorecard": self.card}), made)

	def test_only_the_head_or_a_kpi_manager_decides_a_revision(self):
		path = method("kpibsc.kpibsc.services.revisions.decide_revision")
		for user in (ANNA, BEN, OTTO, HR_MANAGER):
			with self.subTest(user=user):
				self.assertRefused(call(user, "POST", path, {"revision": self.revision, "approve_it": 1}))
		self.assertEqual(
			self.stored(REVISION, self.revision, "status", "approved_by"),
			{"status": "Pending", "approved_by": None},
		)
		self.assertEqual(frappe.db.get_value("KPI Scorecard Item", {"parent": self.card}, "target"), 100)
		# a peer asks for no revision of someone else's scorecard
		made = frappe.db.count(REVISION, {"scorecard": self.card})
		reply = call(
			BEN,
			"POST",
			method("kpibsc.kpibsc.services.revisions.request_revision"),
			{
				"scorecard": self.card,
				"effective_from": "2025-07-01",
				"reason": "x",
				"changes": frappe.as_json([{"kpi": "S360-A", "target": 1}]),
			},
		)
		self.assertRefused(reply)
		self.assertEqual(frappe.db.count(REVISION, {"scorecard": self.card}), made)

	# -- KPI versions and calibration records: nobody writes them over /api/resource -------------------

	def test_versions_and_calibration_records_are_not_written_by_clients(self):
		made = frappe.db.count("KPI Version", {"kpi": "S360-A"})
		payload = {
			"kpi": "S360-A",
			"effective_from": "2025-01-01",
			"reason": "x",
			"scoring_method": "Higher is Better",
			"version_no": 1,
			"created_by": MANAGER,
		}
		for user in (ANNA, HEAD, HR_MANAGER, GUEST):
			with self.subTest(user=user):
				self.assertRefused(call(user, "POST", resource("KPI Version"), payload), 401, 403)
				reply = call(
					user,
					"POST",
					method("kpibsc.kpibsc.services.versions.new_version"),
					{k: v for k, v in payload.items() if k not in ("version_no", "created_by")},
				)
				self.assertRefused(reply, 401, 403)
		self.assertEqual(frappe.db.count("KPI Version", {"kpi": "S360-A"}), made)
		made = frappe.db.count("Performance Review Calibration", {"review": self.review})
		for user in (HR_MANAGER, MANAGER, HEAD, ANNA):
			with self.subTest(calibrator=user):
				reply = call(
					user,
					"POST",
					resource("Performance Review Calibration"),
					{
						"review": self.review,
						"from_band": "C",
						"to_band": "A",
						"note": "x",
						"calibrated_by": HR_MANAGER,
					},
				)
				self.assertRefused(reply)
		self.assertEqual(frappe.db.count("Performance Review Calibration", {"review": self.review}), made)
		for user in (ANNA, HEAD):
			self.assertRefused(call(user, "POST", GET_LIST, {"doctype": "Performance Review Calibration"}))

	def test_only_hr_calibrates_and_never_their_own_review(self):
		review = frappe.get_doc("Performance Review", self.review)
		frappe.db.set_value("Performance Review", review.name, "workflow_state", "HR Calibration")
		band = frappe.db.get_value("Performance Review", review.name, "rank_band")
		path = method("kpibsc.kpibsc.services.calibration.move_to_band")
		target = "A" if band != "A" else "B"
		for user in (ANNA, HEAD, BEN):
			with self.subTest(user=user):
				self.assertRefused(
					call(user, "POST", path, {"review": review.name, "band": target, "note": "x"})
				)
		self.assertEqual(frappe.db.get_value("Performance Review", review.name, "rank_band"), band)
		self.assertFalse(frappe.db.exists("Performance Review Calibration", {"review": review.name}))

	# -- scorecard review and proposals: the server's fields ------------------------------------------

	def test_scorecard_review_and_proposal_fields_are_the_servers(self):
		fields = ("employee_proposal", "agreement_status", "last_reviewed", "last_review_note", "proposed_by")
		before = self.stored("KPI Scorecard", self.card, *fields)
		forged = {
			"employee_proposal": frappe.as_json({"S360-A": 1}),
			"agreement_status": "Agreed",
			"last_reviewed": "2025-01-01",
			"last_review_note": "forged",
			"proposed_by": ANNA,
		}
		self.assertRefused(call(ANNA, "PUT", resource("KPI Scorecard", self.card), forged))
		call(HEAD, "PUT", resource("KPI Scorecard", self.card), forged)  # the head writes the card, not these
		self.assertEqual(self.stored("KPI Scorecard", self.card, *fields), before)
		for user in (ANNA, BEN):
			with self.subTest(user=user):
				reply = call(
					user,
					"POST",
					method("kpibsc.kpibsc.services.scorecard_review.mark_reviewed"),
					{"scorecard": self.card, "note": "forged"},
				)
				self.assertRefused(reply)
		reply = call(
			BEN,
			"POST",
			method("kpibsc.kpibsc.services.agreement.propose_own_targets"),
			{"scorecard": self.card, "targets": frappe.as_json({"S360-A": 1})},
		)
		self.assertRefused(reply)
		reply = call(
			ANNA,
			"POST",
			method("kpibsc.kpibsc.services.agreement.answer_proposal"),
			{"scorecard": self.card, "agree": 1},
		)
		self.assertNotEqual(reply.status, 200)
		self.assertEqual(self.stored("KPI Scorecard", self.card, *fields), before)

	# -- Potential: the reviewer's or HR's, never the employee's own ---------------------------------

	def test_nobody_rates_their_own_potential(self):
		before = frappe.db.get_value("Performance Review", self.review, "potential")
		reply = call(ANNA, "PUT", resource("Performance Review", self.review), {"potential": "High"})
		self.assertRefused(reply, 403, 417)
		reply = call(
			ANNA,
			"POST",
			method("frappe.client.set_value"),
			{"doctype": "Performance Review", "name": self.review, "fieldname": "potential", "value": "High"},
		)
		self.assertRefused(reply, 403, 417)
		self.assertEqual(frappe.db.get_value("Performance Review", self.review, "potential"), before)
		self.assertRefused(call(BEN, "GET", resource("Performance Review", self.review)))

	def test_hr_neither_calibrates_nor_rates_their_own_review(self):
		own = frappe.get_doc(
			{
				"doctype": "Performance Review",
				"employee": self.people[HR_MANAGER],
				"period_type": "Quarter",
				"from_date": "2025-01-01",
				"to_date": "2025-03-31",
				"review_mode": "Competencies Only",
			}
		).insert()
		frappe.db.set_value("Performance Review", own.name, "workflow_state", "HR Calibration")
		fields = ("rank_band", "calibration_note", "potential")
		before = self.stored("Performance Review", own.name, *fields)
		codes = [row.band for row in frappe.get_single("KPI BSC Settings").rank_bands]
		band = next(code for code in codes if code != before.rank_band)
		reply = call(
			HR_MANAGER,
			"POST",
			method("kpibsc.kpibsc.services.calibration.move_to_band"),
			{"review": own.name, "band": band, "note": "I deserve it"},
		)
		self.assertRefused(reply, 403, 417)
		for change in ({"potential": "High"}, {"rank_band": band, "calibration_note": "I deserve it"}):
			with self.subTest(change=change):
				reply = call(HR_MANAGER, "PUT", resource("Performance Review", own.name), change)
				self.assertRefused(reply, 403, 417)
		self.assertEqual(self.stored("Performance Review", own.name, *fields), before)
		self.assertFalse(frappe.db.exists("Performance Review Calibration", {"review": own.name}))
		# another HR role rates it
		reply = call(MANAGER, "PUT", resource("Performance Review", own.name), {"potential": "High"})
		self.assertEqual(reply.status, 200, reply.text[:300])
		self.assertEqual(frappe.db.get_value("Performance Review", own.name, "potential"), "High")

	def test_a_versions_number_and_maker_are_the_servers(self):
		reply = call(
			MANAGER,
			"POST",
			resource("KPI Version"),
			{
				"kpi": "S360-A",
				"effective_from": "2025-01-01",
				"reason": "s360 lower is better",
				"scoring_method": "Lower is Better",
				"version_no": 99,
				"created_by": HEAD,
			},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(
			self.stored("KPI Version", reply.data["name"], "version_no", "created_by"),
			{"version_no": 2, "created_by": MANAGER},  # version 1: the settings it replaces
		)
		# and a record is never written afterwards, by its maker either
		reply = call(MANAGER, "PUT", resource("KPI Version", reply.data["name"]), {"reason": "changed"})
		self.assertNotEqual(reply.status, 200)
		self.assertEqual(
			frappe.db.get_value("KPI Version", {"kpi": "S360-A", "version_no": 2}, "reason"),
			"s360 lower is better",
		)
