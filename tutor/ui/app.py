"""The Textual app: owns the course, the learner's progress and the language; screens do the
rest.

Screens never call the app: they post messages (`CourseScreen.OpenLesson`,
`LessonScreen.ProgressChanged`, `LabScreen.GoalMet`...) that the `on_<screen>_<message>` handlers
below act on. The language is the reactive `lang` (from `LangApp`): switching it reloads the
course here first, then every screen and widget that shows words re-renders itself.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from sandbox.lab.catalog import SCENARIOS
from tutor.model import progress as pg
from tutor.model.course import load_course
from tutor.model.langs import next_lang
from tutor.model.learners import learner_progress_path
from tutor.model.lesson import Lesson
from tutor.model.settings import choose_language
from tutor.ui import cjk_wrap
from tutor.ui.lab_link import SessionFactory, real_session
from tutor.ui.pack_app import PackApp
from tutor.ui.screens.course import CourseScreen, resume_target
from tutor.ui.screens.dialogs import ConfirmScreen, HelpScreen, help_topic
from tutor.ui.screens.lab import LabScreen, LabTask
from tutor.ui.screens.learner_name import LearnerNameScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.state import CourseState
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.words import scenario_summary, tr

_STYLES = Path(__file__).resolve().parent / "styles"


class TutorApp(PackApp):
    TITLE = "smtp-tutor"
    # absolute, so that subclasses (tests, the benchmark) defined elsewhere find them too
    CSS_PATH = [_STYLES / "tutor.tcss", _STYLES / "lesson.tcss", _STYLES / "lab.tcss"]  # noqa: RUF012
    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("f1", "help", "Help", show=False),
        # Textual's own palette key, declared here so that its footer word follows the language
        # (Textual adds an English "palette" one only when the app declares none)
        Binding(
            App.COMMAND_PALETTE_BINDING, "command_palette", "key.palette", show=False, priority=True
        ),
    ]

    def __init__(
        self,
        *,
        lang: str | None = None,
        lessons_dir: str | Path | None = None,
        start_lesson: str | None = None,
        progress_path: Path | None = None,
        session_factory: SessionFactory | None = None,
        play_delay: float = 0.4,
        exit_when_ready: bool = False,
        freeze_gc: bool = False,
        learner: str | None = None,
        ask_learner: bool = False,
    ) -> None:
        super().__init__()
        cjk_wrap.install()  # Japanese lines break between characters, not only at spaces
        # R1: a learner's progress lives in their own folder; asked for, nothing is read or
        # written until the name is given (tutor/ui/screens/learner_name.py)
        self.learner = learner
        self.asking_learner = ask_learner and learner is None and progress_path is None
        self.cli_lang = lang
        if learner is not None and progress_path is None:
            progress_path = learner_progress_path(learner)
        self.progress_path = progress_path or pg.default_path()
        fresh = pg.LoadResult(pg.Progress())
        loaded = fresh if self.asking_learner else pg.load(self.progress_path)
        self.set_aside = loaded.set_aside
        self.load_error = loaded.error
        chosen = choose_language(lang, loaded.progress.language)
        self.set_reactive(TutorApp.lang, chosen)  # the start, not a switch: no watcher runs
        self.lessons_dir = lessons_dir
        self.state = CourseState(load_course(lessons_dir, chosen), loaded.progress)
        self.start_lesson = start_lesson
        self.session_factory = session_factory or real_session
        self.play_delay = play_delay
        self.exit_when_ready = exit_when_ready
        self.freeze_gc = freeze_gc
        self.save_error: str | None = None
        self.notices: list[str] = []  # every notification shown, for tests and screen readers

    @property
    def progress(self) -> pg.Progress:
        return self.state.progress

    # --- start-up -------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        localize_bindings(self)  # the palette key's word (the screens do their own)
        if self.progress.theme in self.available_themes:
            self.theme = self.progress.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        await self.push_screen(CourseScreen(self.state))
        if self.asking_learner:
            self.push_screen(LearnerNameScreen(), self.start_as_learner)
        if self.set_aside is not None:  # J4: say so once; the file is gone, so once it is
            self.notify(
                tr(self.lang, "notice.corrupt", path=str(self.set_aside)),
                severity="warning",
                timeout=20,
                markup=False,
            )
        if self.load_error is not None:
            self.notify(
                tr(self.lang, "notice.load_failed", error=self.load_error),
                severity="error",
                markup=False,
            )
        if self.start_lesson:
            self.open_lesson(self.start_lesson)
        if self.exit_when_ready:  # the startup benchmark: first interactive frame, then leave
            self.call_after_refresh(self.exit)

    def on_ready(self) -> None:
        if self.freeze_gc:
            # Everything alive now (Textual, Rich, the sandbox modules, styles) lives as long as
            # the app: moving it out of the collector's sight keeps full collections, and so
            # frame stalls during a 1 MiB session, short. Only the real app does this (run()).
            gc.freeze()

    def _theme_changed(self, _: object) -> None:
        if self.progress.theme != self.theme:
            self.progress.theme = self.theme
            self.save_progress()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        self.notices.append(message)
        screen = self.screen_stack[-1] if self.screen_stack else None
        if isinstance(screen, CourseScreen | LessonScreen):
            # in place, in the screen's notice line: a toast would cover the lesson or the list
            screen.show_notice(message, severity)
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # --- progress -------------------------------------------------------------------------------

    def save_progress(self) -> None:
        """Save now; a failure (full or read-only disk) is reported, never fatal."""
        if self.asking_learner:  # no name yet: nowhere of the learner's own to save to (R1)
            return
        try:
            pg.save(self.progress, self.progress_path)
        except OSError as exc:
            if self.save_error is None:
                self.notify(
                    tr(self.lang, "notice.save_failed", error=str(exc)),
                    severity="error",
                    markup=False,
                )
            self.save_error = str(exc)
        else:
            self.save_error = None

    def start_as_learner(self, name: str | None) -> None:
        """The name was given: read that learner's progress and show the course as theirs."""
        if name is None:
            return
        self.learner, self.asking_learner = name, False
        self.progress_path = learner_progress_path(name)
        loaded = pg.load(self.progress_path)
        loaded.progress.use_pack(self.state.course.pack_id)
        self.state.progress = loaded.progress
        if loaded.set_aside is not None:  # J4, as at start
            self.notify(tr(self.lang, "notice.corrupt", path=str(loaded.set_aside)), markup=False)
        elif loaded.error is not None:
            self.notify(tr(self.lang, "notice.load_failed", error=loaded.error), markup=False)
        self._refresh_course()
        lang = choose_language(self.cli_lang, loaded.progress.language)
        if lang != self.lang:
            self.lang = lang  # watch_lang reloads the course and saves the choice
        self.notify(tr(self.lang, "learner.welcome", name=name), markup=False)

    def on_lesson_screen_progress_changed(self, _: LessonScreen.ProgressChanged) -> None:
        self.save_progress()

    def on_course_screen_reset_lesson(self, message: CourseScreen.ResetLesson) -> None:
        self.confirm_reset(message.lesson)

    def confirm_reset(self, lesson: Lesson) -> None:
        def done(yes: bool | None) -> None:
            if yes:
                self.progress.reset_lesson(lesson.id)
                self.save_progress()
                self.notify(tr(self.lang, "notice.reset_lesson", title=lesson.title), markup=False)
                self._refresh_course()

        self.push_screen(ConfirmScreen("confirm.reset_lesson", title=lesson.title), done)

    def action_reset_all(self) -> None:
        def done(yes: bool | None) -> None:
            if yes:
                self.progress.reset_all()
                self.save_progress()
                self.notify(tr(self.lang, "notice.reset_all"))
                self._refresh_course()

        self.push_screen(ConfirmScreen("confirm.reset_all"), done)

    def _refresh_course(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, CourseScreen):
                screen.refresh_lessons()

    # --- navigation -----------------------------------------------------------------------------

    def on_course_screen_open_lesson(self, message: CourseScreen.OpenLesson) -> None:
        self.open_lesson(message.lesson_id, message.step)

    def on_lesson_screen_open_lesson(self, message: LessonScreen.OpenLesson) -> None:
        self.open_lesson(message.lesson_id)

    def on_lesson_screen_open_lab(self, message: LessonScreen.OpenLab) -> None:
        self.open_lab(message.scenario, message.lab_task, message.client_policy)

    def find_lesson(self, ref: str) -> Lesson | None:
        """The lesson `ref` names: its id, or its number as the course list shows it ("6")."""
        return self.state.course.find(ref)

    def open_lesson(self, lesson_ref: str, step: int | None = None) -> None:
        lesson = self.find_lesson(lesson_ref)
        if lesson is None:
            lessons = self.state.course.lessons
            self.notify(
                tr(
                    self.lang,
                    "notice.no_lesson",
                    lesson=lesson_ref,
                    first=lessons[0].number if lessons else 1,
                    last=lessons[-1].number if lessons else 1,
                    example=lessons[-1].id if lessons else "starttls",
                ),
                severity="warning",
                markup=False,
            )
            return
        if step is None:
            step = self.progress.position(lesson.id)

        def closed(finished: bool | None) -> None:
            if finished:
                self._say_lesson_done(lesson.id)

        self.push_screen(LessonScreen(lesson, self.state, step), closed)

    def _say_lesson_done(self, lesson_id: str) -> None:
        """Where the learner now is (the course, mostly): what they finished and what is next."""
        course = self.state.course
        lesson = course.get(lesson_id)
        if lesson is None:
            return
        target = resume_target(course, self.progress)  # what Continue (c) now opens
        after = target[0] if target is not None and target[0].id != lesson_id else None
        if after is None:
            self.notify(tr(self.lang, "lesson.lesson_done", title=lesson.title), markup=False)
        else:
            said = tr(self.lang, "lesson.lesson_done_next", title=lesson.title, next=after.title)
            self.notify(said, markup=False)

    def open_lab(
        self, scenario: str, task: LabTask | None = None, client_policy: str | None = None
    ) -> None:
        self.push_screen(
            LabScreen(
                scenario,
                task=task,
                client_policy=client_policy,
                session_factory=self.session_factory,
                play_delay=self.play_delay,
                freeze_gc=self.freeze_gc,
            )
        )

    def action_switch_language(self) -> None:
        """Show the course in the next language; every screen stays where it is."""
        self.lang = next_lang(self.lang)

    def watch_lang(self, lang: str) -> None:
        # Runs before the screens' own watchers (Textual calls the owner's watch_ first), so
        # they re-render from the course in the new language.
        self.progress.language = lang
        self.save_progress()
        self.state.course = load_course(self.lessons_dir, lang)
        localize_bindings(self)
        self.notify(tr(lang, "notice.language"))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(help_topic(self.screen)))

    def on_lab_screen_goal_met(self, message: LabScreen.GoalMet) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, LessonScreen) and screen.lesson.id == message.lab_task.lesson_id:
                screen.lab_goal_met(message.lab_task)

    def open_mailbox(self) -> None:
        """The mail the sandbox caught (Q8), over whatever screen is showing."""
        from tutor.ui.screens.mailbox import MailboxScreen

        self.push_screen(MailboxScreen())

    def open_watch(self) -> None:
        """Watch your own client in the lab's panes (Q10)."""
        from tutor.ui.screens.watch import WatchScreen

        self.push_screen(WatchScreen())

    # --- command palette ------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        lang = self.lang
        for lesson in self.state.course.lessons:
            yield SystemCommand(
                tr(lang, "cmd.open_lesson", title=lesson.title),
                lesson.summary,
                lambda lesson_id=lesson.id: self.open_lesson(lesson_id),
            )
        for name in SCENARIOS:
            yield SystemCommand(
                tr(lang, "cmd.open_lab", name=name),
                scenario_summary(lang, name),
                lambda name=name: self.open_lab(name),
            )
        yield SystemCommand(
            tr(lang, "cmd.language"), tr(lang, "cmd.language_help"), self.action_switch_language
        )
        yield SystemCommand(
            tr(lang, "cmd.reset"), tr(lang, "cmd.reset_help"), self.action_reset_all
        )
        yield SystemCommand(
            tr(lang, "cmd.mailbox"), tr(lang, "cmd.mailbox_help"), self.open_mailbox
        )
        yield SystemCommand(tr(lang, "cmd.watch"), tr(lang, "cmd.watch_help"), self.open_watch)
        yield from super().get_system_commands(screen)
