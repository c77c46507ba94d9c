"""ERPNext Query actuals for every scorecard of a period at once.

`actuals.refresh_actuals` fills one measurement at a time through the document, which is
right for one scorecard's button and far too slow for a company's twenty thousand. This
path reads and writes in bulk and gives the same actuals (the tier-2 tests compare the two):

- the scorecards' ERPNext Query items are grouped by source definition (DocType, aggregate,
  field, date field, owner fields, filters): KPIs that share a definition share its query;
- one grouped query per source and period range, GROUP BY company and the owner fields,
  gives every employee's (and department's, and the company's) total and count at once;
- the values go into the draft measurements with multi-row statements (missing drafts are
  created, with their task-based and formula rows filled as a save would fill them);
  approved measurements are never touched, as in the single path.

Only a KPI Manager (or the scheduler) runs it; a large set runs on the `long` queue with
progress. Not done here, unlike a save: a Version row per changed draft, and the approver's
to-do (the single path raises none either when an approver runs it).
"""

import hashlib
from contextlib import contextmanager
from datetime import timedelta

import numpy as np
import pandas as pd
from pypika.terms import NullValue

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import getdate, now_datetime, today

from kpibsc.engine.errors import EngineError
from kpibsc.engine.sources import evaluate_formulas
from kpibsc.kpibsc.permissions import MANAGER_ROLES
from kpibsc.kpibsc.services.actuals import QUERY_SOURCE_FIELDS, criterion, parse_filters
from kpibsc.kpibsc.services.bulk import column_literals, insert_frame, reserve_names
from kpibsc.kpibsc.services.engine_bridge import throw_engine_error
from kpibsc.kpibsc.services.work import task_actuals

LEVEL_FIELD = {"Company": "company", "Department": "department", "Employee": "employee"}
BACKGROUND_THRESHOLD = 200  # scorecards: more than this go to the long queue
UPDATE_CHUNK = 2000
IN_LIST_LIMIT = 500  # scorecards named in SQL; more are matched in pandas
TEMP_TABLE_BYTES = 256 * 1024 * 1024  # the source queries' GROUP BY, in memory


# -- entry points -----------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def fill_period_actuals(period_start: str, company: str | None = None) -> dict:
	"""A KPI Manager's button: fill every open scorecard's measurement of the period
	starting on `period_start` (of one company, or all) from ERPNext, in the background."""
	# a role check of its own: frappe.only_for lets everyone through while tests run
	if not MANAGER_ROLES & set(frappe.get_roles()):
		frappe.throw(_("Only a KPI Manager may fill the actuals of every scorecard."), frappe.PermissionError)
	period_start = str(getdate(period_start))
	key = hashlib.sha1(f"{period_start}|{company or ''}".encode()).hexdigest()[:12]
	frappe.enqueue(
		"kpibsc.kpibsc.services.actuals_bulk.run_fill_job",
		queue="long",
		timeout=3600,
		job_id=f"kpibsc-fill-actuals-{key}",
		deduplicate=True,
		enqueue_after_commit=True,
		period_start=period_start,
		company=company,
	)
	return {"queued": True}


def run_fill_job(period_start: str, company: str | None = None) -> dict:
	return fill_actuals(period_start=period_start, company=company, show_progress=True)


