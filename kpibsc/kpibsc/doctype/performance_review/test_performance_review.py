"""Performance reviews on a real site: a department's cycle from creation through self,
manager and HR to approval, scores as the engine computes them, forced distribution,
the KPI score in HRMS's Appraisal, permissions as each person, and every bad input."""

import numpy as np

import frappe
from frappe.model.workflow import apply_workflow
from frappe.utils import getdate

from hrms.hr.doctype.appraisal_cycle.test_appraisal_cycle import create_appraisal_cycle
from hrms.hr.doctype.appraisal_template.test_appraisal_template import create_appraisal_template

from kpibsc.engine import FIVE_BANDS, ScoringRule, forced_distribution
from kpibsc.kpibsc.doctype.performance_review.performance_review import (
	CalibrationError,
	DuplicateReviewError,
)
from kpibsc.kpibsc.report.employee_performance_history.employee_performance_history import (
	execute as performance_history,
)
from kpibsc.kpibsc.report.review_summary.review_summary import execute as review_summary
from kpibsc.kpibsc.services.reviews import BandSettingsError, NoScorecardError
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)

HEAD = "kpi.review.head@example.com"
ANH = "kpi.review.anh@example.com"
BAO = "kpi.review.bao@example.com"
CHI = "kpi.review.chi@example.com"
HR = "kpi.review.hr@example.com"
# monthly actuals against a target of 100: January, February, March
ACTUALS = {ANH: (90, 100, 110), BAO: (70, 80, 75), CHI: (100, 120, 95)}
Q1 = (getdate("2025-01-01"), getdate("2025-03-31"))


