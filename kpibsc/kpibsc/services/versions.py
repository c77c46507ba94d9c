"""KPI versions: a KPI's scoring changes from a date, and the past keeps its own.

A KPI's scoring settings (method, bounds, tolerance, step direction and bands, formula) are
changed on the KPI form only while nothing was scored with them. After that a change is a
*KPI Version* that takes effect from a date (the New Version button, or Evaluate → Adjust):
the recompute scores each period with the version in force on its first day (engine
`versions`), and each KPI Result records the version it was scored with. The first new
version also stores the settings it replaces as version 1, so the past keeps them; the KPI's
own fields always hold the latest version's settings, which new scorecards show. A version
may not take effect on or before the end of a period with approved actuals: those results
keep the scoring they were approved with.
"""

from datetime import date, timedelta

import pandas as pd

import frappe
from frappe import _
from frappe.query_builder.functions import Min
from frappe.utils import flt, format_date, getdate, today

from kpibsc.engine import Method
from kpibsc.engine.errors import EngineError
from kpibsc.engine.versions import SPEC_COLUMNS, check_effective_from, earliest_effective_date
from kpibsc.kpibsc.services.engine_bridge import check_rule, scoring_rule, step_bands_of

VERSIONED_FIELDS = ("scoring_method", "lower_bound", "upper_bound", "tolerance", "step_direction", "formula")
FLOAT_FIELDS = ("lower_bound", "upper_bound", "tolerance")


class KPIVersionRequiredError(frappe.ValidationError):
	pass


class KPIVersionDateError(frappe.ValidationError):
	pass


class KPIVersionInUseError(frappe.ValidationError):
	pass


def spec_of(doc) -> tuple:
	"""The scoring settings of a KPI or a KPI Version, in a form two can be compared in."""
	return (
		doc.get("scoring_method"),
		flt(doc.get("lower_bound")),
		flt(doc.get("upper_bound")),
		flt(doc.get("tolerance")),
		doc.get("step_direction") or Method.HIGHER_IS_BETTER,
		(doc.get("formula") or "").strip(),
		tuple((flt(band.achievement_from), flt(band.score)) for band in doc.get("step_bands") or []),
	)


# -- the KPI form: its scoring is changed here only while nothing was scored ----------------------


def guard_kpi_change(kpi):
	"""KPI.validate: a change to the scoring of a KPI that has results or versions is refused,
	pointing to New Version; a version's own update of the KPI passes."""
	if kpi.is_new() or kpi.flags.from_kpi_version:
		return
	before = kpi.get_doc_before_save()
	if before is None or spec_of(before) == spec_of(kpi):
		return
	if not (has_results(kpi.name) or frappe.db.exists("KPI Version", {"kpi": kpi.name})):
		return
	frappe.throw(
		_(
			"KPI {0} already has scored results, so its scoring method, bounds, tolerance, step direction, step bands and formula are not changed here: that would rescore its past. Use New Version (or Evaluate → Adjust) to change them from a date; results before that date keep their scoring."
		).format(frappe.bold(kpi.name)),
		exc=KPIVersionRequiredError,
		title=_("New Version Needed"),
	)


def has_results(kpi: str) -> bool:
	return bool(frappe.db.exists("KPI Result", {"kpi": kpi, "node_type": "KPI"}))


# -- making a version --------------------------------------------------------------------------


def latest_version(kpi: str):
	rows = frappe.get_all(
		"KPI Version",
		filters={"kpi": kpi},
		fields=["version_no", "effective_from"],
		order_by="version_no desc",
		limit=1,
	)
	return rows[0] if rows else None