def fill_actuals(
	scorecards: list[str] | None = None,
	period_start=None,
	company: str | None = None,
	up_to=None,
	show_progress: bool = False,
) -> dict:
	"""Fill the draft measurements of open scorecards (these, or all; of one company, or
	all) for the periods that have started by `up_to` (or only the one starting on
	`period_start`). Returns counts: measurements created, updated, skipped (approved),
	and values refused (negative where the KPI does not allow it)."""
	progress = Progress(show_progress)
	empty = {"created": 0, "updated": 0, "skipped": 0, "refused": 0}
	if scorecards is not None and not scorecards:
		return empty
	span = Span(getdate(up_to or today()), getdate(period_start) if period_start else None)
	kpis = query_kpis()
	if kpis.empty:
		return empty
	cards = query_cards(scorecards, company, span)
	every_item = query_items(scorecards, span, cards)
	items = every_item[["scorecard", "kpi"]].merge(cards[list(ITEM_OWNER)], on="scorecard")
	items = items.merge(kpis, on="kpi").reset_index(drop=True)
	if items.empty:
		return empty
	targets = query_targets(scorecards, span, cards)
	periods = targets[targets["scorecard"].isin(items["scorecard"].unique())]
	periods = periods[["scorecard", "period_start", "period_end"]].drop_duplicates(ignore_index=True)
	if periods.empty:
		return empty
	progress(10, _("Reading ERPNext documents"))
	values = source_values(items, periods)
	progress(60, _("Writing measurements"))
	return write_values(values, periods, Scorecards(cards, every_item, targets))


class Progress:
	def __init__(self, enabled: bool):
		self.enabled = enabled

	def __call__(self, percent: int, description: str):
		if self.enabled:
			frappe.publish_progress(percent, title=_("Filling actuals from ERPNext"), description=description)


# -- read -------------------------------------------------------------------------------------


class Span:
	"""The periods a fill covers: those started by `up_to`, or only the one on `start`."""

	def __init__(self, up_to, start=None):
		self.up_to, self.start = up_to, start

	def where(self, target):
		return (target.parenttype == "KPI Scorecard") & self.periods(target)

	def periods(self, target):
		if self.start:
			return target.period_start == self.start
		return target.period_start <= self.up_to

	def scorecards(self):
		"""A subquery of the scorecards with a target in the span: MariaDB reads it from the
		(period_start, parent) index, where an IN list of 20,000 names would be a statement
		of a megabyte that it turns into a join anyway. Only the period is asked (the
		outer query is of scorecards): with `parenttype` too, MariaDB scans the table."""
		target = frappe.qb.DocType("KPI Scorecard Target")
		return frappe.qb.from_(target).select(target.parent).where(self.periods(target))


class Scorecards:
	"""What a fill read of its scorecards once and the writes use again."""

	def __init__(self, cards: pd.DataFrame, items: pd.DataFrame, targets: pd.DataFrame):
		self.cards, self.items, self.targets = cards, items, targets


ITEM_OWNER = ("scorecard", "scorecard_for", "company", "department", "employee")
CARD_FIELDS = ("scorecard_for", "company", "department", "employee", "title", "employee_name")


def query_kpis() -> pd.DataFrame:
	kpi = frappe.qb.DocType("KPI")
	return pd.DataFrame(
		frappe.qb.from_(kpi)
		.select(kpi.name, kpi.allow_negative, *(kpi[field] for field in QUERY_SOURCE_FIELDS))
		.where(
			(kpi.data_source == "ERPNext Query") & kpi.source_doctype.isnotnull() & (kpi.source_doctype != "")
		)
		.run(),
		columns=["kpi", "allow_negative", *QUERY_SOURCE_FIELDS],
	)


def query_cards(scorecards: list[str] | None, company: str | None, span: Span) -> pd.DataFrame:
	"""The open scorecards (these, or of the company, or all) with a period in the span,
	with their owner fields; a long list of scorecards is matched here, not in SQL."""
	card = frappe.qb.DocType("KPI Scorecard")
	query = (
		frappe.qb.from_(card)
		.select(card.name, *(card[field] for field in CARD_FIELDS))
		.where((card.status != "Closed") & card.name.isin(span.scorecards()))
	)
	if company:
		query = query.where(card.company == company)
	if scorecards is not None and len(scorecards) <= IN_LIST_LIMIT:
		query = query.where(card.name.isin(scorecards))
	cards = pd.DataFrame(query.run(), columns=["scorecard", *CARD_FIELDS])
	if scorecards is not None and len(scorecards) > IN_LIST_LIMIT:
		cards = cards[cards["scorecard"].isin(scorecards)].reset_index(drop=True)
	return cards


