"""Static checks of the app's metadata: the mistakes that otherwise only show on a site."""

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "kpibsc"
MODULE_DIR = APP / "kpibsc"
RESERVED = {
	line.strip()
	for line in (ROOT / "tests" / "data" / "reserved_doctypes.txt").read_text().splitlines()
	if line.strip() and not line.startswith("#")
}


def _json_files(kind: str) -> list[Path]:
	return sorted(path for path in (MODULE_DIR / kind).glob("*/*.json") if path.stem == path.parent.name)


def _scrub(name: str) -> str:
	return name.replace(" ", "_").replace("-", "_").lower()


METADATA = _json_files("doctype") + _json_files("report") + _json_files("workspace") + _json_files("page")


def _python_files() -> list[Path]:
	return sorted(path for path in APP.rglob("*.py") if "__pycache__" not in path.parts)


@pytest.mark.parametrize("path", METADATA, ids=lambda path: path.parent.name)
def test_metadata_json_parses_and_belongs_to_the_module(path):
	data = json.loads(path.read_text())
	assert data.get("module") == "KPIBSC", f"{path}: module is {data.get('module')!r}"
	assert _scrub(data["name"]) == path.parent.name, (
		f"{path}: name {data['name']!r} does not match its folder"
	)


def test_modules_txt_names_the_module_folder():
	assert (APP / "modules.txt").read_text().split() == ["KPIBSC"]
	assert (MODULE_DIR / "__init__.py").exists()


def test_no_doctype_clashes_with_frappe_erpnext_or_hrms():
	clashes = [
		json.loads(path.read_text())["name"]
		for path in _json_files("doctype")
		if json.loads(path.read_text())["name"] in RESERVED
	]
	assert not clashes, f"DocType names already taken: {clashes}"


def test_reserved_list_holds_the_names_the_design_forbids():
	for name in (
		"Task",
		"Project",
		"Goal",
		"KRA",
		"Appraisal",
		"Salary Slip",
		"Additional Salary",
		"Monthly Distribution",
		"Supplier Scorecard",
	):
		assert name in RESERVED


@pytest.mark.parametrize("path", _json_files("doctype"), ids=lambda path: path.parent.name)
def test_doctype_has_controller_and_permissions(path):
	data = json.loads(path.read_text())
	assert (path.parent / f"{path.parent.name}.py").exists(), f"{path.parent.name}: controller missing"
	if not data.get("istable"):
		assert data.get("permissions"), f"{data['name']}: no permissions — only Administrator could use it"
	fieldnames = [field["fieldname"] for field in data.get("fields", [])]
	assert len(fieldnames) == len(set(fieldnames)), f"{data['name']}: duplicate fieldnames"
	assert data.get("field_order", fieldnames) == fieldnames or set(data["field_order"]) == set(fieldnames)


def _hooks_tree() -> ast.Module:
	return ast.parse((APP / "hooks.py").read_text())


def _hook_values() -> dict[str, object]:
	values = {}
	for node in _hooks_tree().body:
		if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
			values[node.targets[0].id] = ast.literal_eval(node.value)
	return values


def _dotted_paths(value) -> list[str]:
	if isinstance(value, str):
		return [value] if value.startswith("kpibsc.") else []
	if isinstance(value, dict):
		return [path for item in value.values() for path in _dotted_paths(item)]
	if isinstance(value, list | tuple):
		return [path for item in value for path in _dotted_paths(item)]
	return []


def _defines(module_path: Path, name: str) -> bool:
	tree = ast.parse(module_path.read_text())
	for node in tree.body:
		if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
			return True
		if isinstance(node, ast.Assign) and any(
			isinstance(t, ast.Name) and t.id == name for t in node.targets
		):
			return True
		if isinstance(node, ast.ImportFrom) and any(
			(alias.asname or alias.name) == name for alias in node.names
		):
			return True
	return False


HOOK_PATHS = sorted(set(_dotted_paths(_hook_values())))


def test_hooks_declare_the_app():
	hooks = _hook_values()
	assert hooks["app_name"] == "kpibsc"
	assert hooks["app_title"] == "KPI BSC"
	assert hooks["export_python_type_annotations"] is True
	assert [name.split("/")[-1] for name in hooks["required_apps"]] == ["erpnext", "hrms"]
	assert hooks["app_license"] == "gpl-3.0"


