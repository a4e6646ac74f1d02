"""The lab facade: a named scenario runs server + tap + client in one loop and reports events.

Assertions are on what crossed the wire (the tap's WireLine/WireRecord events) and on what the
sandbox mailbox received, not on the client's own account of it.
"""

from __future__ import annotations

import base64
import gc
import warnings
from pathlib import Path

import pytest

from sandbox.events import (
    ConversationLine,
    Level,
    MessageDelivered,
    Notice,
    SandboxEvent,
    SessionStarted,
    Side,
    TlsEstablished,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)
from sandbox.lab.catalog import available
from sandbox.lab.scenarios import MESSAGE, SENDER
from sandbox.lab.session import LabSession, LabStartError
from sandbox.pki.certs import CertBundle
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer


def wire_text(events: list[SandboxEvent], sender: Side) -> str:
    return "\n".join(e.text for e in events if isinstance(e, WireLine) and e.sender is sender)


def raw_bytes(events: list[SandboxEvent], sender: Side) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, WireChunk) and e.sender is sender)


async def run(name: str, **kwargs: object) -> tuple[LabSession, list[SandboxEvent]]:
    events: list[SandboxEvent] = []
    session = LabSession(name, emit=events.append, timeout=5, **kwargs)  # type: ignore[arg-type]
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()
    return session, events


def test_the_three_basic_scenarios_are_available() -> None:
    assert {"plaintext", "starttls", "implicit-tls"} <= set(available())


async def test_starttls_lab_shows_smtp_until_the_switch_then_only_records() -> None:
    session, events = await run("starttls")
    assert session.position == len(session.script)
    client_seen = wire_text(events, Side.CLIENT)
    assert "EHLO client.test" in client_seen
    assert client_seen.endswith("STARTTLS")  # the last readable thing the client said
    assert "MAIL FROM" not in client_seen and "AUTH" not in client_seen
    assert b"MAIL FROM" not in raw_bytes(events, Side.CLIENT)
    assert b"eavesdropper wants" not in raw_bytes(events, Side.CLIENT)
    switches = [e for e in events if isinstance(e, WireSwitch)]
    assert {s.sender for s in switches} == {Side.CLIENT, Side.SERVER}
    client_switch = next(s for s in switches if s.sender is Side.CLIENT)
    assert client_switch.offset == len(b"EHLO client.test\r\nSTARTTLS\r\n")
    hello = next(e for e in events if isinstance(e, WireRecord) and e.handshake)
    assert hello.handshake[0].name == "ClientHello"
    assert hello.handshake[0].sni == "sandbox.test"
    tls = next(e for e in events if isinstance(e, TlsEstablished))
    assert tls.verified and tls.version in ("TLSv1.2", "TLSv1.3")
    delivered = [e for e in events if isinstance(e, MessageDelivered)]
    assert len(delivered) == 1 and delivered[0].tls and delivered[0].authenticated_as == "learner"
    # The conversation marks what went inside TLS: the second EHLO and everything after it.
    inside = [e.text for e in events if isinstance(e, ConversationLine) and e.tls]
    assert inside[0] == "EHLO client.test" and any(t.startswith("MAIL FROM") for t in inside)


async def test_plaintext_lab_lets_the_eavesdropper_read_password_and_message() -> None:
    session, events = await run("plaintext")
    seen = wire_text(events, Side.CLIENT)
    assert f"MAIL FROM:<{SENDER}>" in seen
    assert "This message is the secret the eavesdropper wants to read." in seen
    auth = next(line for line in seen.splitlines() if line.startswith("AUTH PLAIN "))
    user, password = session.demo_account
    decoded = base64.b64decode(auth.split()[2])
    assert decoded == b"\0" + user.encode() + b"\0" + password.encode()
    assert not any(isinstance(e, WireSwitch | TlsEstablished) for e in events)
    delivered = next(e for e in events if isinstance(e, MessageDelivered))
    assert not delivered.tls
    assert any(isinstance(e, Notice) and e.level is Level.WARNING for e in events)


