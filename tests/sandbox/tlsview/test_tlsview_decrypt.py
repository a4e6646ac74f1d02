"""Decrypting the learner's own session with its own secrets (M3-M6)."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tlsview_helpers import (
    TLS12_SUITES,
    TLS13_SUITES,
    assert_said,
    chunks,
    replay,
    run_forced,
    said_in_tls,
)

from sandbox.events import SandboxEvent, Side, TlsEstablished, WireRecord
from sandbox.lab import scenarios
from sandbox.lab.session import LabSession
from sandbox.tlsview.decrypt import TlsDecryptor
from sandbox.tlsview.keylog import KeyLog
from sandbox.tlsview.view import CannotDecrypt, EndpointRecord, TrafficKey

APPDATA = 23


def opened_data(records: list[EndpointRecord], side: Side) -> bytes:
    return b"".join(
        r.plaintext
        for r in records
        if r.sender is side and r.encrypted and r.opened and r.content_type == APPDATA
    )


def check_every_byte(events: list[SandboxEvent], records: list[EndpointRecord]) -> None:
    for side in Side:  # one view per record, in each direction's order (a record waiting
        # for its secret comes out later than the other direction's)
        wire = [e.offset for e in events if isinstance(e, WireRecord) and e.sender is side]
        assert [r.offset for r in records if r.sender is side] == wire
    assert all(r.opened for r in records), [r for r in records if not r.opened][:1]
    for side in Side:
        said = said_in_tls(events, side)
        assert said
        assert_said(opened_data(records, side), said)


@pytest.mark.parametrize("scenario", ["starttls", "implicit-tls"])
@pytest.mark.parametrize("suite", TLS13_SUITES + TLS12_SUITES)
def test_m3_every_suite_and_version_decrypts_to_what_was_said(
    scenario: str, suite: str, tmp_path: Path
) -> None:
    events, keylog = run_forced(scenario, suite, tmp_path)
    (tls,) = [e for e in events if isinstance(e, TlsEstablished)]
    assert tls.cipher == suite  # OpenSSL names the suite as it was forced
    assert tls.version == ("TLSv1.3" if suite.startswith("TLS_") else "TLSv1.2")
    decryptor = TlsDecryptor(keylog)
    records = decryptor.feed_all(events)
    check_every_byte(events, records)
    keys = {r.key for r in records if r.encrypted}
    if tls.version == "TLSv1.3":
        assert keys == set(TrafficKey) - {TrafficKey.CLIENT_WRITE, TrafficKey.SERVER_WRITE}
        inside = [m for r in records if r.sender is Side.SERVER for m in r.messages]
        assert inside[:5] == [
            "ServerHello",
            "EncryptedExtensions",
            "Certificate",
            "CertificateVerify",
            "Finished",
        ]
        assert "NewSessionTicket" in inside
    else:
        assert keys == {TrafficKey.CLIENT_WRITE, TrafficKey.SERVER_WRITE}
        finished = [r for r in records if r.encrypted and r.messages == ("Finished",)]
        assert {r.sender for r in finished} == {Side.CLIENT, Side.SERVER}
        certificate = [r for r in records if "Certificate" in r.messages]
        assert certificate and not certificate[0].encrypted  # a listener reads it in TLS 1.2


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cuts=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=30),
    tls13=st.booleans(),
)
def test_m3_however_the_stream_is_split_the_plaintext_is_the_same(
    cuts: list[int],
    tls13: bool,
    session13: tuple[list[SandboxEvent], KeyLog],
    session12: tuple[list[SandboxEvent], KeyLog],
) -> None:
    events, keylog = session13 if tls13 else session12
    reads: list[tuple[Side, bytes]] = []
    sizes = itertools.cycle(cuts)
    for side, data in chunks(events):  # each read cut again, in the same order across sides
        while data:
            size = next(sizes)
            reads.append((side, data[:size]))
            data = data[size:]
    again = replay(reads)
    records = TlsDecryptor(keylog).feed_all(again)
    wire = [(e.sender, e.offset) for e in again if isinstance(e, WireRecord)]
    assert [(r.sender, r.offset) for r in records] == wire
    assert all(r.opened for r in records)
    for side in Side:
        assert_said(opened_data(records, side), said_in_tls(events, side))


def corrupt(keylog: KeyLog) -> KeyLog:
    """The same session's secrets, each with one bit flipped."""
    wrong = KeyLog()
    for client_random in keylog:
        for label, secret in keylog.session(client_random).items():
            wrong.add(label, client_random, bytes([secret[0] ^ 1]) + secret[1:])
    return wrong


