import frappe

from kpibsc.kpibsc.services.kpi_library import load_kpi_library, read_library
from kpibsc.tests.factories import KPITestCase


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
