"""The first thing a served tutor shows when the page named no learner: "What is your name?"
(`smtp-tutor serve`, `--ask-learner`; properties.md R1).

The name is checked as tutor/model/learners.py checks it; a bad one is said under the field and
the dialog stays. There is no way around it (no Esc): the learner's progress is kept under the
name, so without one there is nowhere to keep it.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from sandbox.safety.errors import UnsafeDataDirError
from tutor.model.learners import MAX_LEN, LearnerNameError, learner_dir, learner_key
from tutor.ui.lang import on_lang_change, words


class LearnerNameScreen(ModalScreen[str]):
    """Asks for the learner's name; dismisses with the name as typed (stripped) once it is valid."""

    DEFAULT_CSS = """
    LearnerNameScreen { align: center middle; }
    #learner-box {
        width: 64; max-width: 95%; height: auto;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    #learner-question, #learner-hint, #learner-error { width: 1fr; height: auto; }
    #learner-hint { color: $text-muted; margin-bottom: 1; }
    #learner-error { color: $error; }
    #learner-ok { margin-top: 1; }
    """

    refused = False  # a name was refused: the reason is shown (again, in a new language)

    def compose(self) -> ComposeResult:
        with Vertical(id="learner-box"):
            yield Static(words(self, "learner.question"), id="learner-question", markup=False)
            yield Static(words(self, "learner.hint", max=MAX_LEN), id="learner-hint", markup=False)
            yield Input(id="learner-name", max_length=MAX_LEN)
            yield Static("", id="learner-error", markup=False)
            yield Button(words(self, "learner.ok"), id="learner-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#learner-box").border_title = words(self, "learner.title")
        self.query_one("#learner-name", Input).focus()
        on_lang_change(self, self._lang_changed)

    def _lang_changed(self) -> None:
        self.query_one("#learner-box").border_title = words(self, "learner.title")
        self.query_one("#learner-question", Static).update(words(self, "learner.question"))
        self.query_one("#learner-hint", Static).update(words(self, "learner.hint", max=MAX_LEN))
        self.query_one("#learner-ok", Button).label = words(self, "learner.ok")
        if self.refused:
            self._say_refused()

    @on(Input.Submitted)
    @on(Button.Pressed, "#learner-ok")
    def _submit(self) -> None:
        name = self.query_one("#learner-name", Input).value.strip()
        try:
            learner_key(name)
        except LearnerNameError:
            self.refused = True
            self._say_refused()
            return
        try:
            learner_dir(name)  # made now: a folder that cannot be (a FIFO, a link) is said here
        except UnsafeDataDirError as exc:
            self.query_one("#learner-error", Static).update(str(exc))
            return
        self.dismiss(name)

    def _say_refused(self) -> None:
        self.query_one("#learner-error", Static).update(words(self, "learner.bad", max=MAX_LEN))
