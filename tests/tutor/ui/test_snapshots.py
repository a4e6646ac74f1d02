"""Snapshot tests (pytest-textual-snapshot) at fixed sizes, with scripted events: no clocks, no
random ports, so the pictures are exact. Update with `pytest --snapshot-update` after checking
the new pictures by eye (the report shows the difference)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList
from tutor_ui_fakes import at_step, make_app

from tutor.ui.screens.lab import LabScreen
from tutor.ui.widgets.quiz import QuizBlock


async def until(pilot: Pilot[None], check: Callable[[], bool]) -> None:
    """Wait for a state, not for a time: a busy machine runs the app's workers late."""
    async with asyncio.timeout(15):
        while not check():
            await pilot.pause(0.05)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def test_snapshot_course(data: Path, snap_compare: Any) -> None:
    assert snap_compare(make_app(data), terminal_size=(80, 24))


def test_snapshot_course_japanese(data: Path, snap_compare: Any) -> None:
    assert snap_compare(make_app(data, lang="ja"), terminal_size=(80, 24))


def test_snapshot_lesson_with_qa(data: Path, snap_compare: Any) -> None:
    app = make_app(data, start_lesson="first-words")
    assert snap_compare(app, terminal_size=(100, 30))


def test_snapshot_quiz_feedback_after_a_wrong_answer(data: Path, snap_compare: Any) -> None:
    async def answer_wrong(pilot: Pilot[None]) -> None:
        quiz = pilot.app.screen.query_one(QuizBlock)
        choices = quiz.query_one(OptionList)
        choices.focus()
        choices.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        quiz.scroll_visible(animate=False)
        await pilot.pause()

    at_step(data, "first-words", 2)
    app = make_app(data, start_lesson="first-words")
    assert snap_compare(app, terminal_size=(100, 30), run_before=answer_wrong)


async def _lab_after_the_switch(pilot: Pilot[None]) -> None:
    app = pilot.app
    app.open_lab("starttls")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, LabScreen) and app.screen.session is not None)
    lab = app.screen
    assert isinstance(lab, LabScreen) and lab.session is not None
    session = lab.session
    for done in (1, 2, 3):  # EHLO, STARTTLS (the switch), EHLO inside TLS; a key while busy is lost
        await pilot.press("s")
        await until(pilot, lambda done=done: session.position == done)  # type: ignore[misc]
    await pilot.pause()


def test_snapshot_lab_after_the_switch_wide(data: Path, snap_compare: Any) -> None:
    assert snap_compare(make_app(data), terminal_size=(160, 40), run_before=_lab_after_the_switch)
