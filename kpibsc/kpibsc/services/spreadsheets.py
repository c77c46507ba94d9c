"""Excel in and out: a scorecard's targets (items × periods) and a department's actuals for a
period (employee × KPI), downloaded as a template, filled in and uploaded again.

An upload is all or nothing. Every cell is read and checked first — numbers, KPIs, periods,
and the user's permission on each stored (or to-be-created) document by the same row rules
as the form — and each problem is reported by its cell (`'Actuals'!G7`). Only when there is
none are the documents saved, through the document API so the controllers validate them,
inside one savepoint: a document the controller refuses rolls everything back and is
reported the same way.
"""

import base64
import io
import math
import re
import unicodedata
from datetime import date, datetime

import frappe
from frappe import _
from frappe.utils import cstr, escape_html, flt, format_date, get_number_format_info, getdate

from kpibsc.kpibsc.services.scorecards import get_kpis

HEADER_ROW = 5
FIRST_ROW = HEADER_ROW + 1
MAX_ROWS = 20000
MAX_ERRORS_SHOWN = 50
TARGET_FIXED_COLUMNS = 5  # KPI, KPI name, unit, aggregation, target; the periods follow
COMPUTED_SOURCES = ("Formula", "Task Based")
INPUT_FILL = "FFF8E1"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetError(frappe.ValidationError):
	"""An upload refused; `errors` holds (cell, message) pairs."""

	def __init__(self, message: str, errors: list[tuple[str, str]] | None = None):
		super().__init__(message)
		self.errors = errors or []


# -- whitelisted: download and upload ---------------------------------------------------------


@frappe.whitelist()
def download_targets(scorecard: str):
	"""The scorecard's items × periods as an Excel template."""
	doc = frappe.get_doc("KPI Scorecard", scorecard)
	doc.check_permission("read")
	_send(targets_workbook(doc), f"targets {doc.name}")


@frappe.whitelist(methods=["POST"])
def upload_targets(scorecard: str, file_url: str | None = None, content: str | None = None) -> dict:
	"""Item targets and pinned period targets from a filled template; all or nothing."""
	doc = frappe.get_doc("KPI Scorecard", scorecard)
	doc.check_permission("write")
	return apply_targets(doc, read_upload(file_url, content))


@frappe.whitelist()
def download_actuals(department: str, period_start: str):
	"""The period's actuals of the department's employees (those the user may see) as Excel."""
	period_start = getdate(period_start)
	scorecards = frappe.get_list(
		"KPI Scorecard",
		filters=[
			["scorecard_for", "=", "Employee"],
			["department", "=", department],
			["status", "!=", "Closed"],
			["KPI Scorecard Target", "period_start", "=", period_start],
		],
		fields=["name", "employee", "employee_name"],
		order_by="`tabKPI Scorecard`.`employee_name` asc",
		distinct=True,
	)
	if not scorecards:
		frappe.throw(
			_("No employee scorecard of {0} that you may see has a period starting on {1}.").format(
				frappe.bold(department), format_date(period_start)
			),
			title=_("Nothing to Download"),
		)
	_send(
		actuals_workbook(department, period_start, scorecards),
		f"actuals {department} {period_start.isoformat()}",
	)


@frappe.whitelist(methods=["POST"])
def upload_actuals(file_url: str | None = None, content: str | None = None) -> dict:
	"""Draft measurements from a filled actuals template; all or nothing. Each employee's row is
	checked against the measurement row rules (frappe.has_permission on the stored measurement,
	or on the one the upload would create) before anything is written."""
	if not frappe.has_permission("KPI Measurement", "create"):
		frappe.throw(_("You may not enter KPI actuals."), frappe.PermissionError)
	return apply_actuals(read_upload(file_url, content))


# -- reading an upload --------------------------------------------------------------------------


