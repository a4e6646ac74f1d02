"""What the tutor app does with its lesson pack beyond the course: the glossary screen, the
plain-text reading of a lesson, and the command palette's searches over lesson text and the
glossary (`tutor.ui.palette`). `TutorApp` is built on it; kept apart so that app.py stays small.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import SystemCommand
from textual.screen import Screen

from tutor.model.glossary import Glossary, read_glossary
from tutor.model.lesson import Lesson
from tutor.ui.lang import LangApp
from tutor.ui.palette import GlossaryProvider, LessonTextProvider
from tutor.ui.screens.glossary import GlossaryScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.reading import ReadingScreen
from tutor.ui.state import CourseState
from tutor.ui.words import tr


class PackApp(LangApp):
    COMMANDS = LangApp.COMMANDS | {LessonTextProvider, GlossaryProvider}
    state: CourseState

    def open_lesson(self, lesson_ref: str, step: int | None = None) -> None:
        raise NotImplementedError  # the tutor app's own

    def course_glossary(self) -> Glossary:
        """The glossary of the course's pack in the current language (empty when it has none
        or it has problems: `lessons check` names them)."""
        return read_glossary(self.state.course.root, self.lang).glossary

    def _lesson_on_screen(self) -> Lesson | None:
        screen = self.screen
        return screen.lesson if isinstance(screen, LessonScreen | ReadingScreen) else None

    def open_glossary(self, entry: str | None = None) -> None:
        """The glossary at `entry` (an id), or at its first term."""
        self.push_screen(GlossaryScreen(self.state.course.root, entry=entry))

    def action_glossary(self) -> None:
        """From a lesson: the terms that lesson uses; elsewhere the whole glossary."""
        if isinstance(self.screen, GlossaryScreen):
            return
        lesson = self._lesson_on_screen()
        self.push_screen(GlossaryScreen(self.state.course.root, lesson=lesson))

    def read_lesson(self, lesson_id: str) -> None:
        lesson = self.state.course.get(lesson_id)
        if lesson is not None:
            self.push_screen(ReadingScreen(lesson))

    def action_read_lesson(self) -> None:
        """The lesson on screen, as plain text from top to bottom."""
        lesson = self._lesson_on_screen()
        if lesson is not None and not isinstance(self.screen, ReadingScreen):
            self.push_screen(ReadingScreen(lesson))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        lang = self.lang
        yield SystemCommand(
            tr(lang, "cmd.glossary"), tr(lang, "cmd.glossary_help"), self.action_glossary
        )
        for lesson in self.state.course.lessons:
            yield SystemCommand(
                tr(lang, "cmd.read_lesson", title=lesson.title),
                tr(lang, "cmd.read_lesson_help"),
                lambda lesson_id=lesson.id: self.read_lesson(lesson_id),
            )
        yield from super().get_system_commands(screen)
