"""Score scorecards from their approved measurements and store the results for reports.

One path for one scorecard or twenty thousand: read everything in a fixed number of
queries, let the engine score every item and period (and year to date) in one call and
roll the scores up item → objective → perspective → scorecard, then replace the stored
KPI Result rows with multi-row inserts.

A *Contributes* item takes its actual from the scorecards cascaded from it (summed for
summed KPIs, averaged otherwise), so a scorecard is recomputed together with its
ancestors, and the descendants are read for their actuals.
"""

import hashlib
from types import SimpleNamespace

import numpy as np
import pandas as pd

import frappe
from frappe import _
from frappe.utils import now_datetime

from kpibsc.engine import ScorePolicy, StatusBands, rollup_long, score_frame, year_to_date
from kpibsc.engine.errors import EngineError
from kpibsc.kpibsc.services.bulk import insert_rows
from kpibsc.kpibsc.services.engine_bridge import step_bands_of, throw_engine_error
from kpibsc.kpibsc.services.scorecards import get_kpis

BACKGROUND_THRESHOLD = 50
RESULT_SCORECARD_FIELDS = ("company", "scorecard_for", "department", "employee")


def enqueue_recompute(scorecards: list[str]):
	"""Recompute after the current transaction commits; the same set is queued only once."""
	names = sorted(set(scorecards))
	key = hashlib.sha1("\n".join(names).encode()).hexdigest()[:16]
	frappe.enqueue(
		"kpibsc.kpibsc.services.recompute.run_recompute_job",
		queue="long" if len(names) > BACKGROUND_THRESHOLD else "default",
		timeout=3600,
		job_id=f"kpibsc-recompute-{key}",
		deduplicate=True,
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
		scorecards=names,
	)


def run_recompute_job(scorecards: list[str]) -> dict:
	try:
		return recompute(scorecards, show_progress=True)
	except Exception:
		# the job runner rolls the transaction back; with now=True the caller does
		frappe.log_error(title=_("Recompute of {0} scorecards failed").format(len(scorecards)))
		raise


def recompute(scorecards: list[str], show_progress: bool = False) -> dict:
	"""Score `scorecards` and their ancestors; returns counts of what was written."""
	progress = Progress(show_progress, scorecards[0] if len(scorecards) == 1 else None)
	targets = ancestors_and_self(scorecards)
	family = targets | descendants(targets)
	progress(10, _("Reading scorecards"))
	data = read(family)
	progress(40, _("Scoring"))
	results = score(data, targets)
	progress(70, _("Writing results"))
	write(results, targets)
	progress(100, _("Done"))
	return {"scorecards": len(targets), "results": len(results)}


class Progress:
	def __init__(self, enabled: bool, scorecard: str | None):
		self.enabled, self.scorecard = enabled, scorecard

	def __call__(self, percent: int, description: str):
		if self.enabled:
			frappe.publish_progress(
				percent,
				title=_("Recomputing scores"),
				doctype="KPI Scorecard" if self.scorecard else None,
				docname=self.scorecard,
				description=description,
			)


# -- read -------------------------------------------------------------------------------------


def ancestors_and_self(names) -> set[str]:
	found, level = set(names), set(names)
	while level:
		parents = set(
			frappe.get_all(
				"KPI Scorecard",
				filters={"name": ("in", list(level))},
				pluck="parent_scorecard",
				distinct=True,
			)
		)
		level = {name for name in parents if name and name not in found}
		found |= level
	return found


def descendants(names) -> set[str]:
	found, level = set(), set(names)
	while level:
		children = set(
			frappe.get_all("KPI Scorecard", filters={"parent_scorecard": ("in", list(level))}, pluck="name")
		)
		level = children - found - set(names)
		found |= level
	return found


