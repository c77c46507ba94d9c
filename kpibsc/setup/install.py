"""Install, upgrade and uninstall: everything kpibsc puts into tables that are not its own.

Frappe creates and removes kpibsc's DocTypes, reports, pages, workspace, number cards and
dashboard charts (they belong to the KPIBSC module). The rest is ours to add and remove:
roles, custom fields on ERPNext/HRMS DocTypes, the field permission of *KPI Department Head*,
the Performance Review workflow, the P1/P2/P3 salary components and the values of KPI BSC
Settings (Frappe drops a Single DocType but keeps its values in tabSingles).

`after_install` runs every step whatever the site holds: each step creates what is missing,
repairs what an earlier install left behind and never fails on it. If a step fails all the
same, the install is undone (Frappe has already registered the app by then) and the error
says what to do. `before_uninstall` removes what the steps added, so uninstall leaves the
site as it was before install; salary components a salary slip used stay with the payroll
history. The patches run the same steps on sites that installed an older version.
"""

import click

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.desk.page.setup_wizard.install_fixtures import (
	_,  # marks strings for translation and returns them unchanged, as HRMS's setup does
)
from frappe.permissions import add_permission, update_permission_property

from kpibsc.engine import FIVE_BANDS
from kpibsc.kpibsc.services.pay import COMPONENTS
from kpibsc.setup.workflow import WORKFLOW, create_workflow, delete_workflow

APP = "kpibsc"
MODULE = "KPIBSC"
ROLES = ("KPI Manager", "KPI User")
SETTINGS = "KPI BSC Settings"
DEPARTMENT = "Department"
# who may set Department.kpi_department_head (permlevel 1): role, write
DEPARTMENT_HEAD_PERMISSIONS = (
	("KPI Manager", 1),
	("HR Manager", 1),
	("System Manager", 1),
	("KPI User", 0),
	("HR User", 0),
	("Employee", 0),
)
PERMISSION_FLAGS = (
	"select",
	"read",
	"write",
	"create",
	"delete",
	"submit",
	"cancel",
	"amend",
	"report",
	"export",
	"import",
	"share",
	"print",
	"email",
)
# tables that hold rows about documents of other DocTypes: table, the column naming the DocType
RECORDS_ABOUT_DOCTYPES = (
	("Singles", "doctype"),
	("Custom Field", "dt"),
	("Property Setter", "doc_type"),
	("Custom DocPerm", "parent"),
	("DocShare", "share_doctype"),
	("ToDo", "reference_type"),
	("Comment", "reference_doctype"),
	("Version", "ref_doctype"),
	("Document Follow", "ref_doctype"),
	("User Permission", "allow"),
	("Workflow Action", "reference_doctype"),
	("Tag Link", "document_type"),
	("Notification Log", "document_type"),
	("__global_search", "doctype"),
	("__UserSettings", "doctype"),
)


class InstallError(frappe.ValidationError):
	pass


def after_install():
	"""Every step, in order; a failure during install-app undoes the install (see
	`undo_install`). Run by hand on an installed site, a failure is only raised."""
	for step in INSTALL_STEPS:
		try:
			step()
		except Exception as error:
			if frappe.flags.in_install != APP:
				raise
			undo_install(step.__name__, error)


def before_uninstall():
	doctypes = app_doctypes()
	delete_salary_components()
	delete_workflow()
	delete_department_head_permissions()
	delete_custom_fields(get_custom_fields())
	delete_records_about(doctypes)
	delete_desk_items(doctypes)
	delete_scheduled_jobs()
	delete_onboarding_steps()
	frappe.db.delete("Patch Log", {"patch": ("like", f"{APP}.%")})
	delete_roles(doctypes)
	drop_custom_field_columns(get_custom_fields())
	frappe.translate.clear_cache()
	frappe.clear_cache()


def create_kpi_custom_fields():
	create_custom_fields(get_custom_fields(), ignore_validate=True)


