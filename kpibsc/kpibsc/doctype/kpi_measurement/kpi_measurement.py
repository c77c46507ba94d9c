import math
import unicodedata

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cstr, flt, format_date, get_number_format_info, getdate, now_datetime

from kpibsc.kpibsc.permissions import derived_owner, measurement_has_permission, stored_document
from kpibsc.kpibsc.services.actuals import formula_actuals
from kpibsc.kpibsc.services.reminders import ask_for_approval, close_approval
from kpibsc.kpibsc.services.work import task_actuals


class DuplicateMeasurementError(frappe.ValidationError):
	pass


class MeasurementPeriodError(frappe.ValidationError):
	pass


class InvalidActualError(frappe.ValidationError):
	pass


class KPIMeasurement(Document):
	def validate(self):
		self.validate_scorecard()
		self.set_owner_fields()
		self.set_period()
		self.validate_duplicate()
		self.set_items_from_scorecard()
		self.validate_actuals()
		self.set_task_actuals()
		self.set_formula_actuals()
		self.set_draft_status()

	@frappe.whitelist()
	def fill_items(self):
		"""The form calls this when the scorecard or period changes, before saving. It runs on
		the document the client sent: what it reads is the stored scorecard's, so the user
		must be allowed to read that scorecard."""
		if self.scorecard and self.period_start:
			frappe.get_doc("KPI Scorecard", self.scorecard).check_permission("read")
			self.set_period()
			self.set_items_from_scorecard()

	def onload(self):
		# the form offers Submit (approve) only to who may approve these numbers; the
		# owner sends them for approval instead
		self.set_onload("may_approve", bool(measurement_has_permission(self, "submit")))

	@frappe.whitelist()
	def send_for_approval(self) -> list[str]:
		"""The owner's "Send for Approval": the department head gets the to-do (saving a draft
		already does; this says so, and asks again after a to-do was closed). Returns the
		full names of who was asked; none when a KPI Manager approves these numbers."""
		stored = stored_document(self, "write")
		if stored.docstatus != 0:
			frappe.throw(_("Only a draft measurement is sent for approval."))
		ask_for_approval(stored)
		users = frappe.get_all(
			"ToDo",
			filters={"reference_type": stored.doctype, "reference_name": stored.name, "status": "Open"},
			pluck="allocated_to",
		)
		return [frappe.utils.get_fullname(user) for user in users]

	def on_update(self):
		ask_for_approval(self)

	def on_submit(self):
		self.db_set({"status": "Approved", "approved_by": frappe.session.user, "approved_on": now_datetime()})
		close_approval(self)
		if not self.flags.skip_recompute:  # bulk loaders recompute once at the end
			queue_recompute(self.scorecard)

	def on_cancel(self):
		self.db_set("status", "Cancelled")
		close_approval(self)
		queue_recompute(self.scorecard)

	def set_owner_fields(self):
		"""Whose numbers these are follows the scorecard, whatever the request says."""
		owner = derived_owner(self)
		if owner:
			self.update(owner)

	def set_draft_status(self):
		"""Approval is the submit's: a draft is never approved, whatever a client sends."""
		self.status = "Draft"
		self.approved_by = self.approved_on = None

	def validate_scorecard(self):
		status = frappe.db.get_value("KPI Scorecard", self.scorecard, "status")
		if status == "Closed":
			frappe.throw(
				_("Scorecard {0} is closed: it takes no more measurements.").format(
					frappe.bold(self.scorecard)
				)
			)

	def set_period(self):
		"""The period must be one of the scorecard's phased periods; its end follows."""
		target = frappe.qb.DocType("KPI Scorecard Target")
		periods = (
			frappe.qb.from_(target)
			.select(target.period_start, target.period_end)
			.where((target.parent == self.scorecard) & (target.parenttype == "KPI Scorecard"))
			.distinct()
			.orderby(target.period_start)
			.run(as_dict=True)
		)
		match = next((row for row in periods if row.period_start == getdate(self.period_start)), None)
		if not match:
			frappe.throw(
				_("{0} does not start a period of scorecard {1}. Its periods start on: {2}.").format(
					format_date(self.period_start),
					frappe.bold(self.scorecard),
					", ".join(format_date(row.period_start) for row in periods[:13]) or _("none"),
				),
				exc=MeasurementPeriodError,
				title=_("Period Outside the Scorecard"),
			)
		self.period_end = match.period_end

	def validate_duplicate(self):
		existing = frappe.db.exists(
			"KPI Measurement",
			{
				"scorecard": self.scorecard,
				"period_start": self.period_start,
				"docstatus": ("<", 2),
				"name": ("!=", self.name or ""),
			},
		)
		if existing:
			frappe.throw(
				_(
					"Scorecard {0} already has measurement {1} for the period from {2}. Edit or amend that one."
				).format(
					frappe.bold(self.scorecard),
					frappe.get_desk_link("KPI Measurement", existing),
					format_date(self.period_start),
				),
				exc=DuplicateMeasurementError,
				title=_("Duplicate Measurement"),
			)

	def set_items_from_scorecard(self):
		"""One row per scorecard item, with the period's target; typed actuals are kept."""
		# the form starts with one blank row: it is not a KPI of anyone's
		typed = {row.kpi: row for row in self.items if row.kpi}
		item = frappe.qb.DocType("KPI Scorecard Item")
		target = frappe.qb.DocType("KPI Scorecard Target")
		rows = (
			frappe.qb.from_(item)
			.left_join(target)
			.on(
				(target.parent == item.parent)
				& (target.kpi == item.kpi)
				& (target.period_start == self.period_start)
			)
			.select(item.kpi, item.kpi_name, item.unit, target.target)
			.where((item.parent == self.scorecard) & (item.parenttype == "KPI Scorecard"))
			.orderby(item.idx)
			.run(as_dict=True)
		)
		unknown = set(typed) - {row.kpi for row in rows}
		if unknown:
			frappe.throw(
				_("KPI {0} is not on scorecard {1}.").format(frappe.bold(sorted(unknown)[0]), self.scorecard)
			)
		self.set("items", [])
		for row in rows:
			own = typed.get(row.kpi)
			self.append(
				"items",
				{
					"kpi": row.kpi,
					"kpi_name": row.kpi_name,
					"unit": row.unit,
					"target": row.target,
					"actual": own.actual if own else None,
					"comment": own.comment if own else None,
					"evidence": own.evidence if own else None,
				},
			)

	def set_task_actuals(self):
		"""Task Based KPIs take their actual from the tasks behind them, whatever was typed."""
		task_kpis = frappe.get_all(
			"KPI",
			filters={"name": ("in", [row.kpi for row in self.items]), "data_source": "Task Based"},
			pluck="name",
		)
		if not task_kpis:
			return
		live = task_actuals([self.scorecard], period_start=self.period_start)
		values = dict(zip(live["kpi"], live["actual"], strict=True))
		for row in self.items:
			if row.kpi in task_kpis:
				_set_actual(row, values.get(row.kpi))

	def set_formula_actuals(self):
		"""Formula KPIs are computed from the other rows, whatever was typed in them."""
		by_kpi = {row.kpi: row for row in self.items}
		for kpi, value in formula_actuals(self.items).items():
			_set_actual(by_kpi[kpi], value)

	def validate_actuals(self):
		kpis = {
			kpi.name: kpi
			for kpi in frappe.get_all(
				"KPI",
				filters={"name": ("in", [row.kpi for row in self.items])},
				fields=["name", "kpi_name", "allow_negative", "scoring_method"],
			)
		}
		for row in self.items:
			text = normalise_number(row.actual)
			row.has_actual = int(bool(text))
			row.actual_value = 0
			if not text:
				row.actual = None
				continue
			kpi = kpis.get(row.kpi) or frappe._dict()
			label = frappe.bold(kpi.kpi_name or row.kpi)  # people know their KPIs by name
			if kpi.scoring_method == "Yes/No":
				value = parse_yes_no(text)
				if value is None:
					frappe.throw(
						_("Row {0}: {1} is answered Yes or No (Có or Không, 1 or 0), not {2}.").format(
							row.idx, label, frappe.bold(row.actual)
						),
						exc=InvalidActualError,
					)
				text = str(int(value))
			value = parse_number(text)
			if value is None:
				frappe.throw(
					_("Row {0}: the actual of {1} must be a number, not {2}.").format(
						row.idx, label, frappe.bold(row.actual)
					),
					exc=InvalidActualError,
				)
			if value < 0 and not kpi.allow_negative:
				frappe.throw(
					_(
						"Row {0}: {1} cannot be negative. Tick Allow Negative Actuals on the KPI if it can."
					).format(row.idx, label),
					exc=InvalidActualError,
				)
			row.actual_value = flt(value)
			row.actual = cstr(text)