def read_upload(file_url: str | None, content: str | bytes | None):
	"""The workbook of an uploaded File (one the user may read) or of base64 content."""
	from openpyxl import load_workbook

	if file_url:
		names = frappe.get_list("File", filters={"file_url": file_url}, pluck="name", limit=1)
		if not names:
			frappe.throw(_("File {0} was not found.").format(frappe.bold(file_url)), frappe.DoesNotExistError)
		data = frappe.get_doc("File", names[0]).get_content()
	elif content:
		data = content if isinstance(content, bytes) else base64.b64decode(content.split(",")[-1])
	else:
		frappe.throw(_("Attach the filled Excel file."), frappe.MandatoryError)
	try:
		return load_workbook(io.BytesIO(data), data_only=True)
	except Exception:
		frappe.throw(_("The file is not an Excel workbook (.xlsx)."), SpreadsheetError)


def cell_ref(sheet, coordinate: str) -> str:
	title = sheet.title
	if not title.replace("_", "").isalnum():
		title = "'{}'".format(title.replace("'", "''"))
	return f"{title}!{coordinate}"


def read_number(value, whole: bool = False) -> tuple[float | None, str | None]:
	"""(number, error) of a cell: Excel numbers, and text numbers read in the site's format
	("1.234,5" and "12.500" on a #.###,## site), else as plain numbers ("1234.5"). Empty is
	(None, None)."""
	if value is None or (isinstance(value, str) and not value.strip()):
		return None, None
	if isinstance(value, bool) or isinstance(value, datetime | date):
		return None, _("{0} is not a number.").format(frappe.bold(cstr(value)))
	if isinstance(value, int | float):
		number = float(value)
	else:
		number = parse_text_number(cstr(value))
		if number is None:
			return None, _(
				"{0} is not a number: write it as {1} (the site's number format) or as a number."
			).format(
				frappe.bold(cstr(value)),
				frappe.bold(frappe.format(1234.5, {"fieldtype": "Float", "precision": 1})),
			)
	if not math.isfinite(number):
		return None, _("{0} is not a number.").format(frappe.bold(cstr(value)))
	if whole and abs(number - round(number)) > 1e-9:
		return None, _("{0} must be a whole number.").format(frappe.bold(cstr(value)))
	return number, None


def parse_text_number(text: str) -> float | None:
	"""A number typed as text: in the site's number format when it is one there ("12.500" is
	twelve thousand five hundred on a #.###,## site), else a plain number ("1234.5"); None
	for anything else ("1.23,4", "12abc")."""
	text = re.sub(r"[\s\u00a0]+", "", text)
	number_format = frappe.db.get_default("number_format") or "#,###.##"
	decimal, group, _precision = get_number_format_info(number_format)
	group = group.strip()
	whole = r"\d+"
	if group:
		size = "{2,3}" if number_format == "#,##,###.##" else "{3}"
		whole = rf"(\d+|\d{{1,3}}({re.escape(group)}\d{size})*)"
	fraction = rf"({re.escape(decimal)}\d+)?" if decimal else ""
	if re.fullmatch(rf"[-+]?{whole}{fraction}", text):
		if group:
			text = text.replace(group, "")
		return float(text.replace(decimal, ".") if decimal else text)
	if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)", text):
		return float(text)
	return None


def stored_number(actual) -> float | None:
	"""A measurement's stored actual ("1234.5", "1.234" is one and a bit): plain, never the
	site's format."""
	try:
		number = float(cstr(actual).strip())
	except ValueError:
		return None
	return number if math.isfinite(number) else None


def plain_number(value: float) -> str:
	"""How a measurement stores an actual: "1234.5", "12" — never a site-formatted number."""
	return str(int(value)) if float(value).is_integer() else repr(float(value))


def read_date(value) -> date | None:
	if isinstance(value, datetime | date):
		return getdate(value)
	if isinstance(value, str) and value.strip():
		try:
			return getdate(value.strip())
		except Exception:
			return None
	return None


def _blank(values) -> bool:
	return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


# -- targets ------------------------------------------------------------------------------------


