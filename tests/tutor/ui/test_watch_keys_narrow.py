"""The watch screen at 80x24 (properties.md W5): its panes were three 24-column columns and v, h
and c did nothing until Tab had put the focus in their pane. Now the panes are under tabs below
120 columns, one at a time (1, 2, 3), and v, h, c work from the screen as it opens: each shows
its pane and acts on it, over a real outside client's session (smtplib, real TLS)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey
from tutor_ui_fakes import wait_for
from watch_fakes import WatchApp, send_one

from tutor.ui.screens.watch import WatchScreen
from tutor.ui.widgets.eavesdropper import EavesdropperPane, TlsView
from tutor.ui.widgets.lab_panes import ConnectionPane, ConversationPane


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


def _shown(screen: WatchScreen) -> list[str]:
    return [p.id or "" for p in screen.panes if p.display and p.region.width > 0]


async def test_w5_v_h_c_act_from_the_screen_and_the_panes_take_turns_at_80x24() -> None:
    app = WatchApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await wait_for(pilot, lambda: screen.watched is not None)
        assert screen.watched is not None and screen.watched.ca_cert is not None
        assert _shown(screen) == ["watch-conversation"]  # one pane, the whole width
        assert screen.query_one(ConversationPane).region.width >= 76
        intro = str(screen.query_one("#watch-intro", Static).render())
        sub = re.search(r"at 127\.0\.0\.1:(\d+) \(STARTTLS", intro)
        assert sub, intro
        await asyncio.to_thread(send_one, int(sub.group(1)), screen.watched.ca_cert)
        conversation = screen.query_one(ConversationPane)
        await wait_for(pilot, lambda: "~> QUIT" in "\n".join(conversation.plain_lines))
        eavesdropper = screen.query_one(EavesdropperPane)
        assert not eavesdropper.has_focus
        assert eavesdropper.view is TlsView.LISTENER
        await pilot.press("v")  # no Tab first
        await wait_for(pilot, lambda: eavesdropper.view is TlsView.ENDPOINTS)
        assert _shown(screen) == ["watch-eavesdropper"]
        await pilot.press("h")
        await wait_for(pilot, lambda: eavesdropper.view is TlsView.HANDSHAKE)
        connection = screen.query_one(ConnectionPane)
        assert not connection.inspecting
        await pilot.press("1")  # the focus leaves the eavesdropper: c still reaches its pane
        await wait_for(pilot, lambda: _shown(screen) == ["watch-conversation"])
        await pilot.press("c")
        await wait_for(pilot, lambda: connection.inspecting)
        assert _shown(screen) == ["watch-connection"]
        tab = screen.query_one("#watch-tab-connection")
        assert "TLS" in str(getattr(tab, "label", "")), "the tab says what the pane says"


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_w5_watch_footer_at_80x24(lang: str) -> None:
    app = WatchApp(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await wait_for(pilot, lambda: screen.watched is not None)

        # the footer is composed again when the screen's keys change, and its new keys have no
        # size until the next layout: wait for a laid-out footer, not for one frame (busy machine)
        def laid_out() -> bool:
            keys = list(screen.query_one(Footer).query(FooterKey))
            return bool(keys) and all(k.region.width > 0 for k in keys)

        await wait_for(pilot, laid_out)
        footer = screen.query_one(Footer)
        right = min(
            [footer.region.right]
            + [k.region.x for k in footer.query(FooterKey).filter(".-command-palette")]
        )
        keys: dict[str, Any] = {
            k.key: k.region.width > 0 and k.region.right <= right
            for k in footer.query(FooterKey).exclude(".-command-palette")
        }
        assert keys.get("escape") and keys.get("f1") and keys.get("v") and keys.get("c"), keys
        assert all(keys.values()), keys


async def test_w5_wide_the_three_panes_side_by_side() -> None:
    app = WatchApp()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await wait_for(pilot, lambda: screen.watched is not None)
        await pilot.pause()
        assert len(_shown(screen)) == 3
        assert not screen.query_one("#watch-tabs").display


@pytest.mark.parametrize(("lang", "said"), [("en", "your client"), ("ja", "あなたのクライアント")])
async def test_w5_c_before_any_client_says_to_connect_one(lang: str, said: str) -> None:
    """There is no lab to step on the watch screen: c says a client's handshake is awaited."""
    app = WatchApp(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await wait_for(pilot, lambda: screen.watched is not None)
        await pilot.press("c")
        connection = screen.query_one(ConnectionPane)
        await wait_for(pilot, lambda: connection.inspecting)
        assert said in connection.text and "(s, p)" not in connection.text
