"""Score scorecards from their approved measurements and store the results for reports.

One path for one scorecard or twenty thousand: read everything in a fixed number of
queries, let the engine score every item and period (and year to date) in one call and
roll the scores up item → objective → perspective → scorecard, then replace the stored
KPI Result rows with multi-row inserts.

A *Contributes* item takes its actual from the scorecards cascaded from it (summed for
summed KPIs, averaged otherwise), so a scorecard is recomputed together with its
ancestors. Of its descendants only those with children of their own (departments) are read;
the leaves' (employees') actuals come summed and counted by MariaDB in one grouped query
(`read_with_contributions`), so the company's job does not read every employee's rows.

A large recompute is split into jobs of `batch_size()` scorecards on the `long` queue, which
any number of RQ workers share (docs/scaling.md); each job locks its scorecards' rows first,
so two jobs never interleave their writes to the same scorecard (`lock`).
"""

import hashlib
import json
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
from rq.job import JobStatus

import frappe
from frappe import _
from frappe.utils import cint, format_datetime, get_datetime, now_datetime, time_diff_in_seconds
from frappe.utils.background_jobs import get_job

from kpibsc.engine import forecast, forecast_status, rollup_long, year_to_date
from kpibsc.engine.errors import EngineError
from kpibsc.engine.revisions import weights_in_force
from kpibsc.engine.versions import with_versions_in_force
from kpibsc.kpibsc.services.bulk import insert_frame
from kpibsc.kpibsc.services.engine_bridge import step_bands_of, throw_engine_error
from kpibsc.kpibsc.services.reminders import warn_at_risk
from kpibsc.kpibsc.services.score_policy import (
	grouped,
	resolve_policies,
	score_with_policies,
	status_of_scores,
)
from kpibsc.kpibsc.services.scorecards import get_kpis
from kpibsc.kpibsc.services.versions import versions_table
from kpibsc.kpibsc.services.work import task_actuals

BACKGROUND_THRESHOLD = 50
# Above this many scorecards a recompute is split into jobs of this many; the site config key
# `kpibsc_recompute_batch_size` overrides it (docs/scaling.md)
BATCH_SIZE = 500
DEADLOCK_ATTEMPTS = 4
# ids a set's recompute may take while earlier ones run (`recompute_job_id`)
RECOMPUTE_FOLLOW_UPS = 2
RESULT_SCORECARD_FIELDS = ("company", "scorecard_for", "department", "employee")


def enqueue_recompute(scorecards: list[str], queue: str | None = None):
	"""Recompute after the current transaction commits; the same set is queued only once.
	Until the job has run, the scorecards are marked as updating (see `recompute_status`).
	More than `batch_size()` scorecards are split into one job per batch (`enqueue_batches`).
	`queue` forces one (a changed score policy always goes to `long`)."""
	names = sorted(set(scorecards))
	if len(names) > batch_size():
		enqueue_batches(names)
		return
	job_id = recompute_job_id(names)
	mark_queued(names, job_id)
	frappe.enqueue(
		"kpibsc.kpibsc.services.recompute.run_recompute_job",
		queue=queue or ("long" if len(names) > BACKGROUND_THRESHOLD else "default"),
		timeout=3600,
		job_id=job_id,
		deduplicate=True,
		enqueue_after_commit=True,
		scorecards=names,
	)


def recompute_job_id(names: list[str], prefix: str = "kpibsc-recompute") -> str:
	"""The id of the job that recomputes `names`: the same set gets the same id, so asking
	twice before the job starts queues it once (Frappe's `deduplicate`). A job that has
	started may have read its data before this change, and Frappe would drop a second one
	with its id; so while it runs, the change gets the next id of the set, queued after it."""
	key = hashlib.sha1("\n".join(sorted(set(names))).encode()).hexdigest()[:16]
	base = f"{prefix}-{key}"
	for attempt in range(RECOMPUTE_FOLLOW_UPS + 1):
		job_id = f"{base}-{attempt}" if attempt else base
		job = get_job(job_id)
		if not job or job.get_status() != JobStatus.STARTED:
			return job_id
	return job_id  # all running: the last one's data will do as well as any


def batch_size() -> int:
	return max(cint(frappe.conf.get("kpibsc_recompute_batch_size")) or BATCH_SIZE, 1)


def enqueue_batches(scorecards: list[str]) -> list[str]:
	"""One job per batch on `long`, so that every worker listening to it takes a share; a
	batch's job id comes from its scorecards, so the same batch asked for twice is queued once.
	Returns the job ids."""
	batches = recompute_batches(scorecards, batch_size())
	job_ids = []
	for number, batch in enumerate(batches, start=1):
		job_id = recompute_job_id(batch, prefix="kpibsc-recompute-batch")
		mark_queued(batch, job_id)
		frappe.enqueue(
			"kpibsc.kpibsc.services.recompute.run_recompute_job",
			queue="long",
			timeout=3600,
			job_id=job_id,
			deduplicate=True,
			enqueue_after_commit=True,
			scorecards=batch,
			with_ancestors=False,
			batch=f"{number}/{len(batches)}",
		)
		job_ids.append(job_id)
	return job_ids