@pytest.mark.parametrize("dotted", HOOK_PATHS)
def test_hook_paths_point_at_existing_functions(dotted):
	module, _, attribute = dotted.rpartition(".")
	parts = module.split(".")
	candidates = [ROOT.joinpath(*parts).with_suffix(".py"), ROOT.joinpath(*parts, "__init__.py")]
	existing = [path for path in candidates if path.exists()]
	if not existing:
		# a dotted path may also name a module (e.g. a scheduler target module's function)
		pytest.fail(f"{dotted}: module {module} not found")
	assert _defines(existing[0], attribute), (
		f"{dotted}: {attribute} is not defined in {existing[0].relative_to(ROOT)}"
	)


def test_fixtures_are_filtered():
	for fixture in _hook_values().get("fixtures", []):
		assert isinstance(fixture, dict), f"unfiltered fixture {fixture!r} would export every record"
		assert fixture.get("filters") or fixture.get("or_filters"), f"fixture {fixture['dt']} has no filters"


def test_fixture_files_are_declared_in_hooks():
	fixture_doctypes = {fixture["dt"] for fixture in _hook_values().get("fixtures", [])}
	for fixture_file in (APP / "fixtures").glob("*.json"):
		records = json.loads(fixture_file.read_text())
		assert {record["doctype"] for record in records} <= fixture_doctypes, (
			f"{fixture_file.name} is not in hooks.fixtures"
		)


def _translate_calls(tree: ast.AST, function_names=("_",)):
	for node in ast.walk(tree):
		if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in function_names:
			yield node


@pytest.mark.parametrize("path", _python_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_translated_strings_are_literals_with_placeholders(path):
	"""`_()` must get one plain string: an f-string, `+` or `%` inside it can never be
	found in the translation catalogue. Values go in with `.format()` afterwards.
	A call marked `translated at runtime` (on its line or the line above) translates a
	template extracted where it is defined (the engine's error messages)."""
	lines = path.read_text().splitlines()
	for call in _translate_calls(ast.parse(path.read_text())):
		if any("translated at runtime" in lines[number] for number in (call.lineno - 2, call.lineno - 1)):
			continue
		assert call.args, f"{path}:{call.lineno}: _() without a message"
		message = call.args[0]
		assert isinstance(message, ast.Constant) and isinstance(message.value, str), (
			f"{path}:{call.lineno}: _() must receive a string literal, not {type(message).__name__}"
		)
		assert not re.search(r"\{[a-zA-Z_]\w*\}", message.value), (
			f"{path}:{call.lineno}: use numbered placeholders {{0}}, not named ones"
		)


JS_BAD_TRANSLATE = re.compile(r"""__\(\s*(`|(["'])[^"']*\2\s*\+)""")


@pytest.mark.parametrize("path", sorted(APP.rglob("*.js")), ids=lambda path: str(path.relative_to(ROOT)))
def test_js_translated_strings_are_literals(path):
	for number, line in enumerate(path.read_text().splitlines(), 1):
		assert not JS_BAD_TRANSLATE.search(line), f"{path}:{number}: __() must receive a plain string literal"


@pytest.mark.parametrize("path", sorted((APP / "engine").glob("*.py")), ids=lambda path: path.name)
def test_engine_never_imports_frappe(path):
	for node in ast.walk(ast.parse(path.read_text())):
		names = []
		if isinstance(node, ast.Import):
			names = [alias.name for alias in node.names]
		elif isinstance(node, ast.ImportFrom):
			names = [node.module or ""]
		for name in names:
			assert name.split(".")[0] not in {"frappe", "erpnext", "hrms"}, f"{path.name} imports {name}"


def test_no_frappe_db_commit_in_app_code():
	offenders = [
		f"{path.relative_to(ROOT)}:{number}"
		for path in _python_files()
		for number, line in enumerate(path.read_text().splitlines(), 1)
		if "frappe.db.commit()" in line and "nosemgrep" not in line
	]
	assert not offenders, f"manual commits: {offenders}"


def test_packaging_never_lists_frappe_apps_as_pip_dependencies():
	import tomllib

	project = tomllib.loads((ROOT / "pyproject.toml").read_text())
	dependencies = " ".join(project["project"]["dependencies"]).lower()
	for app in ("frappe", "erpnext", "hrms"):
		assert not re.search(rf"\b{app}\b", dependencies), f"{app} must come from bench, not pip"
	assert set(project["tool"]["bench"]["frappe-dependencies"]) == {"frappe", "erpnext", "hrms"}
	assert "pandas" in dependencies
