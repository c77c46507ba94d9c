"""Score policies: a company's scale, floor, cap and colours in KPI BSC Settings, a scorecard's
own over them, an item's own cap, the recompute a change queues, and who may change them.

One company scorecard with four Higher is Better KPIs, each 1,200 a year (100 a month, 25%
weight), January actuals 60, 72, 96 and 130. Expected scores are worked out by hand in each test.
"""

import numpy as np

import frappe

from erpnext.setup.doctype.employee.test_employee import make_employee

from kpibsc.kpibsc.dashboard import company_score
from kpibsc.kpibsc.report.balanced_scorecard.balanced_scorecard import execute as balanced_scorecard
from kpibsc.kpibsc.report.kpi_achievement.kpi_achievement import execute as kpi_achievement
from kpibsc.kpibsc.report.scorecard_ranking.scorecard_ranking import execute as scorecard_ranking
from kpibsc.kpibsc.services.home import latest_scores
from kpibsc.kpibsc.services.recompute import recompute
from kpibsc.kpibsc.services.reviews import kpi_scores
from kpibsc.kpibsc.services.score_policy import ScorePolicyError, score_with_policies, status_of_scores
from kpibsc.patches.v0_5.scorecard_floor_override import execute as patch
from kpibsc.tests.factories import KPITestCase, make_company, make_kpi, scorecard_doc, user_with_roles

COMPANY = "_Test KPI Policy Company"
KPIS = ("POL-A", "POL-B", "POL-C", "POL-D")
ACTUALS = {"POL-A": 60, "POL-B": 72, "POL-C": 96, "POL-D": 130}
HR = "kpi.policy.hr@example.com"
MANAGER = "kpi.policy.manager@example.com"


def number(value) -> str:
	"""As the site writes a one-decimal number ("3,6" on a #.###,## site)."""
	return frappe.format(value, {"fieldtype": "Float", "precision": 1})


