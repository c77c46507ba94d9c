"""Performance reviews: settings, the KPI score from scorecard results, scoring, bands,
cycles (bulk creation; the forced distribution is calibration's) and the HRMS Appraisal's
KPI score.

One path for one review or a cycle of thousands: reviews are scored as a frame by the
engine (`engine/reviews.py`, `engine/bands.py`); a single review is a frame of one row.
"""

import re

import numpy as np
import pandas as pd

import frappe
from frappe import _
from frappe.utils import flt, getdate, now_datetime

from kpibsc.engine import FIVE_BANDS, BandScale
from kpibsc.engine.errors import EngineError
from kpibsc.engine.reviews import ReviewPolicy, competency_scores, final_scores, period_kpi_scores
from kpibsc.kpibsc.permissions import is_above, tree_position
from kpibsc.kpibsc.services.bulk import insert_rows, reserve_names
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error
from kpibsc.kpibsc.services.score_policy import to_percent

FIRST_STATE, MANAGER_STATE, HR_STATE, APPROVED_STATE = (
	"Self Assessment",
	"Manager Review",
	"HR Calibration",
	"Approved",
)
COMPETENCIES_ONLY = "Competencies Only"
BACKGROUND_THRESHOLD = 50
# `kpi_score` as a name in an Appraisal Cycle's final score formula
KPI_SCORE_NAME = re.compile(r"\bkpi_score\b")


class NoScorecardError(frappe.ValidationError):
	pass


class BandSettingsError(frappe.ValidationError):
	pass


# -- settings ---------------------------------------------------------------------------------


def get_settings() -> frappe._dict:
	settings = frappe.get_cached_doc("KPI BSC Settings")
	return frappe._dict(
		rating_scale=int(settings.rating_scale or 5),
		kpi_weight=flt(settings.kpi_weight) if settings.kpi_weight is not None else 70.0,
		competency_weight=flt(settings.competency_weight) if settings.competency_weight is not None else 30.0,
		formula=(settings.final_score_formula or "").strip() or None,
		no_scorecard_policy=settings.no_scorecard_policy or "Refuse",
		bands=[
			(
				row.band,
				flt(row.from_score),
				flt(row.to_score),
				flt(row.coefficient),
				flt(row.distribution_percent),
			)
			for row in settings.rank_bands
		],
	)


def band_scale(settings: frappe._dict) -> BandScale:
	"""The configured bands (checked end to end), or the engine's five bands A-E."""
	if not settings.bands:
		return FIVE_BANDS
	try:
		return BandScale.from_ranges([band[:4] for band in settings.bands])
	except EngineError as error:
		throw_engine_error(error, _("Rank Bands"))


def distribution_quotas(settings: frappe._dict) -> list[tuple[str, float]]:
	"""(band, percent) from the best band down, for a forced distribution."""
	bands = sorted(settings.bands, key=lambda band: -band[1])
	quotas = [(band[0], band[4]) for band in bands]
	if not quotas or not any(percent for _band, percent in quotas):
		frappe.throw(
			_("Set the Forced Distribution % of the rank bands in KPI BSC Settings first."),
			exc=BandSettingsError,
		)
	return quotas


def review_policy(settings: frappe._dict) -> ReviewPolicy:
	try:
		return ReviewPolicy(
			kpi_weight=settings.kpi_weight,
			competency_weight=settings.competency_weight,
			scale_max=settings.rating_scale,
			formula=settings.formula,
		)
	except EngineError as error:
		throw_engine_error(error, _("KPI BSC Settings"))


def validate_settings(doc):
	"""KPI BSC Settings.validate: bands meet end to end, quotas add up, the policy holds."""
	rows = [
		(
			row.band,
			flt(row.from_score),
			flt(row.to_score),
			flt(row.coefficient),
			flt(row.distribution_percent),
		)
		for row in doc.rank_bands
	]
	settings = frappe._dict(
		rating_scale=int(doc.rating_scale or 0),
		kpi_weight=flt(doc.kpi_weight),
		competency_weight=flt(doc.competency_weight),
		formula=(doc.final_score_formula or "").strip() or None,
		bands=rows,
	)
	review_policy(settings)
	if rows:
		band_scale(settings)
		total = sum(row[4] for row in rows)
		if total and abs(total - 100) > 1e-6:
			frappe.throw(
				_("The Forced Distribution % of the rank bands must add up to 100, not {0}.").format(
					flt(total, 2)
				),
				exc=BandSettingsError,
			)