def targets_workbook(doc):
	"""Sheet "Targets": a row per item, the item's target, then a column per period with the
	phased target (bold where pinned)."""
	from openpyxl.styles import Font

	periods = sorted({getdate(row.period_start) for row in doc.targets})
	by_cell = {(row.kpi, getdate(row.period_start)): row for row in doc.targets}
	kpis = get_kpis([item.kpi for item in doc.items])
	workbook, sheet = _new_sheet(_("Targets"))
	_header(
		sheet,
		_("KPI Scorecard Targets"),
		(_("Scorecard"), doc.name, doc.title),
		(_("Period"), getdate(doc.from_date), getdate(doc.to_date)),
		_(
			"Change an item's Target, or type a period's target to pin it (pinned ones are bold); "
			"clear a period's cell to let the phasing spread it. Do not change columns A or row {0}."
		).format(HEADER_ROW),
	)
	headers = [_("KPI"), _("KPI Name"), _("Unit"), _("Aggregation"), _("Target")]
	_header_row(sheet, headers + list(periods))
	for column, _period in enumerate(periods, start=TARGET_FIXED_COLUMNS + 1):
		sheet.cell(HEADER_ROW, column).number_format = _date_format()
	for offset, item in enumerate(sorted(doc.items, key=lambda item: item.idx)):
		row = FIRST_ROW + offset
		kpi = kpis.get(item.kpi) or frappe._dict(precision=2)
		number_format = "#,##0" if kpi.precision == 0 else "#,##0.00"
		# translated at runtime: the aggregations are KPI select options, in the catalogue
		values = [item.kpi, item.kpi_name, item.unit, _(item.aggregation or ""), flt(item.target)]
		for column, value in enumerate(values, start=1):
			sheet.cell(row, column, value)
		_input(sheet.cell(row, TARGET_FIXED_COLUMNS), number_format)
		for column, period in enumerate(periods, start=TARGET_FIXED_COLUMNS + 1):
			phased = by_cell.get((item.kpi, period))
			cell = sheet.cell(row, column, flt(phased.target) if phased else None)
			_input(cell, number_format)
			if phased and phased.get("pinned"):
				cell.font = Font(bold=True)
	_widths(sheet, [14, 36, 12, 12, 16] + [14] * len(periods))
	return workbook


