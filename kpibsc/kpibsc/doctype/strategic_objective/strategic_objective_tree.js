frappe.treeview_settings["Strategic Objective"] = {
	breadcrumb: "KPIBSC",
	title: __("Strategy Tree"),
	get_tree_nodes: "kpibsc.kpibsc.doctype.strategic_objective.strategic_objective.get_children",
	add_tree_node: "kpibsc.kpibsc.doctype.strategic_objective.strategic_objective.add_node",
	filters: [
		{
			fieldname: "strategy",
			fieldtype: "Link",
			options: "Strategy",
			label: __("Strategy"),
			reqd: 1,
		},
	],
	root_label: __("Strategy"),
	get_tree_root: false,
	ignore_fields: ["parent_strategic_objective"],
	fields: [
		{ fieldtype: "Data", fieldname: "objective_name", label: __("Objective"), reqd: 1 },
		{
			fieldtype: "Link",
			fieldname: "perspective",
			label: __("Perspective"),
			options: "BSC Perspective",
			reqd: 1,
		},
		{
			fieldtype: "Select",
			fieldname: "level",
			label: __("Level"),
			options: ["Company", "Department", "Employee"],
			default: "Company",
		},
		{ fieldtype: "Check", fieldname: "is_group", label: __("Is Group") },
	],
	onload: function (treeview) {
		treeview.make_tree();
		// open on the company's active strategy rather than an empty, required filter
		const strategy_field = treeview.page.fields_dict.strategy;
		if (strategy_field && !strategy_field.get_value()) {
			frappe.db
				.get_list("Strategy", {
					filters: { status: "Active" },
					fields: ["name"],
					order_by: "from_date desc",
					limit: 1,
				})
				.then((rows) => rows.length && strategy_field.set_value(rows[0].name));
		}
	},
};
