"""The course screen and the app shell, driven with Pilot: navigation, resume, language, reset,
help, the command palette, the theme, and a corrupt progress file (J4).

Each test is one short journey through the app (starting Textual is the costly part), and
checks every state it passes through.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList
from tutor_ui_fakes import (
    FIXTURE_COURSE,
    fixture_pack_id,
    make_app,
    palette_found,
    saved_progress,
    wait_for,
)

from tutor.model import progress as pg
from tutor.ui.screens.course import CourseScreen
from tutor.ui.screens.dialogs import ConfirmScreen, HelpScreen
from tutor.ui.screens.lesson import LessonScreen

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def corrupt_copies(data: Path) -> list[Path]:
    return list(data.glob("progress.json.corrupt-*"))


def saved(data: Path) -> dict:  # type: ignore[type-arg]
    return saved_progress(data)


def option_texts(screen: object) -> list[str]:
    assert isinstance(screen, CourseScreen)
    lessons = screen.query_one("#lessons", OptionList)
    out = []
    for i in range(lessons.option_count):
        prompt = lessons.get_option_at_index(i).prompt
        out.append(" ".join(str(cell) for col in prompt.columns for cell in col.cells))
    return out


async def test_course_lists_lessons_opens_them_and_explains_itself(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        texts = option_texts(app.screen)
        assert len(texts) == 2
        assert "First words: a plaintext session" in texts[0]
        assert "○ not started" in texts[0]
        assert "(5 min · 0/3 steps · id: first-words)" in texts[0]
        assert "Upgrading to TLS" in texts[1]
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.topic == "course"
        await pilot.press("escape", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == "upgrade"
        assert isinstance(app.focused, Input)  # its quiz's answer box: Esc leaves it first
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert "◐ in progress" in option_texts(app.screen)[1]  # opened, so begun


async def test_resume_after_restart_returns_to_the_same_lesson_step_and_theme(
    data: Path,
) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "n")  # step 1 has only Q&A: done by moving on
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.step == 2
        app.theme = "textual-light"
        await pilot.pause()
    assert saved(data)["last_lesson"] == "first-words"
    assert saved(data)["lessons"]["first-words"] == {"done": [1], "current": 2}
    assert saved(data)["theme"] == "textual-light"

    again = make_app(data)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert again.theme == "textual-light"
        continue_line = str(again.screen.query_one("#continue").render())
        assert "Continue: First words: a plaintext session, step 2" in continue_line
        assert "◐ in progress" in option_texts(again.screen)[0]
        await pilot.press("c")
        await pilot.pause()
        screen = again.screen
        assert isinstance(screen, LessonScreen)
        assert (screen.lesson.id, screen.step) == ("first-words", 2)


async def test_j4_corrupt_progress_file_is_set_aside_and_the_app_says_so_once(data: Path) -> None:
    (data / "progress.json").write_bytes(b'{"version": 1, "lessons": [oops')
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        said = [n for n in app.notices if "could not be read" in n]
        assert len(said) == 1
        assert "progress.json.corrupt-" in said[0]
    aside = corrupt_copies(data)
    assert len(aside) == 1
    assert aside[0].read_bytes() == b'{"version": 1, "lessons": [oops'
    again = make_app(data)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not [n for n in again.notices if "could not be read" in n]


async def test_language_switch_keeps_the_place_and_is_remembered(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")  # on the course: to Japanese
        await pilot.pause()
        assert app.lang == "ja"
        assert "はじめの一歩" in option_texts(app.screen)[0]
        await pilot.press("enter", "n")
        await pilot.pause()
        await app.run_action("switch_language")  # in a lesson (the palette runs the same)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert app.lang == "en"
        assert screen.lesson.lang == "en"
        assert (screen.lesson.id, screen.step) == ("first-words", 2)
        assert "Step 2/3" in str(screen.query_one(".step-title").render())
        await pilot.press("escape", "escape")  # out of the walk-through's box, then back
        await pilot.pause()
        assert "◐ in progress" in option_texts(app.screen)[0]
        assert len(app.screen_stack) == 2  # no stale screens left behind
    assert saved(data)["language"] == "en"
    assert make_app(data, lang=None).lang == "en"  # remembered
    assert make_app(data, lang="ja").lang == "ja"  # --lang still wins


async def test_reset_asks_first_and_the_palette_opens_and_resets(data: Path) -> None:
    p = pg.Progress(pack_id=fixture_pack_id())
    p.mark_done("first-words", 1)
    p.set_position("first-words", 2)
    p.mark_done("upgrade", 1)
    pg.save(p, data / "progress.json")
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # the focused default is "No"
        await pilot.pause()
        assert app.progress.is_done("first-words", 1)
        await pilot.press("r", "y")
        await pilot.pause()
        assert not app.progress.is_done("first-words", 1)
        assert app.progress.is_done("upgrade", 1)
        assert "○ not started" in option_texts(app.screen)[0]
        await pilot.press("ctrl+p", *"reset")
        await wait_for(pilot, lambda: palette_found(app))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#yes")
        await pilot.pause()
        assert app.progress.lessons == {}
        assert "All progress was reset." in app.notices
        await pilot.press("ctrl+p", *"upgrad")
        await wait_for(pilot, lambda: palette_found(app))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == "upgrade"
    again = pg.load(data / "progress.json").progress
    again.use_pack(fixture_pack_id())
    assert again.lessons.keys() == {"upgrade"}


async def test_lesson_id_on_the_command_line_and_an_unwritable_disk(data: Path) -> None:
    app = make_app(data, start_lesson="no-such-lesson")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        assert app.notices == [
            "There is no lesson 'no-such-lesson': give its number in the course list (1-2) "
            "or its id, such as 'upgrade'."
        ]
    blocker = data / "not-a-dir"
    blocker.write_text("a file where the data dir should be")
    app = make_app(data, start_lesson="upgrade", progress_path=blocker / "progress.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape", "n", "n")  # out of the quiz's answer box first
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert (screen.lesson.id, screen.step) == ("upgrade", 3)
        failures = [n for n in app.notices if n.startswith("Could not save your progress")]
        assert len(failures) == 1  # said once, and the app goes on


def test_cli_starts_the_tui_in_the_locale_language_and_exits_when_ready(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SMTP_TUTOR_DATA_DIR": str(tmp_path),
        "SMTP_TUTOR_EXIT_WHEN_READY": "1",
        "LANG": "ja_JP.UTF-8",
    }
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(var, None)
    proc = subprocess.run(
        [sys.executable, "-m", "tutor.cli.main", "--lessons", str(FIXTURE_COURSE)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=30,
    )
    screen = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, screen[-2000:]
    assert "Traceback" not in screen
    assert "入門" in screen  # the locale chose Japanese
    assert not (tmp_path / "progress.json").exists()  # nothing happened, nothing saved