def undo_install(step: str, error: Exception):
	"""Frappe registers the app before `after_install`, and custom fields (DDL) commit: a
	failed step would leave kpibsc installed but half set up. Roll back, uninstall what was
	done (our `before_uninstall` included) and raise an error that says what to do."""
	frappe.db.rollback()
	site = frappe.local.site
	cause = str(error) or error.__class__.__name__
	frappe.logger(APP).error(f"kpibsc install step {step} failed", exc_info=error)
	if app_has_data():
		# `install-app --force` over a working install: its data must not go with an undo
		raise InstallError(
			_(
				"kpibsc install step {0} failed: {1}. kpibsc already holds data on this site, so the install was not undone; fix the cause and run bench --site {2} execute kpibsc.setup.install.after_install."
			).format(step, cause, site)
		) from error
	try:
		from frappe.installer import remove_app

		remove_app(APP, yes=True, no_backup=True, force=True)
	except Exception:
		frappe.db.rollback()
		frappe.logger(APP).error("undoing the failed kpibsc install failed", exc_info=True)
		raise InstallError(
			_(
				"kpibsc could not be installed: step {0} failed: {1}. Undoing the install failed too: run bench --site {2} uninstall-app kpibsc --yes --no-backup --force, fix the cause and install again."
			).format(step, cause, site)
		) from error
	raise InstallError(
		_(
			"kpibsc could not be installed: step {0} failed: {1}. The install was undone and the site is as it was; fix the cause and run bench --site {2} install-app kpibsc again."
		).format(step, cause, site)
	) from error


# Settings
# --------


def repair_settings():
	"""Values an earlier install left in tabSingles: links to documents that are gone are
	cleared and options that no longer exist are reset, so the next steps can save."""
	meta = frappe.get_meta(SETTINGS)
	values = dict(frappe.db.sql("select field, value from tabSingles where doctype=%s", SETTINGS))
	for df in meta.fields:
		value = values.get(df.fieldname)
		if value in (None, ""):
			continue
		if df.fieldtype == "Link" and not frappe.db.exists(df.options, value):
			frappe.db.set_single_value(SETTINGS, df.fieldname, None, update_modified=False)
		elif df.fieldtype == "Select" and value not in (df.options or "").split("\n"):
			frappe.db.set_single_value(SETTINGS, df.fieldname, df.default, update_modified=False)
	frappe.clear_document_cache(SETTINGS, SETTINGS)


def set_default_settings():
	"""The five rank bands many Vietnamese companies use, with a 10/20/40/20/10 forced
	distribution, until HR sets their own in KPI BSC Settings."""
	settings = frappe.get_single(SETTINGS)
	if settings.rank_bands:
		return
	set_default_bands(settings)
	settings.rating_scale = settings.rating_scale or 5
	save_settings(settings)


def set_default_bands(settings):
	bands = sorted(FIVE_BANDS.bands, key=lambda band: -band.min_score)
	upper = 1000.0
	settings.set("rank_bands", [])
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


def save_settings(settings):
	"""Save; values left by an earlier install that no longer pass validation are replaced
	by the defaults (during install only: on a working site they are the user's)."""
	frappe.db.savepoint("kpibsc_settings")
	try:
		settings.save(ignore_permissions=True)
	except frappe.ValidationError:
		if frappe.flags.in_install != APP:
			raise
		frappe.db.rollback(save_point="kpibsc_settings")
		frappe.clear_messages()
		frappe.logger(APP).warning("KPI BSC Settings left by an earlier install replaced by the defaults")
		frappe.db.delete("Singles", {"doctype": SETTINGS})
		frappe.db.delete("KPI Rank Band", {"parent": SETTINGS})
		frappe.clear_document_cache(SETTINGS, SETTINGS)
		fresh = frappe.get_single(SETTINGS)
		set_default_bands(fresh)
		for field, name, _abbr, _description in COMPONENTS:
			if frappe.db.exists("Salary Component", name):
				fresh.set(field, name)
		fresh.save(ignore_permissions=True)


# Salary components
# -----------------


def create_salary_components():
	"""Earning components for P1, P2 and P3 (not prorated by HRMS: the pay run prorates),
	set in KPI BSC Settings unless HR chose components of their own."""
	repair_settings()
	settings = frappe.get_single(SETTINGS)
	changed = False
	for field, name, abbr, description in COMPONENTS:
		if not frappe.db.exists("Salary Component", name):
			make_salary_component(name, abbr, description)
		if not settings.get(field):
			settings.set(field, name)
			changed = True
	if changed:
		save_settings(settings)


def make_salary_component(name: str, abbr: str, description: str):
	frappe.get_doc(
		{
			"doctype": "Salary Component",
			"salary_component": name,
			"salary_component_abbr": abbr,
			"type": "Earning",
			"description": description,
			"depends_on_payment_days": 0,
			"is_tax_applicable": 1,
			"remove_if_zero_valued": 1,
		}
	).insert(ignore_permissions=True)


def after_migrate():
	restore_salary_components()


