"""HRMS's Additional Salary in bulk: the rules its document applies, checked for all rows with
one query per rule, then the submitted rows written as the document path writes them.

`refusals` answers, for each row, what `frappe.get_doc(row).insert()` + `submit()` would refuse
it with (HRMS's own message), in the order the document checks: links, then HRMS's `validate`
(inactive employee, payroll date inside the employment, a salary structure assigned, no other
submitted overwrite for the component and date, no negative amount), then ERPNext's `validate`
hook for every document (no transaction deletion running for the company) and the mandatory
fields. `insert_submitted` writes what the document path leaves in the database: the row from
the naming series with docstatus 1 and the fields fetched from the employee and component, and
the Version row of the submit. `cancel_submitted` is HRMS's cancel: refused while a submitted
salary slip pays one of them, else docstatus 2 and a Version row each.

The rows bypass `Document`, so only HRMS's, ERPNext's and Frappe's rules apply: `bulk_allowed`
says whether anything else listens to Additional Salary on this site (another app's
doc_events or controller override, a Server Script, a Notification, a Webhook); if so the
caller uses the document path. A tier-2 test compares both paths field by field and bad case
by bad case (`test_kpi_pay_run`).
"""

import frappe

# Every message here is HRMS's, ERPNext's or Frappe's own, word for word, so a run reports what
# the document path reports; their catalogues translate them (kpibsc's must not override them)
from frappe import _ as _theirs
from frappe.model.delete_doc import raise_link_exists_exception
from frappe.model.naming import get_default_naming_series
from frappe.model.rename_doc import get_link_fields
from frappe.utils import get_link_to_form, getdate, now, strip_html

from kpibsc.kpibsc.services.bulk import insert_rows, reserve_names

DOCTYPE = "Additional Salary"
# doc_events for every DocType that act on an Additional Salary only when configured for it
# (-> the configuration that would make them act), or that the rules below cover (-> None)
GENERIC_EVENTS = {
	"frappe.desk.notifications.clear_doctype_notifications": None,  # a cache
	"frappe.core.doctype.file.utils.attach_files_to_document": None,  # no Attach field
	"frappe.workflow.doctype.workflow_action.workflow_action.process_workflow_actions": (
		"Workflow",
		{"document_type": DOCTYPE, "is_active": 1},
	),
	"frappe.automation.doctype.assignment_rule.assignment_rule.apply": (
		"Assignment Rule",
		{"document_type": DOCTYPE, "disabled": 0},
	),
	"frappe.automation.doctype.assignment_rule.assignment_rule.update_due_date": (
		"Assignment Rule",
		{"document_type": DOCTYPE, "disabled": 0},
	),
	"frappe.core.doctype.user_type.user_type.apply_permissions_for_non_standard_user_type": (
		"User Type",
		{"apply_user_permission_on": DOCTYPE},
	),
	"frappe.social.doctype.energy_point_rule.energy_point_rule.process_energy_points": (
		"Energy Point Rule",
		{"reference_doctype": DOCTYPE, "enabled": 1},
	),
	"frappe.automation.doctype.milestone_tracker.milestone_tracker.evaluate_milestone": (
		"Milestone Tracker",
		{"document_type": DOCTYPE, "disabled": 0},
	),
	"erpnext.support.doctype.service_level_agreement.service_level_agreement.apply": (
		"Service Level Agreement",
		{"document_type": DOCTYPE},
	),
	# refusal covered by `refusals` (deletion_running)
	"erpnext.setup.doctype.transaction_deletion_record.transaction_deletion_record.check_for_running_deletion_job": None,
}
LISTENERS = (
	("Server Script", {"reference_doctype": DOCTYPE, "disabled": 0, "script_type": "DocType Event"}),
	("Notification", {"document_type": DOCTYPE, "enabled": 1}),
	("Webhook", {"webhook_doctype": DOCTYPE, "enabled": 1}),
)