class TestScorePolicy(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company(COMPANY, "_TKPC")
		for code in KPIS:
			make_kpi(code, aggregation="Sum")
		cls.scorecard = (
			scorecard_doc([{"kpi": code, "weight": 25, "target": 1200} for code in KPIS], company=COMPANY)
			.insert()
			.name
		)
		measurement = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": cls.scorecard, "period_start": "2025-01-01"}
		)
		measurement.fill_items()
		for row in measurement.items:
			row.actual = ACTUALS[row.kpi]
		measurement.insert().submit()
		user_with_roles(HR, "HR Manager", "Employee")
		user_with_roles(MANAGER, "KPI Manager")

	def results(self) -> dict:
		"""{kpi or 'Scorecard': (score, status, scale, above scale)} for January."""
		rows = frappe.get_all(
			"KPI Result",
			filters={
				"scorecard": self.scorecard,
				"period_start": "2025-01-01",
				"node_type": ("in", ("KPI", "Scorecard")),
			},
			fields=["kpi", "node_type", "score", "status", "score_scale", "above_scale", "achievement"],
		)
		return {
			(row.kpi or row.node_type): (round(row.score, 6), row.status, row.score_scale, row.above_scale)
			for row in rows
		}

	def set_company_policy(self, **values):
		settings = frappe.get_single("KPI BSC Settings")
		settings.set("score_policies", [row for row in settings.score_policies if row.company != COMPANY])
		settings.append("score_policies", {"company": COMPANY, **values})
		settings.save()
		return settings

	def recompute_jobs(self) -> list:
		return [job for job in self.jobs.jobs if job.method.endswith("run_recompute_job")]

	def test_default_is_percent_amber_80_green_100(self):
		self.assertEqual(
			self.results(),
			{
				"POL-A": (60.0, "Red", "Percent", 0),
				"POL-B": (72.0, "Red", "Percent", 0),
				"POL-C": (96.0, "Amber", "Percent", 0),
				"POL-D": (100.0, "Green", "Percent", 0),  # 130% capped at 100
				# (60 + 72 + 96 + 100) / 4 = 82 -> Amber
				"Scorecard": (82.0, "Amber", "Percent", 0),
			},
		)

	def test_company_on_five_points_with_amber_70_green_95(self):
		self.set_company_policy(
			score_scale="0-5", achievement_floor=0, achievement_cap=100, amber_from=70, green_from=95
		)
		# the save queued the recompute of the company's scorecard, which ran (inline here)
		jobs = self.recompute_jobs()
		self.assertEqual(
			[(job.kwargs["scorecards"], job.queue) for job in jobs], [([self.scorecard], "long")]
		)
		# 60% -> 3.0 Red; 72% -> 3.6 Amber; 96% -> 4.8 Green; 130% -> capped 5.0 Green;
		# scorecard (3.0 + 3.6 + 4.8 + 5.0) / 4 = 4.1 = 82% -> Amber
		self.assertEqual(
			self.results(),
			{
				"POL-A": (3.0, "Red", "0-5", 0),
				"POL-B": (3.6, "Amber", "0-5", 0),
				"POL-C": (4.8, "Green", "0-5", 0),
				"POL-D": (5.0, "Green", "0-5", 0),
				"Scorecard": (4.1, "Amber", "0-5", 0),
			},
		)

	def test_saving_the_settings_unchanged_queues_nothing(self):
		self.set_company_policy(score_scale="0-5", amber_from=70, green_from=95)
		self.jobs.jobs.clear()
		frappe.get_single("KPI BSC Settings").save()
		self.assertEqual(self.recompute_jobs(), [])

	def test_scorecard_override_beats_company(self):
		self.set_company_policy(score_scale="0-5", amber_from=70, green_from=95)
		self.jobs.jobs.clear()
		scorecard = frappe.get_doc("KPI Scorecard", self.scorecard)
		scorecard.score_scale = "0-10"
		scorecard.green_from = 100  # Amber from 70 still comes from the company
		scorecard.save()
		jobs = self.recompute_jobs()
		self.assertEqual(
			[(job.kwargs["scorecards"], job.queue) for job in jobs], [([self.scorecard], "long")]
		)
		# 6.0 Red (60 < 70), 7.2 Amber, 9.6 Amber (96 < 100), 10.0 Green; (6+7.2+9.6+10)/4 = 8.2
		self.assertEqual(
			self.results(),
			{
				"POL-A": (6.0, "Red", "0-10", 0),
				"POL-B": (7.2, "Amber", "0-10", 0),
				"POL-C": (9.6, "Amber", "0-10", 0),
				"POL-D": (10.0, "Green", "0-10", 0),
				"Scorecard": (8.2, "Amber", "0-10", 0),
			},
		)
		# saved again unchanged: nothing to rescore
		self.jobs.jobs.clear()
		frappe.get_doc("KPI Scorecard", self.scorecard).save()
		self.assertEqual(self.recompute_jobs(), [])

	def test_a_scorecard_floor_of_0_overrides_a_company_floor(self):
		self.set_company_policy(achievement_floor=70)
		# POL-A's 60% scores the company's floor, 70 (status from the 60% reached: Red);
		# (70 + 72 + 96 + 100) / 4 = 84.5
		self.assertEqual(self.results()["POL-A"], (70.0, "Red", "Percent", 0))
		self.assertEqual(self.results()["Scorecard"], (84.5, "Amber", "Percent", 0))

		scorecard = frappe.get_doc("KPI Scorecard", self.scorecard)
		scorecard.override_floor = 1
		scorecard.achievement_floor = 0
		scorecard.save()
		# floor 0: 60 stays 60; (60 + 72 + 96 + 100) / 4 = 82
		self.assertEqual(self.results()["POL-A"], (60.0, "Red", "Percent", 0))
		self.assertEqual(self.results()["Scorecard"], (82.0, "Amber", "Percent", 0))

		# unticked: the company's 70 again
		scorecard = frappe.get_doc("KPI Scorecard", self.scorecard)
		scorecard.override_floor = 0
		scorecard.save()
		self.assertEqual(self.results()["Scorecard"], (84.5, "Amber", "Percent", 0))

		# a floor sent without the switch (an import, the API) overrides, as it always did:
		# 60 -> 65; (65 + 72 + 96 + 100) / 4 = 83.25
		scorecard = frappe.get_doc("KPI Scorecard", self.scorecard)
		scorecard.achievement_floor = 65
		scorecard.save()
		self.assertEqual(
			frappe.db.get_value(
				"KPI Scorecard", self.scorecard, ["override_floor", "achievement_floor"], as_dict=True
			),
			{"override_floor": 1, "achievement_floor": 65.0},
		)
		self.assertEqual(self.results()["Scorecard"], (83.25, "Amber", "Percent", 0))

		# unticking clears the scorecard's own floor: the company's 70 again
		scorecard = frappe.get_doc("KPI Scorecard", self.scorecard)
		scorecard.override_floor = 0
		scorecard.save()
		self.assertEqual(frappe.db.get_value("KPI Scorecard", self.scorecard, "achievement_floor"), 0)
		self.assertEqual(self.results()["Scorecard"], (84.5, "Amber", "Percent", 0))

	def test_the_patch_keeps_a_non_zero_floor_overriding(self):
		self.set_company_policy(achievement_floor=70)
		# as a scorecard saved before the switch stored it: floor 50, no switch
		frappe.db.set_value("KPI Scorecard", self.scorecard, {"achievement_floor": 50, "override_floor": 0})
		patch()
		self.assertEqual(frappe.db.get_value("KPI Scorecard", self.scorecard, "override_floor"), 1)
		# rescored: 60 is above the scorecard's 50, so (60 + 72 + 96 + 100) / 4 = 82
		recompute([self.scorecard])
		self.assertEqual(self.results()["Scorecard"], (82.0, "Amber", "Percent", 0))

	def test_item_cap_and_scores_above_the_scale(self):
		self.set_company_policy(score_scale="Percent", achievement_cap=120, allow_above_scale=1)
		# 130% of target capped at 120: 120, above the scale
		self.assertEqual(self.results()["POL-D"], (120.0, "Green", "Percent", 1))
		scorecard = frappe.get_doc("KPI Scorecard", self.scorecard)
		caps = {"POL-C": 90, "POL-D": 110}
		for item in scorecard.items:
			item.achievement_cap = caps.get(item.kpi, 0)
		scorecard.save()
		results = self.results()
		# POL-C: 96% capped at its own 90; status from the achievement as reached (96%): Amber
		self.assertEqual(results["POL-C"], (90.0, "Amber", "Percent", 0))
		self.assertEqual(results["POL-D"], (110.0, "Green", "Percent", 1))
		# (60 + 72 + 90 + 110) / 4 = 83
		self.assertEqual(results["Scorecard"], (83.0, "Amber", "Percent", 0))

	def test_bad_policies_are_refused_and_nothing_is_saved(self):
		for values, message in (
			({"achievement_floor": 60, "achievement_cap": 50}, "floor"),
			({"amber_from": 90, "green_from": 90}, "must rise"),
			({"achievement_cap": 120}, "above the top"),
		):
			with self.subTest(values=values):
				with self.assertRaisesRegex(ScorePolicyError, message):
					self.set_company_policy(**values)
		self.assertFalse(frappe.db.exists("KPI Score Policy", {"company": COMPANY}))
		self.assertEqual(self.recompute_jobs(), [])

		scorecard = frappe.get_doc("KPI Scorecard", self.scorecard)
		scorecard.achievement_cap = 130
		with self.assertRaisesRegex(ScorePolicyError, "above the top"):
			scorecard.save()
		scorecard = frappe.get_doc("KPI Scorecard", self.scorecard)
		scorecard.items[0].achievement_cap = 150
		with self.assertRaisesRegex(ScorePolicyError, "Row 1"):
			scorecard.save()
		self.assertEqual(frappe.db.get_value("KPI Scorecard", self.scorecard, "achievement_cap"), 0)
		self.assertEqual(
			frappe.db.get_value("KPI Scorecard Item", scorecard.items[0].name, "achievement_cap"), 0
		)

	def test_one_row_per_company(self):
		settings = frappe.get_single("KPI BSC Settings")
		settings.append("score_policies", {"company": COMPANY})
		settings.append("score_policies", {"company": COMPANY, "score_scale": "0-5"})
		with self.assertRaisesRegex(ScorePolicyError, "two score policies"):
			settings.save()

	def test_only_kpi_and_system_managers_change_policies(self):
		frappe.set_user(HR)
		settings = frappe.get_single("KPI BSC Settings")
		settings.append("score_policies", {"company": COMPANY, "score_scale": "0-5"})
		settings.save()  # the rest of the settings are HR's; the policy row is not kept
		self.assertFalse(frappe.db.exists("KPI Score Policy", {"company": COMPANY}))
		self.assertEqual(self.recompute_jobs(), [])

		frappe.set_user(MANAGER)
		self.set_company_policy(score_scale="0-5")
		self.assertEqual(frappe.db.get_value("KPI Score Policy", {"company": COMPANY}, "score_scale"), "0-5")
		self.assertEqual(self.results()["POL-A"][2], "0-5")

	def test_a_kpi_user_cannot_override_a_scorecards_policy(self):
		frappe.set_user("Administrator")
		user_with_roles("kpi.policy.user@example.com", "KPI User")
		frappe.share.add("KPI Scorecard", self.scorecard, "kpi.policy.user@example.com", write=1)
		frappe.set_user("kpi.policy.user@example.com")
		scorecard = frappe.get_doc("KPI Scorecard", self.scorecard)
		scorecard.score_scale = "0-10"
		scorecard.save()
		self.assertFalse(frappe.db.get_value("KPI Scorecard", self.scorecard, "score_scale"))

	def test_reports_show_scores_on_their_scale(self):
		self.set_company_policy(score_scale="0-5", amber_from=70, green_from=95)
		_columns, rows, _message, _chart, summary = balanced_scorecard(
			{"scorecard": self.scorecard, "period_start": "2025-01-15"}
		)
		texts = {row.get("kpi") or row["name"]: row.get("score_text") for row in rows}
		self.assertEqual((texts["POL-B"], texts["POL-D"]), (f"{number(3.6)} / 5", f"{number(5)} / 5"))
		self.assertEqual(summary[0]["value"], f"{number(4.1)} / 5")
		# ranked and banded in percent (4.1 of 5 is 82: band B, from 80), shown on its scale
		_columns, ranked, *_rest = scorecard_ranking(
			{"company": COMPANY, "level": "Company", "view": "Period", "period_start": "2025-01-15"}
		)
		self.assertEqual(
			[(row["score"], row["scale_score"], row["band"]) for row in ranked],
			[(82.0, f"{number(4.1)} / 5", "B")],
		)
		_columns, matrix, message, chart = kpi_achievement({"scorecard": self.scorecard, "figure": "Score"})
		# the chart's tooltips write a 0-5 score as a number, "3,6" (kpibsc_charts.js)
		self.assertEqual((chart["fieldtype"], chart["precision"]), ("Float", 1))
		self.assertEqual(message, "Scores are on the 0-5 scale: 5 is a met target.")
		self.assertEqual(next(row for row in matrix if row["kpi"] == "POL-B")["p_20250101"], 3.6)
		# the workspace's Company Score card: year to date at the last period (December),
		# January's actuals of 1,200-a-year targets: 5 x (60 + 72 + 96 + 130) / 1200 / 4 = 0.37
		self.assertEqual(company_score({"company": COMPANY}), f"{number(0.4)} / 5")
		# My Work's score (the latest reported period: January, so the year to date is January's)
		latest = latest_scores([self.scorecard])[self.scorecard]
		self.assertEqual((latest.score_text, latest.ytd_score_text), (f"{number(4.1)} / 5",) * 2)

	def test_reports_say_above_scale(self):
		self.set_company_policy(achievement_cap=120, allow_above_scale=1)
		_columns, rows, *_rest = balanced_scorecard(
			{"scorecard": self.scorecard, "period_start": "2025-01-15"}
		)
		texts = {row.get("kpi"): row.get("score_text") for row in rows if row.get("kpi")}
		# a plain percent needs no text; 130% capped at 120 is above the scale
		self.assertEqual((texts["POL-A"], texts["POL-D"]), (None, f"{number(120)} (above scale)"))

	def test_review_kpi_score_is_in_percent_whatever_the_scale(self):
		employee = make_employee("kpi.policy.person@example.com", company=COMPANY)
		card = scorecard_doc(
			[{"kpi": "POL-B", "weight": 100, "target": 1200}],
			company=COMPANY,
			scorecard_for="Employee",
			employee=employee,
		).insert()
		self.set_company_policy(score_scale="0-5", amber_from=70, green_from=95)
		measurement = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": card.name, "period_start": "2025-01-01"}
		)
		measurement.fill_items()
		measurement.items[0].actual = 72
		measurement.insert().submit()
		stored = frappe.db.get_value(
			"KPI Result",
			{"scorecard": card.name, "node_type": "Scorecard", "period_start": "2025-01-01"},
			["score", "score_scale"],
		)
		self.assertEqual((round(stored[0], 6), stored[1]), (3.6, "0-5"))
		# the review's KPI score: 3.6 of 5 is 72 on the review's percent scale
		scores = kpi_scores([employee], ["2025-01-01"], ["2025-01-31"])
		self.assertAlmostEqual(scores.at[0, "kpi_score"], 72.0, places=6)

	def test_a_scorecard_without_a_resolved_policy_scores_on_the_default(self):
		columns = {
			"label": np.array(["K"], dtype=object),
			"method": np.array(["Higher is Better"], dtype=object),
			"actual": np.array([72.0]),
			"target": np.array([100.0]),
		}
		scored = score_with_policies(columns, np.array(["deleted meanwhile"], dtype=object), {})
		# 72% on Percent, Red below 80
		self.assertEqual(
			scored[["score", "status", "score_scale"]].values.tolist(), [[72.0, "Red", "Percent"]]
		)
		self.assertEqual(
			status_of_scores(np.array([85.0]), np.array(["gone"], dtype=object), {})[0][0], "Amber"
		)
