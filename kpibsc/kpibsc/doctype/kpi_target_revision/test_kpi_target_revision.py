"""Mid-period revisions (#18): an active scorecard's targets and weights change only through an
approved revision; earlier periods keep their targets and weights; bad input writes nothing;
over HTTP an employee may ask for a revision of their own scorecard, not approve one, nor ask
for someone else's; the Balanced Scorecard shows the figures as revised or as originally set.

The scorecard (2025, monthly): REV (summed, target 1,200 = 100 a month, weight 60) and OTD
(averaged, target 90 every month, weight 40). Default score policy: score = achievement, capped
at 100%. Figures worked by hand:
- January, actuals REV 80 and OTD 90: 80% and 100%; weights 60/40 → 0.6 x 80 + 0.4 x 100 = 88.
- Revision from April: REV 1,200 → 1,560, weights 70/30. January-March keep 100 a month (300);
  April-December share 1,560 - 300 = 1,260, 140 a month.
- April, actuals REV 70 and OTD 81: as revised 70/140 = 50% and 81/90 = 90%, weights 70/30 →
  0.7 x 50 + 0.3 x 90 = 62; as originally set 70/100 = 70% and 90%, weights 60/40 →
  0.6 x 70 + 0.4 x 90 = 78. January stays 88 either way.
"""

from datetime import date

import frappe

from kpibsc.kpibsc.doctype.kpi_scorecard.kpi_scorecard import TargetRevisionRequiredError
from kpibsc.kpibsc.report.balanced_scorecard.balanced_scorecard import execute
from kpibsc.kpibsc.services.engine_bridge import KPIScoringError
from kpibsc.kpibsc.services.revisions import TargetRevisionError, decide_revision, request_revision
from kpibsc.tests.factories import (
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
	user_with_roles,
)
from kpibsc.tests.http import call, method, resource

HEAD = "kpi.rev.head@example.com"
SELLER = "kpi.rev.seller@example.com"
OTHER = "kpi.rev.other@example.com"  # a colleague of SELLER in the same department
HR = "kpi.rev.hr@example.com"  # HR Manager, no KPI role
REQUEST = method("kpibsc.kpibsc.services.revisions.request_revision")
DECIDE = method("kpibsc.kpibsc.services.revisions.decide_revision")


