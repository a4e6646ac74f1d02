"""The Eavesdropper pane's two views of TLS and its handshake view (issue 12; M35-M37), fed the
events and key log of a real lab session on loopback (the sandbox's server, tap and client)."""

from __future__ import annotations

import pytest
from textual.app import ComposeResult

from sandbox.events import (
    ConversationLine,
    SandboxEvent,
    Side,
    TlsEstablished,
    WireRecord,
)
from sandbox.lab.session import LabSession
from sandbox.tlsview.keylog import KeyLog
from tutor.ui.lang import LangApp
from tutor.ui.widgets.eavesdropper import EavesdropperPane, TlsView

pytestmark = pytest.mark.timeout(120)
Session = tuple[list[SandboxEvent], KeyLog]


@pytest.fixture(scope="module")
def session13(tmp_path_factory: pytest.TempPathFactory) -> Session:
    """One real STARTTLS session (TLS 1.3), its events and the client's own key log."""
    import asyncio

    env = pytest.MonkeyPatch()  # this module's own data dir, for its one lab session
    env.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    events: list[SandboxEvent] = []

    async def run() -> KeyLog:
        lab = LabSession("starttls", emit=events.append, keep_secrets=True, timeout=30)
        await lab.start()
        try:
            await lab.play()
        finally:
            await lab.stop()
        return lab.keylog

    try:
        keylog = asyncio.run(run())
    finally:
        env.undo()
    return events, keylog


class PaneApp(LangApp):
    def __init__(self, keylog: KeyLog, lang: str = "en") -> None:
        super().__init__()
        self.set_reactive(LangApp.lang, lang)
        self.keylog = keylog

    def compose(self) -> ComposeResult:
        pane = EavesdropperPane()
        pane.keys = lambda: self.keylog
        yield pane


def sent_in_tls(events: list[SandboxEvent], side: Side) -> list[str]:
    said = [e for e in events if isinstance(e, ConversationLine) and e.sender is side]
    return [e.text for e in said if e.tls]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_m35_the_toggle_shows_the_same_records_opened_and_never_changes_the_listeners_view(
    session13: Session, size: tuple[int, int]
) -> None:
    events, keylog = session13
    app = PaneApp(keylog)
    async with app.run_test(size=size) as pilot:
        pane = app.query_one(EavesdropperPane)
        pane.titled("Eavesdropper")
        pane.add_events(events)
        await pilot.pause()
        listener = pane.plain_lines
        assert pane.view is TlsView.LISTENER
        assert not any("EHLO client.test" in line for line in listener[_switch(listener) :])
        assert not any("🔓" in line for line in listener)

        pane.focus()
        await pilot.press("v")
        assert pane.view is TlsView.ENDPOINTS
        assert pane.border_title == "Eavesdropper · what the endpoints see"
        endpoints = pane.plain_lines
        # every listener line is still there, in the same order: the claims are the same
        it = iter(endpoints)
        assert all(line in it for line in listener)
        after = endpoints[_switch(endpoints) :]
        # what each side said inside TLS is read in the records, with the secret named
        for text in sent_in_tls(events, Side.CLIENT)[:3]:
            assert f"    ~> {text}" in after
        assert f"    <~ {sent_in_tls(events, Side.SERVER)[-1]}" in after  # 221
        assert "    🔓 opened with the client application traffic secret" in after
        assert "    🔓 opened with the server handshake traffic secret" in after
        i = after.index("    🔓 opened with the server handshake traffic secret")
        assert "EncryptedExtensions" in after[i + 1]
        assert not any("cannot decrypt" in line for line in after)
        # each opened block follows the record the listener saw as ciphertext
        records = [e for e in events if isinstance(e, WireRecord) and e.encrypted]
        assert sum(line.startswith("    🔓") for line in endpoints) == len(records)

        await pilot.press("v")
        assert pane.view is TlsView.LISTENER
        assert pane.plain_lines == listener
        assert pane.border_title == "Eavesdropper"