def recompute_batches(scorecards: list[str], size: int) -> list[list[str]]:
	"""Every scorecard the recompute of `scorecards` writes (they and their ancestors) in
	batches of `size`, so each is scored by exactly one job. Deepest first: the few ancestors of
	many scorecards (a department, the company), whose jobs sum all their descendants' actuals, come
	together in the last batches rather than one in each."""
	targets = ancestors_and_self(scorecards)
	parents = dict(
		frappe.get_all(
			"KPI Scorecard",
			filters={"name": ("in", list(targets))},
			fields=["name", "parent_scorecard"],
			as_list=True,
		)
	)
	order = sorted(targets, key=lambda name: (-scorecard_depth(name, parents), name))
	return [order[start : start + size] for start in range(0, len(order), size)]


def run_recompute_job(scorecards: list[str], with_ancestors: bool = True, batch: str | None = None) -> dict:
	try:
		result = recompute_again_on_deadlock(scorecards, with_ancestors, batch)
	except Exception as error:
		# the job runner rolls the transaction back and writes the Error Log; with now=True
		# the caller does. The mark outlives the rollback, so the forms can say it failed.
		frappe.log_error(title=_("Recompute of {0} scorecards failed").format(len(scorecards)))
		mark_failed(scorecards, error)
		frappe.publish_realtime("kpibsc_recompute_failed", {"scorecards": scorecards})
		raise
	frappe.publish_realtime("kpibsc_recompute_done", {"scorecards": scorecards}, after_commit=True)
	return result


def recompute_again_on_deadlock(
	scorecards: list[str], with_ancestors: bool, batch: str | None, attempts: int = DEADLOCK_ATTEMPTS
) -> dict:
	"""The job's recompute, started again from a rolled-back transaction after a deadlock or a
	lock wait timeout. Two jobs writing neighbouring scorecards' results can deadlock on the
	gaps of the KPI Result index (InnoDB's next-key locks; MariaDB rolls one back), and a job
	can wait too long for another's lock. Frappe's own retry of a job (RetryBackgroundJobError)
	is not used: in Frappe 15 the job it retried successfully is still reported failed."""
	for attempt in range(1, attempts + 1):
		try:
			return recompute(scorecards, show_progress=True, with_ancestors=with_ancestors, batch=batch)
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			if attempt == attempts:
				raise
			frappe.db.rollback()
			time.sleep(attempt)


def recompute(
	scorecards: list[str], show_progress: bool = False, with_ancestors: bool = True, batch: str | None = None
) -> dict:
	"""Score `scorecards` and their ancestors (only `scorecards`: a batch of a split recompute,
	whose ancestors are in other batches); returns counts of what was written and when the
	lock was held (`lock`)."""
	progress = Progress(show_progress, scorecards[0] if len(scorecards) == 1 else None, batch)
	targets = ancestors_and_self(scorecards) if with_ancestors else set(scorecards)
	asked = now_datetime()
	lock(targets)
	locked = now_datetime()
	progress(10, _("Reading scorecards"))
	data = read_with_contributions(targets)
	progress(40, _("Scoring"))
	results = score(data, targets)
	progress(70, _("Writing results"))
	write(results, targets, data.scorecards)
	warn_at_risk(results, data.scorecards)
	clear_marks(targets)
	progress(100, _("Done"))
	return {
		"scorecards": len(targets),
		"results": len(results),
		"lock_wait_s": round(time_diff_in_seconds(locked, asked), 3),
		"locked_at": str(locked),
		"written_at": str(now_datetime()),
	}


def lock(scorecards: set[str]):
	"""Lock the scorecards' rows until this transaction ends, so that a second recompute of
	any of them (another job, on this worker or another machine) waits here for this one's
	commit before it reads and writes: their deletes and inserts of KPI Result rows never
	interleave (without it, two jobs deleting and inserting the same scorecard's rows at once
	deadlock on the gap locks of the KPI Result index, and one of them is rolled back).

	`SELECT … FOR UPDATE` on the rows rather than a lock beside the database: every worker on
	every machine shares the database, the lock ends with the transaction — at the commit
	Frappe's job runner makes, at its rollback, or when a killed worker's connection closes —
	and nothing has to release it. Frappe's `filelock` holds on one machine only; a Redis lock
	(`frappe.cache.lock`) is released before the commit or, for a killed worker, only at its
	timeout; MariaDB's `GET_LOCK` would need releasing after the commit. Rows are locked in
	name order, so two jobs with overlapping sets cannot deadlock each other on these rows; a
	job that waits longer than `innodb_lock_wait_timeout`, or that deadlocks on the KPI Result
	index with a job writing neighbouring scorecards, starts again (`recompute_again_on_deadlock`)."""
	table = frappe.qb.DocType("KPI Scorecard")
	frappe.qb.from_(table).select(table.name).where(table.name.isin(sorted(scorecards))).orderby(
		table.name
	).for_update().run()


# -- status: queued, running or failed --------------------------------------------------------

