"""Every user-facing string has a Vietnamese translation, and main.pot is current.

Strings are found the way Frappe's extractors find them: `_("...")` in Python,
`__("...")` in JavaScript, and names, labels, descriptions and select options in the
DocType, Report and Workspace JSON. Regenerate with `bench generate-pot-file --app
kpibsc`, then `bench update-po-files --app kpibsc --locale vi` and translate.
"""

import ast
import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "kpibsc"
LOCALE = APP / "locale"
JS_MESSAGE = re.compile(r"""__\(\s*(["'])((?:\\.|(?!\1).)*)\1""")
EXCLUDED_SELECT_FIELDS = {"naming_series"}


def _python_messages():
	for path in APP.rglob("*.py"):
		for node in ast.walk(ast.parse(path.read_text())):
			if (
				isinstance(node, ast.Call)
				and isinstance(node.func, ast.Name)
				and node.func.id in ("_", "_lt")
				and node.args
				and isinstance(node.args[0], ast.Constant)
			):
				yield node.args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}"


def _js_messages():
	for path in APP.rglob("*.js"):
		if "dist" in path.parts:
			continue
		for match in JS_MESSAGE.finditer(path.read_text()):
			yield match.group(2).replace("\\'", "'").replace('\\"', '"'), str(path.relative_to(ROOT))


def _doctype_messages():
	for path in (APP / "kpibsc" / "doctype").glob("*/*.json"):
		if path.stem != path.parent.name:
			continue
		data = json.loads(path.read_text())
		where = str(path.relative_to(ROOT))
		yield data["name"], where
		if data.get("description"):
			yield data["description"], where
		for field in data.get("fields", []):
			for key in ("label", "description"):
				if field.get(key):
					yield field[key], where
			if field.get("fieldtype") == "Select" and field.get("fieldname") not in EXCLUDED_SELECT_FIELDS:
				for option in (field.get("options") or "").split("\n"):
					if option and not option.isdigit():
						yield option, where
		for link in data.get("links", []):
			if link.get("group"):
				yield link["group"], where


def _report_and_workspace_messages():
	for path in (APP / "kpibsc" / "report").glob("*/*.json"):
		if path.stem == path.parent.name:
			yield json.loads(path.read_text())["name"], str(path.relative_to(ROOT))
	for path in (APP / "kpibsc" / "workspace").glob("*/*.json"):
		data = json.loads(path.read_text())
		yield data["label"], str(path.relative_to(ROOT))
		for key in ("shortcuts", "links", "number_cards", "charts"):
			for entry in data.get(key, []):
				if entry.get("label"):
					yield entry["label"], str(path.relative_to(ROOT))


def _onboarding_messages():
	"""What the desk's onboarding widget passes through __() (frappe/widgets/onboarding_widget.js)."""
	for kind, keys in (
		("module_onboarding", ("title", "subtitle", "success_message")),
		("onboarding_step", ("title", "description", "action_label", "report_description")),
	):
		for path in (APP / "kpibsc" / kind).glob("*/*.json"):
			data = json.loads(path.read_text())
			for key in keys:
				if data.get(key):
					yield data[key], str(path.relative_to(ROOT))


def _all_messages() -> dict[str, str]:
	messages = {}
	for source in (
		_python_messages,
		_js_messages,
		_doctype_messages,
		_report_and_workspace_messages,
		_onboarding_messages,
	):
		for message, where in source():
			messages.setdefault(message, where)
	return messages


def _catalog(name: str, locale: str | None = None) -> dict[str, str]:
	with open(LOCALE / name, "rb") as file:
		return {message.id: message.string for message in read_po(file, locale=locale) if message.id}


MESSAGES = _all_messages()


def test_there_are_messages_to_translate():
	assert len(MESSAGES) > 20


def test_main_pot_is_current():
	template = _catalog("main.pot")
	missing = {message: where for message, where in MESSAGES.items() if message not in template}
	assert not missing, f"regenerate main.pot (bench generate-pot-file --app kpibsc): {missing}"


def test_every_message_has_a_vietnamese_translation():
	vietnamese = _catalog("vi.po", "vi")
	untranslated = {message: where for message, where in MESSAGES.items() if not vietnamese.get(message)}
	assert not untranslated, f"missing in kpibsc/locale/vi.po: {untranslated}"


def test_translations_keep_placeholders():
	vietnamese = _catalog("vi.po", "vi")
	placeholder = re.compile(r"\{\d+\}")
	for message, translation in vietnamese.items():
		if translation:
			assert sorted(placeholder.findall(message)) == sorted(placeholder.findall(translation)), message


@pytest.mark.parametrize("name", ["main.pot", "vi.po"])
def test_catalogues_parse(name):
	assert _catalog(name)
