"""Mid-period revisions (user guide §5, "Revising targets mid-period"): the head of Sales asks,
from the department's active scorecard, to move one point of weight between its first two KPIs
from the last open period; the KPI Manager finds it under Revisions → Approve and applies it;
the Balanced Scorecard then shows the figures as originally set. Weights only, and from the
last period, which has no actuals yet: the other flows' figures stay as they were.
"""

import pytest

made: dict = {}


def test_head_asks_for_a_revision_of_the_department_scorecard(as_role, info):
	desk = as_role("head")
	card = info["department_scorecards"]["Sales"]
	desk.go("Form", "KPI Scorecard", card)
	desk.assert_allowed("their department's scorecard")
	desk.click_button("Revise Targets")
	dialog = desk.dialog()
	# the head may ask, not approve: the dialog's button says so
	assert dialog.locator(".modal-footer .btn-primary").inner_text().strip() == "Ask for Revision"
	options = desk.page.evaluate(
		"() => cur_dialog.get_field('effective_from').df.options.map((option) => option.value)"
	)
	desk.page.evaluate(
		"""(period) => {
			cur_dialog.set_value("effective_from", period);
			const rows = cur_dialog.fields_dict.changes.df.data;
			rows[0].new_weight = rows[0].weight + 1;
			rows[1].new_weight = rows[1].weight - 1;
			cur_dialog.fields_dict.changes.grid.refresh();
		}""",
		options[-1],
	)
	dialog.locator("[data-fieldname='reason'] textarea").fill("Service matters more in December")
	desk.dialog_primary()
	revisions = desk.page.evaluate(
		"""(card) => frappe.xcall("frappe.client.get_list", {doctype: "KPI Target Revision",
			filters: {scorecard: card}, fields: ["name", "status", "requested_by"]})""",
		card,
	)
	pending = [row for row in revisions if row["status"] == "Pending"]
	assert pending and pending[0]["requested_by"] == info["users"]["head"], revisions
	made["revision"], made["scorecard"] = pending[0]["name"], card
	weights = desk.page.evaluate("() => cur_frm.doc.items.map((item) => item.weight)")
	made["weights"] = weights[:2]


def test_kpi_manager_approves_and_sees_the_original_targets(as_role, info):
	if "revision" not in made:
		pytest.skip("no revision: the head's flow failed")
	desk = as_role("manager")
	desk.go("Form", "KPI Scorecard", made["scorecard"])
	desk.click_button(f"Approve {made['revision']}", group="Revisions")
	desk.confirm_yes()
	desk.page.wait_for_function(
		"""(name) => frappe.db.get_value("KPI Target Revision", name, "status")
			.then((r) => r.message.status === "Approved")""",
		arg=made["revision"],
	)
	desk.page.wait_for_function(
		"(weight) => cur_frm.doc.items[0].weight === weight", arg=made["weights"][0] + 1
	)
	revision = desk.page.evaluate(
		"(name) => frappe.xcall('frappe.client.get', {doctype: 'KPI Target Revision', name})",
		made["revision"],
	)
	assert revision["approved_by"] == info["users"]["manager"]
	assert [row["old_weight"] for row in revision["items"]] == made["weights"]

	desk.open_report("Balanced Scorecard", {"scorecard": made["scorecard"], "targets": "As Originally Set"})
	assert desk.report_rows(), "the report shows the scorecard as originally set"
	desk.expect_text("as originally set, before any revision")


def test_an_approver_with_the_scorecard_open_sees_a_new_request(as_role, info):
	"""A request made while the KPI Manager has the scorecard open (the head asks from their own
	session) shows up under Revisions without reloading the page: Check for Requests, or
	coming back to the form (the realtime notice does it by itself where socket.io runs; tier 3
	has none). The manager rejects both, so the figures stay as the other flows left them."""
	card = info["department_scorecards"]["Sales"]
	manager = as_role("manager")
	manager.go("Form", "KPI Scorecard", card)
	manager.page.evaluate("() => { window.kpibsc_same_page = true; }")
	head = as_role("head")
	head.go("Form", "KPI Scorecard", card)
	ask = """async (card) => {
			const doc = await frappe.xcall("frappe.client.get", {doctype: "KPI Scorecard", name: card});
			const can = await frappe.xcall("kpibsc.kpibsc.services.revisions.revision_actions", {scorecard: card});
			const [first, second] = doc.items;
			const reply = await frappe.xcall("kpibsc.kpibsc.services.revisions.request_revision", {
				scorecard: card,
				effective_from: can.periods[can.periods.length - 1],
				reason: "Asked while the KPI Manager has it open",
				changes: [{kpi: first.kpi, weight: first.weight + 1}, {kpi: second.kpi, weight: second.weight - 1}],
			});
			return reply.revision;
		}"""
	revision = head.page.evaluate(ask, card)
	assert revision
	manager.click_button("Check for Requests", group="Revisions")
	manager.click_button(f"Reject {revision}", group="Revisions")
	assert manager.page.evaluate("() => window.kpibsc_same_page === true"), "the page was reloaded"
	approve = manager.page.locator(
		".page-container:visible .page-head .inner-group-button[data-label='Revisions'] .dropdown-item",
		has_text=f"Approve {revision}",
	)
	assert approve.count() == 1, "Approve is offered beside Reject"
	manager.dialog().locator("[data-fieldname='comment'] textarea").fill("Not this month")
	manager.dialog_primary()
	manager.page.wait_for_function(
		"""(name) => frappe.db.get_value("KPI Target Revision", name, "status")
			.then((r) => r.message.status === "Rejected")""",
		arg=revision,
	)

	# asked again while the manager is elsewhere: back on the form (no page load), it is there
	again = head.page.evaluate(ask, card)
	manager.go("List", "KPI Target Revision")
	manager.go("Form", "KPI Scorecard", card)
	manager.click_button(f"Reject {again}", group="Revisions")
	assert manager.page.evaluate("() => window.kpibsc_same_page === true"), "the page was reloaded"
	manager.dialog().locator("[data-fieldname='comment'] textarea").fill("Not this month either")
	manager.dialog_primary()
	manager.page.wait_for_function(
		"""(name) => frappe.db.get_value("KPI Target Revision", name, "status")
			.then((r) => r.message.status === "Rejected")""",
		arg=again,
	)