# One Redis hash per site: scorecard -> {"job", "since"} while a recompute is queued or
# running, {"failed_at", "error"} after one failed. It lives outside the database so that
# a failed job's rollback keeps it; a successful recompute of the scorecard removes it.
STATUS_HASH = "kpibsc_recompute_status"
WAITING_SECONDS = 120


def _status_pipeline():
	return frappe.cache.pipeline(), frappe.cache.make_key(STATUS_HASH)


def mark_queued(scorecards: list[str], job_id: str):
	pipe, key = _status_pipeline()
	entry = json.dumps({"job": job_id, "since": str(now_datetime())})
	pipe.hset(key, mapping={name: entry for name in scorecards})
	pipe.execute()


def mark_failed(scorecards: list[str], error: Exception):
	# the message template ends the sentence: no second full stop
	message = frappe.utils.strip_html(str(error)).strip().rstrip(".") or error.__class__.__name__
	pipe, key = _status_pipeline()
	entry = json.dumps({"failed_at": str(now_datetime()), "error": message[:500]})
	pipe.hset(key, mapping={name: entry for name in scorecards})
	pipe.execute()


def clear_marks(scorecards):
	if scorecards:
		pipe, key = _status_pipeline()
		pipe.hdel(key, *scorecards)
		pipe.execute()


@frappe.whitelist()
def get_recompute_status(scorecard: str) -> dict | None:
	"""For the forms: whether the scorecard's scores are being recomputed or the last
	recompute failed, with a message to show; None when the stored scores are current."""
	frappe.get_doc("KPI Scorecard", scorecard).check_permission("read")
	return recompute_status(scorecard)


def recompute_status(scorecard: str) -> dict | None:
	pipe, key = _status_pipeline()
	raw = pipe.hget(key, scorecard).execute()[0]
	if not raw:
		return None
	entry = json.loads(raw)
	if "failed_at" in entry:
		return failed_status(entry["failed_at"], entry["error"])
	job = get_job(entry["job"])
	state = job.get_status() if job else None
	if state == "failed":  # killed by the worker (a timeout) before it could say so
		return failed_status(entry["since"], _("the background job stopped"))
	if state not in ("queued", "started", "deferred", "scheduled"):
		# finished, or never queued because the transaction that asked for it rolled back
		clear_marks([scorecard])
		return None
	since = get_datetime(entry["since"])
	if state == "started":
		message = _("Scores are being recomputed now; the figures shown are from before.")
	elif time_diff_in_seconds(now_datetime(), since) > WAITING_SECONDS:
		message = _(
			"Scores have been waiting to be recomputed since {0}. No background worker has taken the job: ask your system manager to check that the workers are running."
		).format(format_datetime(since))
	else:
		message = _("Scores are being updated (queued at {0}); the figures shown are from before.").format(
			format_datetime(since)
		)
	return {"state": "running" if state == "started" else "queued", "since": since, "message": message}


def failed_status(when, error: str) -> dict:
	return {
		"state": "failed",
		"since": get_datetime(when),
		"message": _(
			"Recomputing the scores failed on {0}: {1}. The figures shown are from before. Press Scores → Recompute Scores to try again; the Error Log has the details."
		).format(format_datetime(when), error),
	}


