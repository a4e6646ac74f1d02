"""The tutor's own words on screen (labels, buttons, notices), in English and Japanese: the one
place to look them up.

Pure data, no Textual. Lesson content comes from the lesson files; this is only the chrome
around it. The words themselves live by area in tutor/ui/word_tables/ (course, lab, tls, chrome),
each module with an `EN` and a `JA` table of the same keys; `AREAS` names them and `TABLES` is
their union per language.
`tr(lang, key, **values)` falls back to English for a key a language lacks.
"""

from __future__ import annotations

from tutor.ui.word_tables import chrome, course, lab, tls

AREAS: dict[str, dict[str, dict[str, str]]] = {
    "course": {"en": course.EN, "ja": course.JA},
    "lab": {"en": lab.EN, "ja": lab.JA},
    "tls": {"en": tls.EN, "ja": tls.JA},
    "chrome": {"en": chrome.EN, "ja": chrome.JA},
}
"""Every module of tutor/ui/word_tables by name, its table per language (a test checks that
each module is here and that no key is in two areas)."""


def _union(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for area, tables in AREAS.items():
        twice = merged.keys() & tables[lang].keys()
        if twice:  # one area would silently win over another: say which key, at import
            raise ValueError(f"words: {sorted(twice)[0]!r} is in two areas (one is {area})")
        merged.update(tables[lang])
    return merged


_EN = _union("en")
TABLES: dict[str, dict[str, str]] = {"en": _EN, "ja": _union("ja")}
"""One table per language of tutor.model.langs.LANGS, with the same keys (a test checks)."""


def goal_label(lang: str, goal: str) -> str:
    """What goal `goal` asks for, in words (tutor.model.goals has the English summaries)."""
    text = TABLES.get(lang, _EN).get(f"goal.{goal}")
    if text:
        return text
    from tutor.model.goals import GOALS

    found = GOALS.get(goal)
    return found.summary if found else goal


def scenario_summary(lang: str, name: str) -> str:
    """One sentence about lab scenario `name` (sandbox.lab.catalog has the English ones)."""
    text = TABLES.get(lang, _EN).get(f"scenario.{name}")
    if text:
        return text
    from sandbox.lab.catalog import SCENARIOS

    info = SCENARIOS.get(name)
    return info.summary if info else ""


def tr(lang: str, key: str, **values: object) -> str:
    """The text for `key` in `lang`, with `{name}` fields filled from `values`."""
    text = TABLES.get(lang, _EN).get(key) or _EN[key]
    return text.format(**values) if values else text