# -- the KPI score of a review period ---------------------------------------------------------


def kpi_scores(employees: list[str], from_dates: list, to_dates: list) -> pd.DataFrame:
	"""Per (employee, from, to): the employee's scorecard and the mean of its period scores
	within the dates, in percent whatever the scorecard's scale (3.6 on a 0-5 scorecard is 72:
	the review's formula, rank bands and pay are in percent). Two queries for any number of
	employees."""
	result = pd.DataFrame({"employee": employees, "from_date": from_dates, "to_date": to_dates})
	result["scorecard"] = None
	result["kpi_score"] = np.nan
	result["kpi_periods"] = 0
	if result.empty:
		return result
	card = frappe.qb.DocType("KPI Scorecard")
	cards = (
		frappe.qb.from_(card)
		.select(card.name, card.employee, card.from_date, card.to_date)
		.where(
			(card.scorecard_for == "Employee")
			& card.employee.isin(list(set(employees)))
			& (card.from_date <= max(getdate(day) for day in to_dates))
			& (card.to_date >= min(getdate(day) for day in from_dates))
		)
		.orderby(card.from_date)
		.run(as_dict=True)
	)
	if not cards:
		return result
	res = frappe.qb.DocType("KPI Result")
	rows = (
		frappe.qb.from_(res)
		.select(
			res.scorecard,
			res.employee,
			res.period_start,
			res.period_end,
			res.score,
			res.status,
			res.score_scale,
		)
		.where(res.scorecard.isin([row.name for row in cards]) & (res.node_type == "Scorecard"))
		.run()
	)
	periods = pd.DataFrame(
		rows,
		columns=["scorecard", "employee", "period_start", "period_end", "score", "status", "score_scale"],
	)
	periods["score"] = to_percent(periods["score"].astype(float), periods["score_scale"])
	periods = periods.assign(key=periods["employee"], has_data=periods["status"] != "No Data")
	means, counts = period_kpi_scores(
		periods, result["from_date"].tolist(), result["to_date"].tolist(), result["employee"].tolist()
	)
	result["kpi_score"] = means
	result["kpi_periods"] = counts
	# the scorecard shown on the review: the last one overlapping its dates
	cards_of = {}
	for row in cards:
		cards_of.setdefault(row.employee, []).append(row)
	result["scorecard"] = [
		next(
			(
				row.name
				for row in reversed(cards_of.get(employee, []))
				if row.from_date <= getdate(end) and row.to_date >= getdate(start)
			),
			None,
		)
		for employee, start, end in zip(employees, from_dates, to_dates, strict=True)
	]
	return result


# -- scoring ----------------------------------------------------------------------------------


def score_frame(
	reviews: pd.DataFrame,
	ratings: pd.DataFrame,
	settings: frappe._dict,
	feedback_scores: pd.Series | None = None,
) -> pd.DataFrame:
	"""Scores and bands of reviews (columns name, kpi_score, review_mode, rank_band) from
	their ratings (review, weight, self_rating, manager_rating). `feedback_scores` (review ->
	competency score from every source, `engine/feedback.py`) replaces the manager-or-self
	competency score of the reviews whose cycle asks for feedback."""
	policy = review_policy(settings)
	scale = band_scale(settings)
	names = reviews["name"].tolist()
	try:
		self_score = competency_scores(
			ratings["review"], ratings["weight"], ratings["self_rating"], policy.scale_max
		).reindex(names)
		manager_score = competency_scores(
			ratings["review"], ratings["weight"], ratings["manager_rating"], policy.scale_max
		).reindex(names)
		competency = manager_score.fillna(self_score)
		if feedback_scores is not None:
			competency = feedback_scores.reindex(names).astype(float).fillna(competency)
		final = final_scores(
			reviews["kpi_score"].astype(float).to_numpy(),
			competency.to_numpy(dtype=float),
			policy,
			modes=reviews["review_mode"].tolist(),
			self_score=self_score.to_numpy(dtype=float),
			manager_score=manager_score.to_numpy(dtype=float),
		)
	except EngineError as error:
		throw_engine_error(error, _("Performance Review"))
	scored = reviews.copy()
	scored["self_score"] = self_score.to_numpy(dtype=float)
	scored["manager_score"] = manager_score.to_numpy(dtype=float)
	scored["competency_score"] = competency.to_numpy(dtype=float)
	scored["final_score"] = final
	scored["calculated_band"] = scale.assign(final)
	band = scored["rank_band"].where(scored["rank_band"].notna() & (scored["rank_band"] != ""))
	scored["rank_band"] = band.fillna(scored["calculated_band"])
	scored["band_coefficient"] = scale.coefficients(scored["rank_band"].tolist())
	return scored