class Progress:
	def __init__(self, enabled: bool, scorecard: str | None, batch: str | None = None):
		self.enabled, self.scorecard, self.batch = enabled, scorecard, batch

	def __call__(self, percent: int, description: str):
		if self.enabled:
			frappe.publish_progress(
				percent,
				title=_("Recomputing scores, batch {0}").format(self.batch)
				if self.batch
				else _("Recomputing scores"),
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


def descendant_parents(names) -> dict[str, str]:
	"""Every scorecard cascaded from `names`, at any depth, with its parent: one query a level."""
	found, level = {}, set(names)
	while level:
		children = frappe.get_all(
			"KPI Scorecard",
			filters={"parent_scorecard": ("in", list(level))},
			fields=["name", "parent_scorecard"],
			as_list=True,
		)
		level = {name for name, _parent in children} - set(found) - set(names)
		found.update((name, parent) for name, parent in children if name in level)
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


ITEM_COLUMNS = (
	"scorecard",
	"item_row",
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
	"achievement_cap",
)


def read(names: set[str]) -> SimpleNamespace:
	"""Five queries whatever the number of scorecards (five more with task-based KPIs);
	rows come back as tuples (no dicts)."""
	names = list(names)
	scorecard = frappe.qb.DocType("KPI Scorecard")
	item = frappe.qb.DocType("KPI Scorecard Item")
	target = frappe.qb.DocType("KPI Scorecard Target")
	measurement = frappe.qb.DocType("KPI Measurement")
	row = frappe.qb.DocType("KPI Measurement Item")
	scorecards = (
		frappe.qb.from_(scorecard)
		.select(
			scorecard.name,
			scorecard.parent_scorecard,
			*(scorecard[field] for field in RESULT_SCORECARD_FIELDS),
		)
		.where(scorecard.name.isin(names))
		.run()
	)
	items = (
		frappe.qb.from_(item)
		.select(item.parent, item.name, *(item[field] for field in ITEM_COLUMNS[2:]))
		.where(item.parent.isin(names) & (item.parenttype == "KPI Scorecard"))
		.run()
	)
	targets = (
		frappe.qb.from_(target)
		.select(target.parent, target.kpi, target.period_start, target.period_end, target.target)
		.where(target.parent.isin(names) & (target.parenttype == "KPI Scorecard"))
		.run()
	)
	actuals = (
		frappe.qb.from_(measurement)
		.join(row)
		.on(row.parent == measurement.name)
		.select(measurement.scorecard, measurement.period_start, row.kpi, row.actual_value)
		.where((measurement.docstatus == 1) & measurement.scorecard.isin(names) & (row.has_actual == 1))
		.run()
	)
	items = pd.DataFrame(items, columns=list(ITEM_COLUMNS))
	weight_revisions = read_weight_revisions(names)
	kpis = get_kpis(list(items["kpi"].unique()))
	actuals = pd.DataFrame(actuals, columns=["scorecard", "period_start", "kpi", "actual"])
	if any(kpi.data_source == "Task Based" for kpi in kpis.values()):
		actuals = with_live_task_actuals(actuals, names)
	return SimpleNamespace(
		scorecards=pd.DataFrame(scorecards, columns=["name", "parent_scorecard", *RESULT_SCORECARD_FIELDS]),
		items=items,
		targets=pd.DataFrame(targets, columns=["scorecard", "kpi", "period_start", "period_end", "target"]),
		actuals=actuals,
		kpis=kpis,
		# each KPI's effective-dated scoring (services/versions.py), two queries
		versions=versions_table(list(kpis)),
		weight_revisions=weight_revisions,
		# the leaves' actuals for Contributes items, summed (`read_with_contributions`)
		contributions=pd.DataFrame(columns=CONTRIBUTION_COLUMNS),
	)


def read_with_contributions(targets: set[str]) -> SimpleNamespace:
	"""What scoring `targets` needs: the targets and the descendants with scorecards of their own
	below them (departments: few) read in full (`read`); the other descendants (the leaves:
	employees, thousands) only as the sums and counts of their actuals that the *Contributes*
	items above them take (`leaf_contributions`), grouped by MariaDB. A leaf's value is its own
	actual, so its items and targets only decide which actuals count (an item cascaded from the
	parent's, a phased target for the period), as they do when it is read in full."""
	parents = descendant_parents(targets)
	read_in_full = targets | (set(parents.values()) & set(parents))
	data = read(read_in_full)
	if len(parents) > len(read_in_full - targets):
		data.contributions = leaf_contributions(read_in_full)
		missing = set(data.contributions["kpi"]) - set(data.kpis)
		if missing:
			data.kpis.update(get_kpis(list(missing)))
	return data


CONTRIBUTION_COLUMNS = ["parent_scorecard", "source_item", "period_start", "kpi", "total", "count"]


def leaf_contributions(read_in_full: set[str]) -> pd.DataFrame:
	"""The scorecards whose parent is in `read_in_full` but that are not in it themselves (the
	leaves) summed for their parents' *Contributes* items, in one grouped query: per parent,
	parent item (the leaf item's `source_item`), period and KPI, the total and the number of
	the leaves' approved actuals, each counted only where `score` would count it read in full:
	the leaf has the KPI as an item cascaded from a *Contributes* item, and targets for the
	period (its items' targets are phased over every period, `set_phased_targets`).
	Task Based items' live actuals of periods not yet approved are added (`live_leaf_totals`).

	Measurement rows have an index on their measurement only, so the query reads the leaves'
	approved measurements (one scan), keeps the leaves' (a keyed temporary table), reads their
	rows, and matches each row against the leaves' contributing items gathered first into a
	second keyed temporary table: joined as tables, every row would look up its scorecard's
	items and targets one by one, several times the reading of the rows themselves."""
	names = tuple(sorted(read_in_full))
	rows = frappe.db.sql(
		"""
		select contributing.parent_scorecard, contributing.source_item, measurement.period_start,
			row.kpi, sum(row.actual_value), count(row.actual_value)
		from `tabKPI Measurement` measurement
		straight_join (
			select distinct scorecard.name
			from `tabKPI Scorecard` scorecard
			where scorecard.parent_scorecard in %(names)s and scorecard.name not in %(names)s
		) leaf on leaf.name = measurement.scorecard
		straight_join `tabKPI Measurement Item` row on row.parent = measurement.name
		straight_join (
			select distinct item.parent, item.kpi, item.source_item, scorecard.parent_scorecard
			from `tabKPI Scorecard` scorecard
			join `tabKPI Scorecard Item` item
				on item.parent = scorecard.name and item.parenttype = 'KPI Scorecard'
			join `tabKPI Scorecard Item` source
				on source.name = item.source_item and source.cascade_mode = 'Contributes'
			where scorecard.parent_scorecard in %(names)s and scorecard.name not in %(names)s
		) contributing on contributing.parent = measurement.scorecard and contributing.kpi = row.kpi
		where measurement.docstatus = 1 and row.has_actual = 1
			and exists (
				select 1 from `tabKPI Scorecard Target` target
				where target.period_start = measurement.period_start
					and target.parent = measurement.scorecard
			)
		group by contributing.parent_scorecard, contributing.source_item, measurement.period_start, row.kpi
		""",
		{"names": names},
	)
	approved = pd.DataFrame(rows, columns=CONTRIBUTION_COLUMNS)
	approved["total"] = approved["total"].astype(float)
	live = live_leaf_totals(list(names))
	if live.empty:
		return approved
	both = pd.concat([approved, live], ignore_index=True) if not approved.empty else live
	keys = ["parent_scorecard", "source_item", "period_start", "kpi"]
	return both.groupby(keys, as_index=False, sort=False).agg(total=("total", "sum"), count=("count", "sum"))


def live_leaf_totals(read_in_full: list[str]) -> pd.DataFrame:
	"""The leaves' Task Based actuals of periods without an approved measurement, summed as
	`leaf_contributions` sums the approved ones: only the leaves with a Task Based item cascaded
	from their parent's are read, each with its items and targets of those KPIs."""
	scorecard = frappe.qb.DocType("KPI Scorecard")
	item = frappe.qb.DocType("KPI Scorecard Item")
	source = frappe.qb.DocType("KPI Scorecard Item").as_("source")
	kpi = frappe.qb.DocType("KPI")
	items = (
		frappe.qb.from_(item)
		.join(scorecard)
		.on(scorecard.name == item.parent)
		.join(source)
		.on((source.name == item.source_item) & (source.cascade_mode == "Contributes"))
		.join(kpi)
		.on(kpi.name == item.kpi)
		.select(item.parent, scorecard.parent_scorecard, item.kpi, item.source_item)
		.where(
			scorecard.parent_scorecard.isin(read_in_full)
			& scorecard.name.notin(read_in_full)
			& (item.parenttype == "KPI Scorecard")
			& (kpi.data_source == "Task Based")
		)
		.run()
	)
	if not items:
		return pd.DataFrame(columns=CONTRIBUTION_COLUMNS)
	items = pd.DataFrame(items, columns=["scorecard", "parent_scorecard", "kpi", "source_item"])
	leaves = list(items["scorecard"].unique())
	live = with_live_task_actuals(
		pd.DataFrame(columns=["scorecard", "period_start", "kpi", "actual"]), leaves
	)
	if live.empty:
		return pd.DataFrame(columns=CONTRIBUTION_COLUMNS)
	target = frappe.qb.DocType("KPI Scorecard Target")
	targets = (
		frappe.qb.from_(target)
		.select(target.parent, target.kpi, target.period_start)
		.where(
			target.parent.isin(leaves)
			& (target.parenttype == "KPI Scorecard")
			& target.kpi.isin(list(items["kpi"].unique()))
		)
		.run()
	)
	targets = pd.DataFrame(targets, columns=["scorecard", "kpi", "period_start"])
	live = (
		live.dropna(subset=["actual"])
		.merge(items, on=["scorecard", "kpi"])
		.merge(targets, on=["scorecard", "kpi", "period_start"])
	)
	keys = ["parent_scorecard", "source_item", "period_start", "kpi"]
	return live.groupby(keys, as_index=False, sort=False).agg(
		total=("actual", "sum"), count=("actual", "count")
	)[CONTRIBUTION_COLUMNS]


def read_weight_revisions(names: list[str]) -> pd.DataFrame:
	"""Approved mid-period weight changes (services/revisions.py), in approval order: earlier
	periods keep the weight a revision replaced (`engine.revisions.weights_in_force`)."""
	revision = frappe.qb.DocType("KPI Target Revision")
	row = frappe.qb.DocType("KPI Target Revision Item")
	rows = (
		frappe.qb.from_(revision)
		.join(row)
		.on(row.parent == revision.name)
		.select(revision.scorecard, row.kpi, revision.effective_from, row.old_weight, row.new_weight)
		.where(
			revision.scorecard.isin(names)
			& (revision.status == "Approved")
			& (row.old_weight != row.new_weight)
		)
		.orderby(revision.approved_on, revision.name)
		.run()
	)
	return pd.DataFrame(rows, columns=["scorecard", "kpi", "effective_from", "old_weight", "new_weight"])


def with_live_task_actuals(actuals: pd.DataFrame, names: list[str]) -> pd.DataFrame:
	"""Task Based KPIs follow their tasks until the period is approved, which freezes them:
	periods without an approved measurement take the actual from the tasks now."""
	live = task_actuals(names)
	if live.empty:
		return actuals
	measurement = frappe.qb.DocType("KPI Measurement")
	approved = (
		frappe.qb.from_(measurement)
		.select(measurement.scorecard, measurement.period_start)
		.where((measurement.docstatus == 1) & measurement.scorecard.isin(names))
		.run()
	)
	approved = pd.DataFrame(approved, columns=["scorecard", "period_start"]).assign(approved=True)
	live = live.merge(approved, on=["scorecard", "period_start"], how="left")
	live = live[live["approved"].isna()].drop(columns="approved")
	return pd.concat([actuals, live], ignore_index=True) if not live.empty else actuals


# -- score ------------------------------------------------------------------------------------


def score(data: SimpleNamespace, targets: set[str]) -> pd.DataFrame:
	if data.targets.empty or data.items.empty:
		return pd.DataFrame()
	frame = data.targets.merge(data.items, on=["scorecard", "kpi"], how="inner")
	frame = with_weights_in_force(frame, data.weight_revisions)
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
	# a versioned KPI's periods take the scoring in force on their first day
	frame = with_versions_in_force(frame, data.versions)
	frame = frame.merge(data.actuals, on=["scorecard", "period_start", "kpi"], how="left")
	frame["actual"] = frame["actual"].astype(float)
	frame = add_contributed_actuals(frame, data.scorecards, data.contributions, data.kpis)
	frame = frame[frame["scorecard"].isin(targets)].reset_index(drop=True)
	if frame.empty:
		return pd.DataFrame()

	frame["key"] = frame["scorecard"] + "|" + frame["kpi"]
	frame["period"] = pd.to_datetime(frame["period_start"])
	frame = year_to_date(frame.rename(columns={"key": "item"})).rename(columns={"item": "key"})
	# each scorecard's own policy (services/score_policy.py): scale, floor, cap, status colours
	policies = resolve_policies(targets)
	frame = frame.reset_index(drop=True)
	scorecards = frame["scorecard"].to_numpy(dtype=object)
	try:
		period = score_with_policies(scoring_columns(frame, "actual", "target"), scorecards, policies)
		ytd = score_with_policies(scoring_columns(frame, "ytd_actual", "ytd_target"), scorecards, policies)
	except EngineError as error:
		throw_engine_error(error, _("Recompute"))
	for prefix, scored in (("", period), ("ytd_", ytd)):
		# achievement as reached (140%) but never below the floor (the engine's `shown`);
		# the score is the capped one
		frame[prefix + "achievement"] = scored["shown"].to_numpy() * 100
		frame[prefix + "score"] = scored["score"].to_numpy()
		frame[prefix + "status"] = scored["status"].to_numpy()
		frame[prefix + "above_scale"] = scored["above_scale"].to_numpy().astype(int)
	frame["score_scale"] = period["score_scale"].to_numpy()
	frame = with_forecast(frame, scorecards, policies)
	return pd.concat([item_results(frame), rolled_up_results(frame, policies)], ignore_index=True)


def with_weights_in_force(frame: pd.DataFrame, revisions: pd.DataFrame) -> pd.DataFrame:
	"""Each item-period's weight as revised mid-period: `item_weight` keeps the item's own."""
	frame["item_weight"] = frame["weight"].astype(float)
	if revisions.empty:
		return frame
	item = lambda table: table["scorecard"] + "|" + table["kpi"]  # noqa: E731
	frame["weight"] = weights_in_force(
		pd.DataFrame({"item": item(frame), "period": frame["period_start"], "weight": frame["item_weight"]}),
		revisions.assign(item=item(revisions)),
	)
	return frame


def with_forecast(frame: pd.DataFrame, scorecards: np.ndarray, policies: dict) -> pd.DataFrame:
	"""Each item's year-end forecast as it stood at every period (the engine's `forecast`, on
	the frame already read), scored against the full target with the scorecard's policy, and
	At Risk where it falls below Amber while the period's status is still Amber or better."""
	inputs = frame[["key", "period", "aggregation", "actual", "target", "ytd_actual", "ytd_target"]]
	projected = forecast(inputs.rename(columns={"key": "item"}))
	for column in ("forecast", "forecast_low", "forecast_high", "forecast_target", "trend"):
		frame[column] = projected[column].to_numpy()
	try:
		scored = score_with_policies(
			scoring_columns(frame, "forecast", "forecast_target"), scorecards, policies
		)
	except EngineError as error:
		throw_engine_error(error, _("Recompute"))
	frame["forecast_achievement"] = scored["shown"].to_numpy() * 100
	frame["forecast_score"] = scored["score"].to_numpy()
	frame["forecast_status"] = forecast_statuses(
		scored["status"].to_numpy(), frame["status"], scorecards, policies
	)
	return frame


def forecast_statuses(colours, current, scorecards, policies: dict) -> np.ndarray:
	"""The forecast's colour, or At Risk (engine `forecast_status`), each scorecard with its bands."""
	colours, current = np.asarray(colours, dtype=object), np.asarray(current, dtype=object)
	result = np.full(len(current), None, dtype=object)
	for policy, names in grouped(policies).items():
		mask = pd.Series(scorecards).isin(names).to_numpy()
		result[mask] = forecast_status(colours[mask], current[mask], policy.status)
	return result


def add_contributed_actuals(
	frame: pd.DataFrame,
	scorecards: pd.DataFrame,
	leaves: pd.DataFrame | None = None,
	kpis: dict | None = None,
) -> pd.DataFrame:
	"""A Contributes item's actual is its children's, summed or averaged, from the bottom up.
	Children in `frame` count with their (perhaps contributed) actuals; children not read in
	full come as `leaves`' totals and counts per parent (`leaf_contributions`), so an average is
	over all the direct children, read or summed."""
	parents = dict(zip(scorecards["name"], scorecards["parent_scorecard"], strict=True))
	depth = {name: scorecard_depth(name, parents) for name in parents}
	frame["depth"] = frame["scorecard"].map(depth)
	if leaves is not None and not leaves.empty:
		aggregation = {name: kpi.aggregation for name, kpi in (kpis or {}).items()}
		leaves = leaves.assign(
			depth=leaves["parent_scorecard"].map(depth) + 1, aggregation=leaves["kpi"].map(aggregation)
		)
	# from the parents of the deepest children up: leaves are one level below their parents
	for level in range(max(depth.values(), default=-1), -1, -1):
		children = frame[
			(frame["depth"] == level + 1) & frame["source_item"].notna() & frame["actual"].notna()
		]
		parts = [
			children.groupby(["source_item", "period_start"], sort=False).agg(
				total=("actual", "sum"), count=("actual", "count"), aggregation=("aggregation", "first")
			)
		]
		if leaves is not None and not leaves.empty:
			summed = leaves[leaves["depth"] == level + 1]
			parts.append(summed.set_index(["source_item", "period_start"])[["total", "count", "aggregation"]])
		parts = [part for part in parts if not part.empty]
		if not parts:
			continue
		combined = (
			pd.concat(parts)
			.groupby(level=[0, 1], sort=False)
			.agg(total=("total", "sum"), count=("count", "sum"), aggregation=("aggregation", "first"))
		)
		combined["value"] = np.where(
			combined["aggregation"] == "Sum", combined["total"], combined["total"] / combined["count"]
		)
		lookup = combined["value"].to_dict()
		contributes = (frame["depth"] == level) & (frame["cascade_mode"] == "Contributes")
		keys = list(
			zip(frame.loc[contributes, "item_row"], frame.loc[contributes, "period_start"], strict=True)
		)
		values = pd.Series(
			[lookup.get(key, np.nan) for key in keys], index=frame.index[contributes], dtype=float
		)
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
	# A period the phasing left without a target (8 customers a year in whole units leaves
	# four months at 0) has nothing to compare against: it is not scored, and its actual
	# still counts in the year to date. A zero item target is refused when the item is saved.
	nothing_to_reach = (frame["method"] == "Higher is Better") & (frame[target].fillna(0) == 0)
	return {
		"label": frame["label"].to_numpy(dtype=object),
		"method": frame["method"].to_numpy(dtype=object),
		"actual": frame[actual].where(~nothing_to_reach).to_numpy(dtype=float),
		"target": frame[target].to_numpy(dtype=float),
		"lower": lower.where(~no_band).to_numpy(dtype=float),
		"upper": upper.where(~no_band).to_numpy(dtype=float),
		"tolerance": own_or_kpi("tolerance", "kpi_tolerance").replace(0, np.nan).to_numpy(dtype=float),
		"red_flag": frame["red_flag"].replace(0, np.nan).to_numpy(dtype=float),
		"stretch": frame["stretch"].replace(0, np.nan).to_numpy(dtype=float),
		"direction": frame["direction"].to_numpy(dtype=object),
		"formula": frame["formula"].to_numpy(dtype=object),
		"steps": frame["steps"].to_numpy(dtype=object),
		"achievement_cap": (frame["achievement_cap"].astype(float).replace(0, np.nan) / 100).to_numpy(),
	}


def item_results(frame: pd.DataFrame) -> pd.DataFrame:
	columns = [
		"scorecard",
		"kpi",
		"kpi_version",
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
		"forecast",
		"forecast_low",
		"forecast_high",
		"forecast_target",
		"forecast_achievement",
		"forecast_score",
		"forecast_status",
		"trend",
		"score_scale",
		"above_scale",
		"ytd_above_scale",
	]
	return frame[columns].assign(node_type="KPI", has_actual=frame["actual"].notna().astype(int))


def rolled_up_results(frame: pd.DataFrame, policies: dict) -> pd.DataFrame:
	"""Objective, perspective and scorecard scores, period by period and year to date."""
	items = frame.drop_duplicates("key")
	objective_node = items["scorecard"] + "|O|" + items["objective"].fillna("")
	perspective_node = items["scorecard"] + "|P|" + items["perspective"].fillna("")
	has_objective, has_perspective = items["objective"].notna(), items["perspective"].notna()
	item_parent = np.where(
		has_objective, objective_node, np.where(has_perspective, perspective_node, items["scorecard"])
	)
	rolled = None
	for periods, weight in weight_sets(frame, items):
		part = frame if periods is None else frame[periods]
		tree = rollup_tree(items, weight, objective_node, perspective_node, item_parent)
		scores = rolled_scores(tree, part)
		rolled = scores if rolled is None else pd.concat([rolled, scores], ignore_index=True)
	rolled = rolled[~rolled["node"].isin(items["key"])].rename(columns={"period": "period_start"})
	if rolled.empty:
		return pd.DataFrame()
	return rolled_up_fields(rolled, frame, items, objective_node, policies)


def weight_sets(frame: pd.DataFrame, items: pd.DataFrame):
	"""(rows, weights per item) to roll up with: every row with the items' own weights, in one
	go, unless a mid-period revision gave some scorecard-periods other weights; those are rolled
	up a period at a time with the weights in force then."""
	weight = items["item_weight"].astype(float).to_numpy()
	revised = frame["weight"].astype(float).to_numpy() != frame["item_weight"].astype(float).to_numpy()
	if not revised.any():
		yield None, weight
		return
	cells = frame["scorecard"] + "|" + frame["period_start"].astype(str)
	other = cells.isin(set(cells[revised])).to_numpy()
	yield ~other, weight
	for period in frame.loc[other, "period_start"].unique():
		rows = other & (frame["period_start"] == period).to_numpy()
		in_force = frame[rows].set_index("key")["weight"].astype(float)
		yield rows, in_force.reindex(items["key"]).fillna(items.set_index("key")["item_weight"]).to_numpy()


def rollup_tree(items, weight, objective_node, perspective_node, item_parent) -> pd.DataFrame:
	has_objective, has_perspective = items["objective"].notna(), items["perspective"].notna()
	objectives = pd.DataFrame(
		{
			"node": objective_node[has_objective],
			"parent": np.where(
				has_perspective[has_objective],
				perspective_node[has_objective],
				items.loc[has_objective, "scorecard"],
			),
			"weight": weight[has_objective.to_numpy()],
		}
	)
	perspectives = pd.DataFrame(
		{
			"node": perspective_node[has_perspective],
			"parent": items.loc[has_perspective, "scorecard"],
			"weight": weight[has_perspective.to_numpy()],
		}
	)
	return pd.concat(
		[
			pd.DataFrame({"node": items["key"], "parent": item_parent, "weight": weight}),
			objectives.groupby(["node", "parent"], as_index=False)["weight"].sum(),
			perspectives.groupby(["node", "parent"], as_index=False)["weight"].sum(),
			pd.DataFrame({"node": items["scorecard"].unique(), "parent": None, "weight": 1.0}),
		],
		ignore_index=True,
	)


def rolled_scores(tree: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
	rolled = None
	for column in ("score", "ytd_score", "forecast_score"):
		leaves = pd.DataFrame({"node": frame["key"], "period": frame["period_start"], "score": frame[column]})
		scores = rollup_long(tree, leaves[leaves["score"].notna()]).rename(columns={"score": column})
		rolled = scores if rolled is None else rolled.merge(scores, on=["node", "period"], how="outer")
	return rolled


def rolled_up_fields(rolled, frame, items, objective_node, policies: dict) -> pd.DataFrame:
	parts = rolled["node"].str.split("|", n=2, expand=True).reindex(columns=[0, 1, 2])
	rolled["scorecard"] = parts[0]
	rolled["node_type"] = parts[1].map({"O": "Objective", "P": "Perspective"}).fillna("Scorecard")
	value = parts[2].where(parts[2] != "")
	perspective_of_objective = dict(zip(objective_node, items["perspective"], strict=True))
	rolled["objective"] = value.where(rolled["node_type"] == "Objective")
	rolled["perspective"] = value.where(
		rolled["node_type"] == "Perspective", rolled["node"].map(perspective_of_objective)
	)
	scales = {name: policy.scale.name for name, policy in policies.items()}
	for prefix in ("", "ytd_"):
		# each scorecard's status colours, on its own scale
		rolled[prefix + "status"], above = status_of_scores(
			rolled[prefix + "score"].to_numpy(), rolled["scorecard"].to_numpy(), policies
		)
		rolled[prefix + "above_scale"] = above.astype(int)
	rolled["score_scale"] = rolled["scorecard"].map(scales)
	# an objective's forecast colour (the Strategy Map's), At Risk as for an item
	colours, _above = status_of_scores(
		rolled["forecast_score"].to_numpy(), rolled["scorecard"].to_numpy(), policies
	)
	rolled["forecast_status"] = forecast_statuses(
		colours, rolled["status"], rolled["scorecard"].to_numpy(), policies
	)
	periods = frame[["scorecard", "period_start", "period_end"]].drop_duplicates(
		["scorecard", "period_start"]
	)
	return rolled.drop(columns=["node"]).merge(periods, on=["scorecard", "period_start"], how="left")


# -- write ------------------------------------------------------------------------------------


def write(results: pd.DataFrame, scorecards: set[str], owners: pd.DataFrame):
	"""Replace the scorecards' stored results: one delete, then multi-row inserts.
	`owners` is the scorecards frame `read` already holds (name and owner fields)."""
	table = frappe.qb.DocType("KPI Result")
	frappe.qb.from_(table).delete().where(table.scorecard.isin(list(scorecards))).run()
	if results.empty:
		return
	owners = owners[["name", *RESULT_SCORECARD_FIELDS]].rename(columns={"name": "scorecard"})
	results = results.merge(owners, on="scorecard", how="left")
	# row names: one random prefix per run and a counter, instead of a hash per row
	prefix = frappe.generate_hash(length=6)
	now, user = now_datetime(), frappe.session.user
	results = results.assign(
		name=[f"{prefix}{number:07d}" for number in range(len(results))],
		creation=now,
		modified=now,
		owner=user,
		modified_by=user,
		docstatus=0,
		idx=0,
	)
	insert_frame("KPI Result", results)
