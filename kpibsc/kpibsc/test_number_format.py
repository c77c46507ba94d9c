"""Numbers the way the site writes them (#14): on a site whose number format is #.###,## (how
Vietnam writes numbers), what kpibsc formats in Python — report summaries and notes, printed
forms, the workspace's number card — reads "1.234,5", VND amounts have no decimals, and text
typed into a spreadsheet is read in that format.

Each test sets the site's number format itself (rolled back, and the cached default cleared,
after it): the expected strings are written out by hand."""

import frappe
from frappe.cache_manager import clear_defaults_cache
from frappe.desk.query_report import get_script
from frappe.utils import getdate

from kpibsc.kpibsc.dashboard import company_score
from kpibsc.kpibsc.report.balanced_scorecard.balanced_scorecard import add_currency_decimals
from kpibsc.kpibsc.report.balanced_scorecard.balanced_scorecard import chart as balanced_chart
from kpibsc.kpibsc.report.balanced_scorecard.balanced_scorecard import execute as balanced_scorecard
from kpibsc.kpibsc.report.kpi_achievement.kpi_achievement import execute as kpi_achievement
from kpibsc.kpibsc.report.kpi_pay_register.kpi_pay_register import execute as pay_register
from kpibsc.kpibsc.report.review_summary.review_summary import percent
from kpibsc.kpibsc.services.pay import number
from kpibsc.kpibsc.services.printing import measurement_rows
from kpibsc.kpibsc.services.spreadsheets import read_number
from kpibsc.kpibsc.test_print_formats import pay_run
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)

VIETNAMESE = "#.###,##"


def use_number_format(test, number_format: str):
	"""The site writes numbers as `number_format` until the test ends."""
	before = frappe.db.get_default("number_format")
	set_number_format(number_format)
	test.addCleanup(set_number_format, before)
	frappe.db.set_value("Currency", "VND", "number_format", "#.###")  # ERPNext's, whole dong


def set_number_format(number_format: str | None):
	frappe.db.set_default("number_format", number_format)
	# set_default leaves the cache alone when the table already holds the value, as it does
	# again once a test's rollback undid a change the cache still remembers
	clear_defaults_cache()


