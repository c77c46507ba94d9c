import frappe
from frappe.model.document import Document


class KPIScorecardTarget(Document):
	pass


def on_doctype_update():
	"""The bulk actuals fill reads one period of twenty thousand scorecards: by period start
	first, the index gives that period's rows without reading the other eleven months'."""
	frappe.db.add_index("KPI Scorecard Target", ["period_start", "parent"])