def apply_targets(doc, workbook) -> dict:
	"""Set item targets and pin period targets from the workbook; nothing is saved on any error."""
	sheet = workbook.worksheets[0]
	errors: list[tuple[str, str]] = []
	if cstr(sheet["B2"].value).strip() != doc.name:
		_error(
			errors,
			sheet,
			"B2",
			_("This file is for scorecard {0}, not {1}. Download the template from this scorecard.").format(
				frappe.bold(cstr(sheet["B2"].value) or _("none")), frappe.bold(doc.name)
			),
		)
		_raise(errors)

	can_pin = frappe.get_meta("KPI Scorecard Target").has_field("pinned")
	stored = {(row.kpi, getdate(row.period_start)): row for row in doc.targets}
	period_starts = {period for _kpi, period in stored}
	columns = _period_columns(sheet, period_starts, errors)
	items = {item.kpi: item for item in doc.items}
	kpis = get_kpis(list(items))
	seen: dict[str, str] = {}
	changes = []  # (item, new target or None, {period: value or None for unpin})
	for row in _data_rows(sheet, errors):
		kpi_cell = sheet.cell(row, 1)
		code = cstr(kpi_cell.value).strip()
		if not code:
			_error(errors, sheet, kpi_cell.coordinate, _("Name the KPI of this row."))
			continue
		item = items.get(code)
		if not item:
			_error(
				errors,
				sheet,
				kpi_cell.coordinate,
				_("KPI {0} is not on scorecard {1}.").format(frappe.bold(code), doc.name),
			)
			continue
		if code in seen:
			_error(
				errors,
				sheet,
				kpi_cell.coordinate,
				_("KPI {0} appears twice, in rows {1} and {2}. Keep one row per KPI.").format(
					frappe.bold(code), seen[code], row
				),
			)
			continue
		seen[code] = row
		whole = kpis[code].precision == 0
		target_cell = sheet.cell(row, TARGET_FIXED_COLUMNS)
		target, error = read_number(target_cell.value, whole)
		if error:
			_error(errors, sheet, target_cell.coordinate, error)
		new_target = target if target is not None and not _same(target, item.target) else None
		pins = {}
		for column, period in columns.items():
			cell = sheet.cell(row, column)
			value, error = read_number(cell.value, whole)
			if error:
				_error(errors, sheet, cell.coordinate, error)
				continue
			phased = stored.get((code, period))
			if not phased:
				continue
			if value is None:
				if phased.get("pinned"):
					pins[period] = None  # back to the phasing
			elif not _same(value, phased.target):
				if not can_pin:
					_error(
						errors,
						sheet,
						cell.coordinate,
						_("Period targets cannot be pinned on this site yet: change the item's Target."),
					)
					continue
				pins[period] = value
		if new_target is not None or pins:
			changes.append((item, new_target, pins, row))
	_raise(errors)

	for item, new_target, pins, _row in changes:
		if new_target is not None:
			item.target = new_target
		for period, value in pins.items():
			phased = stored[(item.kpi, period)]
			if value is None:
				phased.pinned = 0
			else:
				phased.target = value
				phased.pinned = 1

	def row_of_message(message: str) -> str:
		"""The cell of the KPI an engine or controller message names, else the file's B2."""
		for item, _new_target, _pins, row in changes:
			if item.kpi in message or (kpis[item.kpi].kpi_code or "") in message:
				return cell_ref(sheet, sheet.cell(row, TARGET_FIXED_COLUMNS).coordinate)
		return cell_ref(sheet, "B2")

	_save_all([(doc, row_of_message)] if changes else [])
	return {
		"scorecard": doc.name,
		"items": sum(1 for _item, target, _pins, _row in changes if target is not None),
		"pinned": sum(1 for change in changes for value in change[2].values() if value is not None),
		"unpinned": sum(1 for change in changes for value in change[2].values() if value is None),
	}


def _period_columns(sheet, period_starts: set[date], errors) -> dict[int, date]:
	columns = {}
	for column in range(TARGET_FIXED_COLUMNS + 1, sheet.max_column + 1):
		cell = sheet.cell(HEADER_ROW, column)
		if cell.value is None:
			continue
		period = read_date(cell.value)
		if period not in period_starts:
			_error(
				errors,
				sheet,
				cell.coordinate,
				_("{0} does not start a period of this scorecard.").format(frappe.bold(cstr(cell.value))),
			)
			continue
		columns[column] = period
	return columns


def _same(value: float, stored) -> bool:
	stored = flt(stored)
	return abs(value - stored) <= 1e-9 * max(1.0, abs(stored))


# -- actuals ------------------------------------------------------------------------------------


def actual_headers() -> list[str]:
	return [
		_("Employee"),
		_("Employee Name"),
		_("KPI"),
		_("KPI Name"),
		_("Unit"),
		_("Target"),
		_("Actual"),
		_("Comment"),
		_("Status"),
	]


ACTUAL_COLUMN = 7
COMMENT_COLUMN = 8


