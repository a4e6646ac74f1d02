"""The glossary: the course's terms in a list, the chosen one's definition beside it, and a box
that searches every term (and every definition) as the learner types.

Opened from a lesson (`g`), it lists the terms that lesson uses; from the command palette, the
whole glossary or one term. It reads the glossary of the course's own pack in the app's language
and reads it again when the language changes, keeping the same term.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from tutor.model.glossary import Entry, Glossary, read_glossary
from tutor.model.lesson import Lesson
from tutor.ui.lang import on_lang_change, ui_lang, words
from tutor.ui.widgets.keys import localize_bindings


def entry_markdown(entry: Entry, glossary: Glossary, lang: str) -> str:
    """One entry as the definition pane shows it."""
    from tutor.ui.words import tr

    parts = [f"## {entry.term}"]
    if entry.also:
        parts.append(tr(lang, "glossary.also", names=", ".join(entry.also)))
    parts.append(entry.means)
    related = [e.term for e in (glossary.get(i) for i in entry.see) if e is not None]
    if related:
        parts.append(tr(lang, "glossary.see", terms=", ".join(related)))
    return "\n\n".join(parts)


class GlossaryScreen(Screen[None]):
    """Esc goes back; typing in the box searches; the list's highlighted term is explained."""

    help_topic = "course"
    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("escape", "back", "key.back"),
        Binding("f1", "app.help", "key.help"),
    ]
    DEFAULT_CSS = """
    GlossaryScreen #glossary-main { height: 1fr; }
    GlossaryScreen #glossary-terms { width: 34; height: 1fr; }
    GlossaryScreen #glossary-body { width: 1fr; height: 1fr; padding: 0 1; }
    GlossaryScreen #glossary-title { padding: 0 1; text-style: bold; }
    """

    def __init__(self, root: Path, *, entry: str | None = None, lesson: Lesson | None = None):
        super().__init__()
        localize_bindings(self)
        self.root = root
        self.lesson = lesson
        self.entry_id = entry
        self.glossary = Glossary("")
        self.problems = 0
        self.shown: tuple[Entry, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("", id="glossary-title", markup=False)
        yield Input(id="glossary-search")
        with Horizontal(id="glossary-main"):
            yield OptionList(id="glossary-terms")
            with VerticalScroll(id="glossary-body"):
                yield Markdown("", id="glossary-entry")
        yield Footer()

    async def on_mount(self) -> None:
        await self._load()
        self.query_one("#glossary-terms").focus()
        on_lang_change(self, self._lang_changed)

    async def _lang_changed(self) -> None:
        localize_bindings(self)
        if self.lesson is not None:
            course = getattr(self.app, "state", None)
            found = course.course.get(self.lesson.id) if course is not None else None
            self.lesson = found or self.lesson
        await self._load()

    async def _load(self) -> None:
        lang = ui_lang(self)
        got = read_glossary(self.root, lang)
        self.glossary, self.problems = got.glossary, len(got.errors)
        if self.lesson is not None:
            title = words(self, "glossary.lesson_title", title=self.lesson.title)
        else:
            title = words(self, "glossary.title")
        if self.problems:
            title += "  " + words(self, "glossary.problems")
        self.query_one("#glossary-title", Static).update(title)
        self.query_one("#glossary-search", Input).placeholder = words(self, "glossary.search")
        await self._show(self.query_one("#glossary-search", Input).value)

    def _entries(self, query: str) -> tuple[Entry, ...]:
        if query.strip():
            return self.glossary.search(query)
        if self.lesson is not None:
            return self.glossary.terms_in_lesson(self.lesson) or self.glossary.entries
        return self.glossary.entries

    async def _show(self, query: str) -> None:
        self.shown = self._entries(query)
        terms = self.query_one("#glossary-terms", OptionList)
        terms.clear_options()
        terms.add_options(Option(e.term, id=e.id) for e in self.shown)
        if not self.shown:
            key = "glossary.no_match" if query.strip() else "glossary.none"
            await self.query_one("#glossary-entry", Markdown).update(
                words(self, key, query=query.strip())
            )
            return
        ids = [e.id for e in self.shown]
        at = ids.index(self.entry_id) if self.entry_id in ids else 0
        terms.highlighted = at
        await self._explain(self.shown[at])

    async def _explain(self, entry: Entry) -> None:
        self.entry_id = entry.id
        text = entry_markdown(entry, self.glossary, ui_lang(self))
        await self.query_one("#glossary-entry", Markdown).update(text)

    @on(Input.Changed, "#glossary-search")
    async def _search(self, event: Input.Changed) -> None:
        await self._show(event.value)

    @on(Input.Submitted, "#glossary-search")
    def _to_list(self) -> None:
        self.query_one("#glossary-terms").focus()

    @on(OptionList.OptionHighlighted, "#glossary-terms")
    async def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        entry = self.glossary.get(event.option.id or "")
        if entry is not None and entry.id != self.entry_id:
            await self._explain(entry)

    def action_back(self) -> None:
        self.dismiss(None)
