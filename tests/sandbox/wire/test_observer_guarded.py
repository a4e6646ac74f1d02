"""The observer never breaks the server it watches, and every session it shows ends once (X6).

What the observer calls runs inside asyncio's transport callbacks: an exception there (a consumer's
`emit`, its `connected` or `ended`, the decoder) would make asyncio drop the server's connection,
or leave aiosmtpd never told of it. Each is kept in the observer: the server goes on serving,
and the connection is still reported ended exactly once. Then bursts: 200 concurrent STARTTLS
sessions, watched directly and through `Watched`, each message stored once, each connection
announced and ended once, each handshake seen once. Real servers on loopback, the tutor's client.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from test_wiretap_kit import texts, wire_records

from sandbox.client.smtp import SmtpClient
from sandbox.events import Notice, SandboxEvent, SessionStarted, Side, WireLine, WireSwitch
from sandbox.lab.watch import Watched
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.wire import observer as observer_module
from sandbox.wire.decode import ConnectionDecoder
from sandbox.wire.observer import WireObserver

TIMEOUT = 20.0  # a busy shared machine is slow; a hang is what these tests would catch
SENDER, RECIPIENT = "guard@client.test", "inbox@sandbox.test"
POLICY = ServerPolicy(tls_level="encrypt", max_connections=250)


def message(subject: str) -> bytes:
    return f"From: <{SENDER}>\r\nTo: <{RECIPIENT}>\r\nSubject: {subject}\r\n\r\nhello\r\n".encode()


async def starttls_mail(port: int, ca: Path, subject: str) -> None:
    """One STARTTLS session (verified) that submits one message."""
    client = SmtpClient("127.0.0.1", port, ca_file=ca, policy="verify", timeout=TIMEOUT)
    try:
        await client.send_mail(SENDER, RECIPIENT, message(subject))
    finally:
        await client.close()


@contextlib.asynccontextmanager
async def observed_server(
    emit: Callable[[SandboxEvent], None], **options: Any
) -> AsyncIterator[tuple[SandboxServer, WireObserver]]:
    observer = WireObserver(emit, **options)
    server = SandboxServer(POLICY, observer=observer)
    await server.start()
    try:
        yield server, observer
    finally:
        await server.stop()


async def ended_all(observer: WireObserver) -> None:
    """Wait (bounded) until every announced connection is reported ended: the observer hears of
    a socket's end after the session does."""
    async with asyncio.timeout(TIMEOUT):
        while observer.unended:  # noqa: ASYNC110 (the observer has no event to wait on)
            await asyncio.sleep(0.01)


def subjects(server: SandboxServer) -> list[str]:
    found = []
    for msg in server.mailbox:
        for line in msg.raw.split(b"\r\n"):
            if line.startswith(b"Subject: "):
                found.append(line[9:].decode())
    return sorted(found)


def _raise(*_: object) -> None:
    raise RuntimeError("a consumer bug")


@pytest.mark.parametrize("broken", ["emit", "connected", "ended"])
async def test_x6_a_consumer_that_raises_breaks_no_session(broken: str) -> None:
    """The consumer raises on every event (or in `connected`, or in `ended`): two STARTTLS
    sessions one after the other are served and stored, and both reported ended once."""
    ends: list[int] = []
    options: dict[str, Any] = {"connected": lambda: None, "ended": lambda: ends.append(1)}
    emit: Callable[[SandboxEvent], None] = lambda e: None  # noqa: E731
    if broken == "emit":
        emit = _raise
    else:
        options[broken] = _raise
    async with observed_server(emit, **options) as (server, observer):
        assert server.certs is not None
        await starttls_mail(server.port, server.certs.ca_cert, "first")
        await starttls_mail(server.port, server.certs.ca_cert, "second")
        await ended_all(observer)
    assert subjects(server) == ["first", "second"]
    assert (observer.announced, observer.finished) == (2, 2)
    assert len(ends) == (0 if broken == "ended" else 2)


