from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from kpibsc.setup.install import get_custom_fields


def execute():
	"""Sites that installed kpibsc before work management get the Task and Project fields."""
	create_custom_fields(get_custom_fields(), ignore_validate=True)
