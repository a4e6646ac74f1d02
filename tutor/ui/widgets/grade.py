"""The `grade` block: a graded lesson's result, where the lesson puts it (the capstone's end).

It scores the lesson from the learner's progress (`tutor.model.grading`, the same score the
export and the class table show), says the score, the pass mark, passed or not, and what each
kind of item gave, and keeps the result in the progress. It is scored again each time it is
shown, so a lab done after a first look still counts.

A block widget is built from its block alone; the lesson and the progress are the lesson
screen's (`LessonScreen.lesson`, `LessonScreen.state.progress`), read from the screen it is on.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, Static

from tutor.model.grading import Grade, ItemKind, LessonGrade, grade_lesson
from tutor.model.lesson import Lesson
from tutor.model.progress import Answer, Progress
from tutor.ui.lang import words
from tutor.ui.widgets.blocks import InteractiveBlock

_KIND_WORDS: tuple[tuple[ItemKind, str], ...] = (
    ("quiz", "grade.quizzes"),
    ("lab", "grade.labs"),
    ("challenge", "grade.challenges"),
)
GRADED = "graded"
"""Recorded as this block's answer when a new result is kept: the lesson screen then saves."""


class GradeBlock(InteractiveBlock):
    help_topic = "lesson"

    def __init__(self, grade: Grade, index: int) -> None:
        super().__init__(index, classes="grade")
        self.grade = grade
        self.result: LessonGrade | None = None

    def compose(self) -> ComposeResult:
        yield Label(f"◆ {words(self, 'grade.label')}", classes="block-label")
        yield Static("", classes="grade-verdict", markup=False)
        yield Static("", classes="grade-detail", markup=False)

    def on_mount(self) -> None:
        self.show_result()

    def restore(self, answers: list[Answer], done: bool) -> None:
        self.show_result()

    def _source(self) -> tuple[Lesson, Progress] | None:
        screen = self.screen
        lesson = getattr(screen, "lesson", None)
        progress = getattr(getattr(screen, "state", None), "progress", None)
        if isinstance(lesson, Lesson) and isinstance(progress, Progress):
            return lesson, progress
        return None

    def show_result(self) -> None:
        source = self._source()
        verdict = self.query_one(".grade-verdict", Static)
        detail = self.query_one(".grade-detail", Static)
        if source is None:  # shown outside a lesson (a widget test): nothing to score
            verdict.update(words(self, "grade.none"))
            self.complete()
            return
        lesson, progress = source
        result = grade_lesson(lesson, progress.lessons.get(lesson.id))
        self.result = result
        if result.score is None:
            verdict.update(words(self, "grade.none"))
            self.complete()
            return
        passed = bool(result.passed)
        verdict.update(
            words(
                self,
                "grade.score",
                score=result.score,
                points=result.points,
                total=result.total,
                mark=self.grade.pass_mark,
            )
            + " "
            + words(self, "grade.passed" if passed else "grade.failed")
        )
        verdict.set_class(passed, "-passed")
        verdict.set_class(not passed, "-failed")
        lines = []
        for kind, key in _KIND_WORDS:
            met, total = result.count(kind)
            if total:
                lines.append(words(self, key, met=met, total=total))
        if result.open_items:
            lines.append(words(self, "grade.open", n=result.open_items))
        lines.append(words(self, "grade.retake"))
        detail.update("\n".join(lines))
        if progress.record_grade(lesson.id, result.score, passed):
            self.answered(GRADED)  # the lesson screen records it and the app saves
        self.complete()
