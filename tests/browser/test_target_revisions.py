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