@pytest.mark.parametrize("tls13", [True, False])
def test_m4_a_wrong_key_says_cannot_decrypt_for_each_record_and_shows_nothing(
    tls13: bool,
    session13: tuple[list[SandboxEvent], KeyLog],
    session12: tuple[list[SandboxEvent], KeyLog],
) -> None:
    events, keylog = session13 if tls13 else session12
    sealed = sum(1 for e in events if isinstance(e, WireRecord) and e.encrypted)
    for keys, why in (
        (corrupt(keylog), CannotDecrypt.WRONG_KEY),
        (KeyLog(), CannotDecrypt.NO_SECRET),
        (corrupt_random(keylog), CannotDecrypt.NO_SECRET),
    ):
        records = TlsDecryptor(keys).feed_all(events)
        closed = [r for r in records if r.encrypted]
        assert len(closed) == sealed > 5
        assert all(r.failure is why and r.plaintext == b"" for r in closed)
        assert all(r.opened for r in records if not r.encrypted)  # the clear part still shows
        assert opened_data(records, Side.CLIENT) == b""


def corrupt_random(keylog: KeyLog) -> KeyLog:
    """The secrets filed under another session's client random."""
    other = KeyLog()
    for client_random in keylog:
        for label, secret in keylog.session(client_random).items():
            other.add(label, bytes(32), secret)
    return other


def test_m4_a_key_log_of_junk_or_half_the_secrets_never_crashes(
    session13: tuple[list[SandboxEvent], KeyLog],
) -> None:
    events, keylog = session13
    (client_random,) = list(keylog)
    half = KeyLog()
    for label, secret in keylog.session(client_random).items():
        if "HANDSHAKE" not in label:
            half.add(label, client_random, secret)
    records = TlsDecryptor(half).feed_all(events)
    for side in Side:  # no handshake secrets: the handshake stays closed, the data opens
        assert_said(opened_data(records, side), said_in_tls(events, side))
    closed = [r for r in records if r.encrypted and not r.opened]
    assert closed and all(r.failure is CannotDecrypt.NO_SECRET for r in closed)
    records = TlsDecryptor(lambda: (_ for _ in ()).throw(OSError("gone"))).feed_all(events)
    assert all(r.failure is CannotDecrypt.NO_SECRET for r in records if r.encrypted)


# --- live, in the lab ----------------------------------------------------------------------


async def test_m5_live_in_the_lab_every_record_opens_as_the_session_runs() -> None:
    events: list[SandboxEvent] = []
    records: list[EndpointRecord] = []
    session: LabSession

    def emit(event: SandboxEvent) -> None:
        events.append(event)
        records.extend(decryptor.feed(event))

    session = LabSession("starttls", emit=emit, timeout=10, keep_secrets=True)
    decryptor = TlsDecryptor(lambda: session.keylog)
    await session.start()
    try:
        await session.play()
        live = len(records)
    finally:
        await session.stop()
    records += decryptor.finish()
    assert live == len(records)  # nothing was left waiting for the end
    check_every_byte(events, records)


async def test_m6_a_one_mib_message_decrypts_byte_for_byte() -> None:
    line = b"0123456789" * 7 + b"abcdefgh"  # 78 bytes, never a leading dot
    body = b"Subject: big\r\n\r\n" + b"\r\n".join([line] * (1024 * 1024 // 80)) + b"\r\n"
    assert len(body) >= 1024 * 1024 - 200
    events: list[SandboxEvent] = []
    server = dataclasses.replace(
        LabSession("starttls", emit=events.append).scenario.server_policy,
        max_message_size=4 * 1024 * 1024,
    )
    session = LabSession(
        "starttls", emit=events.append, timeout=60, keep_secrets=True, server_policy=server
    )
    await session.start()
    try:
        while session.script[session.position] is not scenarios.DATA:
            await session.step()
        reply = await session.client.data(body)
        assert reply.code == 250
        await session.client.quit()
    finally:
        await session.stop()
    records = TlsDecryptor(session.keylog).feed_all(events)
    sent = opened_data(records, Side.CLIENT)
    assert body + b".\r\n" in sent  # the message as the test wrote it, byte for byte
    assert_said(sent, said_in_tls(events, Side.CLIENT))
