"""A newcomer's path through a lesson, without one stumble (issue 10, items 1-9), with Pilot:
where the focus is when a step opens, what stays in view, where feedback is said, how quizzes
are answered, what a finished step shows when revisited, the end of a lesson, the step list at
80x24, and lessons named by number.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static
from textual.widgets._toast import Toast
from tutor_ui_fakes import at_step, fixture_pack_id, make_app, saved_progress, wait_for

from tutor.model import progress as pg
from tutor.ui.screens.course import CourseScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.quiz import QuizBlock
from tutor.ui.widgets.transcript import TranscriptBlock


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def saved(data: Path) -> dict:  # type: ignore[type-arg]
    return saved_progress(data)


def visible_toasts(app: object) -> list[Toast]:
    screen = app.screen  # type: ignore[attr-defined]
    return [t for t in screen.query(Toast) if t.display and screen.query_one("ToastRack").display]


@pytest.mark.parametrize(("lang", "size"), [("en", (80, 24)), ("ja", (120, 35))])
async def test_walkthrough_box_has_the_focus_stays_in_view_and_feedback_is_in_place(
    data: Path, lang: str, size: tuple[int, int]
) -> None:
    at_step(data, "first-words", 2)
    app = make_app(data, lang=lang, start_lesson="first-words")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        walk = screen.query_one(TranscriptBlock)
        box = walk.query_one(".predict", Input)
        assert app.focused is box  # typing goes to the walk-through at once, no Tab needed
        await pilot.press(*"ehlo", "enter")
        await pilot.pause()
        assert walk.guesses == [("ehlo", True)]
        assert app.focused is box
        body = screen.query_one("#step-body")
        # the box is in view once the walk-through has scrolled to it
        await wait_for(pilot, lambda: box.region.intersection(body.region) == box.region)
        await pilot.press(*"250", "enter")
        await pilot.pause()
        assert walk.done
        feedback = str(walk.query_one(".feedback", Static).render())
        assert feedback == (
            "✘ It was: 221 2.0.0 Bye" if lang == "en" else "✘ 正しくは: 221 2.0.0 Bye"
        )
        assert visible_toasts(app) == []  # said in the block, not over it
        # the number keys answer the quiz that is next (and now has no box to type into)
        assert not isinstance(app.focused, Input)
        quiz = screen.query_one(QuizBlock)
        how = str(quiz.query_one(".how").render())
        assert how == (
            "Press a number key (1-2), or choose with ↑↓ and Enter."
            if lang == "en"
            else "数字キー（1〜2）を押すか、↑↓ で選んで Enter を押します。"
        )
        await pilot.press("1")
        await wait_for(pilot, lambda: quiz.tries == 1)
        feedback_box = quiz.query_one(".feedback")
        body = screen.query_one("#step-body")
        await wait_for(  # scrolled into view once laid out
            pilot, lambda: feedback_box.region.intersection(body.region) == feedback_box.region
        )
        assert not quiz.done
        await pilot.press("2")
        await pilot.pause()
        assert quiz.correct
        assert quiz.query_one(OptionList).highlighted == 1
        assert visible_toasts(app) == []


async def test_a_finished_step_shows_its_answers_and_says_it_is_done(data: Path) -> None:
    at_step(data, "first-words", 2)
    app = make_app(data, start_lesson="first-words")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press(*"ehlo", "enter", *"250", "enter", "2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert saved(data)["lessons"]["first-words"]["done"] == [2]
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert screen.step == 2
        walk = screen.query_one(TranscriptBlock)
        quiz = screen.query_one(QuizBlock)
        assert walk.done
        assert walk.guesses == [("ehlo", True), ("250", False)]
        assert "✘ (250) S: 221 2.0.0 Bye" in str(walk.query_one(".lines").render())
        assert quiz.done
        assert quiz.correct
        assert quiz.feedback_text.startswith("✔ Right: the server greets with 220.")
        assert str(screen.query_one("#open-items").render()) == "Step complete."
        assert saved(data)["lessons"]["first-words"]["answers"] == {
            "2": {"0": ["ehlo", "250"], "1": [2]}
        }
    # another run of the tutor, in Japanese: the same answers, read back from the file
    again = make_app(data, lang="ja", start_lesson="first-words")
    async with again.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = again.screen
        assert isinstance(screen, LessonScreen)
        assert screen.step == 2
        assert screen.query_one(QuizBlock).correct
        assert str(screen.query_one("#open-items").render()) == "このステップは完了です。"


async def test_a_step_done_in_an_old_progress_file_is_shown_done(data: Path) -> None:
    (data / "progress.json").write_text(
        '{"version": 1, "last_lesson": "first-words",'
        ' "lessons": {"first-words": {"done": [2], "current": 2}}}'
    )
    app = make_app(data, start_lesson="first-words")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert app.set_aside is None  # an old file is read, not set aside as corrupt
        assert screen.query_one(TranscriptBlock).done
        quiz = screen.query_one(QuizBlock)
        assert quiz.done
        assert "The answer: 2. The server" in quiz.feedback_text
        assert str(screen.query_one("#open-items").render()) == "Step complete."


async def test_end_of_lesson_is_said_on_the_course_and_continue_points_at_the_next(
    data: Path,
) -> None:
    p = pg.Progress(pack_id=fixture_pack_id())
    p.mark_done("upgrade", 2)
    p.mark_done("upgrade", 3)
    p.set_position("upgrade", 1)
    pg.save(p, data / "progress.json")
    app = make_app(data, start_lesson="upgrade")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"starttls", "enter")
        await pilot.pause()
        await pilot.press("n", "n", "n")  # the last Next leaves the lesson
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        notice = str(app.screen.query_one("#course-notice").render())
        assert notice == (
            "✔ You finished 'Upgrading to TLS'. Next: 'First words: a plaintext session' (press c)."
        )
        assert visible_toasts(app) == []
        assert not any("Press Esc" in n for n in app.notices)  # already on the course
        continue_line = str(app.screen.query_one("#continue").render())
        assert continue_line.startswith("Start with: First words")
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.lesson.id == "first-words"


async def test_step_list_at_80x24_takes_its_whole_column(data: Path) -> None:
    app = make_app(data, start_lesson="first-words")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        steps = screen.query_one("#steps")
        assert not steps.display
        await pilot.press("t")
        await pilot.pause()
        main = screen.query_one("#lesson-main")
        assert steps.display
        # the box reaches the bottom of its column: no strip under it where the step's text was
        assert steps.region.height == main.region.height
        assert steps.region.x == 0
        assert screen.query_one("#step-body").region.x == steps.region.right


@pytest.mark.parametrize("ref", ["2", "upgrade"])
async def test_a_lesson_opens_by_its_number_or_its_id(data: Path, ref: str) -> None:
    app = make_app(data, start_lesson=ref)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.lesson.id == "upgrade"
        title = str(screen.query_one("#lesson-title").render())
        assert title == "02 · Upgrading to TLS  (id: upgrade)"


async def test_a_number_key_brings_the_quiz_feedback_into_view(data: Path) -> None:
    # the shipped lesson: its step 3 has a page of reading above the quiz, as a learner meets it
    at_step(data, "starttls", 3, builtin=True)
    app = make_app(data, lessons_dir=None, start_lesson="starttls")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        quiz = screen.query_one(QuizBlock)
        body = screen.query_one("#step-body")
        await pilot.press("1")
        await wait_for(pilot, lambda: quiz.tries == 1)
        feedback = quiz.query_one(".feedback")
        await wait_for(pilot, lambda: feedback.region.intersection(body.region) == feedback.region)


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Still open in this step: a walk-through, the lab."),
        ("ja", "このステップで未完了: ウォークスルー 1 件、ラボ。"),
    ],
)
async def test_what_is_still_open_is_listed_with_the_languages_own_comma(
    data: Path, lang: str, said: str
) -> None:
    """Issue 10, item 28: `ウォークスルー 1 件, ラボ` mixed an English comma into Japanese."""
    # the shipped lesson 8: a walk-through, then a lab
    at_step(data, "starttls-attacks", 2, builtin=True)
    app = make_app(data, lessons_dir=None, lang=lang, start_lesson="starttls-attacks")
    async with app.run_test(size=(120, 35)) as pilot:
        items = app.screen.query_one("#open-items", Static)
        await wait_for(pilot, lambda: str(items.render()) == said)
