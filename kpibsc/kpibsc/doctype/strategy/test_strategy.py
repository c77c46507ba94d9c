import frappe

from kpibsc.kpibsc.doctype.strategic_objective.strategic_objective import ObjectiveCycleError, get_children
from kpibsc.kpibsc.doctype.strategy.strategy import StrategyWeightError
from kpibsc.tests.factories import TEST_COMPANY, KPITestCase, make_company, make_department, make_strategy


def objective(name: str, strategy: str, perspective: str = "Financial", **values):
	return frappe.get_doc(
		{
			"doctype": "Strategic Objective",
			"objective_name": name,
			"strategy": strategy,
			"perspective": perspective,
			**values,
		}
	).insert()


STANDARD = ["Financial", "Customer", "Internal Process", "Learning & Growth"]


class TestStrategy(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()

	def test_standard_perspectives_are_installed(self):
		# the four the fixture ships, in its order, 25 each (other perspectives may exist too)
		perspectives = frappe.get_all(
			"BSC Perspective",
			filters={"name": ("in", STANDARD)},
			fields=["name", "default_weight"],
			order_by="sort_order",
		)
		self.assertEqual(
			[(row.name, row.default_weight) for row in perspectives], [(n, 25) for n in STANDARD]
		)

	def test_new_strategy_gets_perspective_weights(self):
		strategy = frappe.get_doc("Strategy", make_strategy("_Test Strategy Weights"))
		weights = {row.perspective: row.weight for row in strategy.perspectives}
		self.assertEqual({name: weights.get(name) for name in STANDARD}, dict.fromkeys(STANDARD, 25))

	def test_weights_must_add_to_100(self):
		strategy = frappe.get_doc(
			{
				"doctype": "Strategy",
				"strategy_name": "_Test Strategy Bad Weights",
				"company": TEST_COMPANY,
				"from_date": "2025-01-01",
				"to_date": "2025-12-31",
				"perspectives": [
					{"perspective": "Financial", "weight": 70},
					{"perspective": "Customer", "weight": 20},
				],
			}
		)
		self.assertRaises(StrategyWeightError, strategy.insert)

	def test_one_active_strategy_per_company_and_period(self):
		make_strategy("_Test Strategy Active", status="Active")
		second = frappe.get_doc(
			{
				"doctype": "Strategy",
				"strategy_name": "_Test Strategy Active 2",
				"company": TEST_COMPANY,
				"status": "Active",
				"from_date": "2025-06-01",
				"to_date": "2026-05-31",
			}
		)
		self.assertRaises(frappe.ValidationError, second.insert)

	def test_objective_tree(self):
		strategy = make_strategy("_Test Strategy Tree")
		root = objective("Grow profitably", strategy, is_group=1)
		child = objective("Grow revenue 20%", strategy, parent_strategic_objective=root.name)
		root.reload()
		child.reload()
		self.assertTrue(root.lft < child.lft < child.rgt < root.rgt)
		top = get_children("Strategic Objective", parent=strategy, strategy=strategy, is_root=True)
		self.assertEqual([node.value for node in top], [root.name])
		below = get_children("Strategic Objective", parent=root.name, strategy=strategy)
		self.assertEqual([node.value for node in below], [child.name])

	def test_parent_from_another_strategy_refused(self):
		first = objective("Elsewhere", make_strategy("_Test Strategy A"), is_group=1)
		with self.assertRaises(frappe.ValidationError):
			objective(
				"Wrong parent", make_strategy("_Test Strategy B"), parent_strategic_objective=first.name
			)

	def test_department_level_needs_a_department_of_the_company(self):
		strategy = make_strategy("_Test Strategy Levels")
		with self.assertRaises(frappe.ValidationError):
			objective("No department", strategy, level="Department")
		department = make_department("KPI Test Ops")
		objective("Faster delivery", strategy, level="Department", department=department)

	def test_supports_links_may_not_form_a_cycle(self):
		strategy = make_strategy("_Test Strategy Map")
		skills = objective("Build skills", strategy, perspective="Learning & Growth")
		process = objective(
			"Faster process", strategy, perspective="Internal Process", supports=[{"objective": skills.name}]
		)
		customers = objective(
			"Happy customers", strategy, perspective="Customer", supports=[{"objective": process.name}]
		)
		skills.append("supports", {"objective": customers.name})
		with self.assertRaises(ObjectiveCycleError) as error:
			skills.save()
		self.assertIn(skills.name, str(error.exception))
		itself = objective("Self-supporting", strategy)
		itself.append("supports", {"objective": itself.name})
		self.assertRaises(ObjectiveCycleError, itself.save)