async def test_x6_a_decoder_that_raises_stops_watching_that_connection_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The decoder fails on a client's STARTTLS line (a bug in it, say): that connection is
    served on, unwatched from there, with one `tap.internal_error`; the next connection is
    watched again."""

    class Fragile(ConnectionDecoder):
        failed = False

        def feed(self, sender: Side, data: bytes) -> None:
            if not Fragile.failed and data.startswith(b"STARTTLS"):
                Fragile.failed = True
                raise ValueError("a decoder bug")
            super().feed(sender, data)

    monkeypatch.setattr(observer_module, "ConnectionDecoder", Fragile)
    events: list[SandboxEvent] = []
    async with observed_server(events.append) as (server, observer):
        assert server.certs is not None
        await starttls_mail(server.port, server.certs.ca_cert, "first")
        await starttls_mail(server.port, server.certs.ca_cert, "second")
        await ended_all(observer)
    assert subjects(server) == ["first", "second"]
    errors = [e for e in events if isinstance(e, Notice) and e.key == "tap.internal_error"]
    assert len(errors) == 1 and "a decoder bug" in errors[0].text
    assert texts(events, Side.CLIENT).count("STARTTLS") == 1  # the second connection's
    assert (observer.announced, observer.finished) == (2, 2)


async def burst(port: int, ca: Path, n: int) -> list[BaseException | None]:
    return await asyncio.gather(
        *(starttls_mail(port, ca, f"burst {i:03}") for i in range(n)), return_exceptions=True
    )


def assert_each_session_seen_once(events: list[SandboxEvent], n: int) -> None:
    """Per connection once: the greeting, STARTTLS, the switch in each direction, a ClientHello."""
    greetings = [t for t in texts(events, Side.SERVER) if t.startswith("220 ") and "ESMTP" in t]
    assert len(greetings) == n
    assert texts(events, Side.CLIENT).count("STARTTLS") == n
    assert len([e for e in events if isinstance(e, WireSwitch)]) == 2 * n
    hellos = [
        r for r in wire_records(events, Side.CLIENT) if r.handshake[:1] and r.handshake[0].name
    ]
    assert len([r for r in hellos if r.handshake[0].name == "ClientHello"]) == n
    assert not [e for e in events if isinstance(e, WireLine) and e.injected]


async def test_x6_200_concurrent_starttls_sessions_watched_nothing_lost_or_unended() -> None:
    events: list[SandboxEvent] = []
    async with observed_server(events.append) as (server, observer):
        assert server.certs is not None
        results = await burst(server.port, server.certs.ca_cert, 200)
        await ended_all(observer)
    assert [r for r in results if r is not None] == []
    assert subjects(server) == [f"burst {i:03}" for i in range(200)]  # none lost, none twice
    assert (observer.announced, observer.finished) == (200, 200)
    assert_each_session_seen_once(events, 200)


async def test_x6_200_concurrent_starttls_sessions_through_watched() -> None:
    """The same burst on `smtp-tutor watch`'s submission port (its cap raised for it): one
    `SessionStarted` per connection, each connection ended once, every message stored once."""
    events: list[SandboxEvent] = []
    watched = Watched(events.append)
    server = watched.listeners[0].server
    server.policy = replace(server.policy, max_connections=250)
    await watched.start()
    try:
        assert server.certs is not None and server.observer is not None
        results = await burst(server.port, server.certs.ca_cert, 200)
        await ended_all(server.observer)
    finally:
        await watched.stop()
    assert [r for r in results if r is not None] == []
    assert subjects(server) == [f"burst {i:03}" for i in range(200)]
    assert len([e for e in events if isinstance(e, SessionStarted)]) == 200
    assert (server.observer.announced, server.observer.finished) == (200, 200)
    assert_each_session_seen_once(events, 200)


async def test_x6_a_burst_over_the_cap_through_watched_is_announced_and_ended_once() -> None:
    """Watched keeps its cap of 20: a burst of 100 STARTTLS clients gets 421 for most; every
    connection, refused or served, is announced once and ended once, and what was accepted is
    stored."""
    events: list[SandboxEvent] = []
    watched = Watched(events.append)
    server = watched.listeners[0].server
    await watched.start()
    try:
        assert server.certs is not None and server.observer is not None
        results = await burst(server.port, server.certs.ca_cert, 100)
        await ended_all(server.observer)
        await starttls_mail(server.port, server.certs.ca_cert, "after the burst")
        await ended_all(server.observer)
    finally:
        await watched.stop()
    served = [f"burst {i:03}" for i, r in enumerate(results) if r is None]
    assert 20 <= len(served) < 100
    assert subjects(server) == sorted([*served, "after the burst"])
    assert len([e for e in events if isinstance(e, SessionStarted)]) == 101
    assert (server.observer.announced, server.observer.finished) == (101, 101)