def query_items(scorecards: list[str] | None, span: Span, cards: pd.DataFrame) -> pd.DataFrame:
	"""Every item of the scorecards (a new draft gets a row for each), read once: the
	ERPNext Query ones are picked in pandas, not by a scan of every scorecard's items."""
	item = frappe.qb.DocType("KPI Scorecard Item")
	query = (
		frappe.qb.from_(item)
		.select(item.parent, item.kpi, item.kpi_name, item.unit, item.idx)
		.where(item.parenttype == "KPI Scorecard")
	)
	if scorecards is not None and len(scorecards) <= IN_LIST_LIMIT:
		query = query.where(item.parent.isin(scorecards))
	else:  # from the span's scorecards to their items by the parent index, not a table scan
		span_cards = span.scorecards().distinct().as_("span_cards")
		query = query.join(span_cards).on(span_cards.parent == item.parent)
	items = pd.DataFrame(query.run(), columns=["scorecard", "kpi", "kpi_name", "unit", "item_idx"])
	return items[items["scorecard"].isin(cards["scorecard"])].reset_index(drop=True)


def query_targets(scorecards: list[str] | None, span: Span, cards: pd.DataFrame) -> pd.DataFrame:
	"""The scorecards' periods in the span; for one period its targets too, read once for
	the new drafts (over many periods, as the nightly fill, a draft is rarely missing: those
	targets are read for the missing drafts only, see `new_rows`)."""
	target = frappe.qb.DocType("KPI Scorecard Target")
	columns = ["scorecard", "period_start", "period_end"] + (["kpi", "target"] if span.start else [])
	query = frappe.qb.from_(target).select(*(target[column] for column in ["parent", *columns[1:]]))
	query = query.where(span.where(target))
	if not span.start:
		query = query.distinct()
	if scorecards is not None and len(scorecards) <= IN_LIST_LIMIT:
		query = query.where(target.parent.isin(scorecards))
	targets = pd.DataFrame(query.run(), columns=columns)
	return targets[targets["scorecard"].isin(cards["scorecard"])].reset_index(drop=True)


