"""Calibration: a cycle's reviews by rank band against the forced-distribution quotas, a move
of one review to another band with its note and a log record, the forced distribution of a
whole cycle, and who rates potential.

A move goes through the review's own calibration path (`PerformanceReview.validate`: HR, in
the HR Calibration step, with a note; the band's pay coefficient recomputed) and then writes
a *Performance Review Calibration* record. Quotas are advice: a band over its quota after a
move is a warning, never an error (the forced distribution on the cycle enforces them, and
logs every band it changes as a move would).
"""

import numpy as np

import frappe
from frappe import _
from frappe.utils import flt, now_datetime

from kpibsc.engine import forced_distribution
from kpibsc.engine.calibration import band_quotas
from kpibsc.engine.errors import EngineError
from kpibsc.kpibsc.permissions import is_above, is_review_hr, tree_position
from kpibsc.kpibsc.services.bulk import insert_rows, reserve_format_names
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error
from kpibsc.kpibsc.services.reviews import HR_STATE, band_scale, distribution_quotas, get_settings

CLOSED_CYCLE = "Completed"
LOG = "Performance Review Calibration"


class CalibrationNoteError(frappe.ValidationError):
	pass


class CalibrationMoveError(frappe.ValidationError):
	pass


class PotentialError(frappe.ValidationError):
	pass


# -- the board ----------------------------------------------------------------------------------


@frappe.whitelist()
def get_board(cycle: str, department: str | None = None) -> dict:
	"""The cycle's reviews the user may read (in `department` and the departments below it), by
	rank band from the best, each band with its quota (count and %) and its actual count."""
	cycle_doc = frappe.get_doc("Performance Review Cycle", cycle)
	cycle_doc.check_permission("read")
	reviews = cycle_reviews(cycle, department)
	settings = get_settings()
	codes = [band.code for band in reversed(band_scale(settings).bands)]  # best first
	percents = {band[0]: flt(band[4]) for band in settings.bands}
	banded = [row for row in reviews if row.rank_band in codes]
	quotas = band_quotas(len(banded), [(code, percents.get(code, 0.0)) for code in codes])
	bands = []
	for code in codes:
		members = [row for row in banded if row.rank_band == code]
		quota = quotas[code] if quotas else None
		bands.append(
			{
				"band": code,
				"quota_percent": percents.get(code) if quotas else None,
				"quota": quota,
				"count": len(members),
				"over_quota": quota is not None and len(members) > quota,
				"reviews": members,
			}
		)
	return {
		"cycle": cycle,
		"cycle_status": cycle_doc.status,
		"department": department or None,
		"total": len(banded),
		"bands": bands,
		"without_band": [row for row in reviews if row.rank_band not in codes],
		"may_calibrate": is_review_hr(),
	}


def cycle_reviews(cycle: str, department: str | None) -> list[frappe._dict]:
	"""Through get_list: HR sees the whole cycle, anyone else only the reviews they may read."""
	filters = {"review_cycle": cycle, "docstatus": ("<", 2)}
	if department:
		filters["department"] = ("in", departments_under(department))
	reviews = frappe.get_list(
		"Performance Review",
		filters=filters,
		fields=[
			"name",
			"employee",
			"employee_name",
			"department",
			"final_score",
			"calculated_band",
			"rank_band",
			"potential",
			"workflow_state",
			"docstatus",
		],
		order_by="final_score desc, employee asc",
		limit_page_length=0,
	)
	for row in reviews:
		row.movable = row.docstatus == 0 and row.workflow_state == HR_STATE
	return reviews


def departments_under(department: str) -> list[str]:
	"""The department and those below it (as a cycle's department selects its employees)."""
	bounds = frappe.db.get_value("Department", department, ["lft", "rgt"], as_dict=True)
	if not bounds:
		return [department]
	return frappe.get_all(
		"Department", filters={"lft": (">=", bounds.lft), "rgt": ("<=", bounds.rgt)}, pluck="name"
	)