class TestPerformanceReview(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("R-SALES", aggregation="Sum")
		cls.department = make_department("KPI Review Sales")
		cls.head = make_kpi_employee(HEAD, cls.department)
		cls.people = {}
		for email in (ANH, BAO, CHI):
			employee = frappe.get_doc("Employee", make_kpi_employee(email, cls.department))
			employee.reports_to = cls.head
			employee.save()  # through the document: Reports To is a tree (lft/rgt)
			cls.people[email] = employee.name
		for email in (HEAD, ANH, BAO, CHI):
			frappe.get_doc("User", email).add_roles("Employee")
		if not frappe.db.exists("User", HR):
			frappe.get_doc(
				{"doctype": "User", "email": HR, "first_name": "HR", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", HR).add_roles("HR Manager", "Employee")
		for name in ("Teamwork", "Ownership"):
			if not frappe.db.exists("Competency", name):
				frappe.get_doc({"doctype": "Competency", "competency_name": name}).insert()
		if not frappe.db.exists("Competency Framework", "_Test Review Framework"):
			frappe.get_doc(
				{
					"doctype": "Competency Framework",
					"framework_name": "_Test Review Framework",
					"competencies": [
						{"competency": "Teamwork", "weight": 60},
						{"competency": "Ownership", "weight": 40},
					],
				}
			).insert()
		for email, actuals in ACTUALS.items():
			card = scorecard_doc(
				[{"kpi": "R-SALES", "weight": 100, "target": 1200}],
				scorecard_for="Employee",
				department=cls.department,
				employee=cls.people[email],
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

	def make_cycle(self, name="_Test Review Q1", **values):
		return frappe.get_doc(
			{
				"doctype": "Performance Review Cycle",
				"cycle_name": name,
				"company": TEST_COMPANY,
				"period_type": "Quarter",
				"from_date": Q1[0],
				"to_date": Q1[1],
				"department": self.department,
				"competency_framework": "_Test Review Framework",
				**values,
			}
		).insert()

	def review_of(self, email, cycle="_Test Review Q1"):
		name = frappe.db.get_value(
			"Performance Review",
			{"employee": self.people[email], "review_cycle": cycle, "docstatus": ("<", 2)},
		)
		return frappe.get_doc("Performance Review", name)

	def rate(self, review, field, ratings):
		for row, rating in zip(review.competencies, ratings, strict=True):
			row.set(field, rating)
		review.save()

	def through_to_hr(self, email, self_ratings, manager_ratings):
		frappe.set_user(email)
		review = self.review_of(email)
		self.rate(review, "self_rating", self_ratings)
		apply_workflow(review, "Submit for Review")
		frappe.set_user(HEAD)
		review = self.review_of(email)
		self.rate(review, "manager_rating", manager_ratings)
		apply_workflow(review, "Submit to HR")
		frappe.set_user("Administrator")
		return self.review_of(email)

	# -- the cycle -----------------------------------------------------------------------------

	def test_full_cycle_from_creation_to_approval(self):
		cycle = self.make_cycle()
		summary = cycle.create_reviews()
		# the head has no scorecard: refused (the default policy) and reported on the cycle
		self.assertEqual(summary["created"], 3)
		self.assertEqual(summary["skipped"], [self.head])
		cycle.reload()
		self.assertIn(self.head, cycle.error_message)
		self.assertEqual((cycle.total_reviews, cycle.status), (3, "In Progress"))
		self.assertEqual(cycle.create_reviews()["created"], 0)  # running again adds nothing

		review = self.review_of(ANH)
		self.assertEqual(review.workflow_state, "Self Assessment")
		self.assertEqual(review.reviewer, self.head)
		self.assertEqual([row.competency for row in review.competencies], ["Teamwork", "Ownership"])
		# KPI score: the mean of the three monthly scores, 90, 100 and 110 of a target of 100,
		# the 110 % capped at 100: (90 + 100 + 100) / 3
		expected_kpi = 96.666667
		self.assertAlmostEqual(review.kpi_score, expected_kpi, places=5)
		self.assertEqual(review.kpi_periods, 3)

		frappe.set_user(ANH)
		self.rate(review, "self_rating", [4, 5])
		apply_workflow(review, "Submit for Review")
		frappe.set_user(HEAD)
		review = self.review_of(ANH)
		self.assertEqual(review.workflow_state, "Manager Review")
		self.rate(review, "manager_rating", [4, 3])
		review.add_note("Strong quarter; needs to delegate more.")
		apply_workflow(review, "Submit to HR")
		frappe.set_user(HR)
		review = self.review_of(ANH)
		self.assertEqual(review.workflow_state, "HR Calibration")
		apply_workflow(review, "Approve")
		review.reload()

		self.assertEqual((review.workflow_state, review.docstatus, review.released), ("Approved", 1, 1))
		self.assertAlmostEqual(review.self_score, 88.0, places=6)  # (2.4 + 2.0) / 5
		self.assertAlmostEqual(review.competency_score, 72.0, places=6)  # (2.4 + 1.2) / 5
		# 70 % KPI, 30 % competencies: 0.7 x 96.67 + 0.3 x 72 = 89.27, band B (80 to 90), x 1.2
		self.assertAlmostEqual(review.final_score, 89.266667, places=5)
		self.assertEqual((review.rank_band, review.band_coefficient), ("B", 1.2))
		cycle.reload()
		self.assertEqual(cycle.approved_reviews, 1)
		# approved is locked for everyone but HR's explicit re-open
		frappe.set_user(HEAD)
		self.assertFalse(frappe.has_permission("Performance Review", "write", doc=review))

	def test_forced_distribution_across_the_company(self):
		cycle = self.make_cycle()
		cycle.create_reviews()
		for email in (ANH, BAO, CHI):
			self.through_to_hr(email, [3, 3], [3, 3])
		bands = cycle.apply_forced_distribution("Company")
		# competencies 3 of 5 (60) for all; KPI scores (90+100+100)/3, (70+80+75)/3 and
		# (100+100+95)/3, so final scores 0.7 x KPI + 18: Chi 86.83 > Anh 85.67 > Bao 70.5.
		# 3 people on 10/20/40/20/10 % are 0.3, 0.6, 1.2, 0.6, 0.3: C gets 1, and the largest
		# remainders (.6, .6) one each to B and D
		expected = ["C", "D", "B"]
		for email, band in zip((ANH, BAO, CHI), expected, strict=True):
			review = self.review_of(email)
			self.assertEqual(review.rank_band, band)
			self.assertTrue(review.calibration_note)
		self.assertEqual(sum(bands.values()), 3)
		# 3 people on 10/20/40/20/10 by largest remainder: one B, one C, one D
		self.assertEqual(sorted(expected), ["B", "C", "D"])

		# the band survives a save in calibration, and HR can approve it
		review = self.review_of(ANH)
		review.save()
		self.assertEqual(review.rank_band, expected[0])

		_columns, rows, *_rest = review_summary({"review_cycle": cycle.name})
		self.assertEqual(rows[0]["reviews"], 3)
		self.assertEqual(sum(rows[0][f"band_{band.lower()}"] for band in "ABCDE"), 3)

	def test_calibration_rules(self):
		self.make_cycle().create_reviews()
		review = self.through_to_hr(ANH, [4, 4], [4, 4])
		other = "E" if review.calculated_band != "E" else "D"
		frappe.set_user(HR)
		review.rank_band = other
		with self.assertRaises(CalibrationError):  # a different band needs a reason
			review.save()
		review.reload()
		review.calibration_note = "Missed the compliance training twice."
		review.rank_band = "Z"
		with self.assertRaises(CalibrationError):  # and must be a band
			review.save()
		review.reload()
		review.calibration_note = "Missed the compliance training twice."
		review.rank_band = other
		review.save()
		self.assertEqual(review.rank_band, other)

	def test_manager_cannot_move_a_band(self):
		self.make_cycle().create_reviews()
		frappe.set_user(ANH)
		review = self.review_of(ANH)
		apply_workflow(review, "Submit for Review")
		frappe.set_user(HEAD)
		review = self.review_of(ANH)
		review.rank_band = "A" if review.calculated_band != "A" else "B"
		review.calibration_note = "I like them."
		with self.assertRaises(CalibrationError):
			review.save()

	def test_reopen_is_explicit_and_recorded(self):
		self.make_cycle().create_reviews()
		review = self.through_to_hr(ANH, [3, 3], [3, 3])
		frappe.set_user(HR)
		apply_workflow(review, "Approve")
		frappe.set_user(HEAD)
		with self.assertRaises(frappe.PermissionError):
			review.reopen("Please")
		frappe.set_user(HR)
		amended = review.reopen("Sales figures for March were corrected.")
		review.reload()
		self.assertEqual(review.docstatus, 2)
		new = frappe.get_doc("Performance Review", amended)
		self.assertEqual(
			(new.amended_from, new.workflow_state, new.docstatus), (review.name, "Self Assessment", 0)
		)
		self.assertEqual([row.manager_rating for row in new.competencies], [3, 3])
		self.assertTrue(
			frappe.db.exists(
				"Comment", {"reference_name": review.name, "content": ("like", "%March were corrected%")}
			)
		)

	# -- HRMS ----------------------------------------------------------------------------------

	def test_hrms_appraisal_shows_the_kpi_score(self):
		template = create_appraisal_template("_Test KPI Review Template")
		designation = "_Test KPI Reviewed"
		if not frappe.db.exists("Designation", designation):
			frappe.get_doc({"doctype": "Designation", "designation_name": designation}).insert()
		frappe.db.set_value("Designation", designation, "appraisal_template", template.name)
		frappe.db.set_value("Employee", self.people[ANH], "designation", designation)
		cycle = create_appraisal_cycle(
			name="_Test KPI Appraisal Q1",
			company=TEST_COMPANY,
			start_date=Q1[0],
			end_date=Q1[1],
			designation=designation,
			kra_evaluation_method="Manual Rating",
		)
		cycle.calculate_final_score_based_on_formula = 1
		cycle.final_score_formula = "kpi_score / 20"
		cycle.save()
		cycle.create_appraisals()
		appraisal = frappe.get_doc("Appraisal", {"appraisal_cycle": cycle.name, "employee": self.people[ANH]})
		appraisal.save()
		expected_kpi = (90 + 100 + 100) / 3  # 110 % of the target scores 100
		self.assertAlmostEqual(appraisal.kpi_score, expected_kpi, places=2)
		self.assertEqual(
			frappe.db.get_value("KPI Scorecard", appraisal.kpi_scorecard, "employee"), self.people[ANH]
		)
		self.assertAlmostEqual(appraisal.final_score, expected_kpi / 20, places=2)

	# -- permissions ---------------------------------------------------------------------------

	def test_who_sees_what(self):
		cycle = self.make_cycle()
		cycle.create_reviews()
		anh = self.review_of(ANH)
		frappe.set_user(HEAD)
		anh.add_note("Private until approval.")

		frappe.set_user(ANH)
		self.assertEqual(frappe.get_list("Performance Review", pluck="employee"), [self.people[ANH]])
		self.assertFalse(frappe.has_permission("Performance Review", "read", doc=self.review_of(BAO)))
		self.assertEqual(frappe.get_list("Performance Review Note", pluck="name"), [])
		self.assertEqual(anh.visible_notes(), [])
		with self.assertRaises(frappe.PermissionError):
			anh.add_note("Self-praise")
		# employees cannot approve, nor edit once it left self assessment
		self.assertFalse(frappe.has_permission("Performance Review", "submit", doc=anh))
		apply_workflow(anh, "Submit for Review")
		self.assertFalse(frappe.has_permission("Performance Review", "write", doc=self.review_of(ANH)))

		frappe.set_user(BAO)
		with self.assertRaises(frappe.PermissionError):  # not BAO's to move on
			apply_workflow(self.review_of(ANH), "Send Back")

		frappe.set_user(HEAD)
		self.assertEqual(
			sorted(frappe.get_list("Performance Review", pluck="employee")),
			sorted(self.people.values()),
		)
		self.assertTrue(frappe.has_permission("Performance Review", "write", doc=self.review_of(ANH)))
		self.assertEqual(len(frappe.get_list("Performance Review Note")), 1)

		frappe.set_user(HR)  # HR sees all reviews: all three of this cycle, whatever else the site has
		self.assertEqual(
			sorted(
				frappe.get_list("Performance Review", filters={"review_cycle": cycle.name}, pluck="employee")
			),
			sorted(self.people[email] for email in (ANH, BAO, CHI)),
		)

		# after approval the employee reads the notes
		frappe.set_user(HEAD)
		apply_workflow(self.review_of(ANH), "Submit to HR")
		frappe.set_user(HR)
		apply_workflow(self.review_of(ANH), "Approve")
		frappe.set_user(ANH)
		self.assertEqual(len(frappe.get_list("Performance Review Note")), 1)
		self.assertEqual(len(self.review_of(ANH).visible_notes()), 1)
		_columns, rows, *_rest = performance_history({"employee": self.people[ANH]})
		self.assertEqual([row.rank_band for row in rows], [self.review_of(ANH).rank_band])

	def test_add_note_is_offered_only_to_who_may_add_one(self):
		from frappe.desk.form.load import run_onload

		self.make_cycle().create_reviews()
		for user, expected in ((ANH, False), (HEAD, True), (HR, True)):
			frappe.set_user(user)
			frappe.local.message_log = []
			review = self.review_of(ANH)
			run_onload(review)
			self.assertEqual(review.get("__onload").can_add_note, expected, user)
			self.assertEqual(frappe.local.message_log, [], user)  # asked quietly

	# -- bad input -----------------------------------------------------------------------------

	def single_review(self, email, **values):
		return frappe.get_doc(
			{
				"doctype": "Performance Review",
				"employee": self.people.get(email, email),
				"period_type": "Quarter",
				"from_date": Q1[0],
				"to_date": Q1[1],
				"competency_framework": "_Test Review Framework",
				**values,
			}
		)

	def test_second_review_for_the_same_period_is_refused(self):
		self.single_review(ANH).insert()
		with self.assertRaises(DuplicateReviewError):
			self.single_review(ANH).insert()

	def test_employee_without_scorecard(self):
		with self.assertRaises(NoScorecardError):
			self.single_review(self.head).insert()
		review = self.single_review(self.head, review_mode="Competencies Only").insert()
		self.assertIsNone(review.kpi_score)
		self.rate(review, "self_rating", [5, 5])
		self.assertEqual(review.final_score, 100.0)  # competencies only

	def test_ratings_outside_the_scale_are_refused(self):
		review = self.single_review(ANH).insert()
		for bad in (6, 0.5, -2):
			review.reload()
			review.competencies[0].self_rating = bad
			with self.assertRaises(frappe.ValidationError):
				review.save()

	def test_band_settings_must_meet_end_to_end_and_quotas_add_up(self):
		settings = frappe.get_single("KPI BSC Settings")
		settings.rank_bands[1].to_score = 85  # B ends at 85, A starts at 90: a gap
		with self.assertRaises(frappe.ValidationError):
			settings.save()
		settings.reload()
		settings.rank_bands[1].to_score = 95  # B runs into A: an overlap
		with self.assertRaises(frappe.ValidationError):
			settings.save()
		settings.reload()
		settings.rank_bands[0].distribution_percent = 50  # 50 + 20 + 40 + 20 + 10 = 140
		with self.assertRaises(BandSettingsError):
			settings.save()
		settings.reload()
		settings.final_score_formula = "__import__('os')"
		with self.assertRaises(frappe.ValidationError):
			settings.save()