def band_codes(settings: frappe._dict) -> list[str]:
	return [band.code for band in band_scale(settings).bands]


# -- who is who -------------------------------------------------------------------------------


def sync_review_users(employee, method=None):
	"""Employee.on_update: a review made before its employee or reviewer had a user picks the
	user up, so the workflow's actions (conditioned on those users) appear at once. Costs
	nothing unless User ID changed."""
	if employee.flags.in_insert or not employee.has_value_changed("user_id"):
		return
	review = frappe.qb.DocType("Performance Review")
	for column, link in ((review.employee_user, review.employee), (review.reviewer_user, review.reviewer)):
		(
			frappe.qb.update(review)
			.set(column, employee.user_id)
			.where((link == employee.name) & (review.docstatus == 0))
			.run()
		)


def manages(user: str, employee: str) -> bool:
	"""Whether the user's employee is above `employee` in the Reports To tree."""
	me = tree_position(user)
	return bool(me and me.name != employee and is_above(me, employee))


# -- cycles -----------------------------------------------------------------------------------


def cycle_employees(cycle) -> list[frappe._dict]:
	employee = frappe.qb.DocType("Employee")
	query = (
		frappe.qb.from_(employee)
		.select(
			employee.name,
			employee.employee_name,
			employee.department,
			employee.designation,
			employee.branch,
			employee.company,
			employee.user_id,
			employee.reports_to,
		)
		.where(
			(employee.company == cycle.company)
			& (employee.status == "Active")
			& (employee.date_of_joining <= cycle.to_date)
		)
		.orderby(employee.name)
	)
	if cycle.department:
		department = frappe.qb.DocType("Department")
		bounds = frappe.db.get_value("Department", cycle.department, ["lft", "rgt"], as_dict=True)
		query = query.where(
			employee.department.isin(
				frappe.qb.from_(department)
				.select(department.name)
				.where((department.lft >= bounds.lft) & (department.rgt <= bounds.rgt))
			)
		)
	for field in ("designation", "branch"):
		if cycle.get(field):
			query = query.where(employee[field] == cycle.get(field))
	return query.run(as_dict=True)


