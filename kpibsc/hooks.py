app_name = "kpibsc"
app_title = "KPI BSC"
app_publisher = "kpibsc maintainers"
app_description = "Balanced Scorecard, cascaded KPIs, performance reviews and 3P pay for ERPNext and HRMS"
app_email = "maintainers@kpibsc.dev"
app_license = "gpl-3.0"

# "org/repo" as HRMS writes it: a bare "erpnext" makes install-app look the org up on GitHub.
required_apps = ["frappe/erpnext", "frappe/hrms"]

# Controllers carry the generated field types (as ERPNext does).
export_python_type_annotations = True

# Desk
# ----

# Excel in and out (services/spreadsheets.py), kept apart from the doctypes' own scripts
# kpibsc_xlsx.js (the upload both use) comes first: Frappe joins a DocType's files in order
doctype_js = {
	"KPI Scorecard": [
		"public/js/kpibsc_xlsx.js",
		"public/js/kpi_scorecard_spreadsheets.js",
		"public/js/kpi_scorecard_targets.js",  # targets suggested from last period
		"public/js/kpi_scorecard_agreement.js",  # targets proposed and agreed
		"public/js/kpi_scorecard_revisions.js",  # targets revised mid-period
		"public/js/kpi_scorecard_review.js",  # the scorecard reviewed on a schedule
		"public/js/kpibsc_percent.js",
	],
	# Percent fields as the site writes numbers ("85,5%"): the doctypes that show one read-only
	# or in a grid
	# (spelled out: tests/test_app_metadata.py reads hooks.py as literals)
	"KPI Result": "public/js/kpibsc_percent.js",
	"KPI": "public/js/kpibsc_percent.js",
	"KPI BSC Settings": "public/js/kpibsc_percent.js",
	"Strategy": "public/js/kpibsc_percent.js",
	"BSC Perspective": "public/js/kpibsc_percent.js",
	"KPI Version": "public/js/kpibsc_percent.js",
	"Performance Check-in": "public/js/kpibsc_percent.js",
	"Performance Review Cycle": "public/js/kpibsc_percent.js",
}
doctype_list_js = {
	"KPI Measurement": ["public/js/kpibsc_xlsx.js", "public/js/kpi_measurement_list_spreadsheets.js"]
}

# Printing: what the standard print formats read beyond the document (each checks read on it)
jinja = {
	"methods": [
		"kpibsc.kpibsc.services.printing.review_kpi_rows",
		"kpibsc.kpibsc.services.printing.review_notes",
		"kpibsc.kpibsc.services.printing.scorecard_grid",
		"kpibsc.kpibsc.services.printing.pay_register",
		"kpibsc.kpibsc.services.printing.measurement_rows",
	]
}

# Installation
# ------------

after_install = "kpibsc.setup.install.after_install"
before_uninstall = "kpibsc.setup.install.before_uninstall"
# kpibsc's P1/P2/P3 salary components are made again if something deleted them
after_migrate = "kpibsc.setup.install.after_migrate"

# Testing
# -------

# HRMS's helper completes the setup wizard with ERPNext's "_Test Company" and a fiscal year.
before_tests = "kpibsc.tests.utils.before_tests"

# the desk's root opens My Work for employees, department heads and HR people who score
boot_session = "kpibsc.kpibsc.services.home.boot_session"

# Fixtures
# --------

# Only the four standard perspectives; users may edit them (a newer edit is kept on migrate).
fixtures = [
	{
		"dt": "BSC Perspective",
		"filters": [["name", "in", ["Financial", "Customer", "Internal Process", "Learning & Growth"]]],
	},
]

# Permissions
# -----------

permission_query_conditions = {
	"KPI Scorecard": "kpibsc.kpibsc.permissions.scorecard_query_conditions",
	"KPI Measurement": "kpibsc.kpibsc.permissions.measurement_query_conditions",
	"KPI Result": "kpibsc.kpibsc.permissions.result_query_conditions",
	"KPI Target Revision": "kpibsc.kpibsc.permissions.revision_query_conditions",
	"Performance Review": "kpibsc.kpibsc.permissions.review_query_conditions",
	"Performance Review Note": "kpibsc.kpibsc.permissions.review_note_query_conditions",
	"Performance Feedback Request": "kpibsc.kpibsc.permissions.feedback_request_query_conditions",
	"Continuous Feedback": "kpibsc.kpibsc.permissions.feedback_query_conditions",
	"Performance Check-in": "kpibsc.kpibsc.permissions.checkin_query_conditions",
	# child tables listed with their parent DocType: only the rows of parents the user may list
	"KPI Scorecard Item": "kpibsc.kpibsc.child_permissions.child_query_conditions",
	"KPI Scorecard Target": "kpibsc.kpibsc.child_permissions.child_query_conditions",
	"KPI Measurement Item": "kpibsc.kpibsc.child_permissions.child_query_conditions",
	"KPI Target Revision Item": "kpibsc.kpibsc.child_permissions.child_query_conditions",
	"Performance Review Competency": "kpibsc.kpibsc.child_permissions.child_query_conditions",
	"Performance Feedback Rating": "kpibsc.kpibsc.child_permissions.child_query_conditions",
	"Performance Check-in KPI": "kpibsc.kpibsc.child_permissions.child_query_conditions",
	"Performance Check-in Action": "kpibsc.kpibsc.child_permissions.child_query_conditions",
}

