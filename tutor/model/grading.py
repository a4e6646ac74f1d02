"""Graded work: a lesson's score from what the learner did, and the `grade` block that gives a
lesson a pass mark (the capstone's).

What counts (one point each): a quiz right at the first try (its first recorded answer), a lab
whose goal was met, a challenge that recorded its goal met (`GOAL_MET`): a block kind is a
challenge when its model class says `challenge: ClassVar[bool] = True` (the config lab). A
walk-through is practice, and other registered kinds are not scored. The score is the points
over the items, in whole percent (rounded down: 69.9 % does not pass a 70 % mark); a lesson with
a `grade` block passes at its mark. Computed from the progress and the lesson, never from what
a screen showed, so the export, the class table and the capstone's own result screen agree.

Pure: no Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from tutor.model.fields import parse_fields, shorten
from tutor.model.lesson import (
    CustomBlock,
    FenceBody,
    Lab,
    Lesson,
    LessonError,
    Quiz,
    normalize_answer,
)
from tutor.model.progress_records import GOAL_MET, LessonProgress

ItemKind = Literal["quiz", "lab", "challenge"]
ITEM_KINDS: tuple[ItemKind, ...] = ("quiz", "lab", "challenge")


@dataclass(frozen=True, slots=True)
class Grade(CustomBlock):
    """```grade``` with `pass: 70`: the lesson is graded, and passes at 70 %. Shows the score."""

    pass_mark: int  # percent, 1-100
    line: int


def build_grade(body: FenceBody) -> tuple[Grade | None, list[LessonError]]:
    fields = parse_fields(body.lines, body.first_line, body.file, "grade")
    errors = list(fields.errors)

    def error(line: int, message: str) -> None:
        errors.append(LessonError(body.file, line, f"grade: {message}"))

    for f in fields.by_key.values():
        if f.key != "pass":
            error(f.line, f"unknown key '{f.key}' (known: pass)")
    mark = fields.by_key.get("pass")
    value: int | None = None
    if mark is None:
        error(body.line, "'pass' is missing (the pass mark in percent, e.g. 'pass: 70')")
    elif mark.value is None or not re.fullmatch(r"[0-9]{1,3}%?", mark.value.strip()):
        error(mark.line, f"'pass' is a percent from 1 to 100, not {shorten(mark.value or '')!r}")
    else:
        value = int(mark.value.strip().rstrip("%"))
        if not 1 <= value <= 100:
            error(mark.line, f"'pass' is a percent from 1 to 100, not {value}")
    if errors or value is None:
        return None, errors
    return Grade(value, body.line), errors


@dataclass(frozen=True, slots=True)
class GradedItem:
    step: int
    block: int  # index in the step's blocks, as progress keeps answers
    kind: ItemKind
    line: int
    attempted: bool
    met: bool  # a quiz right at the first try, a goal met


@dataclass(frozen=True, slots=True)
class LessonGrade:
    lesson_id: str
    steps_total: int
    steps_done: int
    items: tuple[GradedItem, ...]
    pass_mark: int | None  # None: the lesson is not graded for a pass

    @property
    def points(self) -> int:
        return sum(1 for i in self.items if i.met)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def score(self) -> int | None:
        """Whole percent of the items met; None for a lesson with nothing to score."""
        return self.points * 100 // self.total if self.total else None

    @property
    def done(self) -> bool:
        return self.steps_total > 0 and self.steps_done >= self.steps_total

    @property
    def passed(self) -> bool | None:
        """Against the pass mark (an item never attempted counts as missed); None: ungraded."""
        if self.pass_mark is None:
            return None
        return (self.score or 0) >= self.pass_mark

    @property
    def open_items(self) -> int:
        """Items never attempted (a lab not done yet: doing it still adds its point)."""
        return sum(1 for i in self.items if not i.attempted)

    def count(self, kind: ItemKind) -> tuple[int, int]:
        """(met, out of) for one kind of item."""
        mine = [i for i in self.items if i.kind == kind]
        return sum(1 for i in mine if i.met), len(mine)


def pass_mark(lesson: Lesson) -> int | None:
    """The lesson's pass mark (its first `grade` block), or None."""
    return next((b.pass_mark for s in lesson.steps for b in s.blocks if isinstance(b, Grade)), None)


def grade_lesson(lesson: Lesson, entry: LessonProgress | None) -> LessonGrade:
    """The lesson's score from what `entry` (its progress; None: never opened) recorded."""
    entry = entry or LessonProgress()
    items: list[GradedItem] = []
    for step in lesson.steps:
        answers = entry.answers.get(step.number, {})
        for index, block in enumerate(step.blocks):
            given = answers.get(index, [])
            kind: ItemKind
            if isinstance(block, Quiz):
                kind, met = "quiz", bool(given) and block.is_right(given[0])
            elif isinstance(block, Lab):
                kind, met = "lab", GOAL_MET in given
            elif isinstance(block, CustomBlock) and getattr(type(block), "challenge", False):
                kind, met = "challenge", GOAL_MET in given
            else:
                continue
            items.append(GradedItem(step.number, index, kind, block.line, bool(given), met))
    total = len(lesson.steps)
    done = sum(1 for s in entry.done if 1 <= s <= total)
    return LessonGrade(lesson.id, total, done, tuple(items), pass_mark(lesson))


@dataclass(frozen=True, slots=True)
class Repeat:
    """A quiz of a graded lesson that asks what a quiz elsewhere in the course already asked."""

    lesson: Lesson
    quiz: Quiz
    other: Lesson
    other_quiz: Quiz

    def __str__(self) -> str:
        return (
            f"{self.lesson.file}:{self.quiz.line}: a graded lesson re-asks the quiz at "
            f"{self.other.file}:{self.other_quiz.line}"
        )


def _question_key(quiz: Quiz) -> str:
    return " ".join(normalize_answer(quiz.question).split())


def repeated_questions(lessons: Sequence[Lesson]) -> list[Repeat]:
    """The quizzes of graded lessons (those with a pass mark) whose question, or whose set of
    choices, another lesson of the course already asks: a final test must be new questions."""
    out: list[Repeat] = []
    for lesson in lessons:
        if pass_mark(lesson) is None:
            continue
        others = [(o, q) for o in lessons if o.id != lesson.id for q in o.quizzes]
        for quiz in lesson.quizzes:
            for other, other_quiz in others:
                same_choices = bool(quiz.choices) and _choice_set(quiz) == _choice_set(other_quiz)
                if _question_key(quiz) == _question_key(other_quiz) or same_choices:
                    out.append(Repeat(lesson, quiz, other, other_quiz))
                    break
    return out


def _choice_set(quiz: Quiz) -> frozenset[str]:
    return frozenset(_norm(c) for c in quiz.choices)


def _norm(text: str) -> str:
    return " ".join(normalize_answer(text).split())


def graded_lessons(lessons: Iterable[Lesson]) -> tuple[Lesson, ...]:
    return tuple(lesson for lesson in lessons if pass_mark(lesson) is not None)