def actuals_workbook(department: str, period_start: date, scorecards: list[dict]):
	"""Sheet "Actuals": a row per employee and KPI typed in by hand (formula and task-based KPIs
	are computed), with the period's target and what a measurement already holds."""
	names = [row.name for row in scorecards]
	items = _scorecard_items(names, period_start)
	measurements = _measurements(names, period_start)
	kpis = get_kpis(list({row.kpi for row in items}))
	workbook, sheet = _new_sheet(_("Actuals"))
	_header(
		sheet,
		_("KPI Actuals"),
		(_("Department"), department, None),
		(_("Period Start"), period_start, None),
		_(
			"Type each Actual as a number (Yes/No KPIs: Yes or No) and add a comment if it helps; leave "
			"it empty when not measured. Approved rows cannot be changed."
		),
	)
	_header_row(sheet, actual_headers())
	employees = {row.name: row for row in scorecards}
	row = FIRST_ROW
	for item in items:
		kpi = kpis.get(item.kpi)
		if not kpi or kpi.data_source in COMPUTED_SOURCES:
			continue
		card = employees[item.parent]
		measured = measurements.get(item.parent)
		entered = measured.rows.get(item.kpi) if measured else None
		status = _("Approved") if measured and measured.docstatus == 1 else (_("Draft") if measured else "")
		actual = _actual_cell(entered.actual if entered else None, kpi)
		values = [
			card.employee,
			card.employee_name,
			item.kpi,
			item.kpi_name,
			item.unit,
			item.target,
			actual,
			entered.comment if entered else None,
			status,
		]
		for column, value in enumerate(values, start=1):
			sheet.cell(row, column, value)
		sheet.cell(row, 6).number_format = "#,##0.##"
		if not (measured and measured.docstatus == 1):
			_input(sheet.cell(row, ACTUAL_COLUMN), "General")
			_input(sheet.cell(row, COMMENT_COLUMN), "General")
		row += 1
	_widths(sheet, [14, 28, 14, 36, 12, 14, 14, 36, 12])
	return workbook


def apply_actuals(workbook) -> dict:
	"""Create or update the draft measurements of the workbook's rows; nothing is saved on any
	error (a cell, a permission, or a measurement the controller refuses)."""
	sheet = workbook.worksheets[0]
	errors: list[tuple[str, str]] = []
	period_start = read_date(sheet["B3"].value)
	if not period_start:
		_error(errors, sheet, "B3", _("Put the first day of the period in this cell."))
		_raise(errors)

	rows = []
	for row in _data_rows(sheet, errors):
		values = [sheet.cell(row, column).value for column in range(1, COMMENT_COLUMN + 1)]
		rows.append((row, cstr(values[0]).strip(), cstr(values[2]).strip(), values))
	employees = {employee for _row, employee, _kpi, _values in rows if employee}
	scorecards = _employee_scorecards(employees, period_start)
	items = {}
	for item in _scorecard_items(list({card.name for card in scorecards.values()}), period_start):
		items[(item.parent, item.kpi)] = item
	kpis = get_kpis(list({kpi for _row, _employee, kpi, _values in rows if kpi}))
	extra = _kpi_rules(list(kpis))
	measurements = _measurements([card.name for card in scorecards.values()], period_start)

	documents: dict[str, object] = {}  # scorecard → measurement document to save
	first_row: dict[str, int] = {}
	refused: set[str] = set()
	seen: dict[tuple[str, str], int] = {}
	for row, employee, code, values in rows:
		employee_cell = sheet.cell(row, 1).coordinate
		if not employee:
			_error(errors, sheet, employee_cell, _("Name the employee of this row."))
			continue
		card = scorecards.get(employee)
		if not card:
			_error(
				errors,
				sheet,
				employee_cell,
				_("{0} has no open scorecard with a period starting on {1}.").format(
					frappe.bold(employee), format_date(period_start)
				),
			)
			continue
		item = items.get((card.name, code))
		if not item:
			_error(
				errors,
				sheet,
				sheet.cell(row, 3).coordinate,
				_("KPI {0} is not on scorecard {1}.").format(frappe.bold(code or _("none")), card.name),
			)
			continue
		if (employee, code) in seen:
			_error(
				errors,
				sheet,
				sheet.cell(row, 3).coordinate,
				_("{0} of {1} appears twice, in rows {2} and {3}. Keep one row.").format(
					frappe.bold(code), frappe.bold(employee), seen[(employee, code)], row
				),
			)
			continue
		seen[(employee, code)] = row
		if card.name in refused:
			_error(errors, sheet, employee_cell, _refusal(employee))
			continue
		doc = documents.get(card.name)
		if doc is None:
			doc = _measurement_doc(card, period_start, measurements.get(card.name))
			# the stored measurement's rule, or the one the upload would create; an approved one
			# is only read (changing it is refused below)
			ptype = "create" if not doc.name else ("write" if doc.docstatus == 0 else "read")
			if not frappe.has_permission("KPI Measurement", ptype, doc=doc):  # quietly: reported per cell
				refused.add(card.name)
				_error(errors, sheet, employee_cell, _refusal(employee))
				continue
			documents[card.name] = doc
			first_row[card.name] = row
		actual_cell = sheet.cell(row, ACTUAL_COLUMN)
		actual, error = _read_actual(values[ACTUAL_COLUMN - 1], kpis[code], extra.get(code))
		comment = cstr(values[COMMENT_COLUMN - 1]).strip() or None
		if error:
			_error(errors, sheet, actual_cell.coordinate, error)
			continue
		current = next((line for line in doc.items if line.kpi == code), None)
		unchanged = (
			current is not None
			and _same_actual(current.actual, actual)
			and (cstr(current.comment).strip() or None) == comment
		)
		if unchanged or (current is None and actual is None and comment is None):
			continue
		if kpis[code].data_source in COMPUTED_SOURCES:
			_error(
				errors,
				sheet,
				actual_cell.coordinate,
				_("The actual of {0} is computed ({1}), not typed.").format(
					frappe.bold(code),
					# translated at runtime: data sources are KPI select options, in the catalogue
					_(kpis[code].data_source),
				),
			)
			continue
		if doc.docstatus == 1:
			_error(
				errors,
				sheet,
				actual_cell.coordinate,
				_("Measurement {0} is approved: cancel and amend it to change its actuals.").format(doc.name),
			)
			continue
		if current is None:
			current = doc.append("items", {"kpi": code})
		current.actual = actual
		current.comment = comment
		doc.flags.kpibsc_changed = True
	_raise(errors)

	changed = [(card, doc) for card, doc in documents.items() if doc.flags.kpibsc_changed]
	by_scorecard = {card.name: card for card in scorecards.values()}

	def cell_of(card_name):
		return lambda _message: cell_ref(sheet, sheet.cell(first_row[card_name], 1).coordinate)

	created = sum(1 for _card, doc in changed if not doc.name)
	_save_all([(doc, cell_of(card)) for card, doc in changed])
	return {
		"period_start": period_start.isoformat(),
		"created": created,
		"updated": len(changed) - created,
		"measurements": sorted(doc.name for _card, doc in changed),
		"employees": sorted(by_scorecard[card].employee for card, _doc in changed),
	}


