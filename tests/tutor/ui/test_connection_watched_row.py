"""The Connection pane says where the session is watched: at the sandbox server's own socket
(no relay: a lab without an attack, and the watch screen) or at a relay between client and
server (an attack lab), in English and Japanese (properties.md W9). Real labs on loopback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tutor_ui_fakes import make_app, wait_for

from sandbox.lab.session import LabSession
from tutor.ui.lab_link import real_session
from tutor.ui.screens.lab import LabScreen
from tutor.ui.widgets.lab_panes import ConnectionPane

SOCKET = {"en": "the server's own socket (no relay)", "ja": "サーバー自身のソケット(中継なし)"}
RELAY = {"en": "a relay between client and server", "ja": "クライアントとサーバーの間の中継"}
LABEL = {"en": "Watched at", "ja": "観察場所"}


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def row(text: str, label: str) -> str:
    """The value of the pane's row `label` (its first line)."""
    for line in text.splitlines():
        if line.strip().startswith(label):
            return line.strip().removeprefix(label).strip()
    raise AssertionError(f"no {label!r} row in:\n{text}")


async def connected_pane(
    data: Path, scenario: str, lang: str
) -> tuple[str, str | None, str | None]:
    """Open `scenario` against the real sandbox, connect (one step), and read the pane; with
    the sandbox server's address and the relay's (None: no relay), as the session has them."""
    app = make_app(data, lang=lang, session_factory=real_session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = LabScreen(scenario, session_factory=real_session, play_delay=0.0)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.session is not None)
        pane = screen.query_one(ConnectionPane)
        await pilot.press("s")  # connect: the session starts, and says where it is watched
        await wait_for(pilot, lambda: pane.state.started)
        await pilot.pause()
        session = screen.session
        assert isinstance(session, LabSession) and session.server is not None
        server = f"{session.server.host}:{session.server.port}"
        tap = f"{session.tap.host}:{session.tap.port}" if session.tap is not None else None
        text = pane.text
        await pilot.press("escape")
        return text, server, tap


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_w9_a_lab_without_an_attack_is_watched_at_the_servers_socket(
    data: Path, lang: str
) -> None:
    text, server, tap = await connected_pane(data, "starttls", lang)
    assert tap is None  # no relay was started
    assert row(text, LABEL[lang]) == SOCKET[lang]
    assert row(text, "Server" if lang == "en" else "サーバー") == server  # the server itself
    if lang == "ja":
        assert not re.search(r"[A-Za-z]", row(text, LABEL[lang])), "English in the Japanese row"


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_w9_an_attack_lab_is_watched_at_the_relay_between(data: Path, lang: str) -> None:
    text, server, tap = await connected_pane(data, "strip", lang)
    assert tap is not None and tap != server  # the attacker's relay sits in between
    value = row(text, LABEL[lang])
    assert value.startswith(RELAY[lang]) and tap in value, value
    assert SOCKET[lang] not in text
    assert row(text, "Server" if lang == "en" else "サーバー") == server
    if lang == "ja":
        words = value.replace(tap, "")
        assert not re.search(r"[A-Za-z]", words), "English in the Japanese row"
