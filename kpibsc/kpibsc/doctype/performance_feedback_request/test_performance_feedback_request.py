"""360° feedback on a real site: requests proposed and approved, answered by the raters,
the review's competency score from every source, anonymity attacked over REST as the
reviewee, the manager, a rater and HR, bulk requests for a cycle, reminders, and every bad
input (translated error, nothing written)."""

import frappe
from frappe.utils import add_days, getdate

from kpibsc.kpibsc.report.feedback_summary.feedback_summary import execute as feedback_summary
from kpibsc.kpibsc.report.review_summary.review_summary import execute as review_summary
from kpibsc.kpibsc.services import feedback
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi_employee,
)
from kpibsc.tests.http import call, method, resource

HEAD = "kpi.fb.head@example.com"
ANH = "kpi.fb.anh@example.com"  # the reviewee
BAO = "kpi.fb.bao@example.com"
CHI = "kpi.fb.chi@example.com"
DUNG = "kpi.fb.dung@example.com"
HR = "kpi.fb.hr@example.com"
OUTSIDER = "kpi.fb.outsider@example.com"
OTHER_COMPANY = "_Test KPI Feedback Other Co"
PEERS = (BAO, CHI, DUNG)
# what the reviewee (and, in an anonymous cycle, their manager) is told when a rater is refused
NAMELESS = (
	"Feedback cannot be requested from one of these colleagues: they may have been asked "
	"already, or the review may have the cycle's maximum of raters. Nothing was sent."
)
WEIGHTS = {
	"weight_self": 10,
	"weight_manager": 40,
	"weight_peers": 30,
	"weight_reports": 20,
	"weight_others": 0,
}