def read(names: set[str]) -> SimpleNamespace:
	names = list(names)
	scorecards = frappe.get_all(
		"KPI Scorecard",
		filters={"name": ("in", names)},
		fields=["name", "parent_scorecard", *RESULT_SCORECARD_FIELDS],
	)
	items = frappe.get_all(
		"KPI Scorecard Item",
		filters={"parent": ("in", names), "parenttype": "KPI Scorecard"},
		fields=[
			"parent as scorecard",
			"name as item_row",
			"kpi",
			"objective",
			"perspective",
			"weight",
			"lower_bound",
			"upper_bound",
			"tolerance",
			"red_flag",
			"stretch",
			"cascade_mode",
			"source_item",
		],
	)
	targets = frappe.get_all(
		"KPI Scorecard Target",
		filters={"parent": ("in", names), "parenttype": "KPI Scorecard"},
		fields=["parent as scorecard", "kpi", "period_start", "period_end", "target"],
	)
	measurement = frappe.qb.DocType("KPI Measurement")
	row = frappe.qb.DocType("KPI Measurement Item")
	actuals = (
		frappe.qb.from_(measurement)
		.join(row)
		.on(row.parent == measurement.name)
		.select(measurement.scorecard, measurement.period_start, row.kpi, row.actual_value.as_("actual"))
		.where((measurement.docstatus == 1) & measurement.scorecard.isin(names) & (row.has_actual == 1))
		.run(as_dict=True)
	)
	return SimpleNamespace(
		scorecards=frame_of(scorecards, ["name", "parent_scorecard", *RESULT_SCORECARD_FIELDS]),
		items=frame_of(items),
		targets=frame_of(targets),
		actuals=frame_of(actuals, ["scorecard", "period_start", "kpi", "actual"]),
		kpis=get_kpis(list({item.kpi for item in items})),
	)


def frame_of(rows: list, columns: list[str] | None = None) -> pd.DataFrame:
	# plain dicts: numpy probes frappe._dict for __array_struct__ and gets None back
	return pd.DataFrame([dict(row) for row in rows], columns=columns)


# -- score ------------------------------------------------------------------------------------


def score(data: SimpleNamespace, targets: set[str]) -> list[dict]:
	if data.targets.empty or data.items.empty:
		return []
	frame = data.targets.merge(data.items, on=["scorecard", "kpi"], how="inner")
	kpis = pd.DataFrame(
		[
			{
				"kpi": name,
				"method": kpi.scoring_method,
				"aggregation": kpi.aggregation,
				"kpi_lower": kpi.lower_bound,
				"kpi_upper": kpi.upper_bound,
				"kpi_tolerance": kpi.tolerance,
				"direction": kpi.step_direction or "Higher is Better",
				"formula": kpi.formula,
				"steps": step_bands_of(kpi),
				"label": kpi.kpi_code,
			}
			for name, kpi in data.kpis.items()
		]
	)
	frame = frame.merge(kpis, on="kpi", how="left")
	frame = frame.merge(data.actuals, on=["scorecard", "period_start", "kpi"], how="left")
	frame["actual"] = frame["actual"].astype(float)
	frame = add_contributed_actuals(frame, data.scorecards)
	frame = frame[frame["scorecard"].isin(targets)].reset_index(drop=True)
	if frame.empty:
		return []

	frame["key"] = frame["scorecard"] + "|" + frame["kpi"]
	frame["period"] = pd.to_datetime(frame["period_start"])
	frame = year_to_date(frame.rename(columns={"key": "item"})).rename(columns={"item": "key"})
	policy = ScorePolicy()
	try:
		period = score_frame(scoring_columns(frame, "actual", "target"), policy, label_column="label")
		ytd = score_frame(scoring_columns(frame, "ytd_actual", "ytd_target"), policy, label_column="label")
	except EngineError as error:
		throw_engine_error(error, _("Recompute"))
	frame = frame.reset_index(drop=True)
	for prefix, scored in (("", period), ("ytd_", ytd)):
		# achievement as reached (140%); the score is the capped one
		frame[prefix + "achievement"] = scored["achievement_raw"].to_numpy() * 100
		frame[prefix + "score"] = scored["score"].to_numpy()
		frame[prefix + "status"] = np.asarray(scored["status"], dtype=object)
	return item_results(frame) + rolled_up_results(frame, policy.status)


