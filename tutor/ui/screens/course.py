"""The course: every lesson in order with its number and id (either opens it: `smtp-tutor 6`,
`smtp-tutor starttls`), summary, length and progress; continue, switch language, reset (after
asking). A lesson's number opens it, as a quiz's number chooses (the title line says so): a
number that could still grow (1 when there is a lesson 12) only moves the highlight, and Enter or
the next digit decides; no timer (properties.md W1). What the app has to say (a lesson finished,
a reset) goes in the notice line under the title, not in a toast over the list.

The screen reads the course and the progress from the `CourseState` it is given, and asks the app
for everything else by message (`OpenLesson`, `ResetLesson`).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tutor.model.course import Course
from tutor.model.lesson import Lesson
from tutor.model.progress import Progress, Status
from tutor.ui.lang import on_lang_change, ui_lang, words
from tutor.ui.state import CourseState
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.words import tr

_STATUS_STYLE = {
    Status.NOT_STARTED: "dim",
    Status.IN_PROGRESS: "bold #ffaf00",
    Status.DONE: "bold #87d75f",
}


def lesson_prompt(lesson: Lesson, progress: Progress, lang: str) -> Table:
    """The number, then: title and progress; the summary, minutes and steps done."""
    total = len(lesson.steps)
    status = progress.status(lesson.id, total)
    head = Text(lesson.title, style="bold")
    head.append("  ")
    head.append(tr(lang, f"status.{status.value}"), style=_STATUS_STYLE[status])
    body = Text(lesson.summary)
    done = progress.done_count(lesson.id, total)
    meta = f"  ({tr(lang, 'course.minutes', minutes=lesson.minutes)} · "
    meta += tr(lang, "course.steps", done=done, total=total) + " · "
    meta += tr(lang, "course.id", id=lesson.id) + ")"
    body.append(meta, style="dim")
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=3, justify="right", style="dim")
    grid.add_column(ratio=1, overflow="fold")
    grid.add_row(f"{lesson.number:d}", head)
    grid.add_row("", body)
    return grid


def resume_target(course: Course, progress: Progress) -> tuple[Lesson, int] | None:
    """The lesson and step to continue with: where the learner left off, unless that lesson is
    done; then the next lesson not done after it (in course order, wrapping round)."""
    last = course.get(progress.last_lesson) if progress.last_lesson else None
    if last is not None and progress.status(last.id, len(last.steps)) is not Status.DONE:
        return last, min(progress.position(last.id), len(last.steps))
    start = course.index(last.id) + 1 if last is not None else 0
    for lesson in course.lessons[start:] + course.lessons[:start]:
        if progress.status(lesson.id, len(lesson.steps)) is not Status.DONE:
            return lesson, min(progress.position(lesson.id), len(lesson.steps))
    return None


class CourseScreen(Screen[None]):
    help_topic = "course"
    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("c", "continue", "key.continue"),
        Binding("l", "app.switch_language", "key.language"),
        Binding("r", "reset_lesson", "key.reset"),
        Binding("R", "app.reset_all", "key.reset_all"),
        Binding("m", "mailbox", "key.mailbox", show=False),  # F1 and the README say it
        Binding("w", "watch", "key.watch", show=False),
        Binding("f1", "app.help", "key.help"),
        Binding("q", "app.quit", "key.quit"),
        *(Binding(str(n), f"number({n})", show=False) for n in range(10)),
    ]

    class OpenLesson(Message):
        """Open lesson `lesson_id` at `step` (None: where the learner left it)."""

        def __init__(self, lesson_id: str, step: int | None = None) -> None:
            super().__init__()
            self.lesson_id = lesson_id
            self.step = step

    class ResetLesson(Message):
        """Forget the progress in `lesson`, once the learner confirmed it."""

        def __init__(self, lesson: Lesson) -> None:
            super().__init__()
            self.lesson = lesson

    def __init__(self, state: CourseState) -> None:
        super().__init__()
        localize_bindings(self)
        self.state = state
        self._typed = ""  # the digits of a lesson number typed so far

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="course-title", markup=False)
        notice = Static("", id="course-notice", markup=False)
        notice.display = False
        yield notice
        yield Static("", id="continue", markup=False)
        yield OptionList(id="lessons")
        problems = Static("", id="problems", markup=False)
        problems.display = False
        yield problems
        yield Footer()

    def on_mount(self) -> None:
        self._show_course()
        self.query_one("#lessons").focus()
        on_lang_change(self, self._lang_changed)

    def _lang_changed(self) -> None:
        """The app has loaded the course in the new language: show it, in its words."""
        localize_bindings(self)
        self.query_one("#course-title", Static).update(self._title())
        self._show_course()

    def _title(self) -> Text:
        """The course's title, and how to open a lesson (Enter, or its number) at its right."""
        title = Text(words(self, "course.title"))
        numbers = [lesson.number for lesson in self.state.course.lessons]
        if numbers:
            title.append("   ")
            hint = words(self, "course.open_hint", first=min(numbers), last=max(numbers))
            title.append(hint, style="not bold")
        return title

    def _show_course(self) -> None:
        self.refresh_lessons()
        course = self.state.course
        problems = self.query_one("#problems", Static)
        if course.problems:
            lines = [words(self, "course.errors"), *(str(p) for p in course.problems[:5])]
            if len(course.problems) > 5:
                lines.append(f"… +{len(course.problems) - 5}")
            problems.update("\n".join(lines))
        problems.display = bool(course.problems)
        if not course.lessons:
            self.query_one("#continue", Static).update(
                words(self, "course.empty", path=str(course.root))
            )

    def on_screen_resume(self) -> None:
        self.refresh_lessons()

    def resume_target(self) -> tuple[Lesson, int] | None:
        return resume_target(self.state.course, self.state.progress)

    def show_notice(self, text: str, severity: str = "information") -> None:
        """Say something under the title (instead of a toast over the list); "" hides it."""
        notice = self.query_one("#course-notice", Static)
        notice.update(text)
        notice.display = bool(text)
        notice.set_class(severity in ("warning", "error"), "-warning")

    def refresh_lessons(self) -> None:
        lessons = self.query_one("#lessons", OptionList)
        highlighted = lessons.highlighted
        lessons.clear_options()
        progress, lang = self.state.progress, ui_lang(self)
        for lesson in self.state.course.lessons:
            lessons.add_option(Option(lesson_prompt(lesson, progress, lang), id=lesson.id))
        target = self.resume_target()
        if target is not None:
            lesson, step = target
            key = "course.continue" if progress.lessons.get(lesson.id) else "course.start"
            hint = words(self, key, title=lesson.title, step=step)
            self.query_one("#continue", Static).update(f"{hint}  [c]")
        elif self.state.course.lessons:
            self.query_one("#continue", Static).update(words(self, "course.all_done"))
        if highlighted is not None and highlighted < lessons.option_count:
            lessons.highlighted = highlighted
        elif target is not None:
            lessons.highlighted = self.state.course.index(target[0].id)
        elif lessons.option_count:
            lessons.highlighted = 0

    def on_key(self, event: events.Key) -> None:
        if not (event.character or "").isdigit():
            self._typed = ""  # anything else (an arrow, Enter) ends the number

    def action_number(self, digit: int) -> None:
        """A digit of a lesson's number: open that lesson once no longer number starts with the
        digits typed; until then highlight it (Enter opens it, the next digit goes on)."""
        numbers = {str(lesson.number): lesson for lesson in self.state.course.lessons}
        typed = self._typed + str(digit)
        if not any(n.startswith(typed) for n in numbers):
            typed = str(digit)  # no such lesson: start a new number with this digit
        if not any(n.startswith(typed) for n in numbers):
            self._typed = ""
            return
        self._typed = typed
        lesson = numbers.get(typed)
        if lesson is not None:
            self.query_one("#lessons", OptionList).highlighted = self.state.course.index(lesson.id)
        longer = sorted((n for n in numbers if n.startswith(typed) and n != typed), key=int)
        if lesson is not None and not longer:
            self._typed = ""
            self.show_notice("")
            self.post_message(self.OpenLesson(lesson.id))
        elif lesson is not None:
            self.show_notice(words(self, "course.typed", number=typed, more=", ".join(longer)))

    @on(OptionList.OptionSelected, "#lessons")
    def _open(self, event: OptionList.OptionSelected) -> None:
        self._typed = ""
        if event.option.id is not None:
            self.show_notice("")
            self.post_message(self.OpenLesson(event.option.id))

    def action_continue(self) -> None:
        target = self.resume_target()
        if target is not None:
            lesson, step = target
            self.show_notice("")
            self.post_message(self.OpenLesson(lesson.id, step))

    def highlighted_lesson(self) -> Lesson | None:
        lessons = self.query_one("#lessons", OptionList)
        if lessons.highlighted is None:
            return None
        return self.state.course.lessons[lessons.highlighted]

    def action_mailbox(self) -> None:
        """The mail the sandbox caught (Q8): a screen of its own, Esc comes back here."""
        from tutor.ui.screens.mailbox import MailboxScreen

        self.app.push_screen(MailboxScreen())

    def action_watch(self) -> None:
        """Watch your own client (Q10): the sandbox, watched at its socket, in the lab's panes."""
        from tutor.ui.screens.watch import WatchScreen

        self.app.push_screen(WatchScreen())

    def action_reset_lesson(self) -> None:
        lesson = self.highlighted_lesson()
        if lesson is not None:
            self.post_message(self.ResetLesson(lesson))