def create_cycle_reviews(cycle_name: str, show_progress: bool = False) -> dict:
	"""Reviews for the cycle's employees that have none: scored KPI part, competencies from
	the designation's framework (or the cycle's), in the first workflow state."""
	cycle = frappe.get_doc("Performance Review Cycle", cycle_name)
	settings = get_settings()
	employees = cycle_employees(cycle)
	existing = set(
		frappe.get_all(
			"Performance Review",
			filters={
				"employee": ("in", [row.name for row in employees] or [""]),
				"from_date": cycle.from_date,
				"to_date": cycle.to_date,
				"docstatus": ("<", 2),
			},
			pluck="employee",
		)
	)
	employees = [row for row in employees if row.name not in existing]
	progress(show_progress, cycle, 10, _("Reading scorecards"))
	scores = kpi_scores(
		[row.name for row in employees], [cycle.from_date] * len(employees), [cycle.to_date] * len(employees)
	)
	frameworks = framework_items(cycle, {row.designation for row in employees if row.designation})
	users = dict(
		frappe.get_all(
			"Employee",
			filters={"name": ("in", list({row.reports_to for row in employees if row.reports_to}) or [""])},
			fields=["name", "user_id"],
			as_list=True,
		)
	)
	skipped, rows = [], []
	for employee, score in zip(employees, scores.itertuples(index=False), strict=True):
		mode = cycle.review_mode or "KPI and Competencies"
		if mode != COMPETENCIES_ONLY and not score.scorecard:
			if settings.no_scorecard_policy != COMPETENCIES_ONLY:
				skipped.append(employee.name)
				continue
			mode = COMPETENCIES_ONLY
		rows.append((employee, score, mode))
	progress(show_progress, cycle, 40, _("Creating reviews"))
	names = reserve_names("PRV-.YYYY.-", len(rows))
	now, user = now_datetime(), frappe.session.user
	parents, children = [], []
	for name, (employee, score, mode) in zip(names, rows, strict=True):
		framework, items = frameworks.get(employee.designation) or frameworks.get(None) or (None, [])
		parents.append(
			{
				"name": name,
				"naming_series": "PRV-.YYYY.-",
				"employee": employee.name,
				"employee_name": employee.employee_name,
				"department": employee.department,
				"designation": employee.designation,
				"branch": employee.branch,
				"company": employee.company,
				"employee_user": employee.user_id,
				"reviewer": employee.reports_to,
				"reviewer_user": users.get(employee.reports_to),
				"review_cycle": cycle.name,
				"period_type": cycle.period_type,
				"from_date": cycle.from_date,
				"to_date": cycle.to_date,
				"review_mode": mode,
				"scorecard": score.scorecard,
				"kpi_score": None if np.isnan(score.kpi_score) else float(score.kpi_score),
				"kpi_periods": int(score.kpi_periods),
				"competency_framework": framework,
				"workflow_state": FIRST_STATE,
				"docstatus": 0,
				"released": 0,
				"creation": now,
				"modified": now,
				"owner": user,
				"modified_by": user,
			}
		)
		for index, item in enumerate(items, start=1):
			children.append(
				{
					"name": frappe.generate_hash(length=10),
					"parent": name,
					"parenttype": "Performance Review",
					"parentfield": "competencies",
					"idx": index,
					"competency": item.competency,
					"weight": item.weight,
					"docstatus": 0,
					"creation": now,
					"modified": now,
					"owner": user,
					"modified_by": user,
				}
			)
	if parents:
		scored = score_frame(
			pd.DataFrame(parents)[["name", "kpi_score", "review_mode"]].assign(rank_band=None),
			pd.DataFrame(columns=["review", "weight", "self_rating", "manager_rating"]),
			settings,
		)
		for parent, row in zip(parents, scored.itertuples(index=False), strict=True):
			parent.update(
				final_score=nan_to_none(row.final_score),
				calculated_band=row.calculated_band,
				rank_band=row.rank_band,
				band_coefficient=nan_to_none(row.band_coefficient),
			)
	insert_rows("Performance Review", parents)
	insert_rows("Performance Review Competency", children)
	message = (
		_("No scorecard in the period, so no review was made (KPI BSC Settings refuse it): {0}").format(
			", ".join(skipped[:20]) + ("…" if len(skipped) > 20 else "")
		)
		if skipped
		else None
	)
	cycle.db_set({"error_message": message, "status": "In Progress" if parents or existing else cycle.status})
	update_cycle_counts(cycle.name)
	progress(show_progress, cycle, 100, _("Done"))
	return {"created": len(parents), "existing": len(existing), "skipped": skipped}


def framework_items(cycle, designations: set[str]) -> dict:
	"""Designation (None for the cycle's default) -> (framework, its items)."""
	frameworks = {
		row.designation: row.name
		for row in frappe.get_all(
			"Competency Framework",
			filters={"designation": ("in", list(designations) or [""])},
			fields=["name", "designation"],
			order_by="modified asc",
		)
	}
	if cycle.competency_framework:
		frameworks[None] = cycle.competency_framework
	items = {}
	for row in frappe.get_all(
		"Competency Framework Item",
		filters={
			"parent": ("in", list(set(frameworks.values())) or [""]),
			"parenttype": "Competency Framework",
		},
		fields=["parent", "competency", "weight"],
		order_by="idx",
	):
		items.setdefault(row.parent, []).append(row)
	return {key: (name, items.get(name, [])) for key, name in frameworks.items()}


