"""The score policy of each scorecard: scale, floor, cap and status colours.

One resolver for every reader. KPI BSC Settings holds one row per company (a company
without one scores on today's default: Percent, floor 0%, cap 100%, Amber from 80%, Green
from 100%); a scorecard may override any part of it, and a scorecard item its cap. The
recompute scores each scorecard with its policy and stores the scale and the "above scale"
flag with the results, so reports, reviews and pay read the stored scores without resolving
the policy again. Two queries however many scorecards: resolve them all at once.
"""

import numpy as np
import pandas as pd

import frappe
from frappe import _
from frappe.utils import cint, flt

from kpibsc.engine import PERCENT, SCALES, ScorePolicy, convert_score, policy_from_settings, score_frame
from kpibsc.engine.errors import EngineError

SETTINGS = "KPI BSC Settings"
# settings row / scorecard field -> policy_from_settings argument
POLICY_FIELDS = (
	"score_scale",
	"achievement_floor",
	"achievement_cap",
	"allow_above_scale",
	"amber_from",
	"green_from",
)
# a scorecard's switch: its floor (0 included) replaces the company's only when ticked, as a
# Percent field cannot tell a blank floor from a floor of 0
OVERRIDE_FLOOR = "override_floor"
DEFAULT_VALUES = {
	"score_scale": "Percent",
	"achievement_floor": 0.0,
	"achievement_cap": 100.0,
	"allow_above_scale": 0,
	"amber_from": 80.0,
	"green_from": 100.0,
}


class ScorePolicyError(frappe.ValidationError):
	pass


# -- resolve ----------------------------------------------------------------------------------


def resolve_policies(scorecards) -> dict[str, ScorePolicy]:
	"""{scorecard: ScorePolicy}: the company's row (or the default) under the scorecard's own
	overrides. Scorecards that do not exist are left out. Not cached: a request or job that
	reads many scorecards resolves them in one call (the recompute does)."""
	names = list(set(scorecards))
	if not names:
		return {}
	card = frappe.qb.DocType("KPI Scorecard")
	rows = (
		frappe.qb.from_(card)
		.select(card.name, card.company, card[OVERRIDE_FLOOR], *(card[field] for field in POLICY_FIELDS))
		.where(card.name.isin(names))
		.run(as_dict=True)
	)
	companies = company_values()
	return {
		row.name: make_policy(
			merged_values(companies.get(row.company, DEFAULT_VALUES), row),
			_("Scorecard {0}").format(row.name),
		)
		for row in rows
	}


def company_values() -> dict[str, dict]:
	"""{company: its settings row's values}."""
	row = frappe.qb.DocType("KPI Score Policy")
	rows = (
		frappe.qb.from_(row)
		.select(row.company, *(row[field] for field in POLICY_FIELDS))
		.where((row.parent == SETTINGS) & (row.parenttype == SETTINGS))
		.run(as_dict=True)
	)
	return {row.company: row for row in rows}


def merged_values(company: dict, overrides) -> dict:
	"""The company's values under a scorecard's: a blank scale and a 0 number (Percent
	fields store blank as 0) inherit; a ticked Allow Above Scale allows; the floor is the
	scorecard's, 0 included, when its Override Floor is ticked, else the company's."""
	values = {field: company.get(field) for field in POLICY_FIELDS}
	for field in POLICY_FIELDS:
		own = overrides.get(field)
		if field == "achievement_floor":
			if cint(overrides.get(OVERRIDE_FLOOR)):
				values[field] = flt(own)
		elif own:
			values[field] = own
	return values


def make_policy(values: dict, context: str | None = None) -> ScorePolicy:
	"""The engine policy for settings values; bad values throw a translated error."""
	try:
		return policy_from_settings(
			values.get("score_scale") or "Percent",
			float(values.get("achievement_floor") or 0),
			float(values.get("achievement_cap") or 0) or 100.0,
			bool(values.get("allow_above_scale")),
			float(values.get("amber_from") or 0),
			float(values.get("green_from") or 0),
		)
	except EngineError as error:
		# translated at runtime: the template comes from kpibsc.engine, extracted there
		message = _(error.template).format(*error.values)
		if context:
			message = _("{0}: {1}").format(context, message)
		frappe.throw(message, exc=ScorePolicyError, title=_("Invalid Score Policy"))


