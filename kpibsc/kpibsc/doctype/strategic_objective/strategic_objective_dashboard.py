from frappe import _


def get_data():
	# Task and Project carry kpibsc's custom field strategic_objective
	return {
		"fieldname": "strategic_objective",
		"transactions": [{"label": _("Work"), "items": ["Project", "Task"]}],
	}