def _refusal(employee: str) -> str:
	return _("You may not enter the actuals of {0}.").format(frappe.bold(employee))


def _measurement_doc(card, period_start: date, stored):
	if stored:
		return frappe.get_doc("KPI Measurement", stored.name)
	doc = frappe.new_doc("KPI Measurement")
	doc.update({"scorecard": card.name, "period_start": period_start})
	return doc


def _read_actual(value, kpi, rule) -> tuple[str | None, str | None]:
	"""The actual as a measurement stores it (plain number or Yes/No word), or an error."""
	from kpibsc.kpibsc.doctype.kpi_measurement.kpi_measurement import parse_yes_no

	if value is None or (isinstance(value, str) and not value.strip()):
		return None, None
	if kpi.scoring_method == "Yes/No" and isinstance(value, str):
		answer = parse_yes_no(value.strip())
		if answer is None:
			return None, _("{0} is answered Yes or No (Có or Không, 1 or 0), not {1}.").format(
				frappe.bold(kpi.kpi_name or kpi.name), frappe.bold(value)
			)
		return str(int(answer)), None
	number, error = read_number(value)
	if error:
		return None, error
	if number < 0 and not (rule and rule.allow_negative):
		return None, _("{0} cannot be negative. Tick Allow Negative Actuals on the KPI if it can.").format(
			frappe.bold(kpi.kpi_name or kpi.name)
		)
	if kpi.scoring_method == "Yes/No" and number not in (0.0, 1.0):
		return None, _("{0} is answered Yes or No (Có or Không, 1 or 0), not {1}.").format(
			frappe.bold(kpi.kpi_name or kpi.name), frappe.bold(cstr(value))
		)
	return plain_number(number), None