# -- validate ---------------------------------------------------------------------------------


def validate_settings_policies(settings):
	"""Each company once; each row a policy the engine accepts."""
	seen = {}
	for row in settings.get("score_policies") or []:
		if row.company in seen:
			frappe.throw(
				_(
					"Company {0} has two score policies, in rows {1} and {2}. Keep one row per company."
				).format(frappe.bold(row.company), seen[row.company], row.idx),
				exc=ScorePolicyError,
				title=_("Invalid Score Policy"),
			)
		seen[row.company] = row.idx
		make_policy(row.as_dict(), _("Score Policies, row {0}").format(row.idx))


def validate_scorecard_policy(scorecard) -> ScorePolicy:
	"""The policy a scorecard being saved will score with, items' caps included."""
	set_floor_override(scorecard)
	company = company_values().get(scorecard.company, DEFAULT_VALUES)
	policy = make_policy(merged_values(company, scorecard), _("Score Policy"))
	for item in scorecard.get("items") or []:
		cap = float(item.get("achievement_cap") or 0)
		if not cap:
			continue
		try:
			policy.cap(np.array([1.0]), np.array([cap / 100.0]))
		except EngineError as error:
			# translated at runtime: the template comes from kpibsc.engine, extracted there
			message = _(error.template).format(*error.values)
			frappe.throw(
				_("Row {0} (KPI {1}): {2}").format(item.idx, frappe.bold(item.kpi), message),
				exc=ScorePolicyError,
				title=_("Invalid Score Policy"),
			)
	return policy


def set_floor_override(scorecard):
	"""Unticking Override Floor inherits the company's floor again (the scorecard's is
	cleared); a non-zero floor given without the switch (by an import or the API) ticks it,
	as a non-zero floor overrode before the switch existed."""
	if cint(scorecard.get(OVERRIDE_FLOOR)):
		return
	before = None if scorecard.is_new() else scorecard.get_doc_before_save()
	if before is not None and cint(before.get(OVERRIDE_FLOOR)):
		scorecard.set("achievement_floor", 0)
	elif flt(scorecard.get("achievement_floor")):
		scorecard.set(OVERRIDE_FLOOR, 1)


def changed_companies(settings) -> set[str]:
	"""Companies whose policy row was added, removed or changed by this save."""
	before = settings.get_doc_before_save()
	old = {row.company: policy_key(row) for row in (before.get("score_policies") if before else [])}
	new = {row.company: policy_key(row) for row in settings.get("score_policies") or []}
	return {company for company in set(old) | set(new) if old.get(company) != new.get(company)}


def policy_key(values) -> tuple:
	"""A row's or scorecard's policy values, typed (a form may send "70" for 70.0)."""
	return (
		values.get("score_scale") or "",
		cint(values.get(OVERRIDE_FLOOR)),
		*(flt(values.get(field)) for field in ("achievement_floor", "achievement_cap")),
		cint(values.get("allow_above_scale")),
		*(flt(values.get(field)) for field in ("amber_from", "green_from")),
	)


def scorecards_of(companies) -> list[str]:
	"""The open (not Closed) scorecards of `companies`: a closed scorecard keeps the scores
	its reviews and pay were based on until someone recomputes it by hand."""
	if not companies:
		return []
	return frappe.get_all(
		"KPI Scorecard",
		filters={"company": ("in", list(companies)), "status": ("!=", "Closed")},
		pluck="name",
		order_by="name",
	)


def scorecard_policy_changed(scorecard) -> bool:
	before = scorecard.get_doc_before_save()
	if not before:
		return False
	if policy_key(scorecard) != policy_key(before):
		return True
	caps = {row.name: flt(row.get("achievement_cap")) for row in before.get("items") or []}
	return any(flt(row.get("achievement_cap")) != caps.get(row.name, 0.0) for row in scorecard.items)


# -- score ------------------------------------------------------------------------------------