def source_values(items: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
	"""Columns scorecard, period_start, kpi, value, allow_negative: one grouped query per
	source definition and period range."""
	items = items.fillna({field: "" for field in QUERY_SOURCE_FIELDS})
	items["level_field"] = items["scorecard_for"].map(LEVEL_FIELD)
	# an item whose source cannot tell whose documents are the scorecard's gets no value
	readable = (
		(items["level_field"] == "company")
		| ((items["level_field"] == "employee") & (items["source_employee_field"] != ""))
		| ((items["level_field"] == "department") & (items["source_department_field"] != ""))
	)
	items = items[readable]
	found = []
	with memory_temp_tables():
		for source, source_items in items.groupby(list(QUERY_SOURCE_FIELDS), sort=False):
			source = dict(zip(QUERY_SOURCE_FIELDS, source, strict=True))
			cards = source_items.drop_duplicates("scorecard")
			card_periods = periods.merge(cards, on="scorecard")
			for (start, end), chunk in card_periods.groupby(["period_start", "period_end"], sort=False):
				rows = read_grouped_source(source, set(chunk["company"]), start, end)
				found.append(owner_values(source, rows, chunk))
	if not found:
		return pd.DataFrame(columns=["scorecard", "period_start", "kpi", "value", "allow_negative"])
	values = pd.concat(found, ignore_index=True)  # scorecard, period_start, source key
	per_kpi = items[["scorecard", "kpi", "allow_negative", *QUERY_SOURCE_FIELDS]]
	return values.merge(per_kpi, on=["scorecard", *QUERY_SOURCE_FIELDS])[
		["scorecard", "period_start", "kpi", "value", "allow_negative"]
	]


@contextmanager
def memory_temp_tables():
	"""Room for the grouped queries' temporary tables in memory, for this session only: a
	group of 20,000 owners' company, employee and department (utf8mb4 keys of ~1.7 kB) is
	twice MariaDB's default 16 MB and went to disk, doubling the query's time."""
	saved = frappe.db.sql("select @@session.tmp_table_size, @@session.max_heap_table_size")[0]
	frappe.db.sql(
		"set session tmp_table_size = %(size)s, max_heap_table_size = %(size)s", {"size": TEMP_TABLE_BYTES}
	)
	try:
		yield
	finally:
		frappe.db.sql(
			"set session tmp_table_size = %(tmp)s, max_heap_table_size = %(heap)s",
			{"tmp": saved[0], "heap": saved[1]},
		)


def read_grouped_source(source: dict, companies: set[str], start, end) -> pd.DataFrame:
	"""One query: per company and owner, the total and count of the source's documents in
	[start, end] (or, for a distinct count, the distinct values)."""
	doctype = source["source_doctype"]
	meta = frappe.get_meta(doctype)
	table = frappe.qb.DocType(doctype)
	date = table[source["source_date_field"]]
	owner_fields = [
		(source[field], alias)
		for field, alias in (("source_employee_field", "employee"), ("source_department_field", "department"))
		if source[field]
	]
	has_company = meta.has_field("company")
	company = table.company if has_company else frappe.qb.terms.ValueWrapper(next(iter(companies)))
	group = [company, *(table[field] for field, _alias in owner_fields)]
	query = frappe.qb.from_(table).select(
		company.as_("company"), *(table[field].as_(alias) for field, alias in owner_fields)
	)
	aggregate = source["source_aggregate"]
	if aggregate == "Distinct Count":
		query = query.select(table[source["source_field"]].as_("value"))
		group.append(table[source["source_field"]])
	elif aggregate == "Count":
		query = query.select(Count("*").as_("total"), Count("*").as_("count"))
	else:
		field = table[source["source_field"]]
		query = query.select(Sum(field).as_("total"), Count(field).as_("count"))
	# a day's end is the next day's start: Datetime fields count the whole last day
	query = query.where((date >= getdate(start)) & (date < getdate(end) + timedelta(days=1)))
	if meta.is_submittable:
		query = query.where(table.docstatus == 1)
	if has_company:
		query = query.where(table.company.isin(sorted(companies)))
	for fieldname, operator, value in parse_filters(source["source_filters"]):
		query = query.where(criterion(table[fieldname], operator, value))
	columns = ["company", *(alias for _field, alias in owner_fields)]
	columns += ["value"] if aggregate == "Distinct Count" else ["total", "count"]
	# ORDER BY NULL: MariaDB sorts a GROUP BY's result unless told not to (20,000 groups)
	query = query.groupby(*group).orderby(NullValue())
	return pd.DataFrame(query.run(), columns=columns)


def owner_values(source: dict, rows: pd.DataFrame, cards: pd.DataFrame) -> pd.DataFrame:
	"""Each scorecard's value from the grouped rows of its owner; no documents make 0."""
	aggregate = source["source_aggregate"]
	result = []
	for level_field, level_cards in cards.groupby("level_field", sort=False):
		keys = ["company"] if level_field == "company" else ["company", level_field]
		if rows.empty:
			per_owner = pd.DataFrame(columns=[*keys, "value"])
		elif aggregate == "Distinct Count":
			per_owner = rows.dropna(subset=["value"]).groupby(keys)["value"].nunique().rename("value")
			per_owner = per_owner.reset_index()
		else:
			sums = rows.groupby(keys)[["total", "count"]].sum(min_count=0).reset_index()
			total = sums["total"].astype(float).fillna(0.0)
			count = sums["count"].astype(float).fillna(0.0)
			if aggregate == "Average":
				sums["value"] = np.where(count > 0, total / count.where(count > 0, 1.0), 0.0)
			else:
				sums["value"] = total
			per_owner = sums[[*keys, "value"]]
		merged = level_cards[["scorecard", "period_start", *keys]].merge(per_owner, on=keys, how="left")
		merged["value"] = merged["value"].astype(float).fillna(0.0)
		result.append(merged[["scorecard", "period_start", "value"]])
	values = pd.concat(result, ignore_index=True)
	for field in QUERY_SOURCE_FIELDS:
		values[field] = source[field]
	return values


# -- write ------------------------------------------------------------------------------------


def write_values(values: pd.DataFrame, periods: pd.DataFrame, read: Scorecards) -> dict:
	"""Put the values into the periods' draft measurements (created where missing);
	approved measurements are left alone."""
	counts = {"created": 0, "updated": 0, "skipped": 0, "refused": 0}
	if values.empty:
		return counts
	refused = (values["value"] < 0) & ~values["allow_negative"].astype(bool)
	counts["refused"] = int(refused.sum())
	values = values[~refused]
	keys = periods.merge(
		values[["scorecard", "period_start"]].drop_duplicates(), on=["scorecard", "period_start"]
	)
	measurement = frappe.qb.DocType("KPI Measurement")
	query = (
		frappe.qb.from_(measurement)
		.select(measurement.name, measurement.scorecard, measurement.period_start, measurement.docstatus)
		.where(
			measurement.period_start.isin(list(keys["period_start"].unique())) & (measurement.docstatus < 2)
		)
	)
	scorecards = list(keys["scorecard"].unique())
	if len(scorecards) <= IN_LIST_LIMIT:  # more: the periods' measurements matched by the merge
		query = query.where(measurement.scorecard.isin(scorecards))
	existing = pd.DataFrame(query.run(), columns=["measurement", "scorecard", "period_start", "docstatus"])
	keys = keys.merge(existing, on=["scorecard", "period_start"], how="left")
	counts["skipped"] = int((keys["docstatus"] == 1).sum())
	keys = keys[keys["docstatus"] != 1]
	drafts, missing = keys[keys["measurement"].notna()], keys[keys["measurement"].isna()]

	rows = pd.concat([draft_rows(drafts), new_rows(missing, read)], ignore_index=True)
	if rows.empty:
		return counts
	rows = with_values(rows, values)
	rows = with_task_actuals(rows)
	rows = with_formula_actuals(rows)
	update_drafts(rows[rows["existing"]])
	create_measurements(missing, rows[~rows["existing"]], read.cards)
	counts["created"], counts["updated"] = len(missing), len(drafts)
	return counts


def draft_rows(drafts: pd.DataFrame) -> pd.DataFrame:
	if drafts.empty:
		return pd.DataFrame()
	row = frappe.qb.DocType("KPI Measurement Item")
	query = (
		frappe.qb.from_(row)
		.select(row.name, row.parent, row.kpi, row.actual, row.actual_value, row.has_actual)
		.where(row.parenttype == "KPI Measurement")
	)
	if len(drafts) <= IN_LIST_LIMIT:
		query = query.where(row.parent.isin(list(drafts["measurement"])))
	else:  # the drafts of the periods, by a join: the merge below keeps these drafts' rows
		measurement = frappe.qb.DocType("KPI Measurement")
		query = (
			query.join(measurement)
			.on(measurement.name == row.parent)
			.where(
				measurement.period_start.isin(list(drafts["period_start"].unique()))
				& (measurement.docstatus == 0)
			)
		)
	found = pd.DataFrame(
		query.run(), columns=["name", "measurement", "kpi", "actual", "actual_value", "has_actual"]
	)
	found = found.merge(drafts[["measurement", "scorecard", "period_start"]], on="measurement")
	return found.assign(existing=True)


def new_rows(missing: pd.DataFrame, read: Scorecards) -> pd.DataFrame:
	"""The rows a new draft gets (as `fill_items` would make them): one per scorecard item,
	with the period's target."""
	if missing.empty:
		return pd.DataFrame()
	rows = missing[["scorecard", "period_start"]].merge(read.items, on="scorecard")
	targets = read.targets if "target" in read.targets else missing_targets(missing)
	targets = targets[["scorecard", "kpi", "period_start", "target"]]
	rows = rows.merge(targets, on=["scorecard", "kpi", "period_start"], how="left")
	return rows.assign(existing=False, actual=None, actual_value=0.0, has_actual=0)


def missing_targets(missing: pd.DataFrame) -> pd.DataFrame:
	"""The targets of the missing drafts' periods (matched to the drafts by the merge)."""
	target = frappe.qb.DocType("KPI Scorecard Target")
	query = (
		frappe.qb.from_(target)
		.select(target.parent, target.kpi, target.period_start, target.target)
		.where(
			(target.parenttype == "KPI Scorecard")
			& target.period_start.isin(list(missing["period_start"].unique()))
		)
	)
	scorecards = list(missing["scorecard"].unique())
	if len(scorecards) <= IN_LIST_LIMIT:
		query = query.where(target.parent.isin(scorecards))
	return pd.DataFrame(query.run(), columns=["scorecard", "kpi", "period_start", "target"])


def with_values(rows: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
	rows = rows.merge(
		values[["scorecard", "period_start", "kpi", "value"]],
		on=["scorecard", "period_start", "kpi"],
		how="left",
	)
	rows["changed"] = rows["value"].notna()
	rounded = rows["value"].round(6)
	rows.loc[rows["changed"], "actual"] = [repr(float(value)) for value in rounded[rows["changed"]]]
	rows["actual_value"] = rounded.where(rows["changed"], rows["actual_value"]).astype(float)
	rows["has_actual"] = np.where(rows["changed"], 1, rows["has_actual"]).astype(int)
	return rows.drop(columns="value")


def set_rows(rows: pd.DataFrame, chosen: pd.Series, values: pd.Series):
	"""Set the actual of the chosen rows (None clears it), as the document's `_set_actual`."""
	known = chosen & values.notna()
	rows.loc[chosen, "changed"] = True
	rows.loc[chosen, "has_actual"] = known[chosen].astype(int)
	rows.loc[chosen, "actual_value"] = values[chosen].fillna(0.0).astype(float)
	rows.loc[chosen, "actual"] = [
		None if pd.isna(value) else repr(round(float(value), 6)) for value in values[chosen]
	]


def with_task_actuals(rows: pd.DataFrame) -> pd.DataFrame:
	"""Task Based rows follow their tasks, as a save sets them."""
	task_kpis = set(
		frappe.get_all(
			"KPI",
			filters={"name": ("in", list(rows["kpi"].unique())), "data_source": "Task Based"},
			pluck="name",
		)
	)
	chosen = rows["kpi"].isin(task_kpis)
	if not chosen.any():
		return rows
	live = task_actuals(list(rows.loc[chosen, "scorecard"].unique()))
	rows = rows.merge(
		live.rename(columns={"actual": "task_actual"}), on=["scorecard", "period_start", "kpi"], how="left"
	)
	set_rows(rows, rows["kpi"].isin(task_kpis), rows["task_actual"].astype(float))
	return rows.drop(columns="task_actual")


def with_formula_actuals(rows: pd.DataFrame) -> pd.DataFrame:
	"""Formula rows from the measurement's other rows, as a save computes them."""
	formulas = dict(
		frappe.get_all(
			"KPI",
			filters={"name": ("in", list(rows["kpi"].unique())), "data_source": "Formula"},
			fields=["name", "source_formula"],
			as_list=True,
		)
	)
	formulas = {kpi: source for kpi, source in formulas.items() if source}
	if not formulas:
		return rows
	results = {}
	try:
		for (scorecard, period), measurement in rows.groupby(["scorecard", "period_start"], sort=False):
			present = measurement[measurement["kpi"].isin(formulas)]
			if present.empty:
				continue
			actuals = {
				kpi: value if has else None
				for kpi, value, has in zip(
					measurement["kpi"], measurement["actual_value"], measurement["has_actual"], strict=True
				)
				if kpi not in formulas
			}
			mine = {kpi: formulas[kpi] for kpi in present["kpi"]}
			for kpi, value in evaluate_formulas(mine, actuals).items():
				results[(scorecard, period, kpi)] = value
	except EngineError as error:
		throw_engine_error(error, _("Actual Formula"))
	keys = list(zip(rows["scorecard"], rows["period_start"], rows["kpi"], strict=True))
	chosen = pd.Series([key in results for key in keys], index=rows.index)
	values = pd.Series([results.get(key) for key in keys], index=rows.index, dtype=float)
	set_rows(rows, chosen, values)
	return rows


def update_drafts(rows: pd.DataFrame):
	"""Changed rows of existing drafts, by primary key: multi-row INSERT … ON DUPLICATE KEY
	UPDATE, where every row is a duplicate (a CASE per row would compare every name with
	every other)."""
	rows = rows[rows["changed"]]
	if rows.empty:
		return
	now, user = now_datetime(), frappe.session.user
	columns = {
		"name": column_literals(rows["name"], False),
		"parent": column_literals(rows["measurement"], False),
		"kpi": column_literals(rows["kpi"], False),
		"actual": column_literals(rows["actual"].astype(object), False),
		"actual_value": column_literals(rows["actual_value"].astype(float), True),
		"has_actual": column_literals(rows["has_actual"].astype(int), True),
	}
	values = columns["name"].str.cat(
		[column for field, column in columns.items() if field != "name"], sep=", "
	)
	modified = frappe.db.escape(str(now))
	statement = (
		"insert into `tabKPI Measurement Item` (`name`, `parent`, `kpi`, `actual`, `actual_value`, "
		"`has_actual`, `modified`, `modified_by`) values {} on duplicate key update "
		"`actual` = values(`actual`), `actual_value` = values(`actual_value`), "
		"`has_actual` = values(`has_actual`), `modified` = values(`modified`), "
		"`modified_by` = values(`modified_by`)"
	)
	tail = f", {modified}, {frappe.db.escape(user)})"
	for start in range(0, len(values), UPDATE_CHUNK):
		chunk = values.iloc[start : start + UPDATE_CHUNK]
		frappe.db.sql(statement.format(", ".join("(" + chunk + tail)))
	table = frappe.qb.DocType("KPI Measurement")
	parents = list(rows["measurement"].unique())
	for start in range(0, len(parents), UPDATE_CHUNK):
		frappe.qb.update(table).set(table.modified, now).set(table.modified_by, user).where(
			table.name.isin(parents[start : start + UPDATE_CHUNK])
		).run()


def create_measurements(missing: pd.DataFrame, rows: pd.DataFrame, cards: pd.DataFrame):
	"""New drafts, named from the naming series, with all their rows: multi-row inserts."""
	if missing.empty:
		return
	owners = cards.rename(columns={"title": "scorecard_title"})
	naming_series = frappe.get_meta("KPI Measurement").get_field("naming_series").default or "KMS-.YYYY.-"
	now, user = now_datetime(), frappe.session.user
	standard = {"creation": now, "modified": now, "owner": user, "modified_by": user, "docstatus": 0}
	parents = missing[["scorecard", "period_start", "period_end"]].merge(owners, on="scorecard", how="left")
	parents = parents.assign(
		name=reserve_names(naming_series, len(parents)),
		naming_series=naming_series,
		status="Draft",
		idx=0,
		**standard,
	)
	children = rows.merge(
		parents[["scorecard", "period_start", "name"]].rename(columns={"name": "parent"}),
		on=["scorecard", "period_start"],
	).sort_values(["parent", "item_idx"], kind="stable")
	prefix = frappe.generate_hash(length=6)
	children = children.assign(
		name=[f"{prefix}{number:07d}" for number in range(len(children))],
		parenttype="KPI Measurement",
		parentfield="items",
		idx=children.groupby("parent").cumcount() + 1,
		**standard,
	)
	insert_frame("KPI Measurement", parents)
	insert_frame("KPI Measurement Item", children.drop(columns=["existing", "changed", "item_idx"]))
