"""Excel round trips: download a template, fill it with openpyxl as a person would in Excel,
upload it, and read what was stored; bad cells and refused rows leave nothing written."""

import base64
import io

from openpyxl import load_workbook

import frappe
from frappe.utils import getdate

from kpibsc.kpibsc.services.spreadsheets import (
	FIRST_ROW,
	HEADER_ROW,
	SpreadsheetError,
	download_actuals,
	download_targets,
	upload_actuals,
	upload_targets,
)
from kpibsc.tests.factories import (
	YEAR,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
	user_with_roles,
)
from kpibsc.tests.http import call, method

HEAD = "kpi.xl.head@example.com"
SELLER = "kpi.xl.seller@example.com"
SELLER2 = "kpi.xl.seller2@example.com"
OPERATOR = "kpi.xl.operator@example.com"
MANAGER = "kpi.xl.manager@example.com"
JANUARY = getdate(f"{YEAR}-01-01")
MARCH = getdate(f"{YEAR}-03-01")


def downloaded(function, **kwargs):
	"""The workbook a download function sends."""
	frappe.local.response = frappe._dict()
	function(**kwargs)
	assert frappe.local.response.type == "binary"
	assert frappe.local.response.filename.endswith(".xlsx")
	return load_workbook(io.BytesIO(frappe.local.response.filecontent))


def encoded(workbook) -> str:
	stream = io.BytesIO()
	workbook.save(stream)
	return base64.b64encode(stream.getvalue()).decode()


def rows_by_key(sheet, key_columns: tuple[int, ...]) -> dict[tuple, int]:
	return {
		tuple(sheet.cell(row, column).value for column in key_columns): row
		for row in range(FIRST_ROW, sheet.max_row + 1)
		if sheet.cell(row, 1).value
	}