def _actual_cell(actual: str | None, kpi):
	if actual in (None, ""):
		return None
	number = stored_number(actual)
	if number is None:
		return actual
	if kpi.scoring_method == "Yes/No":
		return _("Yes") if number else _("No")
	return number


def _same_actual(stored, actual: str | None) -> bool:
	if not cstr(stored).strip():
		return actual is None
	if actual is None:
		return False
	old, new = stored_number(stored), stored_number(actual)
	return old is not None and new is not None and _same(new, old)


def _kpi_rules(names: list[str]) -> dict[str, frappe._dict]:
	if not names:
		return {}
	rows = frappe.get_all("KPI", filters={"name": ("in", names)}, fields=["name", "allow_negative"])
	return {row.name: row for row in rows}


def _employee_scorecards(employees: set[str], period_start: date) -> dict[str, frappe._dict]:
	"""Each employee's open scorecard with a period starting on the day (one query; the overlap
	rule leaves at most one)."""
	if not employees:
		return {}
	card = frappe.qb.DocType("KPI Scorecard")
	target = frappe.qb.DocType("KPI Scorecard Target")
	rows = (
		frappe.qb.from_(card)
		.join(target)
		.on((target.parent == card.name) & (target.parenttype == "KPI Scorecard"))
		.select(card.name, card.employee, card.employee_name, card.department)
		.where(
			(card.scorecard_for == "Employee")
			& card.employee.isin(list(employees))
			& (card.status != "Closed")
			& (target.period_start == period_start)
		)
		.distinct()
		.run(as_dict=True)
	)
	return {row.employee: row for row in rows}


def _scorecard_items(scorecards: list[str], period_start: date) -> list[frappe._dict]:
	"""Items of the scorecards with the period's target, in scorecard then item order."""
	if not scorecards:
		return []
	item = frappe.qb.DocType("KPI Scorecard Item")
	target = frappe.qb.DocType("KPI Scorecard Target")
	card = frappe.qb.DocType("KPI Scorecard")
	return (
		frappe.qb.from_(item)
		.join(card)
		.on(card.name == item.parent)
		.left_join(target)
		.on((target.parent == item.parent) & (target.kpi == item.kpi) & (target.period_start == period_start))
		.select(item.parent, item.kpi, item.kpi_name, item.unit, target.target)
		.where(item.parent.isin(scorecards) & (item.parenttype == "KPI Scorecard"))
		.orderby(card.employee_name)
		.orderby(item.parent)
		.orderby(item.idx)
		.run(as_dict=True)
	)


def _measurements(scorecards: list[str], period_start: date) -> dict[str, frappe._dict]:
	"""The live (draft or approved) measurement of each scorecard for the period, with its rows."""
	if not scorecards:
		return {}
	found = frappe.get_all(
		"KPI Measurement",
		filters={"scorecard": ("in", scorecards), "period_start": period_start, "docstatus": ("<", 2)},
		fields=["name", "scorecard", "docstatus"],
	)
	by_name = {row.name: frappe._dict(row, rows={}) for row in found}
	if by_name:
		for line in frappe.get_all(
			"KPI Measurement Item",
			filters={"parent": ("in", list(by_name)), "parenttype": "KPI Measurement"},
			fields=["parent", "kpi", "actual", "comment"],
		):
			by_name[line.parent].rows[line.kpi] = line
	return {row.scorecard: row for row in by_name.values()}


# -- writing: everything or nothing -------------------------------------------------------------


def _save_all(documents: list[tuple[object, object]]):
	"""Save the documents inside one savepoint; if the controller refuses one, undo them all and
	report its message at the cell `locate(message)` gives."""
	if not documents:
		return
	frappe.db.savepoint("kpibsc_spreadsheet")
	for doc, locate in documents:
		messages = len(frappe.local.message_log)
		try:
			doc.save()
		except Exception as error:
			frappe.db.rollback(save_point="kpibsc_spreadsheet")
			if not isinstance(error, frappe.ValidationError | frappe.PermissionError):
				raise
			del frappe.local.message_log[messages:]
			message = cstr(error) or _("{0} could not be saved.").format(doc.name or doc.doctype)
			_raise([(locate(message), message)])
	frappe.db.release_savepoint("kpibsc_spreadsheet")


