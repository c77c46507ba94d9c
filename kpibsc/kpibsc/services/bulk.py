"""Writing many rows at once, for paths that would otherwise save documents one by one."""

import re

import numpy as np
import pandas as pd
from pymysql.converters import escape_item

import frappe
from frappe.model.naming import NamingSeries
from frappe.utils import cint, now_datetime

INSERT_CHUNK = 5000
NUMERIC_TYPES = {"Int", "Float", "Currency", "Percent", "Check", "Rating"}


def insert_rows(doctype: str, rows: list):
	"""Insert dict-like rows (see insert_frame)."""
	if rows:
		insert_frame(doctype, pd.DataFrame([dict(row) for row in rows]))


def insert_frame(doctype: str, frame: pd.DataFrame):
	"""Multi-row inserts of INSERT_CHUNK rows, one column of the frame per table column;
	NOT NULL number columns get 0 for a missing value. Columns the table lacks are ignored."""
	if frame.empty:
		return
	numeric = {df.fieldname for df in frappe.get_meta(doctype).fields if df.fieldtype in NUMERIC_TYPES} | {
		"docstatus",
		"idx",
	}
	fields = sorted(set(frappe.db.get_table_columns(doctype)) & set(frame.columns))
	# Plain SQL built column by column, each distinct value escaped once and numbers formatted
	# by numpy: through frappe.qb (pypika) the inserts took 85% of the cascade, and escaping
	# millions of parameters one by one most of the rest.
	literals = [column_literals(frame[field], field in numeric) for field in fields]
	values = literals[0].str.cat(literals[1:], sep=", ")
	statement = "insert into `tab{}` ({}) values ".format(
		doctype, ", ".join(f"`{field}`" for field in fields)
	)
	for start in range(0, len(frame), INSERT_CHUNK):
		frappe.db.sql(statement + "(" + "), (".join(values.iloc[start : start + INSERT_CHUNK]) + ")")


def column_literals(values: pd.Series, numeric: bool) -> pd.Series:
	"""The SQL literal of each value; a missing value is NULL, or 0 in a NOT NULL number column."""
	missing = "0" if numeric else "NULL"
	if values.dtype.kind in "fiub":
		array = values.to_numpy()
		text = array.astype(float).astype(str) if array.dtype.kind == "f" else array.astype(int).astype(str)
		absent = np.isnan(array) if array.dtype.kind == "f" else np.zeros(len(array), dtype=bool)
		return pd.Series(np.where(absent, missing, text), dtype=object)
	codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=False)
	uniques = pd.Series(uniques, dtype=object)
	is_text = uniques.map(type).eq(str)
	# plain text needs only quotes; anything with a quote, backslash or control character
	# goes through the driver's escaping, like every non-text value
	plain = is_text & ~uniques[is_text].str.contains(r"['\\\x00-\x1f\x7f\"%]", regex=True).reindex(
		uniques.index, fill_value=True
	)
	escaped = pd.Series(None, index=uniques.index, dtype=object)
	escaped[plain] = "'" + uniques[plain] + "'"
	escaped[~plain] = [
		missing
		if value is None
		or value is pd.NA
		or value is pd.NaT
		or (isinstance(value, float) and np.isnan(value))
		else frappe.db.escape(value, percent=False)
		if isinstance(value, str)
		else escape_item(value, "utf8mb4")
		for value in uniques[~plain]
	]
	return pd.Series(escaped.to_numpy()[codes], dtype=object)


def reserve_names(naming_series: str, count: int) -> list[str]:
	"""`count` names of the series with one counter update, as Frappe would name them one by one."""
	if not count:
		return []
	series = NamingSeries(naming_series or "KSC-.YYYY.-")
	prefix = series.get_prefix()
	digits = len(series.series.rsplit(".", 1)[-1])
	start = take_numbers(prefix, count)
	return [f"{prefix}{number:0{digits}d}" for number in range(start + 1, start + count + 1)]


def reserve_format_names(doctype: str, count: int) -> list[str]:
	"""`count` names of a DocType named by a `format:` of dates and one counter, such as
	`format:PRC-{YYYY}-{#####}`, as Frappe would name them one by one: Frappe counts the
	`{#...}` of every such format on the Series row with the empty key, whatever the prefix."""
	if not count:
		return []
	autoname = frappe.get_meta(doctype).autoname or ""
	parts = re.split(r"\{([^{}]+)\}", autoname.removeprefix("format:"))
	dates = {"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d"}
	today = now_datetime()
	counters = [part for part in parts[1::2] if not part.strip("#")]
	fields = [part for part in parts[1::2] if part.strip("#") and part not in dates]
	if not autoname.startswith("format:") or len(counters) != 1 or fields:
		raise ValueError(f"{doctype} is not named by a format of dates and one counter: {autoname}")
	template = "".join(
		part.replace("{", "{{").replace("}", "}}")
		if index % 2 == 0
		else today.strftime(dates[part])
		if part in dates
		else f"{{0:0{len(part)}d}}"
		for index, part in enumerate(parts)
	)
	start = take_numbers("", count)
	return [template.format(number) for number in range(start + 1, start + count + 1)]


def take_numbers(key: str, count: int) -> int:
	"""Move the Series counter `key` on by `count` in one update; returns where it stood."""
	table = frappe.qb.DocType("Series")
	current = frappe.qb.from_(table).select(table.current).where(table.name == key).for_update().run()
	if current:
		start = cint(current[0][0])
		frappe.qb.update(table).set(table.current, start + count).where(table.name == key).run()
	else:
		start = 0
		frappe.qb.into(table).columns("name", "current").insert(key, count).run()
	return start
