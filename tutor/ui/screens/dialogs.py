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
from tutor.ui.words import tr


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

    def __init__(self, topic: str, lang: str) -> None:
        super().__init__()
        self.topic = topic
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            with VerticalScroll(id="help-scroll"):
                yield Markdown(help_for(self.topic, self.lang), id="help-text")
            yield Button(tr(self.lang, "help.close"), id="help-close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = tr(self.lang, "help.title")
        self.query_one("#help-scroll").focus()

    @on(Button.Pressed, "#help-close")
    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """Asks a yes/no question; returns True only for an explicit yes."""

    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("escape,n", "answer(False)", "key.back"),
        Binding("y", "answer(True)", show=False),
    ]

    def __init__(self, question: str, lang: str) -> None:
        super().__init__()
        self.question = question
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(tr(self.lang, "confirm.no"), id="no", variant="primary")
                yield Button(tr(self.lang, "confirm.yes"), id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no").focus()  # the safe answer is the default

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
