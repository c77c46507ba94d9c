"""Install and uninstall: what kpibsc adds to ERPNext/HRMS outside its own DocTypes.

Frappe removes kpibsc's own DocTypes, reports and workspace on uninstall (they belong to
the KPIBSC module). Custom fields on ERPNext/HRMS DocTypes and the roles are ours to
remove, so a site is left as it was before install.
"""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.desk.page.setup_wizard.install_fixtures import (
	_,  # marks strings for translation and returns them unchanged, as HRMS's setup does
)

from kpibsc.engine import FIVE_BANDS
from kpibsc.kpibsc.services.pay import create_salary_components, delete_salary_components
from kpibsc.setup.workflow import create_workflow, delete_workflow

ROLES = ("KPI Manager", "KPI User")


def after_install():
	create_roles()
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	create_workflow()
	set_default_settings()
	create_salary_components()


def before_uninstall():
	delete_salary_components()
	delete_workflow()
	delete_custom_fields(get_custom_fields())
	delete_roles()
	drop_custom_field_columns(get_custom_fields())


def set_default_settings():
	"""The five rank bands many Vietnamese companies use, with a 10/20/40/20/10 forced
	distribution, until HR sets their own in KPI BSC Settings."""
	settings = frappe.get_single("KPI BSC Settings")
	if settings.rank_bands:
		return
	bands = sorted(FIVE_BANDS.bands, key=lambda band: -band.min_score)
	upper = 1000.0
	for band, percent in zip(bands, (10, 20, 40, 20, 10), strict=True):
		settings.append(
			"rank_bands",
			{
				"band": band.code,
				"from_score": band.min_score,
				"to_score": upper,
				"coefficient": band.coefficient,
				"distribution_percent": percent,
				"description": band.label,
			},
		)
		upper = band.min_score
	settings.rating_scale = settings.rating_scale or 5
	settings.save(ignore_permissions=True)


def get_custom_fields() -> dict[str, list[dict]]:
	"""Fields kpibsc adds to ERPNext/HRMS DocTypes, keyed by DocType."""
	return {
		"Department": [
			{
				"fieldname": "kpi_department_head",
				"fieldtype": "Link",
				"label": _("KPI Department Head"),
				"options": "Employee",
				"insert_after": "parent_department",
				"description": _("Sees and manages this department's KPI scorecards."),
				"module": "KPIBSC",
			}
		],
		"Task": [
			{
				"fieldname": "kpi_section",
				"fieldtype": "Section Break",
				"label": _("Strategy and KPIs"),
				"insert_after": "is_milestone",
				"collapsible": 1,
				"collapsible_depends_on": "eval:doc.strategic_objective || doc.kpi_scorecard",
				"module": "KPIBSC",
			},
			{
				"fieldname": "strategic_objective",
				"fieldtype": "Link",
				"label": _("Strategic Objective"),
				"options": "Strategic Objective",
				"insert_after": "kpi_section",
				"in_standard_filter": 1,
				"description": _("The objective this task serves."),
				"module": "KPIBSC",
			},
			{
				"fieldname": "kpi_scorecard",
				"fieldtype": "Link",
				"label": _("KPI Scorecard"),
				"options": "KPI Scorecard",
				"insert_after": "strategic_objective",
				"in_standard_filter": 1,
				"search_index": 1,
				"module": "KPIBSC",
			},
			{
				"fieldname": "kpi_column",
				"fieldtype": "Column Break",
				"insert_after": "kpi_scorecard",
				"module": "KPIBSC",
			},
			{
				"fieldname": "kpi",
				"fieldtype": "Link",
				"label": _("KPI"),
				"options": "KPI",
				"insert_after": "kpi_column",
				"depends_on": "eval:doc.kpi_scorecard",
				"description": _("The scorecard item this task counts for, when its KPI is Task Based."),
				"module": "KPIBSC",
			},
			{
				"fieldname": "kpi_weight",
				"fieldtype": "Float",
				"label": _("KPI Weight"),
				"default": "1",
				"precision": "2",
				"insert_after": "kpi",
				"depends_on": "eval:doc.kpi",
				"description": _(
					"How much this task counts in the KPI's rates, against the item's other tasks."
				),
				"module": "KPIBSC",
			},
		],
		"Appraisal": [
			{
				"fieldname": "kpi_score",
				"fieldtype": "Float",
				"label": _("KPI Score"),
				"insert_after": "final_score",
				"read_only": 1,
				"precision": "2",
				"description": _(
					"From the employee's KPI scorecard over the appraisal period (percent). Use kpi_score in the Appraisal Cycle's final score formula, e.g. kpi_score / 20 for a score out of 5."
				),
				"module": "KPIBSC",
			},
			{
				"fieldname": "kpi_scorecard",
				"fieldtype": "Link",
				"label": _("KPI Scorecard"),
				"options": "KPI Scorecard",
				"insert_after": "kpi_score",
				"read_only": 1,
				"module": "KPIBSC",
			},
		],
		"Project": [
			{
				"fieldname": "is_strategic_initiative",
				"fieldtype": "Check",
				"label": _("Strategic Initiative"),
				"insert_after": "department",
				"description": _("A project that carries out a strategic objective."),
				"module": "KPIBSC",
			},
			{
				"fieldname": "strategic_objective",
				"fieldtype": "Link",
				"label": _("Strategic Objective"),
				"options": "Strategic Objective",
				"insert_after": "is_strategic_initiative",
				"in_standard_filter": 1,
				"mandatory_depends_on": "eval:doc.is_strategic_initiative",
				"module": "KPIBSC",
			},
		],
	}


def create_roles():
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def delete_roles():
	for role in ROLES:
		frappe.db.delete("Has Role", {"role": role})
		frappe.db.delete("Custom DocPerm", {"role": role})
		frappe.delete_doc("Role", role, ignore_missing=True, force=True, ignore_permissions=True)


def delete_custom_fields(custom_fields: dict[str, list[dict]]):
	for doctype, fields in custom_fields.items():
		frappe.db.delete(
			"Custom Field",
			{"dt": doctype, "fieldname": ("in", [field["fieldname"] for field in fields])},
		)
		frappe.clear_cache(doctype=doctype)


def drop_custom_field_columns(custom_fields: dict[str, list[dict]]):
	"""Drop the columns the custom fields added, so uninstall leaves the tables as they were.
	DDL commits, so this runs only on a real uninstall, after the rows are gone."""
	for doctype, fields in custom_fields.items():
		existing = set(frappe.db.get_table_columns(doctype))
		for field in fields:
			if field["fieldname"] in existing:
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop column `{field['fieldname']}`")