async def test_implicit_tls_lab_shows_nothing_readable() -> None:
    _, events = await run("implicit-tls")
    assert not any(isinstance(e, WireLine) for e in events)
    switches = [e for e in events if isinstance(e, WireSwitch)]
    assert all(s.offset == 0 for s in switches) and switches
    first = next(e for e in events if isinstance(e, WireRecord))
    assert first.sender is Side.CLIENT and first.offset == 0
    assert first.handshake[0].sni == "sandbox.test"
    assert next(e for e in events if isinstance(e, MessageDelivered)).tls


async def test_stepping_runs_one_command_at_a_time() -> None:
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, timeout=5)
    await session.start()
    try:
        assert isinstance(events[0], SessionStarted) and session.position == 0
        assert [s.label for s in session.script][:3] == ["connect", "EHLO client.test", "STARTTLS"]
        assert await session.step()  # connect: the banner
        said = [e for e in events if isinstance(e, ConversationLine)]
        assert len(said) == 1 and said[0].sender is Side.SERVER and said[0].text.startswith("220")
        assert await session.step()  # EHLO
        assert not any(isinstance(e, TlsEstablished) for e in events)
        await session.step()  # STARTTLS
        assert any(isinstance(e, TlsEstablished) for e in events)
        await session.play()
        assert session.finished and not await session.step()
    finally:
        await session.stop()


async def test_learner_typed_commands_complete_a_submission_over_tls() -> None:
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, timeout=5)
    await session.start()
    try:
        for line in ("EHLO me.test", "STARTTLS", "EHLO me.test", "AUTH PLAIN"):
            reply = await session.send(line)
            assert reply is not None and reply.code in (220, 235, 250), (line, reply)
        for line in ("MAIL FROM:<learner@sandbox.test>", "RCPT TO:<friend@sandbox.test>"):
            reply = await session.send(line)
            assert reply is not None and reply.code == 250
        assert (await session.send("DATA")).code == 354  # type: ignore[union-attr]
        assert await session.send("Subject: typed by hand") is None
        assert await session.send("") is None
        assert (await session.send(".")).code == 250  # type: ignore[union-attr]
        assert (await session.send("QUIT")).code == 221  # type: ignore[union-attr]
    finally:
        await session.stop()
    delivered = [e for e in events if isinstance(e, MessageDelivered)]
    assert len(delivered) == 1 and delivered[0].tls and delivered[0].authenticated_as == "learner"
    # The password never crossed the wire readable: AUTH went inside TLS.
    assert b"AUTH" not in raw_bytes(events, Side.CLIENT)


async def test_typed_mail_before_starttls_never_leaves_a_verifying_client() -> None:
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, timeout=5)
    await session.start()
    try:
        await session.send("EHLO me.test")
        assert await session.send("MAIL FROM:<learner@sandbox.test>") is None  # F2
    finally:
        await session.stop()
    assert b"MAIL" not in raw_bytes(events, Side.CLIENT)
    assert any(isinstance(e, Notice) and e.level is Level.ERROR for e in events)


async def test_server_refuses_mail_before_starttls_on_a_submission_port() -> None:
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, client_policy="none", timeout=5)
    await session.start()
    try:
        await session.send("EHLO me.test")
        reply = await session.send("MAIL FROM:<learner@sandbox.test>")
        assert reply is not None and reply.code == 530  # smtpd_tls_security_level = encrypt
    finally:
        await session.stop()


async def test_restart_gives_a_fresh_connection() -> None:
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, timeout=5)
    await session.start()
    try:
        await session.play()
        assert session.finished
        await session.restart()
        assert session.position == 0 and not session.finished
        await session.play()
    finally:
        await session.stop()
    assert sum(isinstance(e, MessageDelivered) for e in events) == 2


async def test_probe_of_a_named_server_sends_no_mail(certs: CertBundle) -> None:
    server = SandboxServer(ServerPolicy(tls_level="may"), certs=certs)
    await server.start()
    try:
        session, events = await run(
            "starttls", upstream=(server.host, server.port), ca_file=certs.ca_cert
        )
    finally:
        await server.stop()
    labels = [s.label for s in session.script]
    assert not any(label.startswith(("MAIL", "RCPT", "DATA", "AUTH")) for label in labels)
    assert any(isinstance(e, TlsEstablished) and e.verified for e in events)
    assert server.mailbox.delivered == 0
    assert b"MAIL" not in raw_bytes(events, Side.CLIENT)