def bulk_allowed() -> bool:
	"""True when nothing but HRMS's controller and rules `refusals` covers acts on an Additional
	Salary saved on this site, so the bulk rows are what the document path would make: no
	controller override or doc_events of another app, and no configuration (workflow, assignment
	or energy point rule, server script, notification, webhook...) for the DocType."""
	if frappe.get_hooks("override_doctype_class", {}).get(DOCTYPE):
		return False
	if frappe.get_cached_value("User", frappe.session.user, "follow_created_documents"):
		return False  # Document.save_version would follow each one
	events = frappe.get_hooks("doc_events", {})
	if events.get(DOCTYPE):
		return False
	generic = {
		handler
		for handlers in (events.get("*") or {}).values()
		for handler in (handlers if isinstance(handlers, list) else [handlers])
	}
	if generic - set(GENERIC_EVENTS):
		return False
	checks = list(LISTENERS)
	for handler in sorted(generic):
		if GENERIC_EVENTS[handler] and GENERIC_EVENTS[handler] not in checks:
			checks.append(GENERIC_EVENTS[handler])
	return not any(frappe.db.exists(doctype, filters) for doctype, filters in checks)


# -- the rules ----------------------------------------------------------------------------------


def refusals(rows: list[dict]) -> list[str | None]:
	"""For each row (employee, company, currency, salary_component, amount, payroll_date,
	overwrite_salary_structure_amount, ref_doctype, ref_docname), the message HRMS's document
	would refuse it with, or None. Rows are checked as if inserted and submitted in order, so
	a second overwrite of the same employee, component and date is refused like the document
	path refuses it."""
	if not rows:
		return []
	employees = employee_details({row["employee"] for row in rows})
	salary_components = component_types({row["salary_component"] for row in rows})
	structured = with_salary_structure(set(employees))
	taken = existing_overwrites(rows)
	deletion = deletion_running({row["company"] for row in rows})
	currencies = set(
		frappe.get_all(
			"Currency", filters={"name": ("in", {row["currency"] or "" for row in rows})}, pluck="name"
		)
	)
	reasons = []
	for row in rows:
		why = refusal(row, employees, salary_components, currencies, structured, taken, deletion)
		if not why and row.get("overwrite_salary_structure_amount"):
			taken.setdefault(overwrite_key(row), row.get("name") or "")
		reasons.append(why)
	return reasons


def refusal(row, employees, salary_components, currencies, structured, taken, deletion) -> str | None:
	employee = employees.get(row["employee"])
	# Frappe's link check, before the controller's. It skips a missing link whose field feeds
	# fetched fields (employee, salary component: `get_invalid_links` finds no values to fetch),
	# so only the currency is checked here — and a missing employee, where HRMS's own
	# validate_dates fails on the empty Employee read
	if not employee:
		return _theirs("Could not find {0}").format(
			f"{_theirs('Employee', context=DOCTYPE)}: {row['employee']}"
		)
	if row["currency"] and row["currency"] not in currencies:
		return _theirs("Could not find {0}").format(
			f"{_theirs('Currency', context=DOCTYPE)}: {row['currency']}"
		)
	payroll_date = getdate(row["payroll_date"])
	if employee.status == "Inactive":  # hrms.hr.utils.validate_active_employee
		return plain(
			_theirs("Transactions cannot be created for an Inactive Employee {0}.").format(
				get_link_to_form("Employee", row["employee"])
			)
		)
	if employee.date_of_joining and payroll_date < getdate(employee.date_of_joining):
		return _theirs("Payroll date can not be less than employee's joining date.")
	if employee.relieving_date and payroll_date > getdate(employee.relieving_date):
		return _theirs("Payroll date can not be greater than employee's relieving date.")
	if row["employee"] not in structured:
		return _theirs(
			"There is no Salary Structure assigned to {0}. First assign a Salary Stucture."
		).format(row["employee"])
	existing = taken.get(overwrite_key(row)) if row.get("overwrite_salary_structure_amount") else None
	if existing is not None:
		return plain(
			_theirs(
				"Additional Salary for this salary component with {0} enabled already exists for this date"
			).format(frappe.bold(_theirs("Overwrite Salary Structure Amount")))
			+ "<br><br>"
			# HRMS formats the list its query plucked: "Reference: ['HR-ADS-…']"
			+ _theirs("Reference: {0}").format(get_link_to_form(DOCTYPE, [existing]))
		)
	if row["amount"] < 0:
		return _theirs("Amount should not be less than zero")
	if row["company"] in deletion:  # ERPNext's doc_events "*" validate
		return deletion[row["company"]]
	if not row["currency"]:
		return _theirs("Error: Value missing for {0}: {1}").format(
			_theirs("Additional Salary"), _theirs("Currency", context=DOCTYPE)
		)
	return None


