from kpibsc.setup.install import add_department_head_permissions, create_kpi_custom_fields


def execute():
	"""Only KPI, HR and system managers may set a department's KPI Department Head: the field
	moves to permlevel 1 and Department gets the permlevel-1 rows."""
	create_kpi_custom_fields()
	add_department_head_permissions()
