"""The printed forms, rendered to PDF by wkhtmltopdf as the desk's PDF button does, then read
back with poppler: page count and orientation (pdfinfo, pdftoppm), and the text of each page
in reading order (pdftotext), in English and in Vietnamese.

Needs wkhtmltopdf and poppler-utils (`apt-get install -y wkhtmltopdf poppler-utils`); the PNGs
of the last run are left in $KPIBSC_PRINT_DIR (default /tmp/kpibsc-print) to look at."""

import os
import re
import shutil
import subprocess
import unittest
from pathlib import Path

import frappe
from frappe.utils import getdate

from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi,
	make_kpi_employee,
	scorecard_doc,
)

OUT = Path(os.environ.get("KPIBSC_PRINT_DIR", "/tmp/kpibsc-print"))
TOOLS = ("wkhtmltopdf", "pdftoppm", "pdftotext", "pdfinfo")
EMPLOYEE = "kpi.print.lan@example.com"
MANAGER = "kpi.print.head@example.com"
ACTUALS = {"P-REV": ("90", "110", "100"), "P-OTD": ("97", "92", "99"), "P-AUDIT": ("1", "0", "1")}


def pdf_pages(pdf: bytes, name: str) -> list[str]:
	"""Write the PDF and its PNG pages to OUT; the text of each page, in reading order."""
	OUT.mkdir(parents=True, exist_ok=True)
	path = OUT / f"{name}.pdf"
	path.write_bytes(pdf)
	for old in OUT.glob(f"{name}-*.png"):
		old.unlink()
	subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(OUT / name)], check=True)
	info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
	count = int(re.search(r"Pages:\s+(\d+)", info).group(1))
	return [
		subprocess.run(
			["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(path), "-"],
			check=True,
			capture_output=True,
			text=True,
		).stdout
		for page in range(1, count + 1)
	]


def png_size(name: str, page: int = 1) -> tuple[int, int]:
	pngs = sorted(OUT.glob(f"{name}-*{page}.png"))
	header = pngs[0].read_bytes()[16:24]
	return int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")


def flat(text: str) -> str:
	return re.sub(r"\s+", " ", text)


@unittest.skipUnless(all(shutil.which(tool) for tool in TOOLS), "needs wkhtmltopdf and poppler-utils")
class TestPrintFormats(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi("P-REV", kpi_name="Doanh thu bán hàng", aggregation="Sum", unit="VND")
		make_kpi("P-OTD", kpi_name="Giao hàng đúng hạn", aggregation="Average", unit="%")
		make_kpi("P-AUDIT", kpi_name="Đạt kiểm toán nội bộ", aggregation="Last", scoring_method="Yes/No")
		cls.department = make_department("KPI Print Sales")
		cls.manager = make_kpi_employee(MANAGER, cls.department)
		employee = frappe.get_doc("Employee", make_kpi_employee(EMPLOYEE, cls.department))
		employee.first_name, employee.last_name = "Trần Thị", "Lan"
		employee.reports_to = cls.manager
		employee.save()
		cls.employee = employee.name
		frappe.db.set_value("Department", cls.department, "kpi_department_head", cls.manager)
		cls.card = scorecard_doc(
			[
				{"kpi": "P-REV", "weight": 50, "target": 1200},
				{"kpi": "P-OTD", "weight": 30, "target": 95},
				{"kpi": "P-AUDIT", "weight": 20, "target": 1},
			],
			scorecard_for="Employee",
			employee=cls.employee,
		).insert()
		for month in range(3):
			measurement = frappe.get_doc(
				{
					"doctype": "KPI Measurement",
					"scorecard": cls.card.name,
					"period_start": getdate(f"2025-{month + 1:02d}-01"),
					"items": [{"kpi": kpi, "actual": values[month]} for kpi, values in ACTUALS.items()],
				}
			)
			measurement.insert().submit()
		if not frappe.db.exists("Competency", "Teamwork"):
			frappe.get_doc({"doctype": "Competency", "competency_name": "Teamwork"}).insert()
		cls.review = frappe.get_doc(
			{
				"doctype": "Performance Review",
				"employee": cls.employee,
				"reviewer": cls.manager,
				"period_type": "Quarter",
				"from_date": getdate("2025-01-01"),
				"to_date": getdate("2025-03-31"),
				"self_comments": "Quý này em đã hoàn thành các đơn hàng lớn.",
				"competencies": [
					{"competency": "Teamwork", "weight": 1, "self_rating": 4, "manager_rating": 4}
				],
			}
		).insert()

	def setUp(self):
		super().setUp()
		self.addCleanup(setattr, frappe.local, "lang", frappe.local.lang)

	def printed(self, doctype: str, name: str, print_format: str, file: str, lang: str = "en") -> list[str]:
		frappe.local.lang = lang
		frappe.local.jenv = None  # the template's _() is bound to a language when first built
		pdf = frappe.get_print(doctype, name, print_format=print_format, as_pdf=True)
		self.assertTrue(pdf.startswith(b"%PDF"))
		return pdf_pages(pdf, file)

	def assert_in_order(self, text: str, parts: list[str]):
		position = 0
		for part in parts:
			found = text.find(part, position)
			self.assertGreaterEqual(found, 0, f"{part!r} missing after position {position} in:\n{text}")
			position = found + len(part)

	def test_review_form_fits_one_page_with_the_signatures(self):
		pages = self.printed("Performance Review", self.review.name, "Performance Review Form", "review-en")
		self.assertEqual(len(pages), 1)
		width, height = png_size("review-en")
		self.assertGreater(height, width)  # A4 portrait
		self.assert_in_order(
			flat(pages[0]),
			[
				"PERFORMANCE REVIEW FORM",
				"Trần Thị Lan",
				"II. KPI Results",
				"Doanh thu bán hàng",
				"Giao hàng đúng hạn",
				"Đạt kiểm toán nội bộ",
				"KPI Score",
				"III. Competencies",
				"Teamwork",
				"IV. Result",
				"Final Score",
				"V. Comments",
				"Quý này em đã hoàn thành",
				"Employee Direct Manager Human Resources",
				"(Signature and full name)",
				"Trần Thị Lan",
			],
		)
		# the quarter's revenue is the sum of its months' actuals: 90 + 110 + 100
		self.assertRegex(flat(pages[0]), r"Doanh thu bán hàng VND 50 300(\.00)? 300(\.00)?")

	def test_review_form_prints_in_vietnamese(self):
		frappe.db.set_value("Company", TEST_COMPANY, "country", "Vietnam")
		pages = self.printed(
			"Performance Review", self.review.name, "Performance Review Form", "review-vi", lang="vi"
		)
		self.assertEqual(len(pages), 1)
		self.assert_in_order(
			flat(pages[0]),
			[
				"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
				"Độc lập – Tự do – Hạnh phúc",
				"PHIẾU ĐÁNH GIÁ KẾT QUẢ CÔNG VIỆC",
				"II. Kết quả KPI",
				"III. Năng lực",
				"IV. Kết quả đánh giá",
				"V. Nhận xét",
				"Quản lý trực tiếp",
				"Phòng Nhân sự",
				"(Ký, ghi rõ họ tên)",
			],
		)

	def test_scorecard_sheet_is_landscape_with_every_period(self):
		pages = self.printed("KPI Scorecard", self.card.name, "KPI Scorecard Sheet", "scorecard-en")
		self.assertEqual(len(pages), 1)
		width, height = png_size("scorecard-en")
		self.assertGreater(width, height)  # landscape: twelve months side by side
		text = flat(pages[0])
		self.assert_in_order(text, [f"{month:02d}/2025" for month in range(1, 13)])
		self.assert_in_order(
			text, ["Doanh thu bán hàng", "Target", "Actual", "Giao hàng đúng hạn", "Scorecard Score"]
		)

	def test_pay_run_register_in_whole_dong(self):
		run = pay_run(self.employee, self.department)
		pages = self.printed("KPI Pay Run", run.name, "KPI Pay Run Register", "payrun-en")
		self.assertEqual(len(pages), 1)
		width, height = png_size("payrun-en")
		self.assertGreater(width, height)
		text = flat(pages[0])
		self.assert_in_order(
			text, ["KPI PAY REGISTER", "Trần Thị Lan", "Total", "Prepared By", "Chief Accountant", "Director"]
		)
		amounts = re.findall(r"VND ([\d.,]*\d)", text)
		self.assertEqual(len(amounts), 8)  # P1, P2, P3 and total of the row and of the run
		for amount in amounts:
			self.assertNotRegex(amount, r"[.,]\d{1,2}$")  # whole dong, in the site's grouping
		self.assertEqual(re.sub(r"\D", "", amounts[3]), "12345678")

	def test_a_long_register_pages_whole_rows_under_their_header(self):
		people = [f"Nhân viên {number:02d}" for number in range(1, 31)]
		run = pay_run(self.employee, self.department, names=people)
		pages = [
			flat(page)
			for page in self.printed("KPI Pay Run", run.name, "KPI Pay Run Register", "payrun-long")
		]
		self.assertEqual(len(pages), 2)
		for page in pages:
			self.assert_in_order(page, ["Employee Name", "P1", "P2", "P3", "Total"])
		# every row whole on one page, in order
		self.assertEqual(sum(page.count(" Nhân viên ") for page in pages), 30)
		self.assert_in_order(" ".join(pages), people)
		self.assert_in_order(pages[1], ["Total", "Prepared By", "(Signature, full name and seal)"])


def pay_run(employee: str, department: str, names: list[str] | None = None):
	"""A KPI Pay Run's rows written as they are stored: this test is about the printed page; how
	the register is computed and paid is test_kpi_pay_run's."""
	names = names or ["Trần Thị Lan"]
	amounts = {"p1": 6_000_000, "p2": 2_345_678, "p3": 4_000_000, "total": 12_345_678}
	run = frappe.get_doc(
		{
			"doctype": "KPI Pay Run",
			"company": TEST_COMPANY,
			"from_date": getdate("2025-01-01"),
			"to_date": getdate("2025-01-31"),
			"payroll_date": getdate("2025-01-31"),
			"currency": "VND",
			"status": "Draft",
			"employees": [
				{
					"employee": employee,
					"employee_name": name,
					"department": department,
					"payment_days": 23,
					"working_days": 23,
					"rank_band": "A",
					"score": 98.5,
					"currency": "VND",
					**amounts,
				}
				for name in names
			],
			**{
				f"total_{key}" if key != "total" else key: value * len(names)
				for key, value in amounts.items()
			},
		}
	)
	run.set_new_name()
	run.set_parent_in_children()
	run.db_insert()
	for row in run.employees:
		row.db_insert()
	return run