class TestTargetRevision(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("REVN-REV", aggregation="Sum")
		make_kpi("REVN-OTD", aggregation="Average")
		department = make_department("KPI Revision Desk")
		cls.head = make_kpi_employee(HEAD, department)
		cls.seller = make_kpi_employee(SELLER, department)
		cls.other = make_kpi_employee(OTHER, department)
		frappe.db.set_value("Department", department, "kpi_department_head", cls.head)
		for email in (HEAD, SELLER, OTHER):
			user_with_roles(email, "KPI User", "Employee")
		user_with_roles(HR, "HR Manager", "HR User", "Employee")
		cls.card = cls.active_card(cls.seller)
		cls.other_card = cls.active_card(cls.other)

	@staticmethod
	def active_card(employee: str) -> str:
		return (
			scorecard_doc(
				[
					{"kpi": "REVN-REV", "weight": 60, "target": 1200},
					{"kpi": "REVN-OTD", "weight": 40, "target": 90},
				],
				scorecard_for="Employee",
				employee=employee,
				status="Active",
			)
			.insert()
			.name
		)

	def measure(self, period: str, **actuals):
		doc = frappe.get_doc({"doctype": "KPI Measurement", "scorecard": self.card, "period_start": period})
		doc.fill_items()
		for row in doc.items:
			value = actuals.get(row.kpi.replace("REVN-", ""))
			row.actual = None if value is None else str(value)  # typed, as on the form
		doc.insert()
		doc.submit()

	def targets(self, kpi: str) -> dict:
		return {
			row.period_start: row.target
			for row in frappe.get_all(
				"KPI Scorecard Target",
				filters={"parent": self.card, "kpi": kpi},
				fields=["period_start", "target"],
			)
		}

	def revise(self, **values):
		arguments = {
			"scorecard": self.card,
			"effective_from": "2025-04-01",
			"reason": "New distributor signed in March",
			"changes": [
				{"kpi": "REVN-REV", "target": 1560, "weight": 70},
				{"kpi": "REVN-OTD", "weight": 30},
			],
			"apply_now": True,
		}
		return request_revision(**{**arguments, **values})

	def revisions_of(self, card: str) -> list:
		return frappe.get_all("KPI Target Revision", filters={"scorecard": card}, pluck="name")

	def scorecard_score(self, period: str, view: str = "As Revised") -> float:
		_columns, rows, *_rest = execute({"scorecard": self.card, "period_start": period, "targets": view})
		return next(row for row in rows if row["name"] == "scorecard")["score"]

	def test_an_active_scorecards_targets_are_not_edited_directly(self):
		doc = frappe.get_doc("KPI Scorecard", self.card)
		doc.items[0].target = 1500
		self.assertRaises(TargetRevisionRequiredError, doc.save)
		doc.reload()
		doc.items[1].weight, doc.items[0].weight = 30, 70
		self.assertRaises(TargetRevisionRequiredError, doc.save)
		doc.reload()
		doc.targets[5].target = 150  # typing a period's target pins it: a change too
		self.assertRaises(TargetRevisionRequiredError, doc.save)

	def test_no_way_round_through_draft_once_actuals_are_approved(self):
		# no approved actuals yet: back to Draft is allowed (activated by mistake)
		doc = frappe.get_doc("KPI Scorecard", self.other_card)
		doc.status = "Draft"
		doc.save()
		self.assertEqual(frappe.db.get_value("KPI Scorecard", self.other_card, "status"), "Draft")

		self.measure("2025-01-01", REV=100, OTD=90)
		doc = frappe.get_doc("KPI Scorecard", self.card)
		doc.status = "Draft"
		self.assertRaises(TargetRevisionRequiredError, doc.save)
		self.assertEqual(frappe.db.get_value("KPI Scorecard", self.card, "status"), "Active")

	def test_earlier_periods_keep_their_targets_and_weights(self):
		self.measure("2025-01-01", REV=80, OTD=90)
		self.assertAlmostEqual(self.scorecard_score("2025-01-01"), 88)
		reply = self.revise()
		self.assertEqual(reply["status"], "Approved")
		revision = frappe.get_doc("KPI Target Revision", reply["revision"])
		self.assertEqual(
			[
				(row.kpi, row.old_target, row.new_target, row.old_weight, row.new_weight)
				for row in revision.items
			],
			[("REVN-REV", 1200, 1560, 60, 70), ("REVN-OTD", 90, 90, 40, 30)],
		)
		self.assertEqual((revision.requested_by, revision.approved_by), ("Administrator", "Administrator"))
		self.assertEqual(revision.effective_from, date(2025, 4, 1))

		targets = self.targets("REVN-REV")
		self.assertEqual([targets[date(2025, month, 1)] for month in (1, 2, 3)], [100, 100, 100])
		self.assertEqual({targets[date(2025, month, 1)] for month in range(4, 13)}, {140})
		self.assertEqual(set(self.targets("REVN-OTD").values()), {90})

		self.measure("2025-04-01", REV=70, OTD=81)
		self.assertAlmostEqual(self.scorecard_score("2025-01-01"), 88)  # the weights then: 60/40
		self.assertAlmostEqual(self.scorecard_score("2025-04-01"), 62)
		self.assertAlmostEqual(self.scorecard_score("2025-01-01", "As Originally Set"), 88)
		self.assertAlmostEqual(self.scorecard_score("2025-04-01", "As Originally Set"), 78)
		_columns, rows, message, *_rest = execute(
			{"scorecard": self.card, "period_start": "2025-04-01", "targets": "As Originally Set"}
		)
		revenue = next(row for row in rows if row.get("kpi") == "REVN-REV")
		self.assertEqual((revenue["target"], revenue["achievement"], revenue["weight"]), (100, 70, 60))
		self.assertIn("originally set", message)
		stored = frappe.get_all(
			"KPI Result",
			filters={"scorecard": self.card, "kpi": "REVN-REV"},
			fields=["period_start", "weight"],
		)
		weights = {row.period_start: row.weight for row in stored}
		self.assertEqual((weights[date(2025, 1, 1)], weights[date(2025, 4, 1)]), (60, 70))

	def test_bad_input_writes_nothing(self):
		self.measure("2025-02-01", REV=80, OTD=90)
		before = self.targets("REVN-REV")
		cases = [
			({"reason": "  "}, frappe.MandatoryError),
			({"effective_from": "2025-04-15"}, TargetRevisionError),  # not a period start
			({"effective_from": "2026-01-01"}, TargetRevisionError),  # outside the scorecard
			({"effective_from": "2025-02-01"}, TargetRevisionError),  # February is approved
			({"changes": [{"kpi": "REVN-OTD", "weight": 50}]}, KPIScoringError),  # 60 + 50 = 110
			({"changes": [{"kpi": "REVN-REV", "target": 250}]}, KPIScoringError),  # < 300 so far
			({"changes": [{"kpi": "REVN-REV", "target": 1200}]}, TargetRevisionError),  # no change
		]
		for values, error in cases:
			with self.subTest(values=values):
				self.assertRaises(error, self.revise, **values)
				self.assertEqual(self.revisions_of(self.card), [])
				self.assertEqual(self.targets("REVN-REV"), before)

	def test_over_http_the_employee_asks_and_the_head_approves(self):
		payload = {
			"scorecard": self.card,
			"effective_from": "2025-04-01",
			"reason": "Territory grew",
			"changes": [{"kpi": "REVN-REV", "target": 1560}],
		}
		before = self.targets("REVN-REV")
		# someone else's scorecard: not even a request
		reply = call(SELLER, "POST", REQUEST, {**payload, "scorecard": self.other_card})
		self.assertEqual(reply.status, 403, reply.text)
		self.assertEqual(self.revisions_of(self.other_card), [])
		# their own, applied at once: refused, nothing written
		reply = call(SELLER, "POST", REQUEST, {**payload, "apply_now": 1})
		self.assertEqual(reply.status, 403, reply.text)
		self.assertEqual(self.revisions_of(self.card), [])
		# their own, asked for: pending
		reply = call(SELLER, "POST", REQUEST, payload)
		self.assertEqual(reply.status, 200, reply.text)
		revision = reply.message["revision"]
		self.assertEqual(frappe.db.get_value("KPI Target Revision", revision, "status"), "Pending")
		self.assertEqual(self.targets("REVN-REV"), before)
		todo = {"reference_type": "KPI Target Revision", "reference_name": revision, "allocated_to": HEAD}
		self.assertEqual(frappe.db.get_value("ToDo", todo, "status"), "Open")  # the head is asked
		# they may not approve it, nor write its status through the REST API
		reply = call(SELLER, "POST", DECIDE, {"revision": revision, "approve_it": 1})
		self.assertEqual(reply.status, 403, reply.text)
		reply = call(SELLER, "PUT", resource("KPI Target Revision", revision), {"status": "Approved"})
		self.assertEqual(reply.status, 403, reply.text)
		reply = call(OTHER, "GET", resource("KPI Target Revision", revision))
		self.assertEqual(reply.status, 403, reply.text)  # a colleague does not see it
		self.assertEqual(frappe.db.get_value("KPI Target Revision", revision, "status"), "Pending")
		self.assertEqual(self.targets("REVN-REV"), before)
		# a rejection needs a reason
		reply = call(HEAD, "POST", DECIDE, {"revision": revision, "approve_it": 0})
		self.assertEqual(reply.status, 417, reply.text)
		# the head approves
		reply = call(HEAD, "POST", DECIDE, {"revision": revision, "approve_it": 1})
		self.assertEqual(reply.status, 200, reply.text)
		stored = frappe.db.get_value(
			"KPI Target Revision", revision, ["status", "requested_by", "approved_by"]
		)
		self.assertEqual(stored, ("Approved", SELLER, HEAD))
		self.assertEqual(self.targets("REVN-REV")[date(2025, 4, 1)], 140)
		self.assertNotEqual(frappe.db.get_value("ToDo", todo, "status"), "Open")
		reply = call(HEAD, "POST", DECIDE, {"revision": revision, "approve_it": 1})
		self.assertEqual(reply.status, 417, reply.text)  # decided already

	def test_a_revision_may_not_start_before_an_approved_one(self):
		self.revise()
		self.assertRaises(
			TargetRevisionError,
			self.revise,
			effective_from="2025-03-01",
			changes=[{"kpi": "REVN-REV", "target": 1600}],
		)
		later = self.revise(effective_from="2025-07-01", changes=[{"kpi": "REVN-REV", "target": 1650}])
		self.assertEqual(later["status"], "Approved")
		# 300 (Jan-Mar) + 3 x 140 (Apr-Jun) = 720 kept; 1,650 - 720 = 930 over six months, 155
		targets = self.targets("REVN-REV")
		self.assertEqual((targets[date(2025, 6, 1)], targets[date(2025, 7, 1)]), (140, 155))

	def test_hr_does_not_approve_and_is_told_who_does(self):
		"""docs/security.md: HR reviews and pays on the targets, so it does not set them; the
		refusal says who approves. The form's pending list is read again over HTTP."""
		reply = call(
			SELLER,
			"POST",
			REQUEST,
			{
				"scorecard": self.card,
				"effective_from": "2025-04-01",
				"reason": "Territory grew",
				"changes": [{"kpi": "REVN-REV", "target": 1560}],
			},
		)
		self.assertEqual(reply.status, 200, reply.text)
		revision = reply.message["revision"]
		# whoever has the scorecard open is told, once the request is committed
		self.assertIn(
			["kpibsc_target_revision", {"scorecard": self.card, "revision": revision}],
			[entry[:2] for entry in getattr(frappe.local, "_realtime_log", [])],
		)
		before = self.targets("REVN-REV")
		for approve_it, comment in ((1, None), (0, "Not this year")):
			reply = call(
				HR, "POST", DECIDE, {"revision": revision, "approve_it": approve_it, "comment": comment}
			)
			self.assertEqual(reply.status, 403, reply.text)
			self.assertIn("head of the scorecard's department or by a KPI Manager", reply.text)
			self.assertEqual(frappe.db.get_value("KPI Target Revision", revision, "status"), "Pending")
			self.assertEqual(self.targets("REVN-REV"), before)
		# the employee, too, is told who approves
		reply = call(SELLER, "POST", DECIDE, {"revision": revision, "approve_it": 1})
		self.assertEqual(reply.status, 403, reply.text)
		self.assertIn("never by the scorecard's own employee", reply.text)

		# what the open form reads again: the head sees the request and may approve it
		actions = method("kpibsc.kpibsc.services.revisions.revision_actions")
		reply = call(HEAD, "GET", actions, query={"scorecard": self.card})
		self.assertEqual(reply.status, 200, reply.text)
		self.assertEqual(
			([row["name"] for row in reply.message["pending"]], reply.message["can_approve"]),
			([revision], True),
		)
		reply = call(SELLER, "GET", actions, query={"scorecard": self.card})
		self.assertEqual(reply.message["can_approve"], False)
		for user in (OTHER, HR):  # not their scorecard to read
			self.assertEqual(call(user, "GET", actions, query={"scorecard": self.card}).status, 403)
		# decided, it no longer waits, and a second decision is refused
		self.assertEqual(call(HEAD, "POST", DECIDE, {"revision": revision, "approve_it": 1}).status, 200)
		self.assertEqual(call(HEAD, "GET", actions, query={"scorecard": self.card}).message["pending"], [])
		self.assertEqual(
			call(HEAD, "POST", DECIDE, {"revision": revision, "approve_it": 0, "comment": "x"}).status, 417
		)
