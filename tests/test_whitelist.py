"""Every function a client can call checks permission itself.

A `@frappe.whitelist()` function or document method is reachable by any logged-in user over
`/api/method` or `run_doc_method` (a document method on a document the client made up), so
each must call a permission check in its own body, on stored data. Those that check one call
further down are listed in ALLOWED with the reason; a new whitelisted function that is in
neither fails this test."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "kpibsc"

# calls that decide permission on stored data (get_list applies the row rules itself)
CHECKS = {
	"check_permission",
	"has_permission",
	"stored_document",
	"only_for",
	"may_see_employee",
	"get_list",
	"is_review_hr",
}

ALLOWED = {
	"kpibsc/kpibsc/doctype/kpi_scorecard/kpi_scorecard.py:cascade": (
		"services.cascade.make_plan checks read on the stored parent, create on KPI Scorecard and"
		" every child by the scorecard rule before anything is written (also in the job)"
	),
	"kpibsc/kpibsc/dashboard.py:scorecards_in_red": (
		"_readable: KPI Result read permission and the row rule (owner_criterion) in the query"
	),
	"kpibsc/kpibsc/dashboard.py:company_score": (
		"_readable: KPI Result read permission and the row rule (owner_criterion) in the query"
	),
	"kpibsc/kpibsc/dashboard.py:kpis_at_risk": (
		"_readable: KPI Result read permission and the row rule (owner_criterion) in the query"
	),
	"kpibsc/kpibsc/services/actuals_bulk.py:fill_period_actuals": (
		"checks the manager roles (MANAGER_ROLES) itself: frappe.only_for is skipped in tests"
	),
	"kpibsc/kpibsc/doctype/strategic_objective/strategic_objective.py:add_node": (
		"inserts a Strategic Objective (the doctype is fixed) through Document.insert, which checks"
		" create permission"
	),
}


def whitelisted() -> dict[str, ast.FunctionDef]:
	found = {}
	for path in sorted(APP.rglob("*.py")):
		tree = ast.parse(path.read_text(), filename=str(path))
		for node in ast.walk(tree):
			if isinstance(node, ast.FunctionDef) and any(
				_is_whitelist(decorator) for decorator in node.decorator_list
			):
				found[f"{path.relative_to(APP.parent)}:{node.name}"] = node
	return found


def _is_whitelist(decorator: ast.expr) -> bool:
	target = decorator.func if isinstance(decorator, ast.Call) else decorator
	return isinstance(target, ast.Attribute) and target.attr == "whitelist"


def called_names(function: ast.FunctionDef) -> set[str]:
	names = set()
	for node in ast.walk(function):
		if isinstance(node, ast.Call):
			target = node.func
			names.add(target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", ""))
	return names


def test_there_are_whitelisted_functions_to_check():
	assert len(whitelisted()) >= 15


def test_every_whitelisted_function_checks_permission():
	unchecked = [
		key
		for key, function in whitelisted().items()
		if not (called_names(function) & CHECKS) and key not in ALLOWED
	]
	assert not unchecked, (
		f"whitelisted without a permission check (add one, or to ALLOWED with why): {unchecked}"
	)


def test_allow_list_names_real_functions_that_need_it():
	functions = whitelisted()
	for key in ALLOWED:
		assert key in functions, f"{key} is no longer whitelisted: drop it from ALLOWED"
		assert not (called_names(functions[key]) & CHECKS), f"{key} checks permission itself now"


def test_document_methods_use_the_stored_document():
	"""run_doc_method hands a method the client's copy: a document method must judge and read
	the stored one (stored_document), or read only stored data it has checked (fill_items)."""
	for key, function in whitelisted().items():
		arguments = [argument.arg for argument in function.args.args]
		if arguments[:1] != ["self"]:
			continue
		names = called_names(function)
		assert "stored_document" in names or ("check_permission" in names and key.endswith(":fill_items")), (
			f"{key} does not work on the stored document"
		)