def score_with_policies(
	columns: dict, scorecards: np.ndarray, policies: dict[str, ScorePolicy], label_column: str = "label"
) -> pd.DataFrame:
	"""`score_frame` once per distinct policy (a handful), rows in their order, with the
	achievement as shown (the policy's floor, not its cap) and the scale's name."""
	scorecards = np.asarray(scorecards, dtype=object)
	size = len(scorecards)
	# a scorecard without a resolved policy (gone since it was read) scores on the default
	policies = {**dict.fromkeys(set(scorecards) - set(policies), ScorePolicy()), **policies}
	parts = []
	for policy, names in grouped(policies).items():
		mask = pd.Series(scorecards).isin(names).to_numpy()  # hashed: np.isin on strings is n × m
		if not mask.any():
			continue
		rows = {
			name: value[mask] if isinstance(value, np.ndarray) and len(value) == size else value
			for name, value in columns.items()
		}
		scored = score_frame(rows, policy, label_column=label_column)
		scored.index = np.flatnonzero(mask)
		scored["status"] = np.asarray(scored["status"], dtype=object)
		scored["shown"] = policy.shown(scored["achievement_raw"].to_numpy())
		scored["score_scale"] = policy.scale.name
		parts.append(scored)
	return pd.concat(parts).sort_index()


def status_of_scores(
	scores: np.ndarray, scorecards: np.ndarray, policies: dict[str, ScorePolicy]
) -> tuple[np.ndarray, np.ndarray]:
	"""Status and above-scale flag of rolled-up scores, each on its scorecard's scale."""
	scores = np.asarray(scores, dtype=float)
	scorecards = np.asarray(scorecards, dtype=object)
	status = np.full(len(scores), None, dtype=object)
	above = np.zeros(len(scores), dtype=bool)
	policies = {**dict.fromkeys(set(scorecards) - set(policies), ScorePolicy()), **policies}
	for policy, names in grouped(policies).items():
		mask = pd.Series(scorecards).isin(names).to_numpy()  # hashed: np.isin on strings is n × m
		status[mask] = np.asarray(
			policy.status.assign(policy.scale.to_achievement(scores[mask])), dtype=object
		)
		above[mask] = policy.is_above_scale(scores[mask])
	return status, above


def grouped(policies: dict[str, ScorePolicy]) -> dict[ScorePolicy, list[str]]:
	groups = {}
	for name, policy in policies.items():
		groups.setdefault(policy, []).append(name)
	return groups


# -- readers ----------------------------------------------------------------------------------


def to_percent(scores, scales) -> np.ndarray:
	"""Stored scores as Percent scores (3.6 on 0-5 is 72), for what is measured in percent
	whatever the scorecard's scale: review KPI scores, rank bands, pay. A blank scale
	(results stored before scales were) is Percent."""
	scores = np.asarray(scores, dtype=float)
	scales = pd.Series(np.asarray(scales, dtype=object)).fillna("").replace("", PERCENT.name).to_numpy()
	result = scores.copy()
	for name in set(scales) - {PERCENT.name}:
		mask = scales == name
		result[mask] = convert_score(scores[mask], SCALES.get(name, PERCENT), PERCENT)
	return result


def format_score(score, scale: str | None, above_scale: bool = False) -> str:
	"""A score as reports show it: "72" on Percent, "3.6 / 5" on 0-5, with "(above scale)"."""
	if score is None:
		return ""
	scale = SCALES.get(scale or PERCENT.name, PERCENT)
	text = frappe.format(score, {"fieldtype": "Float", "precision": 1})
	if scale != PERCENT:
		text = _("{0} / {1}").format(
			text, frappe.format(scale.maximum, {"fieldtype": "Float", "precision": 0})
		)
	if above_scale:
		text = _("{0} (above scale)").format(text)
	return text


def chart_format(scale: str | None) -> dict:
	"""How a chart of scores on `scale` writes them (public/js/kpibsc_charts.js): "85,5%" on
	Percent, "3,6" on another scale, as the site writes numbers."""
	if (scale or PERCENT.name) == PERCENT.name:
		return {"fieldtype": "Percent", "precision": 1}
	return {"fieldtype": "Float", "precision": 1}


def scale_text(score, scale: str | None, above_scale: bool = False) -> str | None:
	"""`format_score` where the number alone would mislead (another scale than Percent, or
	above the scale); None for a plain percent, which pages show as a number."""
	if (scale or PERCENT.name) == PERCENT.name and not above_scale:
		return None
	return format_score(score, scale, above_scale)