def _set_actual(row, value: float | None):
	row.has_actual = int(value is not None)
	row.actual_value = value or 0
	row.actual = None if value is None else repr(round(value, 6))


def normalise_number(typed: str | None) -> str:
	"""Actuals are stored as plain numbers ("1234.5"): the form converts what a person types
	in the site's number format before saving, and API clients send plain numbers, so
	"12.500" can never mean twelve and a half on one site and twelve thousand on another."""
	return cstr(typed).strip().replace(" ", "")


# what people answer a Yes/No KPI with, in English and Vietnamese (with or without accents)
YES_WORDS = frozenset({"1", "yes", "y", "true", "có", "co", "đúng", "dung", "đạt", "dat"})
NO_WORDS = frozenset({"0", "no", "n", "false", "không", "khong", "sai", "chưa", "chua"})


def parse_yes_no(text: str) -> float | None:
	"""1 for yes, 0 for no, None for anything else; "Có" typed with combining accents counts."""
	word = unicodedata.normalize("NFC", text).casefold()
	if word in YES_WORDS:
		return 1.0
	if word in NO_WORDS:
		return 0.0
	return None


def parse_number(text: str) -> float | None:
	try:
		value = float(text)
	except ValueError:
		return None
	return value if math.isfinite(value) else None


def queue_recompute(scorecard: str):
	from kpibsc.kpibsc.services.recompute import enqueue_recompute

	enqueue_recompute([scorecard])


def on_doctype_update():
	"""Every recompute, fill and duplicate check reads a scorecard's measurements by scorecard
	and period: without the index each of them scans every measurement of the site."""
	frappe.db.add_index("KPI Measurement", ["scorecard", "period_start"])
