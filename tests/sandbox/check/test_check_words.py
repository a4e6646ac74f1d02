"""Every `check` finding is said in every language, with the same fields (properties.md N5)."""

from __future__ import annotations

import re
import string
from pathlib import Path

from sandbox.check.findings import FIXES, WORDS
from sandbox.check.words_en import WORDS_EN
from tutor.model.langs import LANGS


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_n5_every_finding_in_every_language() -> None:
    assert set(WORDS) == set(LANGS)
    for lang, table in WORDS.items():
        assert set(table) == set(WORDS_EN), lang
        for key, words in table.items():
            for mine, english in zip(words.__slots__, WORDS_EN[key].__slots__, strict=True):
                assert _fields(getattr(words, mine)) == _fields(getattr(WORDS_EN[key], english))
            if lang == "ja":
                assert not words.what.isascii(), key  # said in Japanese, not copied


def test_n5_every_finding_has_a_fix_and_a_lesson() -> None:
    groups = {group for group, _ in WORDS_EN}
    assert groups == set(FIXES)
    shipped = Path(__file__).parents[3] / "lessons"
    for lang in LANGS:
        ids = set()
        for lesson in (shipped / lang).glob("*.md"):
            found = re.search(r"^id: *(\S+)", lesson.read_text("utf-8"), re.M)
            ids.add(found.group(1) if found else "")
        assert {fix.lesson for fix in FIXES.values()} <= ids, lang