class TestPerformanceFeedbackRequest(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_company(OTHER_COMPANY, "_TKFO")
		cls.department = make_department("KPI Feedback Team")
		cls.people = {HEAD: make_kpi_employee(HEAD, cls.department)}
		for email in (ANH, *PEERS):
			employee = frappe.get_doc("Employee", make_kpi_employee(email, cls.department))
			employee.reports_to = cls.people[HEAD]
			employee.save()  # through the document: Reports To is a tree (lft/rgt)
			cls.people[email] = employee.name
		outsider_department = make_department("KPI Feedback Elsewhere", OTHER_COMPANY)
		cls.people[OUTSIDER] = make_kpi_employee(OUTSIDER, outsider_department, OTHER_COMPANY)
		for email in (HEAD, ANH, *PEERS, OUTSIDER):
			frappe.get_doc("User", email).add_roles("Employee")
		if not frappe.db.exists("User", HR):
			frappe.get_doc(
				{"doctype": "User", "email": HR, "first_name": "Feedback HR", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", HR).add_roles("HR Manager", "Employee")
		for name in ("Teamwork", "Ownership"):
			if not frappe.db.exists("Competency", name):
				frappe.get_doc({"doctype": "Competency", "competency_name": name}).insert()
		if not frappe.db.exists("Competency Framework", "_Test Feedback Framework"):
			frappe.get_doc(
				{
					"doctype": "Competency Framework",
					"framework_name": "_Test Feedback Framework",
					"competencies": [
						{"competency": "Teamwork", "weight": 60},
						{"competency": "Ownership", "weight": 40},
					],
				}
			).insert()

	def make_cycle(self, name="_Test Feedback Q1", **values):
		cycle = frappe.get_doc(
			{
				"doctype": "Performance Review Cycle",
				"cycle_name": name,
				"company": TEST_COMPANY,
				"period_type": "Quarter",
				"from_date": getdate("2025-01-01"),
				"to_date": getdate("2025-03-31"),
				"department": self.department,
				"review_mode": "Competencies Only",
				"competency_framework": "_Test Feedback Framework",
				"feedback_enabled": 1,
				"feedback_anonymity": "Anonymous",
				"anonymity_threshold": 3,
				"feedback_min_raters": 1,
				"feedback_max_raters": 8,
				"feedback_due_date": getdate("2025-03-20"),
				**WEIGHTS,
				**values,
			}
		).insert()
		cycle.create_reviews()
		return cycle

	def review_of(self, email, cycle="_Test Feedback Q1"):
		name = frappe.db.get_value(
			"Performance Review", {"employee": self.people[email], "review_cycle": cycle, "docstatus": 0}
		)
		return frappe.get_doc("Performance Review", name)

	def request_of(self, review, email):
		return frappe.get_doc(
			"Performance Feedback Request", {"review": review.name, "rater": self.people[email]}
		)

	def requests_of(self, review) -> int:
		return frappe.db.count("Performance Feedback Request", {"review": review.name})

	def answer(self, review, email, ratings):
		"""The rater saves their ratings and sends them, over REST as the desk does."""
		request = self.request_of(review, email)
		rows = [
			{"name": row.name, "competency": row.competency, "rating": rating}
			for row, rating in zip(request.ratings, ratings, strict=True)
		]
		reply = call(
			email,
			"PUT",
			resource(request.doctype, request.name),
			{"ratings": rows, "comment": "kpi-fb-comment"},
		)
		self.assertEqual(reply.status, 200, reply.text)
		request.reload()
		reply = call(
			email,
			"POST",
			method("run_doc_method"),
			{"docs": frappe.as_json(request.as_dict()), "method": "submit_feedback"},
		)
		self.assertEqual(reply.status, 200, reply.text)

	def rate_review(self, review, self_ratings, manager_ratings):
		"""Self and manager ratings as HR would set them (the workflow is tested elsewhere)."""
		for row, own, manager in zip(review.competencies, self_ratings, manager_ratings, strict=True):
			row.self_rating, row.manager_rating = own, manager
		review.save()
		return review

	def three_peers_answered(self, cycle_name="_Test Feedback Q1"):
		review = self.review_of(ANH, cycle_name)
		self.rate_review(review, [5, 4], [4, 3])
		frappe.set_user(ANH)
		result = feedback.propose_raters(review.name, [self.people[email] for email in PEERS], "Peer")
		self.assertEqual(result, {"requested": 3, "status": "Proposed"})
		frappe.set_user(HEAD)
		self.assertEqual(feedback.approve_proposed(review.name), {"approved": 3})
		frappe.set_user("Administrator")
		for email, ratings in zip(PEERS, ((4, 3), (5, 4), (3, 5)), strict=True):
			self.answer(review, email, ratings)
		return review

	# -- scores --------------------------------------------------------------------------------

	def test_competency_score_combines_every_source(self):
		self.make_cycle()
		review = self.three_peers_answered()
		review.reload()
		# peers average 4 on Teamwork ((4+5+3)/3) and 4 on Ownership ((3+4+5)/3); no reports,
		# so the weights 10/40/30 count out of 80:
		# Teamwork (10*5 + 40*4 + 30*4) / 80 = 4.125, Ownership (10*4 + 40*3 + 30*4) / 80 = 3.5;
		# (60 * 4.125 + 40 * 3.5) / 100 = 3.875 of 5 = 77.5 %, final in Competencies Only
		self.assertAlmostEqual(review.competency_score, 77.5, places=6)
		self.assertAlmostEqual(review.final_score, 77.5, places=6)
		# the cycle without feedback: the manager's score as before, (60*4 + 40*3) / 100 = 3.6 = 72 %
		frappe.db.set_value("Performance Review Cycle", review.review_cycle, "feedback_enabled", 0)
		review.save()
		self.assertAlmostEqual(review.competency_score, 72.0, places=6)

	def test_two_answers_in_an_anonymous_cycle_stay_out_of_score_and_view(self):
		self.make_cycle()
		review = self.review_of(ANH)
		self.rate_review(review, [5, 4], [4, 3])
		feedback.propose_raters(review.name, [self.people[BAO], self.people[CHI]], "Peer")
		self.answer(review, BAO, (1, 1))
		self.answer(review, CHI, (1, 1))
		review.reload()
		# peers held back: self and manager only, 10/40 of 50: Teamwork (50 + 160) / 50 = 4.2,
		# Ownership (40 + 120) / 50 = 3.2; (60*4.2 + 40*3.2) / 100 = 3.8 of 5 = 76 %
		self.assertAlmostEqual(review.competency_score, 76.0, places=6)
		frappe.set_user(ANH)
		shown = feedback.get_review_feedback(review.name)
		self.assertEqual(shown["held_back"], ["peers"])
		self.assertTrue(all(row["peers"] is None for row in shown["competencies"]))

	# -- anonymity, attacked as each role ------------------------------------------------------

	def test_no_rater_identity_reaches_the_reviewee_or_the_manager(self):
		self.make_cycle()
		review = self.three_peers_answered()
		requests = [self.request_of(review, email) for email in PEERS]
		secrets = [
			value
			for email in PEERS
			for value in (
				email,
				self.people[email],
				frappe.db.get_value("Employee", self.people[email], "employee_name"),
			)
		]
		for user in (ANH, HEAD):
			with self.subTest(user=user):
				replies = [
					call(user, "GET", resource("Performance Feedback Request"), query={"fields": '["*"]'}),
					call(
						user,
						"POST",
						method("frappe.client.get_list"),
						{
							"doctype": "Performance Feedback Request",
							"fields": ["name", "rater", "rater_name", "rater_user"],
							"limit_page_length": 0,
						},
					),
					call(
						user,
						"POST",
						method("frappe.client.get_count"),
						{"doctype": "Performance Feedback Request", "filters": {"review": review.name}},
					),
					call(
						user,
						"POST",
						method("frappe.desk.query_report.run"),
						{
							"report_name": "Feedback Summary",
							"filters": frappe.as_json({"review_cycle": review.review_cycle}),
						},
					),
					call(
						user,
						"GET",
						method("kpibsc.kpibsc.services.feedback.get_review_feedback"),
						query={"review": review.name},
					),
				]
				for request in requests:
					replies.append(call(user, "GET", resource(request.doctype, request.name)))
				# the report lists the reviews the user may read (the head: their team's own
				# reviews, named); on the reviewee's row and in its columns, no rater
				report = replies[3].message
				report_row = next(row for row in report["result"] if row["review"] == review.name)
				self.assertFalse(
					{"rater", "rater_name", "rater_user"} & {c["fieldname"] for c in report["columns"]}
				)
				for text in [reply.text for index, reply in enumerate(replies) if index != 3] + [
					str(report_row)
				]:
					for secret in secrets:
						self.assertNotIn(secret, text)
				self.assertEqual(replies[0].data, [])
				self.assertEqual(replies[1].message, [])
				self.assertEqual(replies[2].message, 0)
				for reply in replies[5:]:
					self.assertEqual(reply.status, 403)
				# the aggregate: three peers answered, so peers show (4 on both competencies)
				aggregate = replies[4].message
				self.assertEqual(aggregate["responses"]["peers"], 3)
				self.assertEqual([row["peers"] for row in aggregate["competencies"]], [4.0, 4.0])
				self.assertEqual((report_row["submitted"], report_row["peers"]), (3, 4.0))

	def test_a_rater_sees_only_their_own_request_and_hr_sees_all(self):
		self.make_cycle()
		review = self.three_peers_answered()
		reply = call(
			BAO,
			"POST",
			method("frappe.client.get_list"),
			{
				"doctype": "Performance Feedback Request",
				"fields": ["rater"],
				"filters": {"review": review.name},
			},
		)
		self.assertEqual(reply.message, [{"rater": self.people[BAO]}])
		other = self.request_of(review, CHI)
		self.assertEqual(call(BAO, "GET", resource(other.doctype, other.name)).status, 403)
		reply = call(
			HR,
			"POST",
			method("frappe.client.get_list"),
			{
				"doctype": "Performance Feedback Request",
				"fields": ["rater"],
				"filters": {"review": review.name},
			},
		)
		self.assertEqual(sorted(row["rater"] for row in reply.message), sorted(self.people[e] for e in PEERS))
		# an answered request is the rater's no more
		request = self.request_of(review, BAO)
		reply = call(BAO, "PUT", resource(request.doctype, request.name), {"comment": "changed"})
		self.assertEqual(reply.status, 403)

	def test_hr_as_the_reviewees_manager_is_kept_out_in_an_anonymous_cycle(self):
		self.make_cycle()
		review = self.three_peers_answered()
		frappe.get_doc("User", HEAD).add_roles("HR User")
		reply = call(
			HEAD,
			"POST",
			method("frappe.client.get_list"),
			{
				"doctype": "Performance Feedback Request",
				"fields": ["rater"],
				"filters": {"review": review.name},
			},
		)
		self.assertEqual(reply.message, [])

	def test_named_cycle_shows_the_manager_but_never_the_reviewee(self):
		self.make_cycle(feedback_anonymity="Named")
		review = self.review_of(ANH)
		feedback.propose_raters(review.name, [self.people[BAO]], "Peer")
		self.answer(review, BAO, (2, 3))
		frappe.set_user(HEAD)
		self.assertEqual(
			frappe.get_list("Performance Feedback Request", filters={"review": review.name}, pluck="rater"),
			[self.people[BAO]],
		)
		frappe.set_user(ANH)
		self.assertEqual(frappe.get_list("Performance Feedback Request", filters={"review": review.name}), [])
		# one answer shows at once in a named cycle
		shown = feedback.get_review_feedback(review.name)
		self.assertEqual([row["peers"] for row in shown["competencies"]], [2.0, 3.0])

	# -- bulk, reminders, reports --------------------------------------------------------------

	def test_request_feedback_for_the_whole_cycle(self):
		cycle = self.make_cycle(feedback_max_raters=3, feedback_min_raters=2)
		result = cycle.request_feedback()
		# the head: direct reports Anh, Bao, Chi, Dung, capped at 3 (by employee ID); no peers
		# (nobody above). Each of the four: 3 peers (the head's other reports), no reports.
		self.assertEqual(result["reviews"], 5)
		self.assertEqual(result["created"], 15)
		self.assertEqual(result["short"], [])
		head_review = self.review_of(HEAD)
		self.assertEqual(
			frappe.get_all(
				"Performance Feedback Request",
				filters={"review": head_review.name},
				pluck="source",
				distinct=True,
			),
			["Direct Report"],
		)
		anh_raters = frappe.get_all(
			"Performance Feedback Request",
			filters={"review": self.review_of(ANH).name},
			fields=["rater", "source", "status", "anonymous", "due_date"],
		)
		self.assertEqual(sorted(row.rater for row in anh_raters), sorted(self.people[e] for e in PEERS))
		self.assertEqual(
			{(row.source, row.status, row.anonymous, str(row.due_date)) for row in anh_raters},
			{("Peer", "Approved", 1, "2025-03-20")},
		)
		request = self.request_of(self.review_of(ANH), BAO)
		self.assertEqual([row.competency for row in request.ratings], ["Teamwork", "Ownership"])
		self.assertEqual(cycle.request_feedback()["created"], 0)  # again: nothing new, max reached

	def test_reminders_for_pending_requests(self):
		self.make_cycle()
		review = self.review_of(ANH)
		feedback.propose_raters(review.name, [self.people[BAO], self.people[CHI]], "Peer")
		request = self.request_of(review, BAO)
		# due 2025-03-20: nothing on the 10th, a to-do on the 17th (three days before), once
		self.assertEqual(self.todos(request), 0)
		feedback.remind_pending_feedback(add_days("2025-03-20", -10))
		self.assertEqual(self.todos(request), 0)
		feedback.remind_pending_feedback(add_days("2025-03-20", -3))
		feedback.remind_pending_feedback(add_days("2025-03-20", -2))
		self.assertEqual(self.todos(request), 1)
		self.answer(review, BAO, (3, 3))
		self.assertEqual(self.todos(request, "Open"), 0)

	def todos(self, request, status=None) -> int:
		filters = {"reference_type": request.doctype, "reference_name": request.name, "allocated_to": BAO}
		if status:
			filters["status"] = status
		return frappe.db.count("ToDo", filters)

	def test_review_summary_shows_feedback_completion(self):
		self.make_cycle()
		review = self.review_of(ANH)
		feedback.propose_raters(review.name, [self.people[e] for e in PEERS], "Peer")
		self.answer(review, BAO, (3, 3))
		self.request_of(review, CHI).decline("on leave")
		_columns, rows, *_rest = review_summary({"review_cycle": review.review_cycle})
		row = next(row for row in rows if row["department"] == self.department)
		# 3 asked, 1 declined, 1 answered: 1 of 2 = 50 %
		self.assertEqual(row["feedback_completion"], 50.0)
		_columns, rows = feedback_summary({"review_cycle": review.review_cycle})
		row = next(row for row in rows if row["review"] == review.name)
		self.assertEqual((row["requested"], row["submitted"], row["declined"]), (3, 1, 1))
		self.assertIsNone(row["peers"])  # one answer, anonymous: held back

	# -- bad input: a translated error, nothing written ----------------------------------------

	def test_bad_input_is_refused_and_nothing_written(self):
		self.make_cycle()
		review = self.review_of(ANH)
		frappe.set_user(ANH)
		cases = [
			([self.people[ANH]], feedback.FeedbackRaterError),  # the reviewee as their own peer
			([self.people[BAO], self.people[BAO]], feedback.FeedbackRaterError),  # a duplicate rater
			([self.people[CHI], self.people[OUTSIDER]], feedback.FeedbackRaterError),  # another company
		]
		for raters, error in cases:
			with self.subTest(raters=raters):
				self.assertRaises(error, feedback.propose_raters, review.name, raters, "Peer")
				self.assertEqual(self.requests_of(review), 0)
		frappe.set_user("Administrator")
		feedback.propose_raters(review.name, [self.people[BAO]], "Peer")
		request = self.request_of(review, BAO)
		# a rating outside the scale 1..5
		frappe.set_user(BAO)
		request.ratings[0].rating = 6
		self.assertRaises(feedback.FeedbackRatingError, request.save)
		self.assertEqual(
			frappe.db.get_value(
				"Performance Feedback Rating", {"parent": request.name, "competency": "Teamwork"}, "rating"
			),
			0,
		)
		# over REST: the reviewee cannot write a request about themself
		reply = call(
			ANH,
			"POST",
			resource("Performance Feedback Request"),
			{"review": review.name, "rater": self.people[CHI], "source": "Peer"},
		)
		self.assertEqual(reply.status, 403)
		self.assertEqual(self.requests_of(review), 1)
		# an answer after the cycle closed
		frappe.set_user("Administrator")
		frappe.db.set_value("Performance Review Cycle", review.review_cycle, "status", "Completed")
		frappe.set_user(BAO)
		request.reload()
		request.ratings[0].rating = 4
		self.assertRaises(feedback.FeedbackClosedError, request.save)
		self.assertRaises(feedback.FeedbackClosedError, request.submit_feedback)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value(request.doctype, request.name, "status"), "Approved")

	def test_errors_are_translated(self):
		self.make_cycle()
		review = self.review_of(ANH)
		frappe.local.lang = "vi"
		self.addCleanup(setattr, frappe.local, "lang", "en")
		with self.assertRaises(feedback.FeedbackRaterError) as raised:
			feedback.propose_raters(review.name, [self.people[ANH]], "Peer")
		self.assertNotIn("cannot give feedback", str(raised.exception))

	def test_cycle_policy_is_checked(self):
		with self.assertRaises(feedback.FeedbackPolicyError):
			self.make_cycle(weight_others=10)  # 110
		with self.assertRaises(feedback.FeedbackPolicyError):
			self.make_cycle(feedback_min_raters=5, feedback_max_raters=2)
		cycle = self.make_cycle()
		feedback.propose_raters(self.review_of(ANH).name, [self.people[BAO]], "Peer")
		cycle.reload()
		cycle.feedback_anonymity = "Named"
		self.assertRaises(feedback.FeedbackPolicyError, cycle.save)

	# -- refusals that name nobody ---------------------------------------------------------------

	def propose(self, user: str, review, raters: list[str]):
		return call(
			user,
			"POST",
			method("kpibsc.kpibsc.services.feedback.propose_raters"),
			{"review": review.name, "raters": [self.people[email] for email in raters], "source": "Peer"},
		)

	def refusal(self, reply) -> str:
		"""The one message of a refused request (status 417)."""
		self.assertEqual(reply.status, 417, reply.text[:500])
		[message] = [
			frappe.parse_json(row)["message"] for row in frappe.parse_json(reply.body["_server_messages"])
		]
		return message

	def test_a_refused_proposal_does_not_tell_who_was_asked(self):
		self.make_cycle(feedback_max_raters=2)
		review = self.review_of(ANH)
		self.assertEqual(self.propose(HR, review, [BAO]).status, 200)  # HR asks Bao
		secrets = (BAO, self.people[BAO], frappe.db.get_value("Employee", self.people[BAO], "employee_name"))
		# the reviewee proposing Bao again, alone or after Chi, and (anonymous cycle) the manager:
		# the same words, no name, nothing written
		for user, raters in ((ANH, [BAO]), (ANH, [CHI, BAO]), (HEAD, [BAO])):
			with self.subTest(user=user, raters=raters):
				reply = self.propose(user, review, raters)
				self.assertEqual(self.refusal(reply), NAMELESS)
				for secret in secrets:
					self.assertNotIn(secret, reply.text)
		self.assertEqual(self.requests_of(review), 1)
		# HR, who sees the requests, is told who and why
		message = self.refusal(self.propose(HR, review, [BAO]))
		self.assertIn(secrets[2], message)
		self.assertIn("has already been asked", message)

		# the review full (Bao and Chi, of a maximum of 2): a colleague asked or not, the
		# reviewee is told the same
		self.assertEqual(self.propose(HR, review, [CHI]).status, 200)
		for raters in ([DUNG], [BAO]):
			self.assertEqual(self.refusal(self.propose(ANH, review, raters)), NAMELESS)
		self.assertIn("the cycle's maximum", self.refusal(self.propose(HR, review, [DUNG])))
		self.assertEqual(self.requests_of(review), 2)

	def test_a_named_cycles_manager_is_told_who_was_asked(self):
		self.make_cycle(feedback_anonymity="Named")
		review = self.review_of(ANH)
		self.assertEqual(self.propose(HEAD, review, [BAO]).status, 200)
		self.assertIn("has already been asked", self.refusal(self.propose(HEAD, review, [BAO])))
		# the reviewee never: named or not, their own review's requests are not theirs to read
		self.assertEqual(self.refusal(self.propose(ANH, review, [BAO])), NAMELESS)
		self.assertEqual(self.requests_of(review), 1)
