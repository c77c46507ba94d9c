"""Continuous feedback and check-ins (user guide §10, "Continuous feedback and check-ins"): the
employee gives a colleague feedback from My Work's *Give Feedback*, and the server records them
as the giver; the head of Sales opens a check-in with the employee, adds an agreed action with
an owner, and *Create Tasks* makes the Task and links it back.
"""

made: dict = {}


def typed_date(info: dict, iso: str) -> str:
	year, month, day = iso.split("-")
	return info["date_format"].replace("dd", day).replace("mm", month).replace("yyyy", year)


def test_employee_gives_feedback_from_the_desk(as_role, info):
	desk = as_role("employee")
	desk.go("my-work")
	card = desk.page.locator(".my-work-section[data-section='feedback']")
	card.wait_for()
	card.locator("button[data-feedback='give']").click()
	desk.wait_idle()
	desk.page.wait_for_function("() => cur_frm && cur_frm.doctype === 'Continuous Feedback'")
	desk.fill_link("recipient", info["employees"]["head"])
	desk.select("kind", "Suggestion")
	editor = desk.page.locator(
		".page-container:visible .frappe-control[data-fieldname='feedback'] .ql-editor:not(.read-mode)"
	)
	editor.click()
	editor.type("Shorter weekly sales meetings, please.", delay=5)
	desk.wait_idle()
	message = desk.save()
	assert not message, message
	doc = desk.doc()
	assert doc["status"] == "Given"
	assert doc["giver"] == info["employees"]["employee"]
	assert doc["recipient"] == info["employees"]["head"]
	made["feedback"] = doc["name"]


def test_head_opens_a_checkin_and_creates_a_task(as_role, info):
	desk = as_role("head")
	employee = info["employees"]["employee"]
	desk.go("Form", "Performance Check-in", "new")
	desk.page.wait_for_function("() => cur_frm && cur_frm.doctype === 'Performance Check-in'")
	desk.fill_link("employee", employee)
	# the employee's current scorecard is filled in by the form
	desk.page.wait_for_function("() => !!cur_frm.doc.scorecard", timeout=30000)
	year = info["year"]  # the demo scorecards cover the year
	desk.fill("from_date", typed_date(info, f"{year}-01-01"))
	desk.fill("to_date", typed_date(info, f"{year}-03-31"))
	row = desk.grid_add_row("actions", key="action")
	desk.grid_type("actions", row, "action", "Call the three late customers")
	desk.grid_link("actions", row, "action_owner", employee)
	message = desk.save()
	assert not message, message
	doc = desk.doc()
	assert doc["manager"] == info["employees"]["head"]
	desk.click_button("Create Tasks")
	desk.page.wait_for_function("() => !!(cur_frm.doc.actions[0] || {}).task", timeout=30000)
	task = desk.doc()["actions"][0]["task"]
	made["task"] = task
	desk.go("Form", "Task", task)
	assert desk.value("subject") == "Call the three late customers"


SET_REPORTS_TO = """([name, to]) => frappe.xcall('frappe.client.set_value',
	{doctype: 'Employee', name, fieldname: 'reports_to', value: to})"""


def test_a_reports_to_manager_who_is_not_the_head_holds_a_checkin(as_role, info):
	"""For this flow the R&D reviewee reports to the Sales employee, who heads nothing: she
	opens a check-in with him, the form picks his scorecard (the server's picker), and the
	scorecard itself stays closed to her. HR puts Reports To back afterwards."""
	hr = as_role("hr")
	hr.go("List", "Employee")
	report, lead = info["employees"]["reviewee"], info["employees"]["employee"]
	before = hr.page.evaluate(
		"""(name) => frappe.xcall('frappe.client.get_value',
			{doctype: 'Employee', filters: name, fieldname: 'reports_to'}).then((row) => row.reports_to)""",
		report,
	)
	hr.page.evaluate(SET_REPORTS_TO, [report, lead])
	try:
		desk = as_role("employee")
		desk.go("Form", "Performance Check-in", "new")
		desk.page.wait_for_function("() => cur_frm && cur_frm.doctype === 'Performance Check-in'")
		desk.fill_link("employee", report)
		desk.page.wait_for_function("() => !!cur_frm.doc.scorecard", timeout=30000)
		assert desk.value("scorecard") == info["employee_scorecards"]["reviewee"]
		year = info["year"]
		desk.fill("from_date", typed_date(info, f"{year}-01-01"))
		desk.fill("to_date", typed_date(info, f"{year}-03-31"))
		message = desk.save()
		assert not message, message
		doc = desk.doc()
		assert (doc["manager"], doc["scorecard"]) == (lead, info["employee_scorecards"]["reviewee"])
		desk.go("Form", "KPI Scorecard", doc["scorecard"], expect_refusal=True)
		desk.assert_refused("the report's scorecard itself")
	finally:
		hr.page.evaluate(SET_REPORTS_TO, [report, before])