def last_approved_period(kpi: str) -> tuple[date, date] | None:
	"""The latest period (start, end) with approved actuals of `kpi` on any scorecard."""
	measurement = frappe.qb.DocType("KPI Measurement")
	row = frappe.qb.DocType("KPI Measurement Item")
	found = (
		frappe.qb.from_(measurement)
		.join(row)
		.on(row.parent == measurement.name)
		.select(measurement.period_start, measurement.period_end)
		.where((measurement.docstatus == 1) & (row.kpi == kpi) & (row.parenttype == "KPI Measurement"))
		.orderby(measurement.period_end, order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	return (getdate(found[0][0]), getdate(found[0][1])) if found else None


def number(version):
	"""KPI Version.before_insert: the next number (2 for a KPI's first: version 1 is the
	settings it replaces) and who made it; the name is made from them."""
	if version.flags.replaced_settings:
		return
	latest = latest_version(version.kpi)
	version.version_no = (latest.version_no + 1) if latest else 2
	version.created_by = frappe.session.user


def validate_new(version):
	"""KPI Version.validate: who may, when it may take effect, and settings the engine can score."""
	if version.flags.replaced_settings:
		return
	frappe.has_permission("KPI", "write", doc=version.kpi, throw=True)
	if not version.effective_from:
		frappe.throw(_("Say from which date the new version is in force."), frappe.MandatoryError)
	if not (version.reason or "").strip():
		frappe.throw(_("Say why: a new version records its reason."), frappe.MandatoryError)
	latest = latest_version(version.kpi)
	try:
		check_effective_from(
			getdate(version.effective_from),
			(latest.version_no, getdate(latest.effective_from)) if latest else None,
			last_approved_period(version.kpi),
		)
	except EngineError as error:
		frappe.throw(
			# translated at runtime: the template comes from kpibsc.engine.versions, extracted there
			_(error.template).format(
				*(format_date(value) if isinstance(value, date) else value for value in error.values)
			),
			exc=KPIVersionDateError,
			title=_("Invalid Effective Date"),
		)
	check_rule(
		scoring_rule(version, label=version.kpi), 1.0, context=_("Version {0}").format(version.version_no)
	)
	if spec_of(version) == spec_of(frappe.get_doc("KPI", version.kpi)):
		frappe.throw(
			_(
				"Version {0} has the same scoring as KPI {1} now: change the method, a bound, the tolerance, the step direction or bands, or the formula."
			).format(version.version_no, frappe.bold(version.kpi))
		)


def apply(version):
	"""KPI Version.after_insert: keep the settings it replaces as version 1 (the first time),
	and put its settings on the KPI, for new scorecards and the form."""
	if version.flags.replaced_settings:
		return
	kpi = frappe.get_doc("KPI", version.kpi)
	if not frappe.db.exists("KPI Version", {"kpi": kpi.name, "version_no": 1}):
		keep_replaced_settings(kpi, getdate(version.effective_from))
	put_on_kpi(kpi, version)


def put_on_kpi(kpi, version):
	"""The version's scoring settings on the KPI (its fields always hold the latest version's)."""
	for fieldname in VERSIONED_FIELDS:
		value = version.get(fieldname)
		# bounds and tolerance as the KPI stores them: 0 when empty (not a change from 0 to nothing)
		kpi.set(fieldname, flt(value) if fieldname in FLOAT_FIELDS else value)
	kpi.set(
		"step_bands", [{"achievement_from": b.achievement_from, "score": b.score} for b in version.step_bands]
	)
	kpi.flags.from_kpi_version = True
	kpi.save()


def keep_replaced_settings(kpi, effective_from: date):
	"""Version 1: the KPI's settings until now, from its first scored period (or the day it was
	made), which the recompute keeps using for every period before version 2."""
	result = frappe.qb.DocType("KPI Result")
	first = (
		frappe.qb.from_(result)
		.select(Min(result.period_start))
		.where((result.kpi == kpi.name) & (result.node_type == "KPI"))
		.run()[0][0]
	)
	start = min(day for day in (getdate(first) if first else None, getdate(kpi.creation)) if day)
	first_version = frappe.get_doc(
		{
			"doctype": "KPI Version",
			"kpi": kpi.name,
			"version_no": 1,
			"effective_from": min(start, effective_from - timedelta(days=1)),
			"created_by": kpi.owner,
			"reason": _("The KPI's scoring before version 2."),
			**{fieldname: kpi.get(fieldname) for fieldname in VERSIONED_FIELDS},
			"step_bands": [
				{"achievement_from": b.achievement_from, "score": b.score} for b in kpi.step_bands
			],
		}
	)
	first_version.flags.replaced_settings = True
	first_version.insert(ignore_permissions=True)


# -- removing a mistaken version -------------------------------------------------------------


def check_removable(version):
	"""KPI Version.on_trash: only the latest version goes, before it takes effect and before
	any period it scores has actuals; the KPI goes back to the version before it. A version
	is deleted, not cancelled: nothing was ever scored with it, so there is nothing for a
	record to keep (the deletion itself is logged as a Deleted Document)."""
	frappe.has_permission("KPI", "write", doc=version.kpi, throw=True)
	refusal = removal_refusal(version)
	if refusal:
		frappe.throw(refusal, KPIVersionInUseError, title=_("Version In Use"))


def removal_refusal(version) -> str | None:
	"""Why `version` (kpi, version_no, effective_from) may not be removed; None when it may."""
	name, effective_from = frappe.bold(version.kpi), getdate(version.effective_from)
	latest = latest_version(version.kpi)
	if latest and latest.version_no != version.version_no:
		return _("Remove version {0} of KPI {1} first: versions are removed newest first.").format(
			latest.version_no, name
		)
	if effective_from <= getdate(today()):
		return _(
			"Version {0} of KPI {1} is in force since {2}, so it is kept: a version can only be removed before it takes effect. Make a new version to change the scoring from a later date."
		).format(version.version_no, name, format_date(effective_from))
	measured = first_measured_period(version.kpi, effective_from)
	if measured:
		return _(
			"Version {0} of KPI {1} already scores actuals of the period from {2}, so it is kept. Make a new version to change the scoring from a later date."
		).format(version.version_no, name, format_date(measured))
	return None


def first_measured_period(kpi: str, effective_from: date) -> date | None:
	"""The first period starting on or after `effective_from` (one the version scores) with an
	actual in a KPI Result or an approved measurement of `kpi`; None when there is none."""
	result = frappe.qb.DocType("KPI Result")
	scored = (
		frappe.qb.from_(result)
		.select(Min(result.period_start))
		.where(
			(result.kpi == kpi)
			& (result.node_type == "KPI")
			& (result.has_actual == 1)
			& (result.period_start >= effective_from)
		)
		.run()[0][0]
	)
	measurement = frappe.qb.DocType("KPI Measurement")
	row = frappe.qb.DocType("KPI Measurement Item")
	approved = (
		frappe.qb.from_(measurement)
		.join(row)
		.on(row.parent == measurement.name)
		.select(Min(measurement.period_start))
		.where(
			(measurement.docstatus == 1)
			& (row.kpi == kpi)
			& (row.parenttype == "KPI Measurement")
			& (measurement.period_start >= effective_from)
		)
		.run()[0][0]
	)
	days = [getdate(day) for day in (scored, approved) if day]
	return min(days) if days else None


def restore_previous(version):
	"""KPI Version.on_trash, after `check_removable`: the KPI takes back the settings of the
	version before it."""
	previous = frappe.get_all(
		"KPI Version",
		filters={"kpi": version.kpi, "version_no": ("<", version.version_no)},
		pluck="name",
		order_by="version_no desc",
		limit=1,
	)
	if previous:
		put_on_kpi(frappe.get_doc("KPI", version.kpi), frappe.get_doc("KPI Version", previous[0]))


def scorecards_from(kpi: str, effective_from) -> list[str]:
	"""Scorecards carrying `kpi` with a period ending on or after `effective_from`: those whose
	scores the new version changes."""
	target = frappe.qb.DocType("KPI Scorecard Target")
	return (
		frappe.qb.from_(target)
		.select(target.parent)
		.distinct()
		.where(
			(target.kpi == kpi)
			& (target.parenttype == "KPI Scorecard")
			& (target.period_end >= getdate(effective_from))
		)
		.run(pluck=True)
	)


# -- the recompute's side ----------------------------------------------------------------------


def versions_table(kpis: list[str]) -> pd.DataFrame:
	"""Every version of `kpis` in the recompute's column names (engine SPEC_COLUMNS), two queries
	whatever the number of KPIs; empty when none has versions."""
	columns = ["kpi", "number", "effective_from", *SPEC_COLUMNS]
	if not kpis:
		return pd.DataFrame(columns=columns)
	versions = frappe.get_all(
		"KPI Version",
		filters={"kpi": ("in", list(kpis))},
		fields=["name", "kpi", "version_no", "effective_from", *VERSIONED_FIELDS],
	)
	if not versions:
		return pd.DataFrame(columns=columns)
	bands = {version.name: [] for version in versions}
	for band in frappe.get_all(
		"KPI Step Band",
		filters={"parent": ("in", list(bands)), "parenttype": "KPI Version"},
		fields=["parent", "achievement_from", "score"],
		order_by="idx",
	):
		bands[band.parent].append(band)
	return pd.DataFrame(
		[
			{
				"kpi": version.kpi,
				"number": version.version_no,
				"effective_from": version.effective_from,
				"method": version.scoring_method,
				"kpi_lower": version.lower_bound,
				"kpi_upper": version.upper_bound,
				"kpi_tolerance": version.tolerance,
				"direction": version.step_direction or Method.HIGHER_IS_BETTER,
				"formula": version.formula,
				"steps": step_bands_of({"step_bands": bands[version.name]}),
			}
			for version in versions
		],
		columns=columns,
	)


# -- reports ---------------------------------------------------------------------------------


def versioned_kpis(kpis) -> set[str]:
	"""Those of `kpis` with versions (so with more than one: a first new version keeps the
	settings it replaces as version 1); reports show their results' version, one query."""
	kpis = list({kpi for kpi in kpis if kpi})
	if not kpis:
		return set()
	return set(frappe.get_all("KPI Version", filters={"kpi": ("in", kpis)}, pluck="kpi", distinct=True))


# -- the KPI form ------------------------------------------------------------------------------


@frappe.whitelist()
def version_context(kpi: str) -> dict:
	"""What the KPI form shows: its versions (newest first), whether the user may make one,
	the earliest date a new one may take effect, and the version they may remove, if any."""
	frappe.has_permission("KPI", "read", doc=kpi, throw=True)
	versions = frappe.get_list(
		"KPI Version",
		filters={"kpi": kpi},
		fields=["name", "version_no", "effective_from", "scoring_method", "reason", "created_by", "creation"],
		order_by="version_no desc",
	)
	latest = versions[0] if versions else None
	approved = last_approved_period(kpi)
	may_write = frappe.has_permission("KPI", "write", doc=kpi)
	return {
		"versions": versions,
		"has_results": has_results(kpi),
		"can_create": bool(frappe.has_permission("KPI Version", "create") and may_write),
		# the latest version, when this user may delete it and it may go (a mistaken one)
		"removable": latest.name
		if latest
		and may_write
		and frappe.has_permission("KPI Version", "delete")
		and not removal_refusal(frappe._dict(latest, kpi=kpi))
		else None,
		"earliest": earliest_effective_date(
			getdate(latest.effective_from) if latest else None, approved[1] if approved else None
		),
	}


@frappe.whitelist(methods=["POST"])
def new_version(
	kpi: str,
	effective_from: str,
	reason: str,
	scoring_method: str,
	lower_bound: float | None = None,
	upper_bound: float | None = None,
	tolerance: float | None = None,
	step_direction: str | None = None,
	formula: str | None = None,
	step_bands: list | str | None = None,
) -> dict:
	"""Make a version of `kpi` in force from `effective_from` (KPI Manager, System Manager);
	the scorecards it changes are recomputed."""
	frappe.has_permission("KPI Version", "create", throw=True)
	if isinstance(step_bands, str):
		step_bands = frappe.parse_json(step_bands)
	version = frappe.get_doc(
		{
			"doctype": "KPI Version",
			"kpi": kpi,
			"effective_from": effective_from,
			"reason": reason,
			"scoring_method": scoring_method,
			"lower_bound": lower_bound,
			"upper_bound": upper_bound,
			"tolerance": tolerance,
			"step_direction": step_direction,
			"formula": formula,
			"step_bands": [
				{"achievement_from": flt(band.get("achievement_from")), "score": flt(band.get("score"))}
				for band in step_bands or []
			],
		}
	).insert()
	return {"name": version.name, "version_no": version.version_no, "effective_from": version.effective_from}
