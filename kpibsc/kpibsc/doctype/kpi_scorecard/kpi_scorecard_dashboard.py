from frappe import _


def get_data():
	# Task carries kpibsc's custom field kpi_scorecard; the other links are in the DocType
	return {
		"fieldname": "kpi_scorecard",
		"transactions": [{"label": _("Work"), "items": ["Task"]}],
	}
