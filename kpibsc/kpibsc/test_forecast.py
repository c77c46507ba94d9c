"""Forecasts on a real site: stored by the recompute with the KPI Results, hand-worked on a
small scorecard, and the early warning to-do (once per period, closed when the item recovers)."""

import frappe

from kpibsc.kpibsc.dashboard import kpis_at_risk
from kpibsc.kpibsc.report.balanced_scorecard.balanced_scorecard import execute as balanced_scorecard
from kpibsc.kpibsc.report.kpi_achievement.kpi_achievement import execute as kpi_achievement
from kpibsc.kpibsc.services import work
from kpibsc.kpibsc.services.recompute import recompute
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
from kpibsc.tests.http import call

HEAD = "kpi.forecast.head@example.com"
SELLER = "kpi.forecast.seller@example.com"


class TestForecast(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("FC-REV", aggregation="Sum")
		make_kpi("FC-OTD", aggregation="Average")
		cls.department = make_department("KPI Forecast Desk")
		cls.head = make_kpi_employee(HEAD, cls.department)
		cls.seller = make_kpi_employee(SELLER, cls.department)
		frappe.db.set_value("Department", cls.department, "kpi_department_head", cls.head)
		# 1,200 a year phased equally: 100 a month; on-time delivery 95% every month
		cls.scorecard = scorecard_doc(
			[
				{"kpi": "FC-REV", "weight": 60, "target": 1200, "perspective": "Financial"},
				{"kpi": "FC-OTD", "weight": 40, "target": 95, "perspective": "Customer"},
			],
			scorecard_for="Employee",
			employee=cls.seller,
			department=cls.department,
		).insert()
		cls.empty = scorecard_doc(
			[{"kpi": "FC-REV", "weight": 100, "target": 1200, "perspective": "Financial"}],
			scorecard_for="Employee",
			employee=cls.head,
			department=cls.department,
		).insert()

	def measure(self, period: str, **actuals):
		doc = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": self.scorecard.name, "period_start": period}
		)
		doc.fill_items()
		for row in doc.items:
			row.actual = actuals.get(row.kpi.replace("-", "_"))
		doc.insert()
		doc.submit()

	def first_quarter(self):
		self.measure("2025-01-01", FC_REV="60", FC_OTD="90")
		self.measure("2025-02-01", FC_REV="60", FC_OTD="95")
		self.measure("2025-03-01", FC_REV="100", FC_OTD="100")
		recompute([self.scorecard.name])

	def result(self, kpi: str | None, period: str, node_type: str = "KPI", scorecard=None):
		filters = {
			"scorecard": scorecard or self.scorecard.name,
			"period_start": period,
			"node_type": node_type,
		}
		if kpi:
			filters["kpi"] = kpi
		return frappe.get_all("KPI Result", filters=filters, fields=["*"])[0]

	def warnings(self, status: str = "Open") -> list:
		return frappe.get_all(
			"ToDo",
			filters={
				"reference_type": "KPI Scorecard",
				"reference_name": self.scorecard.name,
				"status": status,
				"description": ("like", "%forecast to miss%"),
			},
			fields=["allocated_to", "description"],
			order_by="allocated_to",
		)

	def test_forecasts_are_stored_with_the_results(self):
		self.first_quarter()
		revenue = self.result("FC-REV", "2025-03-01")
		# 220 against a plan of 300 to date: 220 / 300 × 1,200 = 880, 73.3% of 1,200
		self.assertAlmostEqual(revenue.forecast, 880, places=6)
		self.assertAlmostEqual(revenue.forecast_target, 1200, places=6)
		self.assertAlmostEqual(revenue.forecast_achievement, 73.333333, places=4)
		self.assertAlmostEqual(revenue.forecast_score, 73.333333, places=4)
		# monthly ratios 0.6, 0.6, 1.0: sd 0.23094, over the 900 still to come: ± 207.846
		self.assertAlmostEqual(revenue.forecast_low, 880 - 207.846097, places=4)
		self.assertAlmostEqual(revenue.forecast_high, 880 + 207.846097, places=4)
		self.assertEqual(revenue.trend, "Up")
		# March itself is on plan (Green), the year is not: At Risk
		self.assertEqual(revenue.status, "Green")
		self.assertEqual(revenue.forecast_status, "At Risk")

		delivery = self.result("FC-OTD", "2025-03-01")
		# 90, 95, 100: +5 a month; April-December 105 ... 145 add 1,125 to 285: 1,410 / 12 = 117.5
		self.assertAlmostEqual(delivery.forecast, 117.5, places=6)
		self.assertAlmostEqual(delivery.forecast_low, 117.5, places=6)  # on the line: no spread
		self.assertAlmostEqual(delivery.forecast_target, 95, places=6)
		self.assertAlmostEqual(delivery.forecast_achievement, 117.5 / 95 * 100, places=4)
		self.assertAlmostEqual(delivery.forecast_score, 100, places=6)  # capped like an actual
		self.assertEqual(delivery.forecast_status, "Green")

		# February: two periods reported, fewer than three: no forecast yet (a Float stores 0)
		february = self.result("FC-REV", "2025-02-01")
		self.assertEqual(february.forecast_status, "Not Enough Data")
		self.assertEqual(february.forecast, 0)

		# the scorecard's forecast score rolls up the items' like a score: 0.6 × 73.33 + 0.4 × 100
		overall = self.result(None, "2025-03-01", node_type="Scorecard")
		self.assertAlmostEqual(overall.forecast_score, 0.6 * 73.333333 + 0.4 * 100, places=3)

	def test_a_scorecard_with_nothing_reported(self):
		recompute([self.empty.name])
		row = self.result("FC-REV", "2025-01-01", scorecard=self.empty.name)
		self.assertEqual(row.forecast_status, "Not Enough Data")
		self.assertEqual(row.forecast, 0)
		self.assertFalse(self.warnings())

	def test_at_risk_warns_the_owner_and_the_head_once_and_closes_on_recovery(self):
		self.first_quarter()
		opened = self.warnings()
		self.assertEqual([todo.allocated_to for todo in opened], [HEAD, SELLER])
		self.assertIn("FC-REV", opened[0].description)
		recompute([self.scorecard.name])  # again: no second to-do for the same period
		self.assertEqual(len(self.warnings()), 2)

		# April 200: 420 against 400 to date, forecast 1,260 (105%): recovered, to-dos closed
		self.measure("2025-04-01", FC_REV="200", FC_OTD="100")
		recompute([self.scorecard.name])
		self.assertEqual(self.result("FC-REV", "2025-04-01").forecast_status, "Green")
		self.assertEqual(self.warnings(), [])
		self.assertEqual(len(self.warnings("Closed")), 2)

	def test_reports_show_the_forecast(self):
		self.first_quarter()
		_columns, rows, _message, _chart, summary = balanced_scorecard(
			{"scorecard": self.scorecard.name, "period_start": "2025-03-01"}
		)
		revenue = next(row for row in rows if row.get("kpi") == "FC-REV")
		self.assertAlmostEqual(revenue["forecast"], 880, places=6)
		self.assertAlmostEqual(revenue["forecast_achievement"], 73.333333, places=4)
		self.assertEqual((revenue["trend"], revenue["trend_is_good"]), ("Up", True))
		self.assertEqual(revenue["forecast_status"], "At Risk")
		card = next(card for card in summary if card["label"] == "KPIs at Risk")
		self.assertEqual(card["value"], 1)

		# one KPI's chart: year-to-date actual and target, and the forecast running on the plan
		*_rest, chart = kpi_achievement({"scorecard": self.scorecard.name, "kpi": "FC-REV"})
		actual, target, forecast = chart["data"]["datasets"]
		self.assertEqual(actual["values"][:4], [60, 120, 220, 0])
		self.assertEqual(target["values"][:3], [100, 200, 300])
		# after March: 220 / 300 of the plan to date: April 400 → 293.33, December 1,200 → 880
		self.assertAlmostEqual(forecast["values"][3], 293.33, places=2)
		self.assertAlmostEqual(forecast["values"][-1], 880, places=2)

	def test_kpis_at_risk_card(self):
		before = kpis_at_risk({"company": TEST_COMPANY})  # the company may hold others' results
		# a KPI User of no department, over HTTP: the card counts only rows they may read
		outsider = user_with_roles("kpi.forecast.outsider@example.com", "Employee", "KPI User")
		path = "/api/method/kpibsc.kpibsc.dashboard.kpis_at_risk"
		filters = {"filters": frappe.as_json({"company": TEST_COMPANY})}
		outsider_before = call(outsider, "GET", path, query=filters).message
		self.first_quarter()
		self.assertEqual(kpis_at_risk({"company": TEST_COMPANY}) - before, 1)
		self.assertEqual(call(outsider, "GET", path, query=filters).message, outsider_before)

	def test_my_work_shows_the_forecast(self):
		self.first_quarter()
		with today_is(work, "2025-03-15"):
			items = work.get_my_work(self.seller)["items"]
		revenue = next(item for item in items if item["kpi"] == "FC-REV")
		self.assertEqual((revenue["forecast_status"], revenue["trend"]), ("At Risk", "Up"))
		self.assertAlmostEqual(revenue["forecast_achievement"], 73.333333, places=4)
