"""Calibration on a real site: the board's quotas and counts, a move (the review, its pay
coefficient and the log), the warning over quota, every refusal with nothing written, who may
rate Potential (over REST, as each person) and the Nine Box Grid.

Five people report to one head; a competencies-only cycle with one competency (weight 100) on
a scale of 5, so the final score is the manager rating x 20: ratings 5, 4, 4, 3, 2 give
100 (A), 80 (B), 80 (B), 60 (D), 40 (E) on the default bands A >= 90, B >= 80, C >= 70,
D >= 50, E. Quotas 10/20/40/20/10 % of 5 people: 0.5, 1, 2, 1, 0.5 -> floors 0, 1, 2, 1, 0
and the one left to the first largest remainder (A): A 1, B 1, C 2, D 1, E 0."""

import frappe
from frappe.model.workflow import apply_workflow

from kpibsc.kpibsc.report.nine_box_grid.nine_box_grid import execute as nine_box_grid
from kpibsc.kpibsc.services.calibration import (
	CalibrationMoveError,
	CalibrationNoteError,
	get_board,
	get_history,
	move_to_band,
)
from kpibsc.tests.factories import TEST_COMPANY, KPITestCase, make_company, make_department, make_kpi_employee
from kpibsc.tests.http import call, method, resource

HEAD = "kpi.calib.head@example.com"
HR_USER = "kpi.calib.hru@example.com"
PEOPLE = [f"kpi.calib.p{number}@example.com" for number in range(1, 6)]
RATINGS = [5, 4, 4, 3, 2]
LOG = "Performance Review Calibration"
MOVE = method("kpibsc.kpibsc.services.calibration.move_to_band")