class TestSpreadsheets(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("XL-REV", kpi_name="Revenue", aggregation="Sum")
		make_kpi("XL-OTD", kpi_name="On-time delivery", aggregation="Average")
		make_kpi("XL-AUDIT", kpi_name="Audit passed", aggregation="Last", scoring_method="Yes/No")
		cls.sales = make_department("KPI XL Sales")
		cls.ops = make_department("KPI XL Ops")
		cls.head = make_kpi_employee(HEAD, cls.sales)
		cls.seller = make_kpi_employee(SELLER, cls.sales)
		cls.seller2 = make_kpi_employee(SELLER2, cls.sales)
		cls.operator = make_kpi_employee(OPERATOR, cls.ops)
		frappe.db.set_value("Department", cls.sales, "kpi_department_head", cls.head)
		for email in (HEAD, SELLER, SELLER2, OPERATOR):
			frappe.get_doc("User", email).add_roles("KPI User")
		user_with_roles(MANAGER, "KPI Manager")
		items = [
			{"kpi": "XL-REV", "weight": 50, "target": 1200},
			{"kpi": "XL-OTD", "weight": 30, "target": 95},
			{"kpi": "XL-AUDIT", "weight": 20, "target": 1},
		]
		cls.cards = {
			employee: scorecard_doc(items, scorecard_for="Employee", employee=employee).insert().name
			for employee in (cls.seller, cls.seller2, cls.operator)
		}

	# -- targets -----------------------------------------------------------------------------

	def test_targets_round_trip_sets_item_targets_and_pins_periods(self):
		card = self.cards[self.seller]
		frappe.set_user(HEAD)
		workbook = downloaded(download_targets, scorecard=card)
		sheet = workbook.worksheets[0]
		self.assertEqual(sheet["B2"].value, card)
		periods = {
			getdate(sheet.cell(HEADER_ROW, column).value): column for column in range(6, sheet.max_column + 1)
		}
		self.assertEqual(len(periods), 12)
		rows = rows_by_key(sheet, (1,))
		self.assertEqual(sheet.cell(rows[("XL-REV",)], periods[JANUARY]).value, 100)

		sheet.cell(rows[("XL-REV",)], 5).value = 2400  # the year's target doubles
		sheet.cell(rows[("XL-REV",)], periods[MARCH]).value = 400  # March pinned at 400
		sheet.cell(rows[("XL-OTD",)], periods[MARCH]).value = "97.5"  # a rate, typed as text
		result = upload_targets(card, content=encoded(workbook))
		self.assertEqual((result["items"], result["pinned"]), (1, 2))

		doc = frappe.get_doc("KPI Scorecard", card)
		self.assertEqual(next(item for item in doc.items if item.kpi == "XL-REV").target, 2400)
		targets = {(row.kpi, getdate(row.period_start)): row for row in doc.targets}
		self.assertEqual((targets[("XL-REV", MARCH)].target, targets[("XL-REV", MARCH)].pinned), (400, 1))
		self.assertAlmostEqual(sum(row.target for row in doc.targets if row.kpi == "XL-REV"), 2400, 6)
		self.assertAlmostEqual(targets[("XL-REV", JANUARY)].target, 2000 / 11, 1)
		self.assertEqual(targets[("XL-OTD", MARCH)].target, 97.5)
		self.assertEqual(targets[("XL-OTD", JANUARY)].target, 95)

		# the next download shows the pin, and clearing its cell gives March back to the phasing
		workbook = downloaded(download_targets, scorecard=card)
		sheet = workbook.worksheets[0]
		self.assertTrue(sheet.cell(rows[("XL-REV",)], periods[MARCH]).font.bold)
		sheet.cell(rows[("XL-REV",)], periods[MARCH]).value = None
		self.assertEqual(upload_targets(card, content=encoded(workbook))["unpinned"], 1)
		march = frappe.db.get_value(
			"KPI Scorecard Target",
			{"parent": card, "kpi": "XL-REV", "period_start": MARCH},
			["target", "pinned"],
		)
		self.assertEqual(march, (200, 0))

	def test_bad_target_cells_are_named_and_nothing_is_written(self):
		card = self.cards[self.seller]
		workbook = downloaded(download_targets, scorecard=card)
		sheet = workbook.worksheets[0]
		rows = rows_by_key(sheet, (1,))
		sheet.cell(rows[("XL-REV",)], 5).value = 3600  # valid on its own
		sheet.cell(rows[("XL-OTD",)], 7).value = "lots"  # F = January, G = February
		sheet.cell(sheet.max_row + 1, 1).value = "XL-NOPE"
		with self.assertRaises(SpreadsheetError) as refused:
			upload_targets(card, content=encoded(workbook))
		cells = dict(refused.exception.errors)
		self.assertIn(f"Targets!G{rows[('XL-OTD',)]}", cells)
		self.assertIn("lots", cells[f"Targets!G{rows[('XL-OTD',)]}"])
		self.assertIn(f"Targets!A{sheet.max_row}", cells)
		self.assertEqual(
			frappe.db.get_value("KPI Scorecard Item", {"parent": card, "kpi": "XL-REV"}, "target"), 1200
		)

	def test_a_pin_the_engine_refuses_rolls_back_and_names_the_row(self):
		card = self.cards[self.seller]
		workbook = downloaded(download_targets, scorecard=card)
		sheet = workbook.worksheets[0]
		rows = rows_by_key(sheet, (1,))
		sheet.cell(rows[("XL-OTD",)], 5).value = 90  # fine
		sheet.cell(rows[("XL-REV",)], 6).value = 5000  # January alone beyond the year's 1,200
		with self.assertRaises(SpreadsheetError) as refused:
			upload_targets(card, content=encoded(workbook))
		self.assertEqual(refused.exception.errors[0][0], f"Targets!E{rows[('XL-REV',)]}")
		doc = frappe.get_doc("KPI Scorecard", card)
		self.assertEqual({item.kpi: item.target for item in doc.items}["XL-OTD"], 95)
		self.assertFalse(any(row.pinned for row in doc.targets))

	def test_the_file_of_another_scorecard_and_an_employee_are_refused(self):
		workbook = downloaded(download_targets, scorecard=self.cards[self.seller])
		with self.assertRaises(SpreadsheetError) as refused:
			upload_targets(self.cards[self.seller2], content=encoded(workbook))
		self.assertEqual(refused.exception.errors[0][0], "Targets!B2")
		frappe.set_user(SELLER)  # nobody sets their own targets
		with self.assertRaises(frappe.PermissionError):
			upload_targets(self.cards[self.seller], content=encoded(workbook))

	# -- actuals -----------------------------------------------------------------------------

	def test_actuals_round_trip_makes_draft_measurements(self):
		frappe.set_user(HEAD)
		workbook = downloaded(download_actuals, department=self.sales, period_start=str(JANUARY))
		sheet = workbook.worksheets[0]
		rows = rows_by_key(sheet, (1, 3))
		self.assertEqual({employee for employee, _kpi in rows}, {self.seller, self.seller2})
		self.assertNotIn(self.operator, {employee for employee, _kpi in rows})
		self.assertEqual(sheet.cell(rows[(self.seller, "XL-REV")], 6).value, 100)

		sheet.cell(rows[(self.seller, "XL-REV")], 7).value = 1500
		sheet.cell(rows[(self.seller, "XL-OTD")], 7).value = "96.5"
		sheet.cell(rows[(self.seller, "XL-AUDIT")], 7).value = "Có"
		sheet.cell(rows[(self.seller, "XL-REV")], 8).value = "Two big orders"
		sheet.cell(rows[(self.seller2, "XL-REV")], 7).value = 80
		file_url = self.attach(workbook)
		result = upload_actuals(file_url=file_url)
		self.assertEqual((result["created"], result["updated"]), (2, 0))

		stored = self.actuals(self.seller)
		self.assertEqual(stored["XL-REV"], ("1500", 1500, "Two big orders"))
		self.assertEqual(stored["XL-OTD"][:2], ("96.5", 96.5))
		self.assertEqual(stored["XL-AUDIT"][:2], ("1", 1))
		self.assertEqual(
			frappe.db.get_value(
				"KPI Measurement", {"scorecard": self.cards[self.seller]}, ["status", "docstatus"]
			),
			("Draft", 0),
		)

		# the next download shows what was entered; changing it updates the same draft
		workbook = downloaded(download_actuals, department=self.sales, period_start=str(JANUARY))
		sheet = workbook.worksheets[0]
		self.assertEqual(sheet.cell(rows[(self.seller, "XL-REV")], 7).value, 1500)
		sheet.cell(rows[(self.seller, "XL-REV")], 7).value = 1600
		self.assertEqual(upload_actuals(content=encoded(workbook))["updated"], 1)
		self.assertEqual(self.actuals(self.seller)["XL-REV"][0], "1600")
		self.assertEqual(frappe.db.count("KPI Measurement", {"scorecard": self.cards[self.seller]}), 1)

	def test_text_actuals_are_read_in_the_sites_number_format(self):
		from kpibsc.kpibsc.test_number_format import use_number_format

		use_number_format(self, "#.###,##")
		frappe.set_user(HEAD)
		workbook = downloaded(download_actuals, department=self.sales, period_start=str(JANUARY))
		sheet = workbook.worksheets[0]
		rows = rows_by_key(sheet, (1, 3))
		sheet.cell(rows[(self.seller, "XL-REV")], 7).value = "1.234,5"  # typed as text in Excel
		sheet.cell(rows[(self.seller, "XL-OTD")], 7).value = "96,5"
		sheet.cell(rows[(self.seller2, "XL-REV")], 7).value = "12.500"  # twelve thousand five hundred
		sheet.cell(rows[(self.seller2, "XL-OTD")], 7).value = "9,6,5"
		with self.assertRaises(SpreadsheetError) as refused:
			upload_actuals(content=encoded(workbook))
		self.assertEqual(
			dict(refused.exception.errors),
			{
				f"Actuals!G{rows[(self.seller2, 'XL-OTD')]}": "<strong>9,6,5</strong> is not a number: write "
				"it as <strong>1.234,5</strong> (the site's number format) or as a number."
			},
		)
		sheet.cell(rows[(self.seller2, "XL-OTD")], 7).value = None
		upload_actuals(content=encoded(workbook))
		self.assertEqual(self.actuals(self.seller)["XL-REV"][:2], ("1234.5", 1234.5))
		self.assertEqual(self.actuals(self.seller)["XL-OTD"][:2], ("96.5", 96.5))
		self.assertEqual(self.actuals(self.seller2)["XL-REV"][:2], ("12500", 12500))

		# downloaded again, they are number cells, not text
		sheet = downloaded(download_actuals, department=self.sales, period_start=str(JANUARY)).worksheets[0]
		self.assertEqual(sheet.cell(rows[(self.seller, "XL-REV")], 7).value, 1234.5)
		self.assertEqual(sheet.cell(rows[(self.seller2, "XL-REV")], 7).value, 12500)

	def test_a_bad_actual_names_its_cell_and_nothing_is_written(self):
		frappe.set_user(HEAD)
		workbook = downloaded(download_actuals, department=self.sales, period_start=str(JANUARY))
		sheet = workbook.worksheets[0]
		rows = rows_by_key(sheet, (1, 3))
		sheet.cell(rows[(self.seller, "XL-REV")], 7).value = 1500
		sheet.cell(rows[(self.seller2, "XL-OTD")], 7).value = "ninety"
		sheet.cell(rows[(self.seller2, "XL-AUDIT")], 7).value = "maybe"
		with self.assertRaises(SpreadsheetError) as refused:
			upload_actuals(content=encoded(workbook))
		cells = dict(refused.exception.errors)
		self.assertIn("ninety", cells[f"Actuals!G{rows[(self.seller2, 'XL-OTD')]}"])
		self.assertIn("maybe", cells[f"Actuals!G{rows[(self.seller2, 'XL-AUDIT')]}"])
		self.assertEqual(len(cells), 2)
		self.assertFalse(frappe.db.exists("KPI Measurement", {"scorecard": self.cards[self.seller]}))

	def test_another_departments_employee_is_refused(self):
		frappe.set_user(HEAD)
		workbook = downloaded(download_actuals, department=self.sales, period_start=str(JANUARY))
		sheet = workbook.worksheets[0]
		rows = rows_by_key(sheet, (1, 3))
		sheet.cell(rows[(self.seller, "XL-REV")], 7).value = 1500
		extra = sheet.max_row + 1
		for column, value in enumerate([self.operator, "", "XL-REV", "", "", "", 999], start=1):
			sheet.cell(extra, column).value = value
		with self.assertRaises(SpreadsheetError) as refused:
			upload_actuals(content=encoded(workbook))
		self.assertEqual([cell for cell, _message in refused.exception.errors], [f"Actuals!A{extra}"])
		self.assertIn(self.operator, refused.exception.errors[0][1])
		self.assertFalse(frappe.db.exists("KPI Measurement", {"scorecard": self.cards[self.seller]}))
		self.assertFalse(frappe.db.exists("KPI Measurement", {"scorecard": self.cards[self.operator]}))

	def test_an_employee_downloads_only_their_own_and_approved_rows_stay(self):
		measurement = frappe.get_doc(
			{
				"doctype": "KPI Measurement",
				"scorecard": self.cards[self.seller2],
				"period_start": JANUARY,
				"items": [{"kpi": "XL-REV", "actual": "70"}],
			}
		).insert()
		measurement.submit()
		frappe.set_user(SELLER2)
		workbook = downloaded(download_actuals, department=self.sales, period_start=str(JANUARY))
		sheet = workbook.worksheets[0]
		rows = rows_by_key(sheet, (1, 3))
		self.assertEqual({employee for employee, _kpi in rows}, {self.seller2})
		self.assertEqual(sheet.cell(rows[(self.seller2, "XL-REV")], 9).value, "Approved")
		# unchanged approved rows are fine; a change is refused
		self.assertEqual(upload_actuals(content=encoded(workbook))["measurements"], [])
		sheet.cell(rows[(self.seller2, "XL-REV")], 7).value = 75
		with self.assertRaises(SpreadsheetError) as refused:
			upload_actuals(content=encoded(workbook))
		self.assertEqual(refused.exception.errors[0][0], f"Actuals!G{rows[(self.seller2, 'XL-REV')]}")

	def test_over_http_refusals_write_nothing(self):
		"""Through Frappe's request handling, as the desk's buttons call them."""
		module = "kpibsc.kpibsc.services.spreadsheets"
		targets = downloaded(download_targets, scorecard=self.cards[self.seller])
		targets.worksheets[0]["E6"] = 9999
		reply = call(
			SELLER,
			"POST",
			method(f"{module}.upload_targets"),
			{"scorecard": self.cards[self.seller], "content": encoded(targets)},
		)
		self.assertEqual(reply.status, 403, reply.text[:300])  # nobody sets their own targets
		frappe.set_user(HEAD)
		actuals = downloaded(download_actuals, department=self.sales, period_start=str(JANUARY))
		frappe.set_user("Administrator")
		sheet = actuals.worksheets[0]
		sheet.cell(FIRST_ROW, 7).value = 1000
		sheet.append([self.operator, "", "XL-REV", "", "", "", 5])
		reply = call(HEAD, "POST", method(f"{module}.upload_actuals"), {"content": encoded(actuals)})
		self.assertEqual(reply.status, 417, reply.text[:300])
		self.assertIn(f"Actuals!A{sheet.max_row}", reply.text)
		self.assertEqual(
			frappe.db.count("KPI Measurement", {"scorecard": ("in", list(self.cards.values()))}), 0
		)
		self.assertEqual(
			frappe.db.get_value(
				"KPI Scorecard Item", {"parent": self.cards[self.seller], "kpi": "XL-REV"}, "target"
			),
			1200,
		)

	def actuals(self, employee: str) -> dict[str, tuple]:
		name = frappe.db.get_value("KPI Measurement", {"scorecard": self.cards[employee]}, "name")
		return {
			row.kpi: (row.actual, row.actual_value, row.comment)
			for row in frappe.get_all(
				"KPI Measurement Item",
				filters={"parent": name},
				fields=["kpi", "actual", "actual_value", "comment"],
			)
		}

	def attach(self, workbook) -> str:
		stream = io.BytesIO()
		workbook.save(stream)
		file = frappe.get_doc(
			{"doctype": "File", "file_name": "actuals.xlsx", "is_private": 1, "content": stream.getvalue()}
		).insert()
		return file.file_url