def _error(errors: list, sheet, coordinate: str, message: str):
	errors.append((cell_ref(sheet, coordinate), message))


def _raise(errors: list[tuple[str, str]]):
	if not errors:
		return
	lines = "".join(
		f"<li><b>{escape_html(cell)}</b>: {message}</li>" for cell, message in errors[:MAX_ERRORS_SHOWN]
	)
	more = len(errors) - MAX_ERRORS_SHOWN
	if more > 0:
		lines += "<li>{}</li>".format(_("… and {0} more.").format(more))
	message = "{}<ul>{}</ul>".format(
		_("Nothing was saved. Correct these cells and upload the file again:"), lines
	)
	frappe.msgprint(message, title=_("Upload Refused"), indicator="red")
	raise SpreadsheetError(message, errors)


def _data_rows(sheet, errors) -> list[int]:
	last = sheet.max_row
	if last - HEADER_ROW > MAX_ROWS:
		_error(
			errors, sheet, f"A{FIRST_ROW + MAX_ROWS}", _("Upload at most {0} rows at once.").format(MAX_ROWS)
		)
		_raise(errors)
	return [
		row
		for row in range(FIRST_ROW, last + 1)
		if not _blank(cell.value for cell in sheet[row][: max(sheet.max_column, 1)])
	]


# -- building a workbook ------------------------------------------------------------------------


def _new_sheet(title: str):
	from openpyxl import Workbook

	workbook = Workbook()
	sheet = workbook.active
	sheet.title = title[:31]
	return workbook, sheet


def _header(sheet, title: str, first: tuple, second: tuple, hint: str):
	from openpyxl.styles import Alignment, Font

	sheet["A1"] = title
	sheet["A1"].font = Font(bold=True, size=14)
	for row, (label, *values) in ((2, first), (3, second)):
		sheet.cell(row, 1, label).font = Font(bold=True)
		for column, value in enumerate(values, start=2):
			if value is None:
				continue
			cell = sheet.cell(row, column, value)
			if isinstance(value, date):
				cell.number_format = _date_format()
	sheet["A4"] = hint
	sheet["A4"].alignment = Alignment(wrap_text=False)
	sheet["A4"].font = Font(italic=True, color="666666")


def _header_row(sheet, headers: list):
	from openpyxl.styles import Font, PatternFill

	for column, header in enumerate(headers, start=1):
		cell = sheet.cell(HEADER_ROW, column, header)
		cell.font = Font(bold=True)
		cell.fill = PatternFill("solid", fgColor="E8EAED")
	sheet.freeze_panes = sheet.cell(FIRST_ROW, 3)


def _input(cell, number_format: str):
	from openpyxl.styles import PatternFill

	cell.fill = PatternFill("solid", fgColor=INPUT_FILL)
	cell.number_format = number_format


def _widths(sheet, widths: list[int]):
	from openpyxl.utils import get_column_letter

	for column, width in enumerate(widths, start=1):
		sheet.column_dimensions[get_column_letter(column)].width = width


def _date_format() -> str:
	"""The site's date format in Excel's words (dd-mm-yyyy reads the same in both)."""
	return (frappe.db.get_default("date_format") or "yyyy-mm-dd").replace("/", "\\/")


def _send(workbook, name: str):
	stream = io.BytesIO()
	workbook.save(stream)
	# an ASCII name: the Content-Disposition header carries no other
	ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
	frappe.response["filename"] = "{}.xlsx".format(re.sub(r"[^A-Za-z0-9-]+", "_", ascii_name).strip("_"))
	frappe.response["filecontent"] = stream.getvalue()
	frappe.response["type"] = "binary"
