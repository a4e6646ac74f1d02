"""A lesson, one step at a time, with the step list beside it.

A step is done when every quiz, walk-through and lab in it is done (a step without any is done
when the learner moves on); each completed step is saved at once, and so is each answer, so a step
revisited shows what was answered and says it is done.

Where to type is never a hunt: when a step opens (and whenever a block is finished) the next block
to do takes the focus if it has a text box; the number keys answer the next multiple-choice quiz.
What the screen has to say goes in place (in the block, or the notice line above the buttons),
never in a toast over the lesson.

The screen reads the lesson's course and the progress from the `CourseState` it is given, marks
progress there, and tells the app by message (`ProgressChanged`, `OpenLesson`, `OpenLab`). Each
block is shown by the widget registered for its kind (`tutor.ui.widgets.block_widgets`). When
the language changes, the screen shows the same step of the same lesson in the new language.
What it makes of the content is in `lesson_content.py`, the labs it opens in `lesson_labs.py`.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from tutor.model.config_lab import ConfigLab
from tutor.model.lesson import Lesson
from tutor.ui.lang import on_lang_change, words
from tutor.ui.screens.lab import LabTask
from tutor.ui.screens.lab_config import ConfigLabScreen
from tutor.ui.screens.lesson_content import (
    drop_title,
    first_open,
    linked_lesson,
    open_item_counts,
    plain_inline,
)
from tutor.ui.screens.lesson_labs import config_lab_task, keep_goal_met, lab_task
from tutor.ui.state import CourseState
from tutor.ui.widgets.block_widgets import block_widget
from tutor.ui.widgets.blocks import InteractiveBlock
from tutor.ui.widgets.config_lab_block import ConfigLabBlock
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.widgets.lab_block import LabBlock
from tutor.ui.widgets.quiz import QuizBlock


class LessonScreen(Screen[bool]):
    """Dismissed with True when the learner finished the lesson with Next, else False."""

    help_topic = "lesson"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 (Textual API)
    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("n", "next", "key.next"),
        Binding("p", "prev", "key.prev"),
        Binding("o", "open_lab", "key.open_lab"),
        Binding("t", "toggle_steps", "key.steps"),
        # g: the terms this lesson uses; r: the whole lesson as plain text. Named by F1's help
        # and the README's keys table, kept out of the footer (it is full at 80 columns)
        Binding("g", "app.glossary", "key.glossary", show=False),
        Binding("r", "app.read_lesson", "key.read", show=False),
        Binding("escape", "back", "key.back"),
        Binding("f1", "app.help", "key.help"),
        *(Binding(str(n), f"choose({n})", show=False) for n in range(1, 10)),
    ]

    class ProgressChanged(Message):
        """The learner moved or completed a step: the progress in the `CourseState` changed."""

    class OpenLesson(Message):
        """Open another lesson (a link in this one led there)."""

        def __init__(self, lesson_id: str) -> None:
            super().__init__()
            self.lesson_id = lesson_id

    class OpenLab(Message):
        """Open the lab of a lab block: its scenario, with the block's task."""

        def __init__(self, scenario: str, task: LabTask, client_policy: str | None) -> None:
            super().__init__()
            self.scenario = scenario
            self.lab_task = task
            self.client_policy = client_policy

    def __init__(self, lesson: Lesson, state: CourseState, step: int = 1) -> None:
        super().__init__()
        localize_bindings(self)
        self.lesson = lesson
        self.state = state
        self.step_no = min(max(step, 1), len(lesson.steps))
        self.open_blocks: set[int] = set()
        self.steps_hidden: bool | None = None  # None: follow the terminal width

    @property
    def step(self) -> int:
        return self.step_no

    def _title(self) -> Text:
        """The number and title, and the id that opens it (`smtp-tutor ID`)."""
        title = Text(f"{self.lesson.number:02d} · {self.lesson.title}")
        title.append(f"  ({words(self, 'course.id', id=self.lesson.id)})", style="dim")
        return title

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="lesson-title", markup=False)
        with Horizontal(id="lesson-main"):
            yield OptionList(id="steps")
            yield VerticalScroll(id="step-body")
        notice = Static("", id="lesson-notice", markup=False)
        notice.display = False
        yield notice
        with Horizontal(id="lesson-nav"):
            yield Button(words(self, "lesson.prev"), id="prev", compact=True)
            yield Static("", id="open-items", markup=False)
            yield Button(words(self, "lesson.next"), id="next", compact=True, variant="primary")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one("#steps").border_title = words(self, "lesson.steps")
        await self.show_step(self.step_no)
        on_lang_change(self, self._lang_changed)

    async def _lang_changed(self) -> None:
        """The app has loaded the course in the new language: the same step, in it."""
        localize_bindings(self)
        lesson = self.state.course.get(self.lesson.id)
        if lesson is not None:  # else the lesson has no translation: it stays as it was
            self.lesson = lesson
        self.query_one("#lesson-title", Static).update(self._title())
        self.query_one("#steps").border_title = words(self, "lesson.steps")
        self.query_one("#prev", Button).label = words(self, "lesson.prev")
        self.query_one("#next", Button).label = words(self, "lesson.next")
        await self.show_step(min(self.step_no, len(self.lesson.steps)))

    # --- showing a step -------------------------------------------------------------------------

    def _refresh_step_list(self) -> None:
        steps = self.query_one("#steps", OptionList)
        progress = self.state.progress
        steps.clear_options()
        for s in self.lesson.steps:
            mark = "▶" if s.number == self.step_no else " "
            done = "✔" if progress.is_done(self.lesson.id, s.number) else " "
            steps.add_option(Option(Text(f"{mark}{done} {s.number}. {s.title}"), id=f"s{s.number}"))
        steps.highlighted = self.step_no - 1

    async def show_step(self, number: int) -> None:
        self.step_no = number
        step = self.lesson.step(number)
        self.state.progress.set_position(self.lesson.id, number)
        self.post_message(self.ProgressChanged())
        body = self.query_one("#step-body", VerticalScroll)
        await body.remove_children()
        header = words(self, "lesson.step", n=number, total=len(self.lesson.steps))
        heading = Text.assemble((f"{header} · ", "dim"), (plain_inline(step.title), "bold"))
        widgets: list[Widget] = [Static(heading, classes="step-title")]
        if number == 1:
            intro = [drop_title(b) for b in self.lesson.intro[:1]] + list(self.lesson.intro[1:])
            widgets.extend(block_widget(b, -1) for b in intro if b is not None)
        widgets.extend(block_widget(b, i) for i, b in enumerate(step.blocks))
        interactive = {id(b) for b in step.interactive}
        self.open_blocks = {i for i, b in enumerate(step.blocks) if id(b) in interactive}
        await body.mount_all(widgets)
        self._restore_answers()
        body.scroll_home(animate=False)
        self.show_notice("")
        self._refresh_step_list()
        self._update_nav()
        self._focus_next_block()
        self.refresh_bindings()

    def _blocks(self) -> list[InteractiveBlock]:
        return list(self.query_one("#step-body").query(InteractiveBlock))

    def _restore_answers(self) -> None:
        """Each block as the learner left it (answers kept in the progress), before any is
        counted as still open."""
        progress, lesson_id = self.state.progress, self.lesson.id
        done = progress.is_done(lesson_id, self.step_no)
        for block in self._blocks():
            if block.index >= 0:
                block.restore(progress.answers(lesson_id, self.step_no, block.index), done)
                if block.done:
                    self.open_blocks.discard(block.index)

    def _focus_next_block(self) -> None:
        """Focus the text box of the next block to do, so typing goes there at once; else the
        step body (the keys scroll it). Without scrolling: the learner reads down to it."""
        block = first_open(self._blocks())
        box = block.answer_box() if block is not None else None
        if box is not None:
            box.focus(scroll_visible=False)
        else:
            self.query_one("#step-body").focus(scroll_visible=False)

    def show_notice(self, text: str, severity: str = "information") -> None:
        """Say something in the notice line above the buttons (instead of a toast, which would
        cover the lesson); empty text hides the line."""
        notice = self.query_one("#lesson-notice", Static)
        notice.update(text)
        notice.display = bool(text)
        notice.set_class(severity in ("warning", "error"), "-warning")

    def _open_items(self) -> str:
        """What is still open in this step, in words and in block order ("a walk-through, a
        quiz")."""
        counts = open_item_counts(self.lesson.step(self.step_no), self.open_blocks)
        return words(self, "lesson.open.sep").join(
            words(self, f"lesson.open.{kind}" + ("" if n == 1 else "s"), n=n)
            for kind, n in counts.items()
        )

    def _update_nav(self) -> None:
        items = self._open_items()
        text = words(self, "lesson.open_in_step", items=items) if items else ""
        if not items and self.state.progress.is_done(self.lesson.id, self.step_no):
            text = words(self, "lesson.all_done")
        self.query_one("#open-items", Static).update(text)
        self.query_one("#prev", Button).disabled = self.step_no <= 1

    def _step_done(self) -> None:
        if self.state.progress.mark_done(self.lesson.id, self.step_no):
            self.post_message(self.ProgressChanged())
        self._refresh_step_list()
        self._update_nav()

    # --- the learner's actions ------------------------------------------------------------------

    @on(InteractiveBlock.Completed)
    def _block_done(self, event: InteractiveBlock.Completed) -> None:
        block = event.block
        was_open = block.index in self.open_blocks
        self.open_blocks.discard(block.index)
        if not self.open_blocks:
            self._step_done()
        else:
            self._update_nav()
        if was_open and block.is_mounted:
            focused = self.focused
            if focused is None or not focused.display or block in focused.ancestors_with_self:
                self._focus_next_block()

    @on(InteractiveBlock.Answered)
    def _block_answered(self, event: InteractiveBlock.Answered) -> None:
        if event.block.index >= 0:
            progress = self.state.progress
            progress.record_answer(self.lesson.id, self.step_no, event.block.index, event.answer)
            self.post_message(self.ProgressChanged())

    def action_choose(self, number: int) -> None:
        """A number key: answer the quiz that has the focus, else the next open multiple-choice
        quiz of the step."""
        quizzes = [b for b in self._blocks() if isinstance(b, QuizBlock) and b.quiz.is_choice]
        focused = self.focused
        in_focus = [q for q in quizzes if focused and q in focused.ancestors_with_self]
        quiz = next(iter(in_focus + [q for q in quizzes if not q.done]), None)
        if quiz is not None and not quiz.choose(number):
            self.app.bell()

    async def action_next(self) -> None:
        step = self.lesson.step(self.step_no)
        if not step.interactive:
            self._step_done()
        left_open = self._open_items()
        left = self.step_no
        if self.step_no < len(self.lesson.steps):
            await self.show_step(self.step_no + 1)
            if left_open:  # said here, since the step it is about is no longer in view
                self.show_notice(words(self, "lesson.left_open", n=left, items=left_open))
            return
        total = len(self.lesson.steps)
        self.dismiss(self.state.progress.done_count(self.lesson.id, total) >= total)

    async def action_prev(self) -> None:
        if self.step_no > 1:
            await self.show_step(self.step_no - 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_lab":  # only offered (and shown in the Footer) on a lab step
            step = self.lesson.step(self.step_no)
            return bool(step.labs) or any(isinstance(b, ConfigLab) for b in step.blocks)
        return True

    def action_open_lab(self) -> None:
        blocks = list(self.query(LabBlock))
        if blocks:  # a step with two labs (lesson 8): the first whose goal is not met yet
            self.post_message(LabBlock.OpenLab(next((b for b in blocks if not b.done), blocks[0])))
            return
        config_labs = list(self.query(ConfigLabBlock))  # a config lab step: its lab
        if config_labs:
            config_labs[0].open_lab()

    def action_toggle_steps(self) -> None:
        steps = self.query_one("#steps")
        if steps.display and self.steps_hidden is None and self.focused is not steps:
            # a wide screen shows the list from the start, but the step has the keys: t (the
            # key a learner picks a step with) goes to the list first; pressed there, it hides
            steps.focus(scroll_visible=False)
            return
        body = self.query_one("#step-body", VerticalScroll)
        # the text rewraps to the new width: keep the reader at the same point of the step
        place = body.scroll_y / body.max_scroll_y if body.max_scroll_y else 0.0
        self.steps_hidden = steps.display if self.steps_hidden is None else not self.steps_hidden
        self.set_class(self.steps_hidden, "-steps-hidden")
        self.set_class(not self.steps_hidden, "-steps-shown")
        self.call_after_refresh(lambda: body.scroll_to(y=place * body.max_scroll_y, animate=False))
        # t is how a learner picks a step: the arrows and Enter then move in the list (not in
        # the step's quiz, where Enter would answer it); hidden again, the step has the focus
        if not self.steps_hidden:
            steps.focus(scroll_visible=False)
        elif self.focused is None or self.focused is steps:
            self._focus_next_block()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):  # Esc in an answer box first leaves the box
            self.query_one("#step-body").focus()
            return
        self.dismiss(False)

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
        event.stop()
        lab = event.block.lab
        task = lab_task(event.block, self.lesson.id, self.step_no, self.state.course.lessons)
        self.post_message(self.OpenLab(lab.scenario, task, lab.client_policy))

    @on(ConfigLabBlock.OpenConfigLab)
    def _open_config_lab(self, event: ConfigLabBlock.OpenConfigLab) -> None:
        event.stop()
        block = event.block
        task = config_lab_task(block, self.step_no)
        delay = getattr(self.app, "play_delay", 0.4)
        self.app.push_screen(
            ConfigLabScreen(block.lab, task=task, play_delay=delay), block.lab_closed
        )

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        """A link to another lesson file opens that lesson here; a web link opens outside."""
        event.stop()
        href = event.href.strip()
        if "://" in href or href.startswith("mailto:"):
            self.app.open_url(href)
            return
        lesson_id = linked_lesson(href, self.state.course.lessons)
        if lesson_id is not None:
            self.post_message(self.OpenLesson(lesson_id))

    def lab_goal_met(self, task: LabTask) -> None:
        """Called by the app when a lab opened from this lesson met its goal."""
        if keep_goal_met(self.state.progress, self.lesson.id, task):
            self.post_message(self.ProgressChanged())
        if task.step != self.step_no:
            return
        for block in self.query(LabBlock):
            if block.index == task.block:
                block.goal_met()