class TestSiteNumberFormat(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("NF-OUT", kpi_name="Sản lượng", aggregation="Average", unit="kg")  # target repeats monthly
		cls.department = make_department("KPI Number Format")
		cls.employee = make_kpi_employee("kpi.numfmt@example.com", cls.department)
		cls.card = scorecard_doc(
			[{"kpi": "NF-OUT", "weight": 100, "target": 1234}],
			scorecard_for="Employee",
			employee=cls.employee,
		).insert()
		measurement = frappe.get_doc(
			{
				"doctype": "KPI Measurement",
				"scorecard": cls.card.name,
				"period_start": getdate("2025-01-01"),
				"items": [{"kpi": "NF-OUT", "actual": "1055.07"}],  # 85.5% of 1234
			}
		)
		measurement.insert().submit()

	def setUp(self):
		super().setUp()
		use_number_format(self, VIETNAMESE)

	def test_balanced_scorecard_summary(self):
		_columns, rows, _message, _chart, summary = balanced_scorecard(
			{"scorecard": self.card.name, "period_start": "2025-01-01"}
		)
		revenue = next(row for row in rows if row.get("kpi") == "NF-OUT")
		self.assertEqual(revenue["actual"], 1055.07)  # a number: the desk formats it
		self.assertEqual(summary[0]["value"], "85,5")  # 1055.07 / 1234 = 85.5 %

	def test_balanced_scorecard_kpis_in_vnd_have_no_decimals(self):
		rows = [
			{"kpi": "REV", "unit": "VND", "actual": 2_565_983_558.74},
			{"kpi": "OUT", "unit": "kg", "actual": 12.5},
			{"name": "Financial", "unit": None},
		]
		add_currency_decimals(rows)
		self.assertEqual([row.get("precision") for row in rows], [0, None, None])

	def test_review_summary_shares(self):
		self.assertEqual(percent(3 / 7 * 100), "42,9%")
		self.assertEqual(percent(12.5), "12,5%")

	def test_scorecard_sheet_prints_in_the_site_format(self):
		html = frappe.get_print("KPI Scorecard", self.card.name, print_format="KPI Scorecard Sheet")
		self.assertIn("1.055,07", html)  # January's actual
		self.assertIn("1.234", html)  # the target
		self.assertNotIn("1055.07", html)
		self.assertNotIn("1,055.07", html)

	def test_measurement_prints_in_the_site_format_with_units_and_yes_no(self):
		for code, unit, method in (
			("NF-KG", "kg", "Higher is Better"),
			("NF-PCT", "%", "Higher is Better"),
			("NF-VND", "VND", "Higher is Better"),
			("NF-YN", None, "Yes/No"),
		):
			make_kpi(code, kpi_name=code, aggregation="Average", unit=unit, scoring_method=method)
		card = scorecard_doc(
			[
				{"kpi": "NF-KG", "weight": 25, "target": 2500.25},
				{"kpi": "NF-PCT", "weight": 25, "target": 95},
				{"kpi": "NF-VND", "weight": 25, "target": 1_500_000},
				{"kpi": "NF-YN", "weight": 25, "target": 1},
			],
			scorecard_for="Department",
			department=make_department("KPI Number Format Print"),
		).insert()
		measurement = frappe.get_doc(
			{
				"doctype": "KPI Measurement",
				"scorecard": card.name,
				"period_start": getdate("2025-01-01"),
				"items": [
					{"kpi": "NF-KG", "actual": "1234.5"},
					{"kpi": "NF-PCT", "actual": "85.5"},
					{"kpi": "NF-VND", "actual": "2565983558.74"},
					{"kpi": "NF-YN", "actual": "0"},
				],
			}
		).insert()
		self.addCleanup(setattr, frappe.local, "lang", frappe.local.lang)
		for lang, yes, no in (("en", "Yes", "No"), ("vi", "Có", "Không")):
			frappe.local.lang = lang
			frappe.local.jenv = None  # the template's _() is bound to a language when first built
			rows = [(row.kpi, row.target, row.actual) for row in measurement_rows(measurement)]
			self.assertEqual(
				rows,
				[
					("NF-KG", "2.500,25 kg", "1.234,5 kg"),
					("NF-PCT", "95%", "85,5%"),
					("NF-VND", "1.500.000 VND", "2.565.983.559 VND"),  # whole dong
					("NF-YN", yes, no),
				],
			)
			# the Print button's format (the doctype's default)
			html = frappe.get_print("KPI Measurement", measurement.name)
			for text in ("2.500,25 kg", "1.234,5 kg", "85,5%", "2.565.983.559 VND", f">{yes}<", f">{no}<"):
				self.assertIn(text, html)
			for stored in ("1234.5", "2565983558.74", "85.5%"):
				self.assertNotIn(stored, html)

	def test_pay_register_print_and_report_in_whole_dong(self):
		run = pay_run(self.employee, self.department)
		html = frappe.get_print("KPI Pay Run", run.name, print_format="KPI Pay Run Register")
		# P1 6.000.000, P2 2.345.678, P3 4.000.000, total 12.345.678; score 98,5
		for amount in ("VND 6.000.000", "VND 2.345.678", "VND 4.000.000", "VND 12.345.678"):
			self.assertIn(amount, html)
		self.assertNotIn("12.345.678,", html)
		self.assertIn("98,5", html)

		run.db_set({"docstatus": 1, "status": "Submitted"})
		columns, rows, _message, _chart, summary = pay_register(
			{"company": TEST_COMPANY, "from_date": "2025-01-01", "to_date": "2025-01-31"}
		)
		self.assertEqual(
			{column["precision"] for column in columns if column["fieldtype"] == "Currency"}, {0}
		)
		person = next(row for row in rows if row.get("employee") == self.employee)
		self.assertEqual(person["total"], 12_345_678)
		cards = {card["label"]: card["value"] for card in summary}
		self.assertEqual(cards["Total"], "VND 12.345.678")
		self.assertEqual(cards["P2"], "VND 2.345.678")

	def test_report_charts_say_how_their_numbers_are_written(self):
		"""kpibsc_charts.js formats a kpibsc report chart's tooltips and y-axis from its
		`fieldtype`, `options` (a currency) and `precision`; the tooltips themselves are read
		in a browser by tier 3 (tests/browser/test_chart_numbers.py)."""
		# the perspectives' chart (this scorecard's KPI has no objective, so a perspective row as
		# the report builds it): a Percent scorecard's tooltip "85,5%", a 0-5 one's "3,6"
		perspective = {"name": "P:Financial", "node": "Financial", "score": 85.54, "status": "Amber"}
		chart = balanced_chart([perspective], "Percent")
		self.assertEqual((chart["fieldtype"], chart["precision"]), ("Percent", 1))
		self.assertEqual([dataset["values"] for dataset in chart["data"]["datasets"]], [[85.5]])
		chart = balanced_chart([{**perspective, "score": 3.6}], "0-5")
		self.assertEqual((chart["fieldtype"], chart["precision"]), ("Float", 1))
		formats = {}
		for figure in ("Achievement", "Actual", "Score"):
			chart = kpi_achievement({"scorecard": self.card.name, "figure": figure})[3]
			formats[figure] = (chart["fieldtype"], chart["precision"], chart["axisOptions"])
		self.assertEqual(
			formats,
			{
				"Achievement": ("Percent", 1, {"xIsSeries": 1}),
				"Actual": ("Float", 2, {"xIsSeries": 1}),
				"Score": ("Percent", 1, {"xIsSeries": 1}),  # a Percent scorecard's scores
			},
		)
		chart = kpi_achievement({"scorecard": self.card.name, "kpi": "NF-OUT"})[3]  # the forecast chart
		self.assertEqual((chart["type"], chart["fieldtype"], chart["precision"]), ("axis-mixed", "Float", 2))

		run = pay_run(self.employee, self.department)
		run.db_set({"docstatus": 1, "status": "Submitted"})
		chart = pay_register({"company": TEST_COMPANY, "from_date": "2025-01-01", "to_date": "2025-01-31"})[3]
		# whole dong: a tooltip reads "₫ 6.000.000" (VND's own format, no decimals)
		self.assertEqual((chart["fieldtype"], chart["options"], chart["precision"]), ("Currency", "VND", 0))

		# the reports' scripts carry the formatter (an {% include %} Frappe renders)
		for report in (
			"Balanced Scorecard",
			"KPI Achievement",
			"Scorecard Ranking",
			"Employee Performance History",
			"Review Summary",
			"KPI Pay Register",
			"KPI Pay Cost Simulation",
		):
			with self.subTest(report=report):
				script = get_script(report)["script"]
				self.assertIn("kpibsc.charts.format = ", script)
				self.assertNotIn("{% include", script)

	def test_pay_register_note_of_an_unpaid_run(self):
		run = pay_run(self.employee, self.department)
		run.db_set({"docstatus": 1, "status": "Failed"})  # its job made no Additional Salary
		_columns, rows, *_rest = pay_register(
			{"company": TEST_COMPANY, "from_date": "2025-01-01", "to_date": "2025-01-31"}
		)
		person = next(row for row in rows if row.get("employee") == self.employee)
		self.assertEqual(person["note"], "Not paid yet: VND 12.345.678 of VND 12.345.678 (Failed pay run)")

	def test_pay_run_notes_write_days_in_the_site_format(self):
		self.assertEqual([number(23.5), number(18), number(0.25)], ["23,5", "18", "0,25"])
		use_number_format(self, "#,###.##")
		self.assertEqual([number(23.5), number(18)], ["23.5", "18"])

	def test_company_score_card(self):
		company = "_Test KPI Number Format Co"  # rows of a company no other test reads
		for period, score in (("2025-01-01", 70), ("2025-02-01", 85.54)):
			frappe.get_doc(
				{
					"doctype": "KPI Result",
					"node_type": "Scorecard",
					"scorecard": self.card.name,
					"scorecard_for": "Company",
					"company": company,
					"period_start": getdate(period),
					"period_end": getdate(period).replace(day=28),
					"ytd_score": score,
					"ytd_status": "Amber",
				}
			).db_insert()
		self.assertEqual(company_score({"company": company}), "85,5")  # February's, to one decimal

	def test_spreadsheet_text_in_the_site_format(self):
		self.assertEqual(read_number("1.234,5"), (1234.5, None))
		self.assertEqual(read_number("12.500"), (12500.0, None))  # twelve thousand five hundred
		self.assertEqual(read_number("2.150.000.000"), (2_150_000_000.0, None))
		self.assertEqual(read_number("96,5"), (96.5, None))
		self.assertEqual(read_number(" -1.234,5 "), (-1234.5, None))
		self.assertEqual(read_number("1234.5"), (1234.5, None))  # not a #.###,## number: plain
		self.assertEqual(read_number(1234.5), (1234.5, None))  # a number cell
		for text in ("1.23,4", "1,234.5", "12abc", "1.234,5,6"):
			number, error = read_number(text)
			self.assertIsNone(number, text)
			self.assertIn("1.234,5", error)  # how to write it on this site
		self.assertEqual(read_number("2.150.000", whole=True), (2_150_000.0, None))
		self.assertIsNotNone(read_number("1,5", whole=True)[1])

	def test_spreadsheet_text_on_an_english_site(self):
		use_number_format(self, "#,###.##")
		self.assertEqual(read_number("1,234.5"), (1234.5, None))
		self.assertEqual(read_number("12.500"), (12.5, None))
		number, error = read_number("1.234,5")
		self.assertIsNone(number)
		self.assertIn("1,234.5", error)
