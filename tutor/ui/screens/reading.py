"""A lesson read from top to bottom as plain text (accessibility): one column, no panes, no
borders, every step, quiz and lab in order, the answers last (`tutor.ui.plain_lesson`), the same
text `smtp-tutor lessons show` prints. A screen reader or a magnifier follows it line by line;
the arrow keys, Page Up/Down, Home and End scroll it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tutor.model.lesson import Lesson
from tutor.ui.lang import on_lang_change, ui_lang
from tutor.ui.plain_lesson import plain_lesson
from tutor.ui.widgets.keys import localize_bindings


class ReadingScreen(Screen[None]):
    help_topic = "lesson"
    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("escape", "back", "key.back"),
        Binding("f1", "app.help", "key.help"),
    ]
    DEFAULT_CSS = """
    ReadingScreen #reading-scroll { height: 1fr; padding: 0 1; }
    """

    def __init__(self, lesson: Lesson) -> None:
        super().__init__()
        localize_bindings(self)
        self.lesson = lesson

    @property
    def text(self) -> str:
        # paragraphs flow to the screen's width (W2); `lessons show` keeps the source's lines
        return plain_lesson(self.lesson, ui_lang(self), flow=True)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="reading-scroll"):
            yield Static(Text(self.text), id="reading-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reading-scroll").focus()
        on_lang_change(self, self._lang_changed)

    def _lang_changed(self) -> None:
        localize_bindings(self)
        state = getattr(self.app, "state", None)
        found = state.course.get(self.lesson.id) if state is not None else None
        self.lesson = found or self.lesson
        self.query_one("#reading-text", Static).update(Text(self.text))

    def action_back(self) -> None:
        self.dismiss(None)