def add_contributed_actuals(frame: pd.DataFrame, scorecards: pd.DataFrame) -> pd.DataFrame:
	"""A Contributes item's actual is its children's, summed or averaged, from the bottom up."""
	parents = dict(zip(scorecards["name"], scorecards["parent_scorecard"], strict=True))
	depth = {name: scorecard_depth(name, parents) for name in parents}
	frame["depth"] = frame["scorecard"].map(depth)
	for level in sorted(set(depth.values()), reverse=True)[1:]:
		children = frame[
			(frame["depth"] == level + 1) & frame["source_item"].notna() & frame["actual"].notna()
		]
		if children.empty:
			continue
		combined = children.groupby(["source_item", "period_start"]).agg(
			total=("actual", "sum"), mean=("actual", "mean"), aggregation=("aggregation", "first")
		)
		combined["value"] = np.where(combined["aggregation"] == "Sum", combined["total"], combined["mean"])
		lookup = combined["value"].to_dict()
		contributes = (frame["depth"] == level) & (frame["cascade_mode"] == "Contributes")
		keys = list(
			zip(frame.loc[contributes, "item_row"], frame.loc[contributes, "period_start"], strict=True)
		)
		values = pd.Series([lookup.get(key, np.nan) for key in keys], index=frame.index[contributes])
		frame.loc[contributes, "actual"] = values.where(values.notna(), frame.loc[contributes, "actual"])
	return frame


def scorecard_depth(name: str, parents: dict) -> int:
	depth, seen = 0, {name}
	while (name := parents.get(name)) and name in parents and name not in seen:
		seen.add(name)
		depth += 1
	return depth


def scoring_columns(frame: pd.DataFrame, actual: str, target: str) -> dict:
	def own_or_kpi(own, kpi_default):
		values = frame[own].where(frame[own].notna() & (frame[own] != 0), frame[kpi_default])
		return values.astype(float)

	lower, upper = own_or_kpi("lower_bound", "kpi_lower"), own_or_kpi("upper_bound", "kpi_upper")
	no_band = (lower.fillna(0) == 0) & (upper.fillna(0) == 0)
	return {
		"label": frame["label"].to_numpy(dtype=object),
		"method": frame["method"].to_numpy(dtype=object),
		"actual": frame[actual].to_numpy(dtype=float),
		"target": frame[target].to_numpy(dtype=float),
		"lower": lower.where(~no_band).to_numpy(dtype=float),
		"upper": upper.where(~no_band).to_numpy(dtype=float),
		"tolerance": own_or_kpi("tolerance", "kpi_tolerance").replace(0, np.nan).to_numpy(dtype=float),
		"red_flag": frame["red_flag"].replace(0, np.nan).to_numpy(dtype=float),
		"stretch": frame["stretch"].replace(0, np.nan).to_numpy(dtype=float),
		"direction": frame["direction"].to_numpy(dtype=object),
		"formula": frame["formula"].to_numpy(dtype=object),
		"steps": frame["steps"].to_numpy(dtype=object),
	}


def item_results(frame: pd.DataFrame) -> list[dict]:
	columns = [
		"scorecard",
		"kpi",
		"objective",
		"perspective",
		"weight",
		"period_start",
		"period_end",
		"target",
		"actual",
		"achievement",
		"score",
		"status",
		"ytd_target",
		"ytd_actual",
		"ytd_achievement",
		"ytd_score",
		"ytd_status",
	]
	records = frame[columns].astype(object).where(frame[columns].notna(), None).to_dict("records")
	for record in records:
		record["node_type"] = "KPI"
		record["has_actual"] = int(record["actual"] is not None)
	return records


