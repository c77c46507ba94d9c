from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from kpibsc.setup.install import get_custom_fields, set_default_settings
from kpibsc.setup.workflow import create_workflow


def execute():
	"""Existing sites get the review workflow, the Appraisal's KPI score and default bands."""
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	create_workflow()
	set_default_settings()
