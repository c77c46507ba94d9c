import frappe


def before_tests():
	"""HRMS's own preparation: ERPNext's "_Test Company", a fiscal year, roles for Administrator."""
	from hrms.tests.test_utils import before_tests as hrms_before_tests

	hrms_before_tests()
	frappe.clear_cache()