# -- a move ---------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def move_to_band(review: str, band: str, note: str, department: str | None = None) -> dict:
	"""Move one review to `band` with a note: HR Manager, HR User or KPI Manager, on the stored
	review, in the HR Calibration step of a cycle that is not completed. Writes the review
	through its calibration path and a log record; returns the log's name and, when the band
	is now over its quota (counted as the board for `department` counts it), a warning."""
	note = (note or "").strip()
	if not note:
		frappe.throw(
			_("Say why the review moves to another band: a calibration note is required."),
			exc=CalibrationNoteError,
			title=_("Calibration Note Missing"),
		)
	if not is_review_hr():
		frappe.throw(
			_("Only HR Managers, HR Users and KPI Managers calibrate reviews."), frappe.PermissionError
		)
	doc = frappe.get_doc("Performance Review", review)  # the stored review, whatever the client holds
	doc.check_permission("write")
	check_movable(doc, band)
	from_band = doc.rank_band
	doc.rank_band = band
	doc.calibration_note = note
	doc.save()
	log = frappe.get_doc(
		{
			"doctype": LOG,
			"review": doc.name,
			"employee": doc.employee,
			"employee_name": doc.employee_name,
			"department": doc.department,
			"review_cycle": doc.review_cycle,
			"from_band": from_band,
			"to_band": doc.rank_band,
			"note": note,
			"calibrated_by": frappe.session.user,
			"calibrated_on": now_datetime(),
		}
	)
	log.insert(ignore_permissions=True)  # nobody creates these by hand: the move is the only way in
	return {"log": log.name, "rank_band": doc.rank_band, "warning": quota_warning(doc, department)}


def check_movable(doc, band: str):
	if doc.review_cycle and (
		frappe.db.get_value("Performance Review Cycle", doc.review_cycle, "status") == CLOSED_CYCLE
	):
		frappe.throw(
			_("Review cycle {0} is completed, so its bands are final.").format(frappe.bold(doc.review_cycle)),
			exc=CalibrationMoveError,
		)
	if doc.docstatus != 0:
		frappe.throw(
			_("Review {0} is approved, so its band is final. Re-open it to change the band.").format(
				frappe.bold(doc.name)
			),
			exc=CalibrationMoveError,
		)
	if doc.workflow_state != HR_STATE:
		frappe.throw(
			_("Review {0} is in {1}: bands are moved in the HR Calibration step.").format(
				frappe.bold(doc.name),
				_(doc.workflow_state or ""),  # translated at runtime: a workflow state
			),
			exc=CalibrationMoveError,
		)
	codes = [row.code for row in band_scale(get_settings()).bands]
	if band not in codes:
		frappe.throw(
			_("{0} is not a rank band. Use one of: {1}.").format(frappe.bold(band), ", ".join(codes)),
			exc=CalibrationMoveError,
		)
	if band == doc.rank_band:
		frappe.throw(
			_("Review {0} is already in band {1}.").format(frappe.bold(doc.name), band),
			exc=CalibrationMoveError,
		)


def quota_warning(doc, department: str | None) -> str | None:
	if not doc.review_cycle:
		return None
	board = get_board(doc.review_cycle, department)
	row = next((row for row in board["bands"] if row["band"] == doc.rank_band), None)
	if not row or not row["over_quota"]:
		return None
	return _(
		"Band {0} now holds {1}, above its quota of {2}. The move is saved; balance the bands before approving."
	).format(doc.rank_band, row["count"], row["quota"])


@frappe.whitelist()
def get_history(review: str) -> list[dict]:
	"""The review's calibrations, newest first: for whoever may read the review and the log
	(HR Manager, HR User, KPI Manager; a reviewer or the employee reads the note on the review)."""
	frappe.get_doc("Performance Review", review).check_permission("read")
	if not frappe.has_permission(LOG, "read"):
		return []
	return frappe.get_list(
		LOG,
		filters={"review": review},
		fields=["name", "from_band", "to_band", "note", "calibrated_by", "calibrated_on"],
		order_by="calibrated_on desc, creation desc",
		limit_page_length=0,
	)


