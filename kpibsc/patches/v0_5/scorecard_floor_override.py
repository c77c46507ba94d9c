import frappe


def execute():
	"""Tick Override Floor on scorecards whose floor is not 0: before the switch a non-zero
	floor overrode the company's and a 0 inherited it, which is what they keep meaning."""
	card = frappe.qb.DocType("KPI Scorecard")
	(
		frappe.qb.update(card)
		.set(card.override_floor, 1)
		.where((card.achievement_floor != 0) & (card.override_floor == 0))
		.run()
	)