class TestCalibration(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		cls.department = make_department("KPI Calib Sales")
		cls.head = make_kpi_employee(HEAD, make_department("KPI Calib Lead"))
		cls.people = []
		for email in PEOPLE:
			employee = frappe.get_doc("Employee", make_kpi_employee(email, cls.department))
			employee.reports_to = cls.head
			employee.save()  # through the document: Reports To is a tree (lft/rgt)
			cls.people.append(employee.name)
		for email in (HEAD, *PEOPLE):
			frappe.get_doc("User", email).add_roles("Employee")
		if not frappe.db.exists("User", HR_USER):
			frappe.get_doc(
				{"doctype": "User", "email": HR_USER, "first_name": "Calib HR", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", HR_USER).add_roles("HR User", "Employee")
		if not frappe.db.exists("Competency", "Teamwork"):
			frappe.get_doc({"doctype": "Competency", "competency_name": "Teamwork"}).insert()
		if not frappe.db.exists("Competency Framework", "_Test Calibration Framework"):
			frappe.get_doc(
				{
					"doctype": "Competency Framework",
					"framework_name": "_Test Calibration Framework",
					"competencies": [{"competency": "Teamwork", "weight": 100}],
				}
			).insert()
		cls.cycle = frappe.get_doc(
			{
				"doctype": "Performance Review Cycle",
				"cycle_name": "_Test Calibration Q2",
				"company": TEST_COMPANY,
				"period_type": "Quarter",
				"from_date": "2025-04-01",
				"to_date": "2025-06-30",
				"department": cls.department,
				"review_mode": "Competencies Only",
				"competency_framework": "_Test Calibration Framework",
			}
		).insert()
		cls.cycle.create_reviews()
		cls.reviews = {}
		for index, (employee, rating) in enumerate(zip(cls.people, RATINGS, strict=True)):
			review = frappe.get_doc(
				"Performance Review", {"employee": employee, "review_cycle": cls.cycle.name}
			)
			review.competencies[0].manager_rating = rating
			review.save()
			if index < 4:  # the last one stays in Self Assessment
				apply_workflow(review, "Submit for Review")
				apply_workflow(frappe.get_doc("Performance Review", review.name), "Submit to HR")
			cls.reviews[employee] = review.name

	def review(self, index: int):
		return frappe.get_doc("Performance Review", self.reviews[self.people[index]])

	def logs(self, index: int) -> list:
		return frappe.get_all(LOG, filters={"review": self.reviews[self.people[index]]}, fields=["*"])

	def test_setup_as_worked_out(self):
		self.assertEqual(
			[(self.review(i).final_score, self.review(i).rank_band) for i in range(5)],
			[(100, "A"), (80, "B"), (80, "B"), (60, "D"), (40, "E")],
		)

	# -- the board ------------------------------------------------------------------------------

	def test_board_counts_against_quotas(self):
		frappe.set_user(HR_USER)
		board = get_board(self.cycle.name, self.department)
		bands = {row["band"]: row for row in board["bands"]}
		self.assertEqual([row["band"] for row in board["bands"]], ["A", "B", "C", "D", "E"])
		self.assertEqual({code: row["quota"] for code, row in bands.items()}, dict(A=1, B=1, C=2, D=1, E=0))
		self.assertEqual({code: row["count"] for code, row in bands.items()}, dict(A=1, B=2, C=0, D=1, E=1))
		self.assertEqual({code for code, row in bands.items() if row["over_quota"]}, {"B", "E"})
		self.assertEqual(bands["C"]["quota_percent"], 40)
		self.assertTrue(board["may_calibrate"])
		# the one in Self Assessment is shown, not movable
		self.assertEqual([row.movable for row in bands["E"]["reviews"]], [False])
		self.assertEqual(get_board(self.cycle.name, make_department("KPI Calib Lead"))["total"], 0)

	def test_a_reviewer_sees_the_board_but_may_not_calibrate(self):
		frappe.set_user(HEAD)
		board = get_board(self.cycle.name)
		self.assertEqual(board["total"], 5)
		self.assertFalse(board["may_calibrate"])
		frappe.set_user(PEOPLE[0])
		board = get_board(self.cycle.name)  # the employee: their own review only
		self.assertEqual(
			[row.employee for band in board["bands"] for row in band["reviews"]], [self.people[0]]
		)

	# -- a move ---------------------------------------------------------------------------------

	def test_hr_moves_a_review_and_the_log_records_it(self):
		reply = call(
			HR_USER,
			"POST",
			MOVE,
			{"review": self.reviews[self.people[3]], "band": "C", "note": "Carried the team in May"},
		)
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertIsNone(reply.message["warning"])  # C: 1 of a quota of 2
		review = self.review(3)
		self.assertEqual((review.rank_band, review.calculated_band), ("C", "D"))
		self.assertEqual(review.band_coefficient, 1.0)  # C's coefficient (D's is 0.8)
		self.assertEqual(review.calibration_note, "Carried the team in May")
		[log] = self.logs(3)
		self.assertEqual(log.name, reply.message["log"])
		self.assertEqual(
			(log.employee, log.review_cycle, log.from_band, log.to_band, log.note, log.calibrated_by),
			(self.people[3], self.cycle.name, "D", "C", "Carried the team in May", HR_USER),
		)
		self.assertTrue(log.calibrated_on)
		# the review's calibration history: HR reads it; the reviewer reads the note on the review
		frappe.set_user(HR_USER)
		self.assertEqual([row.name for row in get_history(review.name)], [log.name])
		frappe.set_user(HEAD)
		self.assertEqual(get_history(review.name), [])
		frappe.set_user(HR_USER)
		board = {row["band"]: row["count"] for row in get_board(self.cycle.name)["bands"]}
		self.assertEqual(board, dict(A=1, B=2, C=1, D=0, E=1))
		# the log is a record: not edited, deleted only by a System Manager
		self.assertEqual(call(HR_USER, "PUT", resource(LOG, log.name), {"note": "x"}).status, 403)
		self.assertEqual(call(HR_USER, "DELETE", resource(LOG, log.name)).status, 403)
		self.assertEqual(frappe.db.get_value(LOG, log.name, "note"), "Carried the team in May")
		self.assertEqual(call(HR_USER, "POST", resource(LOG), {**log, "name": None}).status, 403)

	def test_over_quota_is_a_warning_and_the_move_stands(self):
		frappe.set_user(HR_USER)
		result = move_to_band(self.reviews[self.people[1]], "A", "Closed the biggest deal of the year")
		# A now holds 2, its quota is 1
		self.assertIn("A", result["warning"])
		self.assertIn("2", result["warning"])
		self.assertEqual(self.review(1).rank_band, "A")
		self.assertEqual(len(self.logs(1)), 1)

	def test_a_move_without_a_note_is_refused_in_the_users_language(self):
		frappe.set_user(HR_USER)
		frappe.local.lang = "vi"
		try:
			with self.assertRaises(CalibrationNoteError) as raised:
				move_to_band(self.reviews[self.people[3]], "C", "   ")
		finally:
			frappe.local.lang = "en"
		self.assertEqual(
			str(raised.exception),
			"Hãy nói vì sao đánh giá chuyển sang hạng khác: cần có ghi chú hiệu chỉnh.",
		)
		self.assertEqual(self.review(3).rank_band, "D")
		self.assertEqual(self.logs(3), [])

	def test_employee_and_reviewer_may_not_move(self):
		for user, index in ((PEOPLE[3], 3), (HEAD, 3), (PEOPLE[0], 3)):
			reply = call(
				user, "POST", MOVE, {"review": self.reviews[self.people[index]], "band": "A", "note": "x"}
			)
			self.assertEqual(reply.status, 403, f"{user}: {reply.text[:300]}")
		self.assertEqual(self.review(3).rank_band, "D")
		self.assertEqual(self.logs(3), [])

	def test_a_move_outside_hr_calibration_or_in_a_closed_cycle_is_refused(self):
		frappe.set_user(HR_USER)
		with self.assertRaises(CalibrationMoveError):  # still in Self Assessment
			move_to_band(self.reviews[self.people[4]], "D", "Better than the score says")
		with self.assertRaises(CalibrationMoveError):  # not a band
			move_to_band(self.reviews[self.people[3]], "Z", "No such band")
		with self.assertRaises(CalibrationMoveError):  # where it is already
			move_to_band(self.reviews[self.people[3]], "D", "Same band")
		self.cycle.db_set("status", "Completed")
		with self.assertRaises(CalibrationMoveError):
			move_to_band(self.reviews[self.people[3]], "C", "After the cycle closed")
		self.assertEqual([self.review(i).rank_band for i in (3, 4)], ["D", "E"])
		self.assertEqual(self.logs(3) + self.logs(4), [])

	def test_an_approved_review_keeps_its_band(self):
		review = self.review(0)
		apply_workflow(review, "Approve")
		frappe.set_user(HR_USER)
		with self.assertRaises(CalibrationMoveError):
			move_to_band(review.name, "B", "After approval")
		self.assertEqual(self.review(0).rank_band, "A")
		self.assertEqual(self.logs(0), [])

	# -- potential --------------------------------------------------------------------------------

	def test_potential_is_the_reviewers_not_the_employees(self):
		name = self.reviews[self.people[4]]  # in Self Assessment: the employee may write it
		reply = call(PEOPLE[4], "PUT", resource("Performance Review", name), {"potential": "High"})
		self.assertEqual(reply.status, 417, reply.text[:300])
		self.assertFalse(frappe.db.get_value("Performance Review", name, "potential"))
		reply = call(PEOPLE[4], "PUT", resource("Performance Review", name), {"self_comments": "mine"})
		self.assertEqual(reply.status, 200, reply.text[:300])  # what the employee may write
		apply_workflow(self.review(4), "Submit for Review")  # now the reviewer's step
		reply = call(HEAD, "PUT", resource("Performance Review", name), {"potential": "High"})
		self.assertEqual(reply.status, 200, reply.text[:300])
		self.assertEqual(frappe.db.get_value("Performance Review", name, "potential"), "High")
		# HR rates it after approval too (allow on submit)
		approved = self.review(0)
		apply_workflow(approved, "Approve")
		reply = call(HR_USER, "PUT", resource("Performance Review", approved.name), {"potential": "Medium"})
		self.assertEqual(reply.status, 200, reply.text[:300])
		self.assertEqual(frappe.db.get_value("Performance Review", approved.name, "potential"), "Medium")

	# -- the nine boxes -------------------------------------------------------------------------

	def test_nine_box_grid(self):
		# scores 100, 80, 80, 60, 40 at the default cut-offs (Medium from 70, High from 90):
		# High, Medium, Medium, Low, Low
		for index, potential in ((0, "High"), (1, "Medium"), (3, "Low"), (4, "High")):
			frappe.db.set_value(
				"Performance Review", self.reviews[self.people[index]], "potential", potential
			)
		frappe.set_user(HEAD)
		_columns, rows, *_rest = nine_box_grid({"review_cycle": self.cycle.name})
		grid = {row["potential"]: row for row in rows}
		self.assertEqual([row["potential"] for row in rows], ["High", "Medium", "Low", "Not Rated"])
		self.assertEqual((grid["High"]["high_box"], grid["High"]["high_count"]), ("Star", 1))
		self.assertEqual(grid["High"]["high_reviews"], [self.reviews[self.people[0]]])
		self.assertEqual((grid["High"]["low_box"], grid["High"]["low_count"]), ("Enigma", 1))
		self.assertEqual((grid["Medium"]["medium_box"], grid["Medium"]["medium_count"]), ("Core Player", 1))
		self.assertEqual((grid["Low"]["low_box"], grid["Low"]["low_count"]), ("Underperformer", 1))
		self.assertEqual(grid["Not Rated"]["medium_reviews"], [self.reviews[self.people[2]]])
		self.assertEqual(sum(row[f"{key}_count"] for row in rows for key in ("low", "medium", "high")), 5)
		# cut-offs from the filters: High from 80 makes the two 80s High
		_columns, rows, *_rest = nine_box_grid(
			{"review_cycle": self.cycle.name, "medium_from": 50, "high_from": 80}
		)
		grid = {row["potential"]: row for row in rows}
		self.assertEqual((grid["Medium"]["high_box"], grid["Medium"]["high_count"]), ("High Performer", 1))
		# an employee sees only their own review
		frappe.set_user(PEOPLE[0])
		_columns, rows, *_rest = nine_box_grid({"review_cycle": self.cycle.name})
		self.assertEqual(sum(row[f"{key}_count"] for row in rows for key in ("low", "medium", "high")), 1)

	# -- the forced distribution ----------------------------------------------------------------

	def distribute(self, user: str):
		return call(
			user,
			"POST",
			method("run_doc_method"),
			{
				"dt": "Performance Review Cycle",
				"dn": self.cycle.name,
				"method": "apply_forced_distribution",
				"args": frappe.as_json({"group_by": "Department"}),
			},
		)

	def moves(self, index: int) -> list[tuple]:
		return [
			(log.from_band, log.to_band, log.note, log.calibrated_by)
			for log in sorted(self.logs(index), key=lambda log: log.name)
		]

	def test_forced_distribution_logs_every_band_it_changes(self):
		# The four in HR Calibration (100, 80, 80, 60; the fifth is in Self Assessment): 10/20/40/
		# 20/10 % of 4 are 0.4, 0.8, 1.6, 0.8, 0.4 -> floors 0, 0, 1, 0, 0, and the three left
		# to the largest remainders B .8, D .8, C .6: B 1, C 2, D 1. Best first: 100 -> B, the
		# two 80s -> C, 60 -> D. So A->B, B->C and B->C change; D stays, and gets no record.
		self.assertEqual(self.distribute(PEOPLE[0]).status, 403)  # not the employee's to run
		self.assertEqual([self.review(i).rank_band for i in range(5)], ["A", "B", "B", "D", "E"])
		self.assertEqual(sum(len(self.logs(i)) for i in range(5)), 0)

		reply = self.distribute(HR_USER)
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(reply.message, {"B": 1, "C": 2, "D": 1})
		self.assertEqual([self.review(i).rank_band for i in range(5)], ["B", "C", "C", "D", "E"])
		note = "Forced distribution by Department"
		self.assertEqual(self.moves(0), [("A", "B", note, HR_USER)])
		self.assertEqual(self.moves(1), [("B", "C", note, HR_USER)])
		self.assertEqual(self.moves(2), [("B", "C", note, HR_USER)])
		self.assertEqual(self.logs(3) + self.logs(4), [])
		[log] = self.logs(1)
		self.assertEqual(
			(log.employee, log.employee_name, log.department, log.review_cycle),
			(self.people[1], self.review(1).employee_name, self.department, self.cycle.name),
		)
		self.assertTrue(log.calibrated_on)
		self.assertRegex(log.name, r"^PRC-\d{4}-\d{5}$")
		# HR reads it as the review's calibration history
		frappe.set_user(HR_USER)
		self.assertEqual([row.name for row in get_history(self.reviews[self.people[1]])], [log.name])

		# a hand move after it is named past the records written in bulk
		moved = move_to_band(self.reviews[self.people[3]], "C", "Led the Q2 launch")
		bulk_names = [log.name for index in range(3) for log in self.logs(index)]
		self.assertNotIn(moved["log"], bulk_names)
		self.assertGreater(moved["log"], max(bulk_names))
		# again: the three already in their bands get nothing new; the hand-moved one goes back
		# to D (the quotas are the same), and that change is recorded
		frappe.set_user("Administrator")
		reply = self.distribute(HR_USER)
		self.assertEqual(reply.message, {"B": 1, "C": 2, "D": 1})
		self.assertEqual([len(self.logs(i)) for i in range(5)], [1, 1, 1, 2, 0])
		self.assertEqual(self.moves(3), [("D", "C", "Led the Q2 launch", HR_USER), ("C", "D", note, HR_USER)])
		self.assertEqual(self.review(3).rank_band, "D")