def plain(message: str) -> str:
	"""HRMS's message as the run reports it (`pay.reason`): one line, no HTML."""
	return " ".join(strip_html(message).split())


def overwrite_key(row) -> tuple:
	return (row["employee"], row["salary_component"], getdate(row["payroll_date"]))


def employee_details(employees: set[str]) -> dict[str, frappe._dict]:
	return {
		row.name: row
		for row in frappe.get_all(
			"Employee",
			filters={"name": ("in", employees)},
			fields=["name", "employee_name", "department", "status", "date_of_joining", "relieving_date"],
		)
	}


def component_types(salary_components: set[str]) -> dict[str, str]:
	return dict(
		frappe.get_all(
			"Salary Component",
			filters={"name": ("in", salary_components)},
			fields=["name", "type"],
			as_list=True,
		)
	)


def with_salary_structure(employees: set[str]) -> set[str]:
	"""HRMS asks only whether an assignment exists, in any state."""
	return set(
		frappe.get_all(
			"Salary Structure Assignment",
			filters={"employee": ("in", employees or [""])},
			pluck="employee",
			distinct=True,
		)
	)


def existing_overwrites(rows: list[dict]) -> dict[tuple, str]:
	"""(employee, component, date) -> a submitted Additional Salary that overwrites the structure
	amount on that date (its payroll date, or a recurring one's dates around it): HRMS's
	validate_duplicate_additional_salary for all rows in one query."""
	wanted = {overwrite_key(row) for row in rows if row.get("overwrite_salary_structure_amount")}
	if not wanted:
		return {}
	dates = {day for _employee, _component, day in wanted}
	table = frappe.qb.DocType(DOCTYPE)
	found = (
		frappe.qb.from_(table)
		.select(
			table.name,
			table.employee,
			table.salary_component,
			table.payroll_date,
			table.from_date,
			table.to_date,
		)
		.where(
			table.employee.isin({employee for employee, _component, _day in wanted})
			& table.salary_component.isin({component for _employee, component, _day in wanted})
			& (table.overwrite_salary_structure_amount == 1)
			& (table.docstatus == 1)
			& (table.disabled == 0)
			& (
				table.payroll_date.isin(dates)
				| ((table.from_date <= max(dates)) & (table.to_date >= min(dates)))
			)
		)
		.orderby(table.name)
		.run(as_dict=True)
	)
	taken = {}
	for other in found:
		for day in dates:
			on_day = other.payroll_date == day or (
				other.from_date and other.to_date and other.from_date <= day <= other.to_date
			)
			key = (other.employee, other.salary_component, day)
			if on_day and key in wanted:
				taken.setdefault(key, other.name)
	return taken


def deletion_running(companies: set[str]) -> dict[str, str]:
	"""Company -> ERPNext's refusal while a Transaction Deletion Record runs for it."""
	running = frappe.get_all(
		"Transaction Deletion Record",
		filters={"docstatus": 1, "company": ("in", companies), "status": "Running"},
		fields=["company", "name"],
	)
	return {
		row.company: plain(
			_theirs("Transaction Deletion Document: {0} is running for this Company. {1}").format(
				get_link_to_form("Transaction Deletion Record", row.name),
				_theirs("Cannot make any transactions until the deletion job is completed"),
			)
		)
		for row in running
	}


