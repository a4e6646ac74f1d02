"""The course screen and the app shell, driven with Pilot: navigation, resume, language, reset,
help, the command palette, and a corrupt progress file (J4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import OptionList
from tutor_ui_fakes import FIXTURE_COURSE, make_app

from tutor import progress as pg
from tutor.screens.course import CourseScreen
from tutor.screens.dialogs import ConfirmScreen, HelpScreen
from tutor.screens.lesson import LessonScreen

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def corrupt_copies(data: Path) -> list[Path]:
    return list(data.glob("progress.json.corrupt-*"))


def option_texts(screen: CourseScreen) -> list[str]:
    lessons = screen.query_one("#lessons", OptionList)
    out = []
    for i in range(lessons.option_count):
        prompt = lessons.get_option_at_index(i).prompt
        out.append(" ".join(str(cell) for col in prompt.columns for cell in col.cells))
    return out


async def test_course_lists_lessons_in_order_with_minutes_and_progress(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CourseScreen)
        texts = option_texts(screen)
        assert len(texts) == 2
        assert "First words: a plaintext session" in texts[0]
        assert "○ not started" in texts[0]
        assert "(5 min · 0/3 steps)" in texts[0]
        assert "Upgrading to TLS" in texts[1]


async def test_enter_opens_the_lesson_and_escape_returns(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == "upgrade"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        assert "◐ in progress" in option_texts(app.screen)[1]  # opened, so in progress


async def test_resume_after_restart_returns_to_the_same_lesson_and_step(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # first lesson
        await pilot.pause()
        await pilot.press("n")  # step 1 has only Q&A: done by moving on
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.step == 2
    saved = json.loads((data / "progress.json").read_text())
    assert saved["last_lesson"] == "first-words"
    assert saved["lessons"]["first-words"] == {"done": [1], "current": 2}

    again = make_app(data)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
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
        await pilot.press("enter", "n")
        await pilot.pause()
        await app.run_action("switch_language")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.lang == "ja"
        assert screen.lesson.lang == "ja"
        assert (screen.lesson.id, screen.step) == ("first-words", 2)
        assert "ステップ 2/3" in str(screen.query_one(".step-title").render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        assert "学習中" in option_texts(app.screen)[0]
        assert len(app.screen_stack) == 2  # no stale screens left behind
    assert json.loads((data / "progress.json").read_text())["language"] == "ja"
    again = make_app(data, lang=None)
    assert again.lang == "ja"
    assert make_app(data, lang="en").lang == "en"  # --lang still wins


async def test_l_on_the_course_switches_language(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "ja"
        assert isinstance(app.screen, CourseScreen)
        assert "最初の" in option_texts(app.screen)[0] or "平文" in option_texts(app.screen)[0]


async def test_reset_lesson_asks_first_and_no_keeps_progress(data: Path) -> None:
    p = pg.Progress()
    p.mark_done("first-words", 1)
    p.set_position("first-words", 2)
    pg.save(p, data / "progress.json")
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # the focused default is "No"
        await pilot.pause()
        assert app.progress.is_done("first-words", 1)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not app.progress.is_done("first-words", 1)
        assert "○ not started" in option_texts(app.screen)[0]
    assert pg.load(data / "progress.json").progress.lessons == {}


async def test_reset_everything_from_the_command_palette(data: Path) -> None:
    p = pg.Progress(language="en")
    p.mark_done("first-words", 1)
    p.mark_done("upgrade", 1)
    pg.save(p, data / "progress.json")
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"reset progress")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#yes")
        await pilot.pause()
        assert app.progress.lessons == {}
        assert "All progress was reset." in app.notices


async def test_palette_opens_a_lesson_by_name(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"open lesson: upgrading")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == "upgrade"


async def test_f1_explains_the_course_and_esc_closes(data: Path) -> None:
    app = make_app(data, lang="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.topic == "course"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)


async def test_lesson_id_on_the_command_line_opens_it(data: Path) -> None:
    app = make_app(data, start_lesson="upgrade")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == "upgrade"
    app = make_app(data, start_lesson="no-such-lesson")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        assert "There is no lesson 'no-such-lesson'." in app.notices


async def test_unwritable_progress_is_reported_once_and_the_app_goes_on(data: Path) -> None:
    blocker = data / "not-a-dir"
    blocker.write_text("a file where the data dir should be")
    app = make_app(data, progress_path=blocker / "progress.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "n", "n")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.step == 3
        failures = [n for n in app.notices if n.startswith("Could not save your progress")]
        assert len(failures) == 1


def test_cli_starts_the_tui_and_exits_when_ready(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SMTP_TUTOR_DATA_DIR": str(tmp_path),
        "SMTP_TUTOR_EXIT_WHEN_READY": "1",
        "LANG": "ja_JP.UTF-8",
    }
    env.pop("LANGUAGE", None)
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    proc = subprocess.run(
        [sys.executable, "-m", "tutor.cli", "--lessons", str(FIXTURE_COURSE)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    assert "Traceback" not in proc.stderr.decode(errors="replace")
    assert "入門" in proc.stderr.decode(errors="replace")  # the locale chose Japanese
    # nothing was saved because nothing happened
    assert not (tmp_path / "progress.json").exists()