def restore_salary_components():
	"""On every migrate: kpibsc's P1/P2/P3 components that are gone (HRMS's own tests delete
	every Salary Component; a user may too) are made again, so pay runs keep working.

	Only what is missing is made: a component that exists is never touched (its accounts and
	settings are the user's), a settings field that names a component HR chose and that is
	gone is left for HR (the pay run says so), and nothing else in KPI BSC Settings is saved.
	A component that cannot be made is reported and skipped: a migrate never fails on it."""
	if not frappe.db.table_exists("Salary Component") or not frappe.db.exists("DocType", SETTINGS):
		return
	for field, name, abbr, description in COMPONENTS:
		chosen = frappe.db.get_single_value(SETTINGS, field)
		if chosen and chosen != name:
			continue  # HR's own choice, there or not
		frappe.db.savepoint("kpibsc_component")
		try:
			if not frappe.db.exists("Salary Component", name):
				make_salary_component(name, abbr, description)
				click.secho(_("Salary Component {0} was missing and has been made again.").format(name))
			if not chosen:
				frappe.db.set_single_value(SETTINGS, field, name, update_modified=False)
		except Exception:
			frappe.db.rollback(save_point="kpibsc_component")
			frappe.logger(APP).error(f"kpibsc could not make Salary Component {name}", exc_info=True)
			click.secho(
				_("Salary Component {0} is missing and could not be made: see the kpibsc log.").format(name),
				fg="yellow",
			)
	frappe.clear_document_cache(SETTINGS, SETTINGS)


def delete_salary_components():
	"""Components no salary slip or structure uses are removed; used ones stay with the
	payroll history, and the uninstall says so."""
	for _field, name, _abbr, _description in COMPONENTS:
		if not frappe.db.exists("Salary Component", name):
			continue
		# Salary Detail rows belong to salary slips and salary structures
		if frappe.db.exists("Salary Detail", {"salary_component": name}) or frappe.db.exists(
			"Additional Salary", {"salary_component": name, "docstatus": 1}
		):
			click.secho(
				_(
					"Salary Component {0} is kept: salary slips, salary structures or submitted additional salaries use it."
				).format(name),
				fg="yellow",
			)
			continue
		frappe.db.delete("Additional Salary", {"salary_component": name, "docstatus": ("!=", 1)})
		frappe.delete_doc("Salary Component", name, force=True, ignore_permissions=True)


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
				# set by KPI, HR and system managers only (DEPARTMENT_HEAD_PERMISSIONS)
				"permlevel": 1,
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
		if frappe.db.exists("Role", role):
			frappe.db.set_value("Role", role, {"desk_access": 1, "disabled": 0}, update_modified=False)
		else:
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def delete_roles(doctypes: list[str]):
	"""The KPI roles and who holds them, unless another app's DocTypes, reports, pages,
	workspaces or workflows still give them rights (then they stay, and the uninstall says so)."""
	for role in ROLES:
		if role_used_elsewhere(role, doctypes):
			click.secho(_("Role {0} is kept: another app still uses it.").format(role), fg="yellow")
			continue
		frappe.db.delete("Has Role", {"role": role})
		frappe.db.delete("Custom DocPerm", {"role": role})
		frappe.delete_doc("Role", role, ignore_missing=True, force=True, ignore_permissions=True)


def role_used_elsewhere(role: str, doctypes: list[str]) -> bool:
	own_modules = app_modules()
	for perm_table in ("DocPerm", "Custom DocPerm"):
		if frappe.db.exists(perm_table, {"role": role, "parent": ("not in", doctypes)}):
			return True
	for parenttype in ("Report", "Page", "Workspace"):
		parents = frappe.get_all(
			"Has Role", filters={"role": role, "parenttype": parenttype}, pluck="parent", distinct=True
		)
		if parents and frappe.db.exists(
			parenttype, {"name": ("in", parents), "module": ("not in", own_modules)}
		):
			return True
	return bool(
		frappe.db.exists("Workflow Transition", {"allowed": role, "parent": ("!=", WORKFLOW)})
		or frappe.db.exists("Workflow Document State", {"allow_edit": role, "parent": ("!=", WORKFLOW)})
	)


# Field permission of KPI Department Head
# ---------------------------------------


def add_department_head_permissions():
	"""Department rows at permlevel 1, the level of kpi_department_head: HR, KPI and system
	managers set the head; KPI users, HR users and employees only read it. Frappe copies the
	standard permissions into Custom DocPerm first."""
	for role, write in DEPARTMENT_HEAD_PERMISSIONS:
		if not frappe.db.exists("Role", role):
			continue
		if not frappe.db.exists("Custom DocPerm", {"parent": DEPARTMENT, "role": role, "permlevel": 1}):
			add_permission(DEPARTMENT, role, permlevel=1, ptype="read")
		update_permission_property(DEPARTMENT, role, 1, "read", 1, validate=False)
		update_permission_property(DEPARTMENT, role, 1, "write", write)


