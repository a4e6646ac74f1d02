"""A lesson, one step at a time, with the step list beside it.

A step is done when every quiz, walk-through and lab in it is done (a step without any is done
when the learner moves on); each completed step is saved at once.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from tutor.model.goals import goal_met
from tutor.model.lesson import QA, Block, Lesson, Prose, Quiz, Transcript
from tutor.ui.screens.lab import LabScreen, LabTask
from tutor.ui.widgets.blocks import InteractiveBlock, QABlock, lesson_markdown
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.widgets.lab_block import LabBlock
from tutor.ui.widgets.quiz import QuizBlock
from tutor.ui.widgets.transcript import TranscriptBlock
from tutor.ui.words import tr

if TYPE_CHECKING:
    from tutor.ui.app import TutorApp


def block_widget(block: Block, lang: str, index: int) -> Widget:
    """The widget that shows one block of a step."""
    if isinstance(block, Prose):
        return lesson_markdown(block.markdown, "prose")
    if isinstance(block, QA):
        return QABlock(block.question, block.answer, lang)
    if isinstance(block, Quiz):
        return QuizBlock(block, lang, index)
    if isinstance(block, Transcript):
        return TranscriptBlock(block, lang, index)
    return LabBlock(block, lang, index)


def plain_inline(markdown: str) -> str:
    """A heading's inline Markdown as plain text (`code`, **bold** and _em_ marks dropped)."""
    return re.sub(r"(\*\*|__|`)", "", markdown)


def drop_title(block: Block) -> Block | None:
    """The intro's `# Title` (there for readers on a code host) repeats what the title bar shows:
    leave it out."""
    if not isinstance(block, Prose):
        return block
    first, _, rest = block.markdown.lstrip("\n").partition("\n")
    if first.startswith("# "):
        return Prose(rest.strip("\n"), block.line) if rest.strip() else None
    return block


