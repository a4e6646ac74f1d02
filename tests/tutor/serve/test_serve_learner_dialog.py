"""The tutor as a learner (properties.md R1, R2): `--learner NAME` keeps progress in the learner's
own folder; `--ask-learner` (what serve starts) asks for a name first, refuses a bad one, and
reads and writes nothing until a good one is given. Pilot tests on the real app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tutor.model import progress as pg
from tutor.ui.app import TutorApp
from tutor.ui.screens.course import CourseScreen
from tutor.ui.screens.learner_name import LearnerNameScreen

COURSE = Path(__file__).resolve().parents[2] / "fixtures" / "course"


@pytest.fixture(autouse=True)
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


def _app(**options: object) -> TutorApp:
    return TutorApp(lang="en", lessons_dir=COURSE, **options)  # type: ignore[arg-type]


def _first_lesson(app: TutorApp) -> str:
    return app.state.course.lessons[0].id


async def test_r1_a_named_learner_keeps_progress_in_their_own_folder(data: Path) -> None:
    app = _app(learner="Alice")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.progress_path == data / "learners" / "alice" / "progress.json"
        app.progress.mark_done(_first_lesson(app), 1)
        app.save_progress()
    assert (data / "learners" / "alice" / "progress.json").is_file()
    assert not (data / "progress.json").exists()  # the user's own progress is untouched
    again = pg.load(data / "learners" / "alice" / "progress.json").progress
    again.use_pack(app.state.course.pack_id)
    assert again.is_done(_first_lesson(app), 1)


async def test_r1_asked_learner_refuses_a_bad_name_then_starts_as_the_good_one(
    data: Path,
) -> None:
    # bob was here before: his progress is what the course shows once he gives his name
    bob = pg.Progress()
    app = _app(ask_learner=True)
    bob.use_pack(app.state.course.pack_id)
    bob.mark_done(_first_lesson(app), 1)
    pg.save(bob, data / "learners" / "bob" / "progress.json")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LearnerNameScreen)
        name = app.screen.query_one("#learner-name", Input)
        assert name.has_focus
        await pilot.press(*"../x", "enter")
        assert isinstance(app.screen, LearnerNameScreen)  # refused, said, still asking
        error = str(app.screen.query_one("#learner-error", Static).render())
        assert "letters, digits" in error
        app.action_switch_language()  # saved nowhere: there is no learner yet
        await pilot.pause()
        app.action_switch_language()
        await pilot.pause()
        assert not (data / "progress.json").exists()
        name.value = ""
        await pilot.press(*"Bob", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        assert app.learner == "Bob"
        assert app.progress.is_done(_first_lesson(app), 1)  # bob's own progress, read
        assert any("Welcome, Bob" in n for n in app.notices)
    assert not (data / "progress.json").exists()
    assert sorted(p.name for p in (data / "learners").iterdir()) == ["bob"]


async def test_r2_two_learners_never_share_answers(data: Path) -> None:
    lesson_step = (None, 1, 0)
    for who, answer in (("ann", 2), ("ben", None)):
        app = _app(learner=who)
        async with app.run_test() as pilot:
            await pilot.pause()
            lesson = _first_lesson(app)
            lesson_step = (lesson, 1, 0)
            assert app.progress.answers(lesson, 1, 0) == []  # ben sees nothing of ann's
            if answer is not None:
                app.progress.record_answer(lesson, 1, 0, answer)
                app.save_progress()
    lesson, step, block = lesson_step
    files = {p.parent.name: p for p in (data / "learners").glob("*/progress.json")}
    assert set(files) == {"ann"}  # ben answered nothing, so nothing of his was written
    assert "2" in json.dumps(json.loads(files["ann"].read_text(encoding="utf-8")))
    assert lesson is not None
    ann = pg.load(files["ann"]).progress
    ann.use_pack(app.state.course.pack_id)
    assert ann.answers(lesson, step, block) == [2]


async def test_r1_the_name_dialog_speaks_japanese_and_follows_the_language(data: Path) -> None:
    app = TutorApp(lang="ja", lessons_dir=COURSE, ask_learner=True)
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LearnerNameScreen)
        question = str(screen.query_one("#learner-question", Static).render())
        assert "お名前" in question
        await pilot.press(*"../x", "enter")
        error = str(screen.query_one("#learner-error", Static).render())
        assert "文字・数字" in error
        app.action_switch_language()
        await pilot.pause()
        assert "What is your name?" in str(screen.query_one("#learner-question", Static).render())
        assert screen.query_one("#learner-box").border_title == "Who is learning?"
        assert "Use letters, digits" in str(screen.query_one("#learner-error", Static).render())
        assert not (data / "progress.json").exists()
