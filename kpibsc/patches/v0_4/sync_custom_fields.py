from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from kpibsc.setup.install import get_custom_fields


def execute():
	"""Bring the custom fields of existing sites to their current definition (KPI Weight
	shows two decimals)."""
	create_custom_fields(get_custom_fields(), ignore_validate=True)