async def test_e4_stopping_mid_session_leaves_no_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        events: list[SandboxEvent] = []
        session = LabSession("starttls", emit=events.append, timeout=5)
        await session.start()
        for _ in range(4):  # connect, EHLO, STARTTLS, EHLO: stop with TLS up, mid-session
            await session.step()
        await session.stop()
        await session.stop()  # twice is fine
        gc.collect()


async def test_lab_that_cannot_start_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(blocker))
    session = LabSession("starttls", emit=lambda e: None)
    with pytest.raises(LabStartError, match="data folder"):
        await session.start()
    assert session.server is None and session.tap is None


def test_message_is_plain_ascii_with_crlf() -> None:
    assert MESSAGE.isascii() and "\n" not in MESSAGE.replace("\r\n", "")


async def test_a_message_line_that_reads_like_the_next_command_leaves_the_script_alone() -> None:
    """Issue 10, item 10: inside DATA, the body line `QUIT now` is the message's, not the
    command QUIT the script would send next; only the typed QUIT moves the script on."""
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, timeout=5)
    await session.start()
    try:
        typed = ("EHLO me.test", "STARTTLS", "EHLO me.test", "AUTH PLAIN")
        for line in (*typed, f"MAIL FROM:<{SENDER}>", "RCPT TO:<friend@sandbox.test>"):
            await session.send(line)
        assert (await session.send("DATA")).code == 354  # type: ignore[union-attr]
        quit_at = [s.label for s in session.script].index("QUIT")
        assert session.position == quit_at
        for line in ("Subject: plans", "", "QUIT now, before the meeting."):
            assert await session.send(line) is None  # message lines: no reply of their own
            assert session.position == quit_at
        assert (await session.send(".")).code == 250  # type: ignore[union-attr]
        assert session.position == quit_at
        assert (await session.send("QUIT")).code == 221  # type: ignore[union-attr]
        assert session.position == quit_at + 1 and session.finished
    finally:
        await session.stop()
    body = [e.text for e in events if isinstance(e, ConversationLine) and e.sender is Side.CLIENT]
    assert "QUIT now, before the meeting." in body


async def test_typing_after_the_session_closed_starts_a_new_one() -> None:
    """Issue 10, item 12: after QUIT, the next command the learner types connects again (a new
    session, announced), rather than answering that the connection is closed."""
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, timeout=5)
    await session.start()
    try:
        await session.play()
        assert session.finished
        reply = await session.send("EHLO again.test")
        assert reply is not None and reply.code == 250
        assert not session.finished
        assert [s.label for s in session.script][session.position] == "STARTTLS"
    finally:
        await session.stop()
    starts = [i for i, e in enumerate(events) if isinstance(e, SessionStarted)]
    assert len(starts) == 2
    said = [e for e in events[starts[1] :] if isinstance(e, Notice | ConversationLine)]
    banner = next(e for e in said if isinstance(e, ConversationLine))
    assert banner.sender is Side.SERVER and banner.code == 220  # a new connection's greeting
    keys = [e.key for e in events if isinstance(e, Notice)]
    assert "lab.new_session" in keys
    assert not any("restart the lab" in e.text for e in events if isinstance(e, Notice))


async def test_the_server_answer_a_policy_held_back_is_asked_apart_without_a_password() -> None:
    """Issue 10, item 18: the lab client's `verify` policy refuses AUTH before TLS; what the
    server would have answered is asked on a connection of its own, past the tap, with the
    mechanism only."""
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, timeout=5)
    await session.start()
    try:
        await session.send("EHLO me.test")
        assert await session.send("AUTH PLAIN") is None  # F2: held back by the policy
        answer = await session.server_answer("AUTH PLAIN dGVzdAB0ZXN0AHNlY3JldA==")
    finally:
        await session.stop()
    assert answer == "530 5.7.0 Must issue a STARTTLS command first"
    assert b"AUTH" not in raw_bytes(events, Side.CLIENT)  # nothing of it crossed the tap
