"""The TUI's watch screen (properties.md Q10): an outside client's session in the lab's three
panes, over real sockets and real TLS; Esc stops the servers."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import pytest
from textual.widgets import Static
from tutor_ui_fakes import wait_for
from watch_fakes import WatchApp, send_one

from tutor.ui.screens.watch import WatchScreen
from tutor.ui.widgets.lab_panes import ConversationPane


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_q10_an_outside_session_in_the_three_panes(
    data_dir: Path, size: tuple[int, int]
) -> None:
    app = WatchApp()
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await wait_for(pilot, lambda: screen.watched is not None)
        intro = str(screen.query_one("#watch-intro", Static).render())
        sub = re.search(r"at 127\.0\.0\.1:(\d+) \(STARTTLS", intro)
        assert sub, intro
        assert "openssl s_client -crlf -quiet -connect 127.0.0.1:" in intro
        assert screen.watched is not None and screen.watched.ca_cert is not None
        await asyncio.to_thread(send_one, int(sub.group(1)), screen.watched.ca_cert)
        conversation = screen.query_one(ConversationPane)
        eavesdropper = screen.query_one("#watch-eavesdropper")
        assert getattr(eavesdropper, "keys", None) == screen.watched.keylog
        await wait_for(pilot, lambda: "~> QUIT" in "\n".join(conversation.plain_lines))
        said = "\n".join(conversation.plain_lines).upper()  # smtplib writes "starttls"
        assert "-> STARTTLS" in said and "~> MAIL FROM:<LEARNER@SANDBOX.TEST>" in said
        seen = "\n".join(eavesdropper.plain_lines)
        assert re.search(r"C→S @\d+ +STARTTLS", seen) and "ClientHello" in seen, seen
        assert "mail FROM" not in seen  # inside TLS: the listener reads no envelope
        port = int(sub.group(1))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, WatchScreen))
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection(("127.0.0.1", port), timeout=5),
        ):
            pass  # the servers and taps went with the screen


async def test_q10_in_japanese() -> None:
    app = WatchApp(lang="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await wait_for(pilot, lambda: screen.watched is not None)
        intro = str(screen.query_one("#watch-intro", Static).render())
        assert intro.startswith("クライアントの接続先は 127.0.0.1:")
        assert screen.query_one(ConversationPane).border_title == "会話"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, WatchScreen))


async def test_q10_w_on_the_course_opens_the_watch(data_dir: Path) -> None:
    from tutor_ui_fakes import make_app

    from tutor.ui.screens.course import CourseScreen

    app = make_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, WatchScreen))
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await wait_for(pilot, lambda: screen.watched is not None or bool(screen.problem))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))


async def test_q10_the_palette_opens_the_watch(data_dir: Path) -> None:
    from textual.command import CommandList, CommandPalette
    from tutor_ui_fakes import make_app

    from tutor.ui.screens.course import CourseScreen

    def first_hit() -> str:
        screen = app.screen
        if not isinstance(screen, CommandPalette):
            return ""
        hits = screen.query_one(CommandList)
        if hits.option_count == 0:
            return ""
        prompt = hits.get_option_at_index(hits.highlighted or 0).prompt
        return prompt.plain if hasattr(prompt, "plain") else str(prompt)

    app = make_app(data_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        await pilot.press("ctrl+p", *"Watch your own")
        await wait_for(pilot, lambda: "Watch your own client" in first_hit())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WatchScreen))
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await wait_for(pilot, lambda: screen.watched is not None or bool(screen.problem))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