def rolled_up_results(frame: pd.DataFrame, bands: StatusBands) -> list[dict]:
	"""Objective, perspective and scorecard scores, period by period and year to date."""
	items = frame.drop_duplicates("key")
	objective_node = items["scorecard"] + "|O|" + items["objective"].fillna("")
	perspective_node = items["scorecard"] + "|P|" + items["perspective"].fillna("")
	item_parent = np.where(
		items["objective"].notna(),
		objective_node,
		np.where(items["perspective"].notna(), perspective_node, items["scorecard"]),
	)
	weight = items["weight"].astype(float).to_numpy()
	nodes = [pd.DataFrame({"node": items["key"], "parent": item_parent, "weight": weight})]
	with_objective = items["objective"].notna()
	objectives = pd.DataFrame(
		{
			"node": objective_node[with_objective],
			"parent": np.where(
				items.loc[with_objective, "perspective"].notna(),
				perspective_node[with_objective],
				items.loc[with_objective, "scorecard"],
			),
			"weight": weight[with_objective.to_numpy()],
		}
	)
	nodes.append(objectives.groupby(["node", "parent"], as_index=False)["weight"].sum())
	with_perspective = items["perspective"].notna()
	perspectives = pd.DataFrame(
		{
			"node": perspective_node[with_perspective],
			"parent": items.loc[with_perspective, "scorecard"],
			"weight": weight[with_perspective.to_numpy()],
		}
	)
	nodes.append(perspectives.groupby(["node", "parent"], as_index=False)["weight"].sum())
	roots = items["scorecard"].unique()
	nodes.append(pd.DataFrame({"node": roots, "parent": None, "weight": 1.0}))
	tree = pd.concat(nodes, ignore_index=True)

	periods = frame[["scorecard", "period_start", "period_end"]].drop_duplicates(
		["scorecard", "period_start"]
	)
	period_end = {(row.scorecard, row.period_start): row.period_end for row in periods.itertuples()}
	item_nodes = set(frame["key"])
	perspective_of_objective = dict(
		zip(objective_node[with_objective], items.loc[with_objective, "perspective"], strict=True)
	)
	rolled = {}
	for column in ("score", "ytd_score"):
		leaves = pd.DataFrame({"node": frame["key"], "period": frame["period_start"], "score": frame[column]})
		leaves = leaves[leaves["score"].notna()]
		for row in rollup_long(tree, leaves).itertuples():
			if row.node in item_nodes:
				continue
			rolled.setdefault((row.node, row.period), {})[column] = float(row.score)

	records = []
	for (node, period_start), scores in rolled.items():
		scorecard, _separator, rest = node.partition("|")
		node_type = {"O": "Objective", "P": "Perspective"}.get(rest[:1], "Scorecard")
		value = rest[2:] or None
		record = {
			"scorecard": scorecard,
			"node_type": node_type,
			"objective": value if node_type == "Objective" else None,
			"perspective": value if node_type == "Perspective" else perspective_of_objective.get(node),
			"period_start": period_start,
			"period_end": period_end.get((scorecard, period_start)),
			"score": scores.get("score"),
			"ytd_score": scores.get("ytd_score"),
		}
		for prefix in ("", "ytd_"):
			score_value = record[prefix + "score"]
			record[prefix + "status"] = (
				str(bands.assign([score_value / 100.0])[0]) if score_value is not None else bands.missing
			)
		records.append(record)
	return records


# -- write ------------------------------------------------------------------------------------


def write(results: list[dict], scorecards: set[str]):
	now, user = now_datetime(), frappe.session.user
	owners = {
		row.name: row
		for row in frappe.get_all(
			"KPI Scorecard",
			filters={"name": ("in", list(scorecards))},
			fields=["name", *RESULT_SCORECARD_FIELDS],
		)
	}
	for record in results:
		owner = owners[record["scorecard"]]
		for field in RESULT_SCORECARD_FIELDS:
			record.setdefault(field, owner.get(field))
		record.update(
			name=frappe.generate_hash(length=12),
			creation=now,
			modified=now,
			owner=user,
			modified_by=user,
			docstatus=0,
			idx=0,
		)
	table = frappe.qb.DocType("KPI Result")
	frappe.qb.from_(table).delete().where(table.scorecard.isin(list(scorecards))).run()
	insert_rows("KPI Result", [frappe._dict(record) for record in results])
