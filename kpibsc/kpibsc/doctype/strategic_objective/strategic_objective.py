import frappe
from frappe import _
from frappe.utils import sbool
from frappe.utils.nestedset import NestedSet


class ObjectiveCycleError(frappe.ValidationError):
	pass


class StrategicObjective(NestedSet):
	nsm_parent_field = "parent_strategic_objective"

	def validate(self):
		self.validate_parent_in_same_strategy()
		self.validate_owner()
		self.validate_supports()

	def on_update(self):
		super().on_update()

	def validate_parent_in_same_strategy(self):
		if not self.parent_strategic_objective:
			return
		parent_strategy = frappe.db.get_value(
			"Strategic Objective", self.parent_strategic_objective, "strategy"
		)
		if parent_strategy != self.strategy:
			frappe.throw(
				_("The parent objective {0} belongs to strategy {1}, not {2}.").format(
					frappe.bold(self.parent_strategic_objective), parent_strategy, self.strategy
				)
			)

	def validate_owner(self):
		company = frappe.db.get_value("Strategy", self.strategy, "company")
		if self.level == "Company":
			self.department = self.employee = None
		elif self.level == "Department":
			self.employee = None
			if not self.department:
				frappe.throw(_("A department objective needs its department."), frappe.MandatoryError)
			owner_company = frappe.db.get_value("Department", self.department, "company")
			if owner_company and owner_company != company:
				frappe.throw(
					_("Department {0} belongs to {1}, not to the strategy's company {2}.").format(
						frappe.bold(self.department), owner_company, company
					)
				)
		else:
			if not self.employee:
				frappe.throw(_("An employee objective needs its employee."), frappe.MandatoryError)
			owner_company = frappe.db.get_value("Employee", self.employee, "company")
			if owner_company != company:
				frappe.throw(
					_("Employee {0} works for {1}, not for the strategy's company {2}.").format(
						frappe.bold(self.employee), owner_company, company
					)
				)

	def validate_supports(self):
		supported = [row.objective for row in self.supports]
		if self.name in supported:
			frappe.throw(_("An objective cannot support itself."), ObjectiveCycleError)
		if len(set(supported)) != len(supported):
			frappe.throw(_("An objective is listed twice under Supports."))
		if not supported:
			return
		strategies = dict(
			frappe.get_all(
				"Strategic Objective",
				filters={"name": ("in", supported)},
				fields=["name", "strategy"],
				as_list=True,
			)
		)
		for objective in supported:
			if strategies.get(objective) != self.strategy:
				frappe.throw(
					_("Objective {0} belongs to another strategy; links must stay within {1}.").format(
						frappe.bold(objective), self.strategy
					)
				)
		if cycle := find_support_cycle(self.strategy, self.name, supported):
			frappe.throw(
				_("These links would make a cycle: {0}. Cause and effect must run one way.").format(
					" → ".join(cycle)
				),
				ObjectiveCycleError,
				title=_("Cycle in Strategy Map"),
			)


def find_support_cycle(strategy: str, objective: str, supported: list[str]) -> list[str] | None:
	"""A path that returns to `objective` through "supports" links, if the new links make one.
	Reads every link of the strategy in one query."""
	link = frappe.qb.DocType("Strategic Objective Link")
	parent = frappe.qb.DocType("Strategic Objective")
	edges = (
		frappe.qb.from_(link)
		.join(parent)
		.on(link.parent == parent.name)
		.select(link.parent, link.objective)
		.where((parent.strategy == strategy) & (link.parenttype == "Strategic Objective"))
		.run()
	)
	graph: dict[str, list[str]] = {}
	for source, target in edges:
		if source != objective:
			graph.setdefault(source, []).append(target)
	graph[objective] = list(supported)

	path, seen = [objective], set()

	def visit(node: str) -> list[str] | None:
		for following in graph.get(node, []):
			if following == objective:
				return [*path, objective]
			if following in seen:
				continue
			seen.add(following)
			path.append(following)
			if found := visit(following):
				return found
			path.pop()
		return None

	return visit(objective)


@frappe.whitelist()
def get_children(
	doctype: str, parent: str | None = None, strategy: str | None = None, is_root: bool | str = False
):
	"""Tree view: objectives under `parent` (top-level objectives of a strategy at the root)."""
	at_root = (
		sbool(is_root)
		or not parent
		or parent == strategy
		or not frappe.db.exists("Strategic Objective", parent)
	)
	filters = {"parent_strategic_objective": "" if at_root else parent}
	if strategy:
		filters["strategy"] = strategy
	if filters["parent_strategic_objective"] == "":
		filters["parent_strategic_objective"] = ("is", "not set")
	return frappe.get_list(
		"Strategic Objective",
		fields=["name as value", "objective_name as title", "is_group as expandable", "perspective"],
		filters=filters,
		order_by="perspective, objective_name",
	)


@frappe.whitelist()
def add_node():
	from frappe.desk.treeview import make_tree_args

	# the tree adds objectives, whatever doctype the request names
	args = make_tree_args(**{**frappe.form_dict, "doctype": "Strategic Objective"})
	if args.parent_strategic_objective == args.strategy:
		args.parent_strategic_objective = None
	frappe.get_doc(args).insert()
