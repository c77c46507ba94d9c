import frappe

# DocTypes whose rows only their people may read (permission_query_conditions and
# has_permission in permissions.py): a share would make one readable to anybody
ROW_RULED = (
	"KPI Scorecard",
	"KPI Measurement",
	"KPI Result",
	"Performance Review",
	"Performance Review Note",
	"Performance Feedback Request",
	"Continuous Feedback",
	"Performance Check-in",
	"KPI Target Revision",
)


def execute():
	revoke_shares()


def revoke_shares(only: list[str] | None = None):
	"""Remove the shares of row-ruled documents made by anybody but a System Manager.

	Frappe lets a shared document be read whatever the row rules say, and until now an
	employee, a head or HR could share (or assign, which shares) a scorecard, a review, a note
	or a check-in with a colleague who may not read it; only System Managers keep the right.
	`only`: these DocShare rows alone (a test's own)."""
	share, role = frappe.qb.DocType("DocShare"), frappe.qb.DocType("Has Role")
	system_managers = (
		frappe.qb.from_(role)
		.select(role.parent)
		.where((role.role == "System Manager") & (role.parenttype == "User"))
	)
	query = (
		frappe.qb.from_(share)
		.delete()
		.where(
			share.share_doctype.isin(ROW_RULED)
			& share.owner.notin(system_managers)
			& (share.owner != "Administrator")
		)
	)
	if only is not None:
		query = query.where(share.name.isin(only or [""]))
	query.run()