has_permission = {
	"KPI Scorecard": "kpibsc.kpibsc.permissions.scorecard_has_permission",
	"KPI Measurement": "kpibsc.kpibsc.permissions.measurement_has_permission",
	"KPI Result": "kpibsc.kpibsc.permissions.result_has_permission",
	"KPI Target Revision": "kpibsc.kpibsc.permissions.revision_has_permission",
	"Performance Review": "kpibsc.kpibsc.permissions.review_has_permission",
	"Performance Review Note": "kpibsc.kpibsc.permissions.review_note_has_permission",
	"Performance Feedback Request": "kpibsc.kpibsc.permissions.feedback_request_has_permission",
	"Continuous Feedback": "kpibsc.kpibsc.permissions.feedback_has_permission",
	"Performance Check-in": "kpibsc.kpibsc.permissions.checkin_has_permission",
}

# frappe.client.get_count counts without permission or row rules: kpibsc's DocTypes are
# counted as their lists show them (feedback requests, reviews, scorecards…)
override_whitelisted_methods = {"frappe.client.get_count": "kpibsc.kpibsc.counting.get_count"}

# a queued or failed recompute (services/recompute.py) outlives bench clear-cache
persistent_cache_keys = ["kpibsc_recompute_status"]

# Scheduled Tasks
# ---------------

scheduler_events = {
	# to-dos for measurements due in the past week
	# ... and for KPIs due to be evaluated again (keep, adjust or retire)
	"daily": [
		"kpibsc.kpibsc.services.reminders.remind_due_measurements",
		"kpibsc.kpibsc.services.evaluation.remind_due_evaluations",
		# ... and for feedback requests due within three days or overdue
		"kpibsc.kpibsc.services.feedback.remind_pending_feedback",
		# ... and for scorecards due for their scheduled review
		"kpibsc.kpibsc.services.scorecard_review.remind_due_reviews",
	],
	# fill draft measurements from ERPNext documents (KPIs with an ERPNext Query source)
	"daily_long": [
		"kpibsc.kpibsc.services.actuals.refresh_all",
		# open tasks fall due without a save: rates of task-based KPIs move daily
		"kpibsc.kpibsc.services.work.recompute_task_scorecards",
	],
}

doc_events = {
	# tasks and initiatives linked to objectives and scorecard items (custom fields)
	"Task": {
		"validate": "kpibsc.kpibsc.services.work.validate_task",
		"on_update": "kpibsc.kpibsc.services.work.task_changed",
		"after_delete": "kpibsc.kpibsc.services.work.task_changed",
	},
	"Project": {"validate": "kpibsc.kpibsc.services.work.validate_project"},
	# Task saves ask "does any KPI count assigned tasks?" once per request: a KPI change resets it
	"KPI": {
		"on_change": "kpibsc.kpibsc.services.work.forget_assigned_scope",
		"on_trash": "kpibsc.kpibsc.services.work.forget_assigned_scope",
	},
	# the KPI score in HRMS's own Appraisal, before HRMS computes its final score
	"Appraisal": {"before_validate": "kpibsc.kpibsc.services.reviews.set_appraisal_kpi_score"},
	# reviews made before the employee had a user pick the user up (workflow conditions)
	"Employee": {"on_update": "kpibsc.kpibsc.services.reviews.sync_review_users"},
	# a slip made before a KPI pay run lacks its Additional Salaries: say so
	"Salary Slip": {"validate": "kpibsc.kpibsc.services.pay.check_salary_slip"},
	# ... asked only for a company with a draft KPI pay run: the cached list follows the runs
	"KPI Pay Run": {
		"on_change": "kpibsc.kpibsc.services.pay.forget_draft_pay_runs",
		"on_trash": "kpibsc.kpibsc.services.pay.forget_draft_pay_runs",
	},
}
