"""A config lab step inside a lesson: what to change, the goal (every probe passes), a hint, and
the button that opens the config lab (`tutor.ui.screens.lab_config`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Button, Label, Static

from tutor.model.config_lab import ConfigLab
from tutor.model.progress import Answer
from tutor.ui.lang import words
from tutor.ui.widgets.blocks import InteractiveBlock

GOAL_MET = "goal-met"  # the answer a met lab goal is kept as (tutor/ui/screens/lesson_labs.py)


class ConfigLabBlock(InteractiveBlock):
    help_topic = "lab"

    class OpenConfigLab(Message):
        """The learner asked to open this block's config lab (the lesson screen opens it)."""

        def __init__(self, block: ConfigLabBlock) -> None:
            super().__init__()
            self.block = block

    def __init__(self, lab: ConfigLab, index: int) -> None:
        super().__init__(index, classes="lab-block config-lab-block")
        self.lab = lab

    def compose(self) -> ComposeResult:
        yield Label(f"■ {words(self, 'config.label')}", classes="block-label")
        yield Static(words(self, "lab.do", text=self.lab.do), classes="lab-do", markup=False)
        yield Static(self._goal_text(), classes="lab-goal", markup=False)
        yield Static(words(self, "lab.hint", text=self.lab.hint), classes="lab-hint", markup=False)
        yield Button(
            words(self, "config.open", name=self.lab.name),
            classes="open-lab open-config-lab",
            variant="primary",
            compact=True,
        )

    @property
    def goal(self) -> str:
        return words(self, "config.goal", n=len(self.lab.probes))

    def _goal_text(self) -> str:
        key = "lab.goal_met" if self.done else "lab.goal"
        return words(self, key, goal=self.goal)

    @on(Button.Pressed, ".open-config-lab")
    def _open(self, event: Button.Pressed) -> None:
        event.stop()
        self.open_lab()

    def open_lab(self) -> None:
        self.post_message(self.OpenConfigLab(self))

    def lab_closed(self, goal_met: bool | None) -> None:
        """The config lab was left; True: every probe passed in it."""
        if goal_met and not self.done:
            self.answered(GOAL_MET)
            self.goal_met()

    def restore(self, answers: list[Answer], done: bool) -> None:
        if done or GOAL_MET in answers:
            self.goal_met()

    def goal_met(self) -> None:
        self.complete()
        self.query_one(".lab-goal", Static).update(self._goal_text())
