"""What the print formats show beyond the document's own fields: a review's KPI results, a
scorecard's targets and results by period, the pay run's department totals, a measurement's
actuals as people write them.

These are Jinja methods (hooks `jinja`), called by the standard print formats of module KPIBSC
with the document being printed. Each checks that the user may read that stored document
(printing already asked, but a custom print format could call them too) and reads in bulk.
"""

from datetime import date

import frappe
from frappe import _
from frappe.utils import flt, fmt_money, get_number_format_info, getdate

from kpibsc.engine.periods import aggregate

# wkhtmltopdf (unpatched Qt) cuts table rows across pages and repeats no header: the long tables
# are paged here, each page a table with its header, at a row count that fits A4 landscape
SCORECARD_ITEMS_PER_PAGE = 9
REGISTER_LINES_PER_PAGE = 18


def _readable(doc) -> None:
	frappe.get_doc(doc.doctype, doc.name).check_permission("read")


def review_kpi_rows(doc) -> list[frappe._dict]:
	"""The review's KPIs over its dates: weight, target and actual aggregated as the KPI
	aggregates (sum, average, last...), and the mean score of the periods with data — the
	mean the review's KPI score is made of. Three queries."""
	_readable(doc)
	if not doc.get("scorecard"):
		return []
	items = frappe.get_all(
		"KPI Scorecard Item",
		filters={"parent": doc.scorecard, "parenttype": "KPI Scorecard"},
		fields=["kpi", "kpi_name", "unit", "weight", "aggregation"],
		order_by="idx",
	)
	results = frappe.get_all(
		"KPI Result",
		filters={
			"scorecard": doc.scorecard,
			"node_type": "KPI",
			"period_start": (">=", getdate(doc.from_date)),
			"period_end": ("<=", getdate(doc.to_date)),
		},
		fields=["kpi", "period_start", "target", "actual", "has_actual", "score", "status"],
		order_by="period_start",
	)
	by_kpi: dict[str, list] = {}
	for row in results:
		by_kpi.setdefault(row.kpi, []).append(row)
	rows = []
	for item in items:
		periods = by_kpi.get(item.kpi, [])
		measured = [row for row in periods if row.has_actual and row.status != "No Data"]
		aggregation = item.aggregation or "Sum"
		rows.append(
			frappe._dict(
				kpi=item.kpi,
				kpi_name=item.kpi_name,
				unit=item.unit,
				weight=flt(item.weight),
				target=aggregate([row.target for row in periods], aggregation) if periods else None,
				actual=aggregate([row.actual for row in measured], aggregation) if measured else None,
				score=sum(flt(row.score) for row in measured) / len(measured) if measured else None,
				periods=len(measured),
			)
		)
	return rows


def review_notes(doc) -> list[frappe._dict]:
	"""The review's notes the user may read (an employee's only once the review is approved)."""
	_readable(doc)
	return frappe.get_list(
		"Performance Review Note",
		filters={"review": doc.name},
		fields=["note_by", "author", "note", "creation"],
		order_by="creation",
	)


def scorecard_grid(doc) -> frappe._dict:
	"""Periods, and per item the target, actual and score of each period, with the scorecard's
	score per period (from KPI Result; empty before the first recompute). Two queries."""
	_readable(doc)
	periods: list[date] = sorted({getdate(row.period_start) for row in doc.targets})
	targets = {(row.kpi, getdate(row.period_start)): flt(row.target) for row in doc.targets}
	pinned = {(row.kpi, getdate(row.period_start)) for row in doc.targets if row.get("pinned")}
	results = frappe.get_all(
		"KPI Result",
		filters={"scorecard": doc.name, "node_type": ("in", ["KPI", "Scorecard"])},
		fields=["node_type", "kpi", "period_start", "actual", "has_actual", "score", "status", "ytd_score"],
	)
	by_cell = {
		(row.kpi if row.node_type == "KPI" else None, getdate(row.period_start)): row for row in results
	}
	items = []
	for item in sorted(doc.items, key=lambda item: item.idx):
		cells = []
		for period in periods:
			result = by_cell.get((item.kpi, period))
			cells.append(
				frappe._dict(
					target=targets.get((item.kpi, period)),
					pinned=(item.kpi, period) in pinned,
					actual=result.actual if result and result.has_actual else None,
					status=result.status if result else None,
				)
			)
		last = [by_cell.get((item.kpi, period)) for period in periods]
		last = [row for row in last if row and row.status and row.status != "No Data"]
		items.append(frappe._dict(item=item, cells=cells, ytd_score=last[-1].ytd_score if last else None))
	totals = [by_cell.get((None, period)) for period in periods]
	return frappe._dict(
		periods=periods,
		items=items,
		pages=[
			items[start : start + SCORECARD_ITEMS_PER_PAGE]
			for start in range(0, len(items), SCORECARD_ITEMS_PER_PAGE)
		]
		or [[]],
		scores=[row.score if row and row.status != "No Data" else None for row in totals],
	)


