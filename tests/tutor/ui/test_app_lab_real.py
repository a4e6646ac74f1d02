"""The Lab screen against the real sandbox (server, wire tap and client on 127.0.0.1): a lesson's
lab steps completed by typed commands and by play, with the progress saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from tutor_ui_fakes import at_step, make_app, saved_progress, wait_for

from tutor.ui.lab_link import real_session
from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.lab_panes import ConnectionPane, ConversationPane, EavesdropperPane


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def done_steps(data: Path, lesson: str) -> list[int]:
    saved = saved_progress(data)
    return saved["lessons"].get(lesson, {}).get("done", [])  # type: ignore[no-any-return]


async def type_line(pilot: Pilot[None], line: str) -> None:
    await pilot.press(*line, "enter")


async def test_lab_step_completed_by_typed_commands_against_the_real_sandbox(data: Path) -> None:
    at_step(data, "first-words", 3)  # step 3: the lab, goal session-complete
    app = make_app(data, session_factory=real_session, start_lesson="first-words")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.click(".open-lab")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        await pilot.press("i")
        pane = lab.query_one(ConversationPane)
        await type_line(pilot, "EHLO client.test")
        await wait_for(pilot, lambda: any(t.startswith("<- 250 ") for t in pane.plain_lines))
        assert not lab.goal_met
        await type_line(pilot, "QUIT")
        await wait_for(pilot, lambda: lab.goal_met)
        lines = pane.plain_lines
        assert "-> EHLO client.test" in lines
        assert "-> QUIT" in lines
        assert any(t.startswith("<- 221") for t in lines)
        eaves = lab.query_one(EavesdropperPane).plain_lines
        assert any(t.endswith("EHLO client.test") and t.startswith("C→S") for t in eaves)
        assert 3 in done_steps(data, "first-words")
        await pilot.press("escape", "escape")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert "Step complete." in str(screen.query_one("#open-items").render())


async def test_play_mode_lab_shows_implicit_tls_verified_and_completes(data: Path) -> None:
    at_step(data, "upgrade", 2)  # step 2: implicit-tls, mode play, goal tls-established
    app = make_app(data, session_factory=real_session, start_lesson="upgrade", lang="ja")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.click(".open-lab")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        await pilot.press("p")  # play mode: ready to play, nothing plays by itself
        await wait_for(pilot, lambda: lab.goal_met)
        await wait_for(pilot, lambda: bool(lab.session and lab.session.finished))
        connection = lab.query_one(ConnectionPane).text
        assert "TLS: 暗号化" in connection
        assert "✔ 済み" in connection
        assert "sandbox.test" in connection
        eaves = lab.query_one(EavesdropperPane).plain_lines
        assert any("ClientHello SNI=sandbox.test" in t for t in eaves)
        assert not any("EHLO" in t for t in eaves)  # implicit TLS: no SMTP readable on the wire
        assert 2 in done_steps(data, "upgrade")
        await pilot.press("escape")
        await pilot.pause()
        assert lab.session is None  # stopped on leaving
        # a scenario the sandbox does not know is a message on screen, not a crash
        app.open_lab("no-such-scenario")
        await wait_for(
            pilot, lambda: isinstance(app.screen, LabScreen) and app.screen.start_error is not None
        )
        broken = app.screen
        assert isinstance(broken, LabScreen)
        assert broken.query_one(ConversationPane).plain_lines[0].startswith("*** ")
