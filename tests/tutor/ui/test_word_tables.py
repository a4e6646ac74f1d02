"""V1: the UI's words are kept by area (tutor/ui/word_tables), looked up in one place."""

from __future__ import annotations

import pkgutil

import pytest

import tutor.ui.word_tables
from tutor.model.langs import LANGS
from tutor.ui import words
from tutor.ui.words import AREAS, TABLES, tr

# the English goal and scenario words are the summaries in tutor.model.goals and
# sandbox.lab.catalog, so only the other languages name them
_NAMES_ONLY_TRANSLATED = ("goal.", "scenario.")


def test_v1_every_module_of_word_tables_is_an_area_of_the_lookup() -> None:
    modules = {m.name for m in pkgutil.iter_modules(tutor.ui.word_tables.__path__)}
    assert modules == set(AREAS)
    assert all(tuple(tables) == LANGS for tables in AREAS.values())


def test_v1_each_area_has_the_same_keys_in_every_language() -> None:
    for area, tables in AREAS.items():
        english = set(tables[LANGS[0]])
        for lang in LANGS[1:]:
            chrome = {k for k in tables[lang] if not k.startswith(_NAMES_ONLY_TRANSLATED)}
            assert chrome == english, (area, lang, sorted(chrome ^ english))


def test_v1_the_lookup_is_the_union_of_the_areas_with_no_key_in_two() -> None:
    for lang in LANGS:
        assert sum(len(t[lang]) for t in AREAS.values()) == len(TABLES[lang])
        for tables in AREAS.values():
            assert tables[lang].items() <= TABLES[lang].items()
    # a word from each area, through the one lookup
    assert tr("ja", "course.title") == AREAS["course"]["ja"]["course.title"]
    assert tr("en", "conn.none") == AREAS["tls"]["en"]["conn.none"]
    assert tr("ja", "lab.label") == AREAS["lab"]["ja"]["lab.label"]
    assert tr("ja", "key.quit") == "終了"


def test_v1_a_key_in_two_areas_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    twice = {"en": {"course.title": "again"}, "ja": {"course.title": "また"}}
    monkeypatch.setitem(AREAS, "again", twice)
    with pytest.raises(ValueError, match=r"'course\.title' is in two areas \(one is again\)"):
        words._union("en")
