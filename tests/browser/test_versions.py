"""KPI versions (user guide §4, "Changing a KPI's scoring: versions"): the KPI Manager evaluates
a KPI the demo's scorecards carry and chooses Adjust, which opens the New Version dialog with
the earliest allowed date; the version is made and the KPI's Versions section lists it beside
version 1. The form itself refuses a scoring change on a KPI with results. An employee reads
the history but is offered no New Version.
"""

KPI = "CO-07"  # on the demo company's scorecard, so it has results (test_evaluation uses CO-09); the
# flows run in file order and this file is last, so no other flow sees its new version


def test_manager_adjusts_a_kpi_into_a_new_version(as_role):
	desk = as_role("manager")
	desk.go("Form", "KPI", KPI)
	desk.assert_allowed("a KPI")
	before = desk.doc()["scoring_method"]
	new_method = "Lower is Better" if before != "Lower is Better" else "Higher is Better"

	desk.click_button("Evaluate")
	dialog = desk.dialog()
	dialog.wait_for()
	dialog.locator("[data-fieldname='outcome'] select").select_option("Adjust")
	dialog.locator("[data-fieldname='reason'] textarea").fill("Đổi cách chấm điểm từ kỳ tới")
	desk.dialog_primary()

	# Adjust opens New Version, the earliest date filled in
	desk.page.wait_for_function(
		"() => [...document.querySelectorAll('.modal.show .modal-title')].some(e => e.innerText.startsWith('New Version'))"
	)
	# that dialog, not the Evaluate one on its way out
	dialog = desk.page.locator(
		".modal.show", has=desk.page.locator(".modal-title", has_text="New Version")
	).last
	dialog.locator("[data-fieldname='reason'] textarea").wait_for()
	effective = dialog.locator("[data-fieldname='effective_from'] input").input_value()
	assert effective, "the New Version dialog proposes no effective date"
	dialog.locator("[data-fieldname='scoring_method'] select").select_option(new_method)
	dialog.locator("[data-fieldname='reason'] textarea").fill("Chi phí: càng thấp càng tốt")
	dialog.locator(".modal-footer .btn-primary").click()
	desk.wait_idle()
	desk.page.wait_for_function(
		"() => [...document.querySelectorAll('#alert-container .alert')].some(e => e.innerText.includes('is in force from'))"
	)
	desk.wait_idle()
	assert desk.doc()["scoring_method"] == new_method
	history = desk.page.locator(".page-container:visible .kpibsc-version-history")
	history.wait_for()
	assert history.locator("tbody tr").count() >= 2, history.inner_text()  # and version 1
	assert "Chi phí" in history.inner_text()

	# the form no longer takes a scoring change directly
	desk.page.evaluate("(m) => cur_frm.set_value('scoring_method', m)", before)
	message = desk.save()
	assert "New Version" in message, message
	# what is stored is the new version's method
	desk.page.evaluate("() => cur_frm.reload_doc()")
	desk.wait_idle()
	assert desk.doc()["scoring_method"] == new_method


def test_employee_reads_the_history_but_makes_no_version(as_role):
	desk = as_role("employee")
	desk.go("Form", "KPI", KPI)
	desk.assert_allowed("a KPI")
	desk.wait_idle()
	toolbar = desk.page.locator(".page-container:visible .page-head")
	assert not toolbar.locator("button:has-text('New Version')").count()
	assert not toolbar.locator("button:has-text('Remove Version')").count()


def test_manager_removes_a_mistaken_future_version(as_role):
	"""A version dated next year, made by mistake, is removed from the KPI form: the KPI is
	back to the scoring it had, and the history to what it was (the flows after see nothing)."""
	desk = as_role("manager")
	desk.go("Form", "KPI", KPI)
	desk.wait_idle()
	before = desk.doc()["scoring_method"]
	made = desk.page.evaluate(
		"""async ([kpi, method]) => frappe.xcall("kpibsc.kpibsc.services.versions.new_version", {
			kpi, scoring_method: method, reason: "Typed the wrong year",
			effective_from: `${new Date().getFullYear() + 1}-01-01`,
		})""",
		[KPI, "Higher is Better" if before != "Higher is Better" else "Lower is Better"],
	)
	desk.page.evaluate("() => cur_frm.reload_doc()")
	desk.wait_idle()
	assert desk.doc()["scoring_method"] != before
	desk.click_button(f"Remove Version {made['version_no']}")
	desk.confirm_yes()
	desk.page.wait_for_function("(m) => cur_frm.doc.scoring_method === m", arg=before)
	desk.wait_idle()
	history = desk.page.locator(".page-container:visible .kpibsc-version-history")
	assert f"{made['version_no']}" not in [
		cell.strip() for cell in history.locator("tbody tr td:first-child").all_inner_texts()
	]
	# the removed version's button goes; an earlier version still to come keeps its own (the
	# Adjust flow above dates its version the first day allowed, next month on a month's last day)
	toolbar = desk.page.locator(".page-container:visible .page-head")
	assert not toolbar.locator(f"button:text-is('Remove Version {made['version_no']}')").count()