async def test_m35_without_the_keys_each_record_says_it_cannot_be_opened(
    session13: Session,
) -> None:
    events, _ = session13
    app = PaneApp(KeyLog())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(EavesdropperPane)
        pane.add_events(events)
        pane.set_view(TlsView.ENDPOINTS)
        await pilot.pause()
        lines = pane.plain_lines
        closed = [line for line in lines if "cannot decrypt" in line]
        records = [e for e in events if isinstance(e, WireRecord) and e.encrypted]
        assert len(closed) == len(records)
        assert all("no secret for this session in the key log" in line for line in closed)
        assert not any("EHLO client.test" in line for line in lines[_switch(lines) :])


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_m36_the_handshake_view_field_by_field_at_its_bytes(
    session13: Session, size: tuple[int, int]
) -> None:
    events, keylog = session13
    (tls,) = [e for e in events if isinstance(e, TlsEstablished)]
    app = PaneApp(keylog)
    async with app.run_test(size=size) as pilot:
        pane = app.query_one(EavesdropperPane)
        pane.titled("Eavesdropper")
        pane.focus()
        await pilot.press("h")
        assert pane.view is TlsView.HANDSHAKE
        assert pane.plain_lines == [
            "No TLS handshake yet: step or play the lab past STARTTLS (s, p)."
        ]
        pane.add_events(events)  # live: the view follows the session
        await pilot.pause()
        lines = pane.plain_lines
        assert lines[0].startswith(f"Handshake: TLS 1.3, {tls.cipher}")
        assert pane.border_title == "Eavesdropper · the handshake, field by field"
        hello = next(line for line in lines if "ClientHello" in line and line.startswith("▸"))
        assert "C→S ClientHello, byte " in hello and "[a listener can read this]" in hello
        # a field: its name, its stream offset, its length, its value, then its bytes
        sni = next(i for i, line in enumerate(lines) if "server_name" in line and "@" in line)
        assert "sandbox.test" in "".join(lines[sni : sni + 4])
        stream = _client_stream(events)
        offset, length = _at(lines[sni])
        assert stream[offset : offset + length].hex(" ")[:47] in lines[sni + 1]
        cert = next(line for line in lines if "S→C Certificate," in line)
        assert "[a listener cannot see this]" in cert
        assert "decrypted with the server handshake traffic secret" in cert
        await pilot.press("h")
        assert pane.view is TlsView.LISTENER
        assert any("ClientHello SNI=sandbox.test" in line for line in pane.plain_lines)


async def test_m36_the_handshake_view_in_japanese(session13: Session) -> None:
    events, keylog = session13
    app = PaneApp(keylog, lang="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(EavesdropperPane)
        pane.add_events(events)
        pane.set_view(TlsView.HANDSHAKE)
        await pilot.pause()
        text = "\n".join(pane.plain_lines)
        assert "ハンドシェイク: TLS 1.3" in text
        assert "[盗聴者には見えない]" in text and "[盗聴者にも読める]" in text
        pane.set_view(TlsView.ENDPOINTS)
        opened = "アプリケーション・トラフィック・シークレットで復号"
        assert any(opened in line for line in pane.plain_lines)


def _switch(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith("━━"))


def _client_stream(events: list[SandboxEvent]) -> bytes:
    from sandbox.events import WireChunk

    return b"".join(e.data for e in events if isinstance(e, WireChunk) and e.sender is Side.CLIENT)


def _at(line: str) -> tuple[int, int]:
    """The `@offset` and `N B` of a field line."""
    parts = line.split()
    at = next(p for p in parts if p.startswith("@"))
    n = parts[parts.index(at) + 1]
    return int(at[1:]), int(n)


async def test_m37_the_lab_remembers_its_session_for_the_session_quizzes(
    session13: Session,
) -> None:
    from tutor.ui.session_memory import recall

    events, keylog = session13
    (tls,) = [e for e in events if isinstance(e, TlsEstablished)]
    app = PaneApp(keylog)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(EavesdropperPane)
        pane.add_events(events)
        await pilot.pause()
        answers = recall(pane)
        assert answers.is_right("cipher", tls.cipher)
        assert answers.is_right("version", "TLS 1.3")
        assert answers.is_right("sni", "sandbox.test")
        assert answers.value("issuer") == "smtp-tutor sandbox CA (loopback and .test only)"