# -- the forced distribution of a cycle ----------------------------------------------------------


def apply_forced_distribution(cycle: str, group_by: str = "Department") -> dict:
	"""Rank bands by quota among the cycle's reviews in HR Calibration, per department or
	across the company; the final score orders, the employee ID breaks ties. Each review gets
	its band, the band's pay coefficient and the note; one whose band changes also a log
	record, as a move would (from and to band, who, when). One update per band and
	multi-row inserts for the log, however large the cycle. Returns how many reviews each
	band holds."""
	settings = get_settings()
	quotas = distribution_quotas(settings)
	reviews = frappe.get_all(
		"Performance Review",
		filters={"review_cycle": cycle, "docstatus": 0, "workflow_state": HR_STATE},
		fields=["name", "employee", "employee_name", "department", "company", "final_score", "rank_band"],
		order_by="name",
	)
	if not reviews:
		frappe.throw(_("No review of this cycle is in HR Calibration, so there is nothing to distribute."))
	groups = [row.department if group_by == "Department" else row.company for row in reviews]
	try:
		bands = forced_distribution(
			[flt(row.final_score) if row.final_score is not None else np.nan for row in reviews],
			quotas,
			groups=groups,
			tiebreak=[row.employee for row in reviews],
		)
	except EngineError as error:
		throw_engine_error(error, _("Forced Distribution"))
	by_band = {}
	for row, band in zip(reviews, bands, strict=True):
		if band:
			by_band.setdefault(band, []).append(row)
	note = _("Forced distribution by {0}").format(_(group_by))  # translated at runtime: Department or Company
	coefficients = {band.code: band.coefficient for band in band_scale(settings).bands}
	review = frappe.qb.DocType("Performance Review")
	for band, rows in by_band.items():
		(
			frappe.qb.update(review)
			.set(review.rank_band, band)
			.set(review.band_coefficient, float(coefficients.get(band, 0)))
			.set(review.calibration_note, note)
			.where(review.name.isin([row.name for row in rows]))
			.run()
		)
	moves = [(row, band) for band, rows in by_band.items() for row in rows if row.rank_band != band]
	log_moves(moves, cycle, note)
	return {band: len(rows) for band, rows in by_band.items()}


def log_moves(moves: list[tuple[frappe._dict, str]], cycle: str, note: str):
	"""One log record per (review row with its old rank_band, new band), named as Frappe
	would name them one by one, in multi-row inserts."""
	now, user = now_datetime(), frappe.session.user
	rows = [
		{
			"name": name,
			"review": row.name,
			"employee": row.employee,
			"employee_name": row.employee_name,
			"department": row.department,
			"review_cycle": cycle,
			"from_band": row.rank_band or None,
			"to_band": band,
			"note": note,
			"calibrated_by": user,
			"calibrated_on": now,
			"docstatus": 0,
			"creation": now,
			"modified": now,
			"owner": user,
			"modified_by": user,
		}
		for name, (row, band) in zip(reserve_format_names(LOG, len(moves)), moves, strict=True)
	]
	insert_rows(LOG, rows)


# -- potential ------------------------------------------------------------------------------------


def check_potential(doc):
	"""PerformanceReview.validate: Potential is the reviewer's (anyone above the employee in
	Reports To) or HR's judgement; a change by anyone else, the employee first (an HR user on
	their own review too), is refused."""
	before = doc.get_doc_before_save()
	if (doc.potential or None) == ((before.potential if before else None) or None):
		return
	me = tree_position(frappe.session.user)
	if doc.employee_user == frappe.session.user or (me and me.name == doc.employee):
		frappe.throw(
			_("Nobody rates their own Potential."), exc=PotentialError, title=_("Not Yours to Change")
		)
	if not (is_review_hr() or (me and is_above(me, doc.employee))):
		frappe.throw(
			_("Only the reviewer or HR rates Potential."),
			exc=PotentialError,
			title=_("Not Yours to Change"),
		)
