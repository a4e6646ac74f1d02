"""The languages the tutor speaks, defined once: the course folders, `--lang`, the saved choice and
the UI's word tables all derive from `LANGS`.

Pure: no Textual, no I/O.
"""

from __future__ import annotations

LANGS: tuple[str, ...] = ("en", "ja")
"""The languages a course comes in, each a sub-folder of the lessons folder; the first is the
reference the translations are checked against, and the fallback."""

DEFAULT_LANG = LANGS[0]


def next_lang(lang: str) -> str:
    """The language after `lang` in `LANGS`, round (what the switch-language key shows next)."""
    if lang not in LANGS:
        return DEFAULT_LANG
    return LANGS[(LANGS.index(lang) + 1) % len(LANGS)]
