import frappe

from kpibsc.kpibsc.services.kpi_library import load_kpi_library, read_library
from kpibsc.tests.factories import (
	TEST_COMPANY,
	KPITestCase,
	make_company,
	make_department,
	make_kpi_employee,
	scorecard_doc,
)


class TestKPILibrary(KPITestCase):
	def test_loading_a_category_is_idempotent(self):
		sales = read_library()["Sales"]
		first = load_kpi_library(["Sales"], language="en")
		self.assertEqual(first["created"] + first["skipped"], len(sales))
		again = load_kpi_library(["Sales"], language="en")
		self.assertEqual(again, {"created": 0, "skipped": len(sales)})
		kpi = frappe.get_doc("KPI", sales[0]["kpi_code"])
		self.assertEqual(kpi.category, "Sales")
		self.assertEqual(kpi.smart_completeness, 100)

	def test_vietnamese_library(self):
		hr = read_library()["HR"]
		frappe.db.delete("KPI", {"name": ("in", [kpi["kpi_code"] for kpi in hr])})
		load_kpi_library(["HR"], language="vi")
		self.assertEqual(frappe.db.get_value("KPI", hr[0]["kpi_code"], "kpi_name"), hr[0]["vi"]["kpi_name"])

	def test_whole_library_loads_and_scores_settings_validate(self):
		result = load_kpi_library(language="en")
		library = {kpi["kpi_code"]: category for category, kpis in read_library().items() for kpi in kpis}
		self.assertEqual(result["created"] + result["skipped"], len(library))
		# every library KPI is there, in its category (whatever other KPIs the site has)
		loaded = dict(
			frappe.get_all(
				"KPI", filters={"name": ("in", list(library))}, fields=["name", "category"], as_list=True
			)
		)
		self.assertEqual(loaded, library)

	def test_unknown_category_refused(self):
		self.assertRaises(frappe.ValidationError, load_kpi_library, ["Astrology"])

	def test_needs_permission_to_create_kpis(self):
		frappe.set_user("Guest")
		self.assertRaises(frappe.PermissionError, load_kpi_library, ["Sales"])

	def test_library_sources_name_real_fields(self):
		from kpibsc.kpibsc.services.actuals import validate_query_source
		from kpibsc.kpibsc.services.kpi_library import kpi_record

		connected = [
			(category, definition)
			for category, definitions in read_library().items()
			for definition in definitions
			if definition.get("source_doctype")
		]
		self.assertGreaterEqual(len(connected), 2)
		for category, definition in connected:
			# the checks a KPI Manager's save runs: fields exist in this ERPNext, right types
			validate_query_source(frappe.get_doc(kpi_record(definition, category, "en")))

	def test_a_library_kpi_fills_from_erpnext(self):
		"""Loaded as shipped (old copies removed first), a sourced library KPI takes its actual
		from the HRMS documents it names."""
		from kpibsc.kpibsc.services.actuals_bulk import fill_actuals

		frappe.db.delete("KPI", {"name": ("in", ["IND-10", "IND-11"])})
		load_kpi_library(["Individual"], language="en")
		make_company()
		employee = make_kpi_employee("kpi.library.ann@example.com", make_department("KPI Library Ops"))
		frappe.db.set_value("Employee", employee, "date_of_joining", "2020-01-01")
		card = scorecard_doc(
			[{"kpi": "IND-11", "weight": 50, "target": 1}, {"kpi": "IND-10", "weight": 50, "target": 2}],
			scorecard_for="Employee",
			employee=employee,
		).insert()
		for day, status, late in (
			("2025-01-06", "Absent", 0),
			("2025-01-07", "Absent", 0),
			("2025-01-08", "Present", 1),
			("2025-01-09", "Present", 0),
			("2025-02-03", "Absent", 0),  # February
		):
			frappe.get_doc(
				{
					"doctype": "Attendance",
					"employee": employee,
					"attendance_date": day,
					"status": status,
					"late_entry": late,
					"company": TEST_COMPANY,
				}
			).insert().submit()

		fill_actuals([card.name], period_start="2025-01-01", up_to="2025-01-31")
		name = frappe.db.get_value("KPI Measurement", {"scorecard": card.name, "period_start": "2025-01-01"})
		rows = {row.kpi: row.actual_value for row in frappe.get_doc("KPI Measurement", name).items}
		self.assertEqual(rows, {"IND-11": 2, "IND-10": 1})  # two days absent, one late arrival
