"""The course screen's number keys (properties.md W1): a newcomer who chose a quiz's answer with
1-4 tries a lesson's number on the course list too. The number opens the lesson; a number a longer
one starts with (1, while there is a lesson 12) waits for Enter or the next digit, with no timer;
the title line says so, in English and Japanese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList, Static
from tutor_ui_fakes import make_app, wait_for

from tutor.ui.screens.course import CourseScreen
from tutor.ui.screens.lesson import LessonScreen


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def _lesson_id(app: object) -> str:
    screen = getattr(app, "screen", None)
    assert isinstance(screen, LessonScreen)
    return screen.lesson.id


async def _back(pilot: Any, app: Any, course: object) -> None:
    """Esc, twice when the step's answer box had the focus (the first Esc leaves the box)."""
    for _ in range(2):
        await pilot.press("escape")
        await pilot.pause()
        if app.screen is course:
            return
    await wait_for(pilot, lambda: app.screen is course)


async def test_w1_a_lessons_number_opens_it(data: Path) -> None:
    app = make_app(data, lessons_dir=None)  # the shipped course: lessons 1-12
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        course = app.screen
        assert isinstance(course, CourseScreen)
        shipped = course.state.course.lessons
        third = shipped[2]
        await pilot.press("3")  # no lesson 30-39: opens at once
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        assert _lesson_id(app) == third.id
        await _back(pilot, app, course)
        await pilot.press("1")  # lessons 10-12 start with 1: highlight lesson 1, wait
        lessons = course.query_one("#lessons", OptionList)
        await wait_for(pilot, lambda: lessons.highlighted == 0)
        assert app.screen is course
        notice = str(course.query_one("#course-notice", Static).render())
        assert "Lesson 1" in notice and "10, 11, 12" in notice, notice
        await pilot.press("2")  # 12
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        assert _lesson_id(app) == shipped[11].id
        await _back(pilot, app, course)
        await pilot.press("1", "enter")  # 1, then Enter: lesson 1
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        assert _lesson_id(app) == shipped[0].id
        await _back(pilot, app, course)
        await pilot.press("1", "down", "down", "3")  # an arrow ends the number: 3, not 13
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        assert _lesson_id(app) == third.id


@pytest.mark.parametrize(("lang", "hint"), [("en", "a number (1-12)"), ("ja", "番号（1-12）")])
async def test_w1_the_course_title_says_how_to_open_a_lesson(
    data: Path, lang: str, hint: str
) -> None:
    app = make_app(data, lessons_dir=None, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        title = app.screen.query_one("#course-title", Static)
        assert hint in str(title.render())
        # the whole line fits at 80 columns: nothing cut
        assert "…" not in "".join(s.text for s in title.render_lines(title.region)[0])


async def test_w1_a_digit_no_lesson_has_does_nothing(data: Path) -> None:
    app = make_app(data, lessons_dir=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        course = app.screen
        await pilot.press("0", "0")
        await pilot.pause()
        assert app.screen is course
