"""Small modal screens: F1 help for the focused part of the screen, and a yes/no confirmation."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Markdown, Static

from tutor.ui.help_text import TOPICS, help_for
from tutor.ui.lang import on_lang_change, ui_lang, words
from tutor.ui.widgets.keys import localize_bindings


def help_topic(screen: Screen[object]) -> str:
    """The help topic for what has focus: the nearest widget (or the screen) that names one.

    A widget names its topic with a `help_topic` attribute or an id that is a topic.
    """
    node: DOMNode | None = screen.focused or screen
    while node is not None:
        topic = getattr(node, "help_topic", None) or node.id
        if isinstance(topic, str) and topic in TOPICS:
            return topic
        node = node.parent
    return str(getattr(screen, "help_topic", "course"))


class HelpScreen(ModalScreen[None]):
    """Explains one part of the screen in plain words; Esc, F1 or q closes it."""

    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("escape,f1,q", "close", "key.back"),
    ]

    def __init__(self, topic: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.topic = topic

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            with VerticalScroll(id="help-scroll"):
                yield Markdown(help_for(self.topic, ui_lang(self)), id="help-text")
            yield Button(words(self, "help.close"), id="help-close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = words(self, "help.title")
        self.query_one("#help-scroll").focus()
        on_lang_change(self, self._lang_changed)

    async def _lang_changed(self) -> None:
        localize_bindings(self)
        self.query_one("#help-box").border_title = words(self, "help.title")
        self.query_one("#help-close", Button).label = words(self, "help.close")
        await self.query_one("#help-text", Markdown).update(help_for(self.topic, ui_lang(self)))

    @on(Button.Pressed, "#help-close")
    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """Asks a yes/no question (a words key and its values); returns True only for an explicit
    yes."""

    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("escape,n", "answer(False)", "key.back"),
        Binding("y", "answer(True)", show=False),
    ]

    def __init__(self, question: str, **values: object) -> None:
        super().__init__()
        localize_bindings(self)
        self.question_key = question
        self.values = values

    @property
    def question(self) -> str:
        return words(self, self.question_key, **self.values)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(words(self, "confirm.no"), id="no", variant="primary")
                yield Button(words(self, "confirm.yes"), id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no").focus()  # the safe answer is the default
        on_lang_change(self, self._lang_changed)

    def _lang_changed(self) -> None:
        localize_bindings(self)
        self.query_one("#confirm-question", Static).update(self.question)
        self.query_one("#no", Button).label = words(self, "confirm.no")
        self.query_one("#yes", Button).label = words(self, "confirm.yes")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