class LessonScreen(Screen[None]):
    help_topic = "lesson"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 (Textual API)
    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("n", "next", "key.next"),
        Binding("p", "prev", "key.prev"),
        Binding("o", "open_lab", "key.open_lab"),
        Binding("t", "toggle_steps", "key.steps"),
        Binding("escape", "back", "key.back"),
        Binding("f1", "app.help", "key.help"),
    ]

    def __init__(self, lesson: Lesson, lang: str, step: int = 1) -> None:
        super().__init__()
        localize_bindings(self, lang)
        self.lesson = lesson
        self.lang = lang
        self.step_no = min(max(step, 1), len(lesson.steps))
        self.open_blocks: set[int] = set()
        self.steps_hidden: bool | None = None  # None: follow the terminal width

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    @property
    def step(self) -> int:
        return self.step_no

    def compose(self) -> ComposeResult:
        yield Static(
            f"{self.lesson.number:02d} · {self.lesson.title}", id="lesson-title", markup=False
        )
        with Horizontal(id="lesson-main"):
            yield OptionList(id="steps")
            yield VerticalScroll(id="step-body")
        with Horizontal(id="lesson-nav"):
            yield Button(tr(self.lang, "lesson.prev"), id="prev", compact=True)
            yield Static("", id="open-items", markup=False)
            yield Button(tr(self.lang, "lesson.next"), id="next", compact=True, variant="primary")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one("#steps").border_title = tr(self.lang, "lesson.steps")
        await self.show_step(self.step_no)
        self.query_one("#step-body").focus()

    # --- showing a step -------------------------------------------------------------------------

    def _refresh_step_list(self) -> None:
        steps = self.query_one("#steps", OptionList)
        progress = self.tutor.progress
        steps.clear_options()
        for s in self.lesson.steps:
            mark = "▶" if s.number == self.step_no else " "
            done = "✔" if progress.is_done(self.lesson.id, s.number) else " "
            steps.add_option(Option(Text(f"{mark}{done} {s.number}. {s.title}"), id=f"s{s.number}"))
        steps.highlighted = self.step_no - 1

    async def show_step(self, number: int) -> None:
        self.step_no = number
        step = self.lesson.step(number)
        self.tutor.progress.set_position(self.lesson.id, number)
        self.tutor.save_progress()
        body = self.query_one("#step-body", VerticalScroll)
        await body.remove_children()
        header = tr(self.lang, "lesson.step", n=number, total=len(self.lesson.steps))
        heading = Text.assemble((f"{header} · ", "dim"), (plain_inline(step.title), "bold"))
        widgets: list[Widget] = [Static(heading, classes="step-title")]
        if number == 1:
            intro = [drop_title(b) for b in self.lesson.intro[:1]] + list(self.lesson.intro[1:])
            widgets.extend(block_widget(b, self.lang, -1) for b in intro if b is not None)
        widgets.extend(block_widget(b, self.lang, i) for i, b in enumerate(step.blocks))
        self.open_blocks = {i for i, b in enumerate(step.blocks) if not isinstance(b, Prose | QA)}
        await body.mount_all(widgets)
        body.scroll_home(animate=False)
        self._refresh_step_list()
        self._update_nav()
        self.refresh_bindings()

    def _open_items(self) -> str:
        """What is still open in this step, in words and in block order ("a walk-through, a
        quiz")."""
        step = self.lesson.step(self.step_no)
        counts: dict[str, int] = {}
        for i in sorted(self.open_blocks):
            kind = type(step.blocks[i]).__name__.lower()
            counts[kind] = counts.get(kind, 0) + 1
        return ", ".join(
            tr(self.lang, f"lesson.open.{kind}" + ("" if n == 1 else "s"), n=n)
            for kind, n in counts.items()
        )

    def _update_nav(self) -> None:
        items = self._open_items()
        text = tr(self.lang, "lesson.open_in_step", items=items) if items else ""
        if not items and self.tutor.progress.is_done(self.lesson.id, self.step_no):
            text = tr(self.lang, "lesson.all_done")
        self.query_one("#open-items", Static).update(text)
        self.query_one("#prev", Button).disabled = self.step_no <= 1

    def _step_done(self) -> None:
        if self.tutor.progress.mark_done(self.lesson.id, self.step_no):
            self.tutor.save_progress()
        self._refresh_step_list()
        self._update_nav()

    # --- the learner's actions ------------------------------------------------------------------

    @on(InteractiveBlock.Completed)
    def _block_done(self, event: InteractiveBlock.Completed) -> None:
        self.open_blocks.discard(event.block.index)
        if not self.open_blocks:
            self._step_done()
        else:
            self._update_nav()

    async def action_next(self) -> None:
        step = self.lesson.step(self.step_no)
        if not step.interactive:
            self._step_done()
        elif self.open_blocks:
            items = self._open_items()
            self.notify(tr(self.lang, "lesson.open_in_step", items=items), markup=False)
        if self.step_no < len(self.lesson.steps):
            await self.show_step(self.step_no + 1)
            return
        total = len(self.lesson.steps)
        if self.tutor.progress.done_count(self.lesson.id, total) >= total:
            self.notify(tr(self.lang, "lesson.lesson_done"), markup=False)
        self.dismiss(None)

    async def action_prev(self) -> None:
        if self.step_no > 1:
            await self.show_step(self.step_no - 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_lab":  # only offered (and shown in the Footer) on a lab step
            return bool(self.lesson.step(self.step_no).labs)
        return True

    def action_open_lab(self) -> None:
        blocks = list(self.query(LabBlock))
        if blocks:
            self.post_message(LabBlock.OpenLab(blocks[0]))

    def action_toggle_steps(self) -> None:
        steps = self.query_one("#steps")
        self.steps_hidden = steps.display if self.steps_hidden is None else not self.steps_hidden
        self.set_class(self.steps_hidden, "-steps-hidden")
        self.set_class(not self.steps_hidden, "-steps-shown")

    def action_back(self) -> None:
        if isinstance(self.focused, Input):  # Esc in an answer box first leaves the box
            self.query_one("#step-body").focus()
            return
        self.dismiss(None)

    @on(Button.Pressed, "#next")
    async def _next_pressed(self) -> None:
        await self.action_next()

    @on(Button.Pressed, "#prev")
    async def _prev_pressed(self) -> None:
        await self.action_prev()

    @on(OptionList.OptionSelected, "#steps")
    async def _step_picked(self, event: OptionList.OptionSelected) -> None:
        await self.show_step(event.option_index + 1)

    @on(LabBlock.OpenLab)
    def _open_lab(self, event: LabBlock.OpenLab) -> None:
        lab = event.block.lab
        task = LabTask(
            do=lab.do,
            goal_label=event.block.goal,
            check=lambda events: goal_met(lab.goal, events),
            hint=lab.hint,
            mode=lab.mode,
            lesson_id=self.lesson.id,
            step=self.step_no,
            block=event.block.index,
        )
        self.app.push_screen(
            LabScreen(
                lab.scenario,
                lang=self.lang,
                task=task,
                client_policy=lab.client_policy,
                session_factory=self.tutor.session_factory,
                play_delay=self.tutor.play_delay,
            )
        )

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        """A link to another lesson file opens that lesson here; a web link opens outside."""
        event.stop()
        href = event.href.strip()
        if "://" in href or href.startswith("mailto:"):
            self.app.open_url(href)
            return
        name = PurePosixPath(href.split("#", 1)[0]).name
        for lesson in self.tutor.course.lessons:
            if name and PurePosixPath(lesson.file).name == name:
                self.tutor.open_lesson(lesson.id)
                return

    def lab_goal_met(self, task: LabTask) -> None:
        """Called by the app when a lab opened from this lesson met its goal."""
        if task.step != self.step_no:
            return
        for block in self.query(LabBlock):
            if block.index == task.block:
                block.goal_met()
