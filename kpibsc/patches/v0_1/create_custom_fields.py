from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from kpibsc.setup.install import create_roles, get_custom_fields


def execute():
	"""Sites that installed kpibsc before these fields existed get them on migrate."""
	create_roles()
	create_custom_fields(get_custom_fields(), ignore_validate=True)
