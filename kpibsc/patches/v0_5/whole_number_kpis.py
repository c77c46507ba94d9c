import frappe

from kpibsc.engine.rounding import counts_whole_units


def execute():
	"""Tick Whole Numbers on KPIs whose unit counts things (Count, Customers...), as saving them
	would: their split and phased targets are whole numbers either way, now the form says so."""
	kpi = frappe.qb.DocType("KPI")
	rows = frappe.qb.from_(kpi).select(kpi.name, kpi.unit).where(kpi.whole_numbers == 0).run()
	names = [name for name, unit in rows if counts_whole_units(unit)]
	if names:
		frappe.qb.update(kpi).set(kpi.whole_numbers, 1).where(kpi.name.isin(names)).run()
