"""The command palette's own searches: the text of every lesson (not only the titles) and the
glossary. A hit on lesson text opens that lesson at the step that says it; a hit on a glossary
term opens the glossary at that term.

The providers reach the app through `PaletteApp` (what `tutor.ui.pack_app.PackApp` gives), so
this module never imports the app.
"""

from __future__ import annotations

import re
import unicodedata
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tutor.model.glossary import Glossary
from tutor.model.lesson import Lesson
from tutor.ui.plain_lesson import plain_markdown
from tutor.ui.state import CourseState
from tutor.ui.words import tr

MAX_TEXT_HITS = 30  # enough to choose from; the palette lists the best first
_SNIPPET = 36  # characters either side of the match


@runtime_checkable
class PaletteApp(Protocol):
    state: CourseState
    lang: str

    def open_lesson(self, lesson_ref: str, step: int | None = None) -> None: ...
    def open_glossary(self, entry: str | None = None) -> None: ...
    def course_glossary(self) -> Glossary: ...


def folded(text: str) -> str:
    """How text is compared: NFKC (full-width letters count), any case, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def snippet(text: str, query: str) -> str:
    """The words around the first place `text` says `query`, on one line."""
    flat = " ".join(plain_markdown(text).split())
    at = folded(flat).find(query)
    if at < 0:  # NFKC changed the length before the match: show the start
        return flat[: 2 * _SNIPPET] + ("…" if len(flat) > 2 * _SNIPPET else "")
    start, end = max(at - _SNIPPET, 0), at + len(query) + _SNIPPET
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def lesson_text_hits(lessons: tuple[Lesson, ...], query: str) -> list[tuple[Lesson, int, str]]:
    """(lesson, step number, snippet) for every step whose text says every word of `query`."""
    wanted = folded(query)
    words = wanted.split()
    if len(wanted) < 2:
        return []
    out: list[tuple[Lesson, int, str]] = []
    for lesson in lessons:
        for step in lesson.steps:
            text = step.title + "\n" + step.markdown
            if step.number == 1:
                text = lesson.intro_markdown + "\n" + text
            flat = folded(plain_markdown(text))
            if all(w in flat for w in words):
                out.append((lesson, step.number, snippet(text, words[0])))
                if len(out) >= MAX_TEXT_HITS:
                    return out
    return out


class LessonTextProvider(Provider):
    """Finds what the learner types in the lessons' own text."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if not isinstance(app, PaletteApp):
            return
        lang = app.lang
        for lesson, step, said in lesson_text_hits(app.state.course.lessons, query):
            title = tr(lang, "cmd.found_in", n=lesson.number, step=step, title=lesson.title)
            yield Hit(
                0.5,
                f"{title}: {said}",
                partial(app.open_lesson, lesson.id, step),
                help=tr(lang, "cmd.found_in_help"),
            )


class GlossaryProvider(Provider):
    """The glossary's terms (and their other spellings) as commands."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if not isinstance(app, PaletteApp):
            return
        matcher = self.matcher(query)
        glossary = app.course_glossary()
        for entry in glossary.entries:
            label = tr(app.lang, "cmd.glossary_term", term=entry.term)
            best = max(matcher.match(name) for name in (label, *entry.names))
            if best > 0:
                yield Hit(
                    best,
                    matcher.highlight(label),
                    partial(app.open_glossary, entry.id),
                    help=_first_sentence(entry.means),
                )

    async def discover(self) -> Hits:
        app = self.app
        if isinstance(app, PaletteApp):
            yield DiscoveryHit(
                tr(app.lang, "cmd.glossary"),
                partial(app.open_glossary, None),
                help=tr(app.lang, "cmd.glossary_help"),
            )


def _first_sentence(text: str) -> str:
    flat = " ".join(plain_markdown(text).split())
    m = re.match(r"(.+?[.。])(\s|$)", flat)
    return m.group(1) if m else flat