def measurement_rows(doc) -> list[frappe._dict]:
	"""A measurement's rows with target and actual as text in the site's number format and the
	KPI's unit ("1.234,5 kg", "85,5%", "2.565.983.559 VND" in the currency's decimals), a
	Yes/No KPI's as "Yes"/"No" (the stored 1/0), in the print's language. Two queries."""
	_readable(doc)
	items = sorted(doc.get("items") or [], key=lambda item: item.idx)
	kpis = {row.kpi for row in items if row.kpi}
	yes_no = set(
		frappe.get_all("KPI", filters={"name": ("in", list(kpis)), "scoring_method": "Yes/No"}, pluck="name")
		if kpis
		else []
	)
	units = {row.unit for row in items if row.unit}
	currencies = {
		name: currency_decimals(name)
		for name in (
			frappe.get_all("Currency", filters={"name": ("in", list(units))}, pluck="name") if units else []
		)
	}
	return [
		frappe._dict(
			idx=item.idx,
			kpi=item.kpi,
			kpi_name=item.kpi_name or item.kpi,
			target=measured_text(item.target, item.kpi in yes_no, item.unit, currencies),
			actual=measured_text(
				item.actual_value if item.has_actual else None, item.kpi in yes_no, item.unit, currencies
			),
			comment=item.comment,
		)
		for item in items
	]


def measured_text(value, yes_no: bool, unit: str | None, currencies: dict[str, int]) -> str:
	"""A target or actual as printed: "" when there is none, Yes/No, or the number in the
	site's format with the decimals it has (a currency's own), then its unit."""
	if value is None:
		return ""
	if yes_no:
		return _("Yes") if flt(value) else _("No")
	decimals = currencies.get(unit)
	if decimals is None:
		decimals = len(f"{flt(value):.6f}".rstrip("0").partition(".")[2])
	text = fmt_money(flt(value), precision=decimals)  # frappe.format takes precision 0 as "unset"
	if not unit:
		return text
	return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def pay_register(doc) -> frappe._dict:
	"""The register grouped by department, in the order the rows are, with subtotals, and the
	decimals of the run's currency (VND #.### → 0), so amounts print as the run rounds them."""
	_readable(doc)
	groups: dict[str, frappe._dict] = {}
	for row in doc.employees:
		group = groups.setdefault(
			row.department or "", frappe._dict(department=row.department, rows=[], p1=0, p2=0, p3=0, total=0)
		)
		group.rows.append(row)
		for field in ("p1", "p2", "p3", "total"):
			group[field] += flt(row.get(field))
	return frappe._dict(
		groups=list(groups.values()),
		pages=register_pages(list(groups.values()), len(groups) > 1),
		precision=currency_decimals(doc.currency),
	)


def register_pages(groups: list, subtotals: bool) -> list[list[frappe._dict]]:
	"""The register's lines (department heading, employee rows, subtotal) in pages; a heading
	never ends a page."""
	lines = []
	number = 0
	for group in groups:
		lines.append(frappe._dict(kind="department", group=group))
		for row in group.rows:
			number += 1
			lines.append(frappe._dict(kind="row", row=row, number=number))
		if subtotals:
			lines.append(frappe._dict(kind="subtotal", group=group))
	pages: list[list] = [[]]
	for line in lines:
		if len(pages[-1]) >= REGISTER_LINES_PER_PAGE:
			carried = [pages[-1].pop()] if pages[-1][-1].kind == "department" else []
			pages.append(carried)
		pages[-1].append(line)
	return pages


def currency_decimals(currency: str | None) -> int:
	"""Decimals of the currency's number format, else the site's."""
	number_format = frappe.db.get_value("Currency", currency, "number_format") if currency else None
	return get_number_format_info(number_format or frappe.db.get_default("number_format") or "#,###.##")[2]