def update_cycle_counts(cycle: str):
	counts = dict(
		frappe.get_all(
			"Performance Review",
			filters={"review_cycle": cycle, "docstatus": ("<", 2)},
			fields=["docstatus", "count(name) as count"],
			group_by="docstatus",
			as_list=True,
		)
	)
	total = sum(counts.values())
	approved = counts.get(1, 0)
	status = "Completed" if total and approved == total else ("In Progress" if total else "Draft")
	frappe.db.set_value(
		"Performance Review Cycle",
		cycle,
		{"total_reviews": total, "approved_reviews": approved, "status": status},
		update_modified=False,
	)


def cycle_status(cycle: str) -> list[dict]:
	"""How many of the cycle's reviews the user may see are in each workflow state (HR sees
	them all; anyone else who may open the cycle counts only their own and their team's)."""
	return frappe.get_list(
		"Performance Review",
		filters={"review_cycle": cycle, "docstatus": ("<", 2)},
		fields=["workflow_state", "count(name) as count"],
		group_by="workflow_state",
		order_by="workflow_state",
	)


def progress(enabled: bool, cycle, percent: int, description: str):
	if enabled:
		frappe.publish_progress(
			percent,
			title=_("Creating reviews for {0}").format(cycle.name),
			doctype="Performance Review Cycle",
			docname=cycle.name,
			description=description,
		)


def nan_to_none(value):
	return None if value is None or (isinstance(value, float) and np.isnan(value)) else float(value)


# -- HRMS Appraisal ---------------------------------------------------------------------------


def set_appraisal_kpi_score(doc, method=None):
	"""doc_events Appraisal.before_validate: the KPI score of the appraisal's period, so the
	Appraisal Cycle's final score formula can use `kpi_score` (HRMS evaluates that formula
	with the appraisal's own fields) and HR see it without typing it.

	Only for a cycle whose formula uses `kpi_score`: for any other cycle it returns before any
	query (the cycle comes from Frappe's document cache, which HRMS's own validation reads
	too). A bulk creation reads the scores of all the cycle's appraisees at once."""
	if not (doc.employee and doc.get("appraisal_cycle")):
		return
	cycle = frappe.get_cached_doc("Appraisal Cycle", doc.appraisal_cycle)
	if not cycle_uses_kpi_score(cycle):
		return
	start, end = doc.get("start_date") or cycle.start_date, doc.get("end_date") or cycle.end_date
	if not (start and end):
		return
	doc.kpi_scorecard, doc.kpi_score = appraisal_kpi_score(cycle, doc.employee, start, end)


def cycle_uses_kpi_score(cycle) -> bool:
	return bool(
		cycle.calculate_final_score_based_on_formula
		and KPI_SCORE_NAME.search(cycle.final_score_formula or "")
	)


def appraisal_kpi_score(cycle, employee: str, start, end) -> tuple[str | None, float | None]:
	"""(scorecard, KPI score) of one appraisal. The first appraisal of a cycle in a request
	reads its own employee's; a second one (HRMS's Create Appraisals, a Data Import) reads
	those of every appraisee of the cycle in the same two queries, kept for the request."""
	cache = appraisal_score_cache()
	key = (cycle.name, str(cycle.modified), str(getdate(start)), str(getdate(end)))
	entry = cache.get(key)
	if entry and employee in entry["scores"]:
		return entry["scores"][employee]
	employees = [employee]
	if entry and not entry["bulk"]:
		employees = list(dict.fromkeys([employee, *(row.employee for row in cycle.appraisees)]))
	frame = kpi_scores(employees, [start] * len(employees), [end] * len(employees))
	scores = {
		row.employee: (row.scorecard, nan_to_none(row.kpi_score)) for row in frame.itertuples(index=False)
	}
	if entry:
		entry["bulk"] = True
		entry["scores"].update(scores)
	else:
		cache[key] = {"bulk": False, "scores": scores}
	return scores[employee]


def appraisal_score_cache() -> dict:
	"""Request-scoped: dropped when the transaction ends, so scores recomputed later are read
	again (a new request or job starts with empty flags anyway)."""
	cache = frappe.local.flags.kpibsc_appraisal_scores
	if cache is None:
		cache = frappe.local.flags.kpibsc_appraisal_scores = {}
		frappe.db.after_commit.add(drop_appraisal_score_cache)
		frappe.db.after_rollback.add(drop_appraisal_score_cache)
	return cache


def drop_appraisal_score_cache():
	frappe.local.flags.pop("kpibsc_appraisal_scores", None)
