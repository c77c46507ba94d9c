"""`frappe.client.get_count` — what `frappe.db.count()` calls from the browser — counts with
`frappe.db.count`: no read permission, no row rules. Any signed-in user could count kpibsc's
rows by any filter (one colleague's reviews with a final score above 90, feedback requests by
rater and status, scorecards by target) and so learn what they may not read. kpibsc's own
DocTypes are counted as the list shows them (`frappe.get_list`: the role's read permission and
the row rules); every other DocType is counted as Frappe counts it."""

import frappe
from frappe import _
from frappe.client import get_count as frappe_get_count

MODULE = "KPIBSC"


@frappe.whitelist()
def get_count(doctype: str, filters=None, debug: bool = False, cache: bool = False) -> int:
	meta = frappe.get_meta(doctype)
	if meta.module != MODULE:
		return frappe_get_count(doctype, filters, debug, cache)
	if meta.istable:
		frappe.throw(
			_("Count the rows of {0} through its parent's list.").format(doctype), frappe.PermissionError
		)
	frappe.has_permission(doctype, "read", throw=True)
	rows = frappe.get_list(
		doctype,
		filters=frappe.parse_json(filters) if filters else None,
		fields=[f"count(`tab{doctype}`.name) as total_count"],
		order_by=None,
		limit_page_length=0,
	)
	return rows[0].total_count if rows else 0