def delete_department_head_permissions():
	"""Exactly the rows `add_department_head_permissions` made; if what is left is the
	standard permissions copied at install, it goes too (Department is then as before)."""
	frappe.db.delete(
		"Custom DocPerm",
		{
			"parent": DEPARTMENT,
			"permlevel": 1,
			"if_owner": 0,
			"role": ("in", [role for role, _write in DEPARTMENT_HEAD_PERMISSIONS]),
		},
	)
	if custom_perms_are_standard(DEPARTMENT):
		frappe.db.delete("Custom DocPerm", {"parent": DEPARTMENT})
	frappe.clear_cache(doctype=DEPARTMENT)


def custom_perms_are_standard(doctype: str) -> bool:
	fields = ["role", "permlevel", "if_owner", *PERMISSION_FLAGS]

	def rows(table):
		return sorted(
			tuple(str(row.get(field) or 0) for field in fields)
			for row in frappe.get_all(table, filters={"parent": doctype}, fields=fields)
		)

	custom = rows("Custom DocPerm")
	return bool(custom) and custom == rows("DocPerm")


# Custom fields
# -------------


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


# What kpibsc's DocTypes left in shared tables
# --------------------------------------------


def app_modules() -> list[str]:
	return frappe.get_all("Module Def", filters={"app_name": APP}, pluck="name") or [MODULE]


def app_doctypes() -> list[str]:
	return frappe.get_all("DocType", filters={"module": ("in", app_modules())}, pluck="name")


def app_has_data() -> bool:
	"""Whether any table of kpibsc's own DocTypes holds a row (a fresh install holds none)."""
	tables = frappe.get_all(
		"DocType", filters={"module": ("in", app_modules()), "issingle": 0, "is_virtual": 0}, pluck="name"
	)
	return any(
		frappe.db.table_exists(doctype, cached=False) and frappe.qb.from_(doctype).select(1).limit(1).run()
		for doctype in tables
	)


def delete_records_about(doctypes: list[str]):
	"""Rows of Frappe's shared tables about kpibsc's documents and DocTypes: their Singles
	values, customisations, shares, to-dos, comments, versions, follows, user permissions,
	workflow actions, tags, notifications, search index and list settings."""
	for table, column in RECORDS_ABOUT_DOCTYPES:
		if frappe.db.sql(
			"""select 1 from information_schema.columns
			where table_schema=database() and table_name=%s and column_name=%s""",
			(table if table.startswith("__") else f"tab{table}", column),
		):
			frappe.db.delete(table, {column: ("in", doctypes)})
	for doctype in doctypes:
		frappe.clear_cache(doctype=doctype)


def delete_desk_items(doctypes: list[str]):
	"""Number cards, dashboard charts and reports made on kpibsc's DocTypes outside its module
	(Frappe removes those of the module itself)."""
	own = app_modules()
	for desk_doctype in ("Number Card", "Dashboard Chart", "Report"):
		field = "ref_doctype" if desk_doctype == "Report" else "document_type"
		for name in frappe.get_all(
			desk_doctype,
			filters={field: ("in", doctypes), "module": ("not in", own)},
			pluck="name",
		):
			frappe.delete_doc(desk_doctype, name, force=True, ignore_permissions=True, ignore_on_trash=True)


def delete_onboarding_steps():
	"""The steps of kpibsc's Module Onboarding (Frappe removes the onboarding itself with the
	module, but a step names no module)."""
	steps = frappe.get_all(
		"Onboarding Step Map", filters={"parent": ("in", onboardings())}, pluck="step", distinct=True
	)
	for step in steps:
		frappe.delete_doc("Onboarding Step", step, force=True, ignore_permissions=True, ignore_missing=True)


def onboardings() -> list[str]:
	return frappe.get_all("Module Onboarding", filters={"module": ("in", app_modules())}, pluck="name")


def delete_scheduled_jobs():
	jobs = frappe.get_all("Scheduled Job Type", filters={"method": ("like", f"{APP}.%")}, pluck="name")
	if jobs:
		frappe.db.delete("Scheduled Job Log", {"scheduled_job_type": ("in", jobs)})
		frappe.db.delete("Scheduled Job Type", {"name": ("in", jobs)})


INSTALL_STEPS = (
	create_roles,
	create_kpi_custom_fields,
	add_department_head_permissions,
	create_workflow,
	repair_settings,
	set_default_settings,
	create_salary_components,
)
