"""A lab step inside a lesson: what to do, the goal, a hint, and the button that opens the Lab."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Button, Label, Static

from sandbox.lab.catalog import SCENARIOS
from tutor.model.lesson import Lab
from tutor.model.progress import Answer
from tutor.ui.lang import ui_lang, words
from tutor.ui.widgets.blocks import InteractiveBlock
from tutor.ui.words import goal_label, scenario_summary


class LabBlock(InteractiveBlock):
    help_topic = "lab"

    class OpenLab(Message):
        """The learner asked to open this block's lab."""

        def __init__(self, block: LabBlock) -> None:
            super().__init__()
            self.block = block

    def __init__(self, lab: Lab, index: int) -> None:
        super().__init__(index, classes="lab-block")
        self.lab = lab

    def compose(self) -> ComposeResult:
        yield Label(f"■ {words(self, 'lab.label')}", classes="block-label")
        yield Static(words(self, "lab.do", text=self.lab.do), classes="lab-do", markup=False)
        yield Static(self._goal_text(), classes="lab-goal", markup=False)
        info = SCENARIOS.get(self.lab.scenario)
        if info is not None and info.attack:
            yield Static(
                words(self, "lab.attack", text=scenario_summary(ui_lang(self), self.lab.scenario)),
                classes="lab-attack",
                markup=False,
            )
        yield Static(words(self, "lab.hint", text=self.lab.hint), classes="lab-hint", markup=False)
        yield Button(
            words(self, "lab.open", scenario=self.lab.scenario),
            classes="open-lab",
            variant="primary",
            compact=True,
        )

    @property
    def goal(self) -> str:
        return goal_label(ui_lang(self), self.lab.goal)

    def _goal_text(self) -> str:
        key = "lab.goal_met" if self.done else "lab.goal"
        return words(self, key, goal=self.goal)

    @on(Button.Pressed, ".open-lab")
    def _open(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.OpenLab(self))

    def restore(self, answers: list[Answer], done: bool) -> None:
        if done or answers:  # the goal was met on an earlier visit ("goal-met" is kept)
            self.goal_met()

    def goal_met(self) -> None:
        self.complete()
        self.query_one(".lab-goal", Static).update(self._goal_text())
