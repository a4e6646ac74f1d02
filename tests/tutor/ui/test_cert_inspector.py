"""Lesson 5's certificate inspector (M40): the live session's chain field by field, read from
the session's own Certificate message, and why a client trusting the sandbox CA accepts it, on
real lab sessions (TLS 1.3, the message opened with the session's keys) and hostile bytes."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from hypothesis import given
from hypothesis import strategies as st
from textual.app import ComposeResult

from sandbox.events import SandboxEvent
from sandbox.lab.session import LabSession
from sandbox.pki.certs import CertBundle, ensure_certs
from sandbox.pki.inspect import certificates_in, load, trust_checks
from sandbox.tlsview.keylog import KeyLog
from tutor.ui.lang import LangApp
from tutor.ui.tls_live import LiveTls
from tutor.ui.widgets.lab_panes import ConnectionPane, EavesdropperPane

pytestmark = pytest.mark.timeout(120)
Session = tuple[list[SandboxEvent], KeyLog, CertBundle]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
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
        return events, keylog, ensure_certs()  # the bundle the lab's server used
    finally:
        env.undo()


class PanesApp(LangApp):
    def __init__(self, keylog: KeyLog, ca: Path, lang: str = "en") -> None:
        super().__init__()
        self.set_reactive(LangApp.lang, lang)
        self.keylog, self.ca = keylog, ca

    def compose(self) -> ComposeResult:
        eaves = EavesdropperPane()
        eaves.keys = lambda: self.keylog
        yield eaves
        conn = ConnectionPane()
        conn.ca_file = self.ca
        yield conn


def leaf_of(session: Session) -> x509.Certificate:
    events, keylog, _ = session
    live = LiveTls(lambda: keylog)
    live.feed(events)
    shown = live.handshake()
    assert shown is not None
    (message,) = [m for m in shown.messages if m.message.name == "Certificate"]
    (der,) = certificates_in(message.raw, tls13=True)  # the sandbox sends its leaf alone
    cert = load(der)
    assert cert is not None
    return cert


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_m40_the_inspector_shows_the_live_chain_field_by_field_and_why_it_is_trusted(
    session: Session, size: tuple[int, int]
) -> None:
    events, keylog, certs = session
    app = PanesApp(keylog, certs.ca_cert)
    async with app.run_test(size=size) as pilot:
        conn = app.query_one(ConnectionPane)
        conn.focus()
        await pilot.press("c")
        assert conn.inspecting and "No certificate yet" in conn.text
        for pane in (app.query_one(EavesdropperPane), conn):
            pane.add_events(events)
        await pilot.pause()
        text = conn.text
        assert (
            "✔ A client that trusts the sandbox CA accepts this certificate for sandbox.test"
            in text
        )
        assert "The lab's client (OpenSSL) verified it too." in text
        for row in ("Subject", "Issuer", "Valid from", "Valid until", "Names (SAN)", "Key usage",
                    "Extended key usage (EKU)", "Subject key ID (SKI)", "Authority key ID (AKI)",
                    "Name constraints (critical)"):  # fmt: skip
            assert row in text, row
        assert "sandbox.test, localhost, 127.0.0.1, ::1" in text
        assert "permitted: DNS localhost, DNS test, IP 127.0.0.0/8, IP ::1/128" in text
        assert "The CA the client trusts (its trust anchor, not sent)" in text
        report = conn.report
        assert report is not None and report.trusted and all(c.ok for c in report.checks)
        leaf, ca = report.chain[0], report.chain[-1]
        assert leaf.value("AKI") == ca.value("SKI")  # the link from the leaf to its CA
        await pilot.press("c")
        assert not conn.inspecting and "Verified" in conn.text


async def test_m40_in_japanese(session: Session) -> None:
    events, keylog, certs = session
    app = PanesApp(keylog, certs.ca_cert, lang="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        conn = app.query_one(ConnectionPane)
        for pane in (app.query_one(EavesdropperPane), conn):
            pane.add_events(events)
        conn.action_inspect()
        await pilot.pause()
        assert "サンドボックスのCAを信頼するクライアントは" in conn.text
        assert "名前制約" in conn.text and "機関鍵識別子（AKI）" in conn.text


def test_m40_why_a_client_refuses_another_name_a_later_date_or_another_ca(
    session: Session, tmp_path: Path
) -> None:
    leaf = leaf_of(session)
    ca = x509.load_pem_x509_certificate(session[2].ca_cert.read_bytes())
    ok, checks = trust_checks(leaf, ca, "mx.example.org")
    failed = {c.name for c in checks if not c.ok}
    assert not ok and failed == {"the name asked for is in the SAN", "path validation (RFC 5280)"}
    later = leaf.not_valid_after_utc + dt.timedelta(days=1)
    ok, checks = trust_checks(leaf, ca, "sandbox.test", now=later)
    assert not ok and "valid now" in {c.name for c in checks if not c.ok}
    other = x509.load_pem_x509_certificate(ensure_certs(tmp_path / "other").ca_cert.read_bytes())
    ok, checks = trust_checks(leaf, other, "sandbox.test")
    failed = {c.name for c in checks if not c.ok}
    assert not ok and {"signed by the trusted CA", "AKI matches the CA's SKI"} <= failed
    ok, checks = trust_checks(leaf, None, "sandbox.test")
    assert not ok and [c.name for c in checks] == ["trust anchor"]


@given(st.binary(max_size=600), st.booleans())
def test_m40_hostile_certificate_messages_never_raise(data: bytes, tls13: bool) -> None:
    for der in certificates_in(data, tls13=tls13):
        load(der)  # None or a certificate, never an exception
