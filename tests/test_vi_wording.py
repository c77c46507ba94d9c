"""Vietnamese sentences read once through when the words they are filled with are translated too
(found walking the desk in Vietnamese: "chia chia đều cho 5")."""

import re
from pathlib import Path

from babel.messages.pofile import read_po

VI = Path(__file__).resolve().parents[1] / "kpibsc" / "locale" / "vi.po"
DOUBLED = re.compile(r"(?<!\w)(\w+) \1(?!\w)")


def catalogue():
	with VI.open("rb") as f:
		return read_po(f)


def test_the_parent_split_basis_names_the_split_once():
	po = catalogue()
	sentence = po.get("{0} of the parent {1}, split {2} among {3}").string
	for split in ("Evenly", "By Headcount"):  # services/baseline.py passes _(split).lower()
		filled = sentence.format("120.000", "KSC-2026-00002", po.get(split).string.lower(), 5)
		assert not DOUBLED.search(filled), filled


def test_no_translation_repeats_a_word():
	doubled = [
		(message.id, message.string)
		for message in catalogue()
		if message.id and isinstance(message.string, str) and DOUBLED.search(message.string.lower())
	]
	assert not doubled, doubled


def test_the_scorecard_review_menu_is_not_the_review_form():
	"""The scorecard's Mark Reviewed sat under "Review", which Vietnamese translates as the
	performance review form ("Phiếu đánh giá"); its group is "Scheduled Review", as its section."""
	script = (VI.parents[1] / "public" / "js" / "kpi_scorecard_review.js").read_text()
	group = re.findall(r'__\("([^"]+)"\)\s*(?://[^\n]*)?\s*\);\s*\},\s*\}\);\s*$', script)
	assert group == ["Scheduled Review"], group
	assert catalogue().get("Scheduled Review").string == "Xem xét định kỳ"
