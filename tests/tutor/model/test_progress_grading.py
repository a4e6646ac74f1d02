"""properties.md S4-S6: a lesson's score comes from what the progress recorded (first answers,
goals met), the `grade` block gives a pass mark, and the capstone asks nothing asked before."""

from __future__ import annotations

import pytest

from tutor.model import progress as pg
from tutor.model.course import load_course
from tutor.model.grading import (
    Grade,
    build_grade,
    grade_lesson,
    graded_lessons,
    pass_mark,
    repeated_questions,
)
from tutor.model.lesson import FenceBody
from tutor.model.parse import parse_lesson

LESSON = """\
---
id: graded
title: Graded
summary: A graded lesson.
minutes: 5
scenario: starttls
---

# Graded

## One

```quiz
question: Which port is submission with STARTTLS?
choices:
  - 25
  - 587
answer: 2
hint: Not the MX port.
explain: 587.
```

```lab
do: Upgrade the session.
goal: tls-established
hint: Press p.
```

## Two

```quiz
question: Type the command that upgrades a session.
accept:
  - STARTTLS
hint: Nine letters.
explain: STARTTLS.
```

```grade
pass: 60
```
"""


def test_s4_the_score_counts_first_answers_and_goals_met() -> None:
    lesson = parse_lesson(LESSON, "graded.md")
    p = pg.Progress()
    grade = grade_lesson(lesson, p.lessons.get("graded"))
    assert (grade.points, grade.total, grade.score, grade.passed) == (0, 3, 0, False)
    assert grade.open_items == 3
    p.record_answer("graded", 1, 0, 1)  # wrong at the first try...
    p.record_answer("graded", 1, 0, 2)  # ...right at the second: no point
    p.record_answer("graded", 1, 1, pg.GOAL_MET)
    p.record_answer("graded", 2, 0, " ｓｔａｒｔｔｌｓ ")  # full-width, spaces: still right
    p.mark_done("graded", 1)
    grade = grade_lesson(lesson, p.lessons["graded"])
    assert [(i.kind, i.met) for i in grade.items] == [
        ("quiz", False),
        ("lab", True),
        ("quiz", True),
    ]
    assert (grade.points, grade.total, grade.score) == (2, 3, 66)  # rounded down
    assert grade.pass_mark == 60 and grade.passed
    assert grade.count("quiz") == (1, 2) and grade.count("lab") == (1, 1)
    assert grade.steps_done == 1 and not grade.done
    assert grade.open_items == 0


def test_s4_a_lesson_without_items_has_no_score() -> None:
    lesson = parse_lesson(LESSON.split("## One")[0] + "## Only\n\nReading.\n", "plain.md")
    grade = grade_lesson(lesson, None)
    assert grade.score is None and grade.passed is None and grade.total == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("pass: 0", "grade: 'pass' is a percent from 1 to 100, not 0"),
        ("pass: 101", "grade: 'pass' is a percent from 1 to 100, not 101"),
        ("pass: most", "grade: 'pass' is a percent from 1 to 100, not 'most'"),
        ("", "grade: 'pass' is missing (the pass mark in percent, e.g. 'pass: 70')"),
        ("pass: 70\nmode: strict", "grade: unknown key 'mode' (known: pass)"),
    ],
)
def test_s5_a_bad_grade_block_is_a_file_line_error(body: str, message: str) -> None:
    fence = FenceBody(tuple(body.split("\n")) if body else (), 11, "x.md", 10)
    block, errors = build_grade(fence)
    assert block is None
    assert message in [e.message for e in errors]


def test_s5_the_grade_block_gives_the_pass_mark() -> None:
    block, errors = build_grade(FenceBody(("pass: 75%",), 3, "x.md", 2))
    assert errors == [] and block == Grade(75, 2)
    assert pass_mark(parse_lesson(LESSON, "graded.md")) == 60


def test_s6_the_capstone_asks_nothing_asked_before() -> None:
    for lang in ("en", "ja"):
        course = load_course(None, lang)
        capstone = graded_lessons(course.lessons)
        assert [lesson.id for lesson in capstone] == ["on-call"]
        assert repeated_questions(course.lessons) == []
        assert len(capstone[0].quizzes) >= 8 and len(capstone[0].labs) >= 2


def test_s6_a_repeated_question_is_found() -> None:
    again = LESSON.replace("id: graded", "id: earlier").replace("```grade\npass: 60\n```\n", "")
    lessons = [parse_lesson(again, "earlier.md"), parse_lesson(LESSON, "graded.md")]
    found = repeated_questions(lessons)
    assert [str(r) for r in found] == [
        "graded.md:13: a graded lesson re-asks the quiz at earlier.md:13",
        "graded.md:31: a graded lesson re-asks the quiz at earlier.md:31",
    ]