# -- writing --------------------------------------------------------------------------------------


def insert_submitted(rows: list[dict]) -> list[str]:
	"""Submitted Additional Salaries for rows `refusals` accepted, named from the naming series
	the document path would use: the rows, and the Version row Frappe writes on submit."""
	if not rows:
		return []
	employees = employee_details({row["employee"] for row in rows})
	types = component_types({row["salary_component"] for row in rows})
	naming_series = frappe.new_doc(DOCTYPE).naming_series or get_default_naming_series(DOCTYPE)
	names = reserve_names(naming_series, len(rows))
	user, timestamp = frappe.session.user, now()
	stamp = {"owner": user, "modified_by": user, "creation": timestamp, "modified": timestamp, "idx": 0}
	insert_rows(
		DOCTYPE,
		[
			{
				**row,
				**stamp,
				"name": name,
				"naming_series": naming_series,
				"docstatus": 1,
				"employee_name": employees[row["employee"]].employee_name,
				"department": employees[row["employee"]].department,
				"type": types.get(row["salary_component"]),
				"payroll_date": getdate(row["payroll_date"]),
				"is_recurring": 0,
				"disabled": 0,
				"deduct_full_tax_on_selected_payroll_date": row.get(
					"deduct_full_tax_on_selected_payroll_date", 0
				),
			}
			for name, row in zip(names, rows, strict=True)
		],
	)
	insert_versions(names, 0, 1)
	return names


def cancel_submitted(names: list[str]) -> int:
	"""HRMS's cancel for many: refused (Frappe's LinkExistsError) while a submitted document
	links to one of them — a salary slip that paid it —, else docstatus 2 and a Version each."""
	if not names:
		return 0
	for link in get_link_fields(DOCTYPE):
		if link["issingle"] or link["fieldname"] == "amended_from":
			continue
		table = frappe.qb.DocType(link["parent"])
		is_child = frappe.get_meta(link["parent"]).istable
		columns = [table[link["fieldname"]], table.parent if is_child else table.name]
		if is_child:
			columns.append(table.parenttype)
		linked = (
			frappe.qb.from_(table)
			.select(*columns)
			.where(table[link["fieldname"]].isin(names) & (table.docstatus == 1))
			.limit(1)
			.run()
		)
		if linked:
			parent_doctype = linked[0][2] if is_child else link["parent"]
			raise_link_exists_exception(
				frappe._dict(doctype=DOCTYPE, name=linked[0][0]), parent_doctype, linked[0][1]
			)
	table = frappe.qb.DocType(DOCTYPE)
	frappe.qb.update(table).set(table.docstatus, 2).set(table.modified, now()).set(
		table.modified_by, frappe.session.user
	).where(table.name.isin(names) & (table.docstatus == 1)).run()
	insert_versions(names, 1, 2)
	return len(names)


def insert_versions(names: list[str], before: int, after: int):
	"""The Version row Frappe's save_version writes when a document's docstatus changes."""
	if not frappe.get_meta(DOCTYPE).track_changes:
		return
	data = frappe.as_json(
		{
			"added": [],
			"changed": [["docstatus", before, after]],
			"data_import": None,
			"removed": [],
			"row_changed": [],
			"updater_reference": None,
		},
		indent=None,
		separators=(",", ":"),
	)
	user, timestamp = frappe.session.user, now()
	insert_rows(
		"Version",
		[
			{
				"name": frappe.generate_hash(length=10),
				"owner": user,
				"modified_by": user,
				"creation": timestamp,
				"modified": timestamp,
				"docstatus": 0,
				"idx": 0,
				"ref_doctype": DOCTYPE,
				"docname": name,
				"data": data,
			}
			for name in names
		],
	)
