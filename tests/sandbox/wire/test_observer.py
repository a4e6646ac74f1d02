"""The observer: the eavesdropper's view from under the sandbox server's own socket (I11-I13).

Every test runs a real sandbox server on loopback and real clients: the tutor's own, raw sockets
and stdlib `ssl`. The relay (`WireTap`) in front of an unobserved server is the reference: for the
same session the observer must say the same things.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from typing import Any

import pytest
from test_wiretap_kit import chunk_bytes, switches, tap_for, texts, wire_records

from sandbox.client.smtp import SmtpClient
from sandbox.events import Notice, SandboxEvent, Side, WireChunk, WireLine
from sandbox.lab.scenarios import MESSAGE, RECIPIENT, SENDER
from sandbox.smtpd.accounts import demo_account
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.wire.observer import WireObserver

TIMEOUT = 10.0


@contextlib.asynccontextmanager
async def observed(
    policy: ServerPolicy, **observer: Any
) -> AsyncIterator[tuple[SandboxServer, list[SandboxEvent]]]:
    """A started, observed sandbox server and the list its wire events land in. Leaving the
    block stops the server, so every connection has ended when the test looks."""
    events: list[SandboxEvent] = []
    server = SandboxServer(policy, observer=WireObserver(events.append, **observer))
    await server.start()
    try:
        yield server, events
    finally:
        await server.stop()


async def send_mail(port: int, server: SandboxServer, **options: Any) -> None:
    """A whole submission with the tutor's client (authenticated, when there is TLS)."""
    account = demo_account()
    ca = server.certs.ca_cert if server.certs is not None else None
    client = SmtpClient("127.0.0.1", port, ca_file=ca, timeout=TIMEOUT, **options)
    user, password = (account.username, account.password) if ca else (None, None)
    await client.send_mail(SENDER, RECIPIENT, MESSAGE, user=user, password=password)


def shape(events: list[SandboxEvent]) -> dict[str, Any]:
    """What an eavesdropper learns of a session, without what differs run to run (TLS's random
    bytes, the chunking of reads): lines, switch points, records and their handshake messages."""
    return {
        "lines": [(s, texts(events, s)) for s in Side],
        "switches": [(w.sender, w.offset) for w in switches(events)],
        "records": {
            s: [
                (r.content_type_name, r.encrypted, [h.name for h in r.handshake])
                for r in wire_records(events, s)
            ]
            for s in Side
        },
    }


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit-tls"])
async def test_i11_the_observer_sees_what_the_relay_sees(implicit: bool) -> None:
    policy = ServerPolicy(tls_level="encrypt", implicit_tls=implicit)
    async with observed(policy) as (server, seen):
        await send_mail(server.port, server, implicit_tls=implicit)
    bare = SandboxServer(policy)
    await bare.start()
    try:
        async with tap_for(bare.port) as (tap, relayed):
            await send_mail(tap.port, bare, implicit_tls=implicit)
    finally:
        await bare.stop()
    mine, reference = shape(seen), shape(relayed)
    client, client_ref = mine["records"].pop(Side.CLIENT), reference["records"].pop(Side.CLIENT)
    assert mine == reference
    # The one thing only the relay sees: the client's close_notify, sent after the server
    # closed its socket, when no one reads it any more (the relay is that socket's end).
    assert client_ref[: len(client)] == client and len(client_ref) - len(client) <= 1
    assert any(r.handshake for r in wire_records(seen, Side.CLIENT))  # a ClientHello was read
    if not implicit:
        assert "STARTTLS" in texts(seen, Side.CLIENT)
        assert not [t for t in texts(seen, Side.CLIENT) if t.startswith(("AUTH", "MAIL"))]


async def test_i11_every_byte_in_order_both_ways() -> None:
    """What crossed the socket, exactly: the client's bytes as sent, the server's as received,
    and a half-close passed on (the server still answers QUIT after the client's EOF)."""
    sent = b"EHLO raw.test\r\nNOOP\r\nHELP\r\n" + "NOOP \u00e9\x1b[2J\r\n".encode() + b"QUIT\r\n"
    async with observed(ServerPolicy(tls_level="none")) as (server, events):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        for i in range(0, len(sent), 7):  # in pieces, so reads and lines do not line up
            writer.write(sent[i : i + 7])
            await writer.drain()
        writer.write_eof()
        received = await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    assert chunk_bytes(events, Side.CLIENT) == sent
    assert chunk_bytes(events, Side.SERVER) == received
    assert received.endswith(b"221 Bye\r\n")
    client = texts(events, Side.CLIENT)
    assert client[:3] == ["EHLO raw.test", "NOOP", "HELP"]
    assert client[3] == "NOOP \u00e9\\x1b[2J"  # shown escaped, never sent to the terminal (I5)


async def test_i11_plaintext_pipelined_after_starttls_is_shown_injected() -> None:
    async with observed(ServerPolicy(tls_level="may")) as (server, events):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        await reader.readline()
        writer.write(b"EHLO x.test\r\n")
        while not (await reader.readline()).startswith(b"250 "):
            pass
        writer.write(b"STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n")  # one write: B1's injection
        assert (await reader.readline()).startswith(b"220")
        ctx = ssl.create_default_context(cafile=str(server.certs.ca_cert) if server.certs else None)
        await asyncio.wait_for(writer.start_tls(ctx, server_hostname="sandbox.test"), TIMEOUT)
        writer.write(b"QUIT\r\n")
        await writer.drain()
        await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    injected = [e for e in events if isinstance(e, WireLine) and e.injected]
    assert [(e.sender, e.text) for e in injected] == [(Side.CLIENT, "MAIL FROM:<evil@x.test>")]
    assert wire_records(events, Side.CLIENT)[0].handshake[0].name == "ClientHello"


async def test_i12_the_labs_probe_of_its_server_is_not_watched() -> None:
    """The connection the probe names inside `unwatched()` shows nothing; one accepted before it
    goes on being shown, and so do those accepted after."""
    async with observed(ServerPolicy(tls_level="none")) as (server, events):
        r1, w1 = await asyncio.open_connection("127.0.0.1", server.port)
        await r1.readline()
        assert server.observer is not None
        with server.observer.unwatched() as probe_is:
            r2, w2 = await asyncio.open_connection("127.0.0.1", server.port)
            await r2.readline()
            probe_is(w2.get_extra_info("sockname"))
        w1.write(b"NOOP first\r\n")
        w2.write(b"NOOP probe\r\n")
        await r1.readline()
        await r2.readline()
        r3, w3 = await asyncio.open_connection("127.0.0.1", server.port)
        await r3.readline()
        w3.write(b"NOOP third\r\n")
        await r3.readline()
        for w in (w1, w2, w3):
            w.close()
    shown = texts(events, Side.CLIENT)
    assert "NOOP first" in shown and "NOOP third" in shown
    assert "NOOP probe" not in shown
    assert len([e for e in events if isinstance(e, WireLine) and e.text.startswith("220 ")]) == 2


async def test_i13_a_burst_over_the_cap_is_seen_connection_by_connection() -> None:
    """60 connects at once against a cap of 20: each one's greeting or 421 is seen, on its own
    connection, and every connection's view ends (its last line flushed)."""
    starts = 0

    def connected() -> None:
        nonlocal starts
        starts += 1

    policy = ServerPolicy(tls_level="none", max_connections=20)
    async with observed(policy, connected=connected) as (server, events):

        async def one() -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                return await asyncio.wait_for(reader.readline(), TIMEOUT)
            finally:
                writer.close()

        greetings = await asyncio.gather(*(one() for _ in range(60)))
    assert sorted(g[:3] for g in greetings) == [b"220"] * 20 + [b"421"] * 40
    server_lines = [e.text[:3] for e in events if isinstance(e, WireLine)]
    assert sorted(server_lines) == ["220"] * 20 + ["421"] * 40
    assert starts == 60


async def test_i13_the_capture_is_bounded_and_the_server_still_serves() -> None:
    """10 MB of junk in one line: the server refuses it, the observer records up to its cap and
    says so once, and the next client is served."""
    async with observed(ServerPolicy(tls_level="none"), max_capture_bytes=1 << 20) as (
        server,
        events,
    ):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        await reader.readline()
        with contextlib.suppress(ConnectionError):
            for _ in range(10):
                writer.write(b"x" * (1 << 20))
                await writer.drain()
            writer.write(b"\r\nQUIT\r\n")
            await writer.drain()
        with contextlib.suppress(ConnectionError):
            await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
        await send_mail(server.port, server, policy="none")
    full = [e for e in events if isinstance(e, Notice) and e.key == "tap.capture_full"]
    assert len(full) == 1
    assert sum(len(e.data) for e in events if isinstance(e, WireChunk)) <= (1 << 20) + (1 << 20)


async def test_i11_a_refused_handshake_shows_the_servers_alert() -> None:
    """A TLS 1.2 client against a TLS 1.3-only server: the alert the server sends (G6) is the
    last thing an eavesdropper sees from it."""
    policy = ServerPolicy(
        tls_level="encrypt", implicit_tls=True, min_tls_version=ssl.TLSVersion.TLSv1_3
    )
    async with observed(policy) as (server, events):
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with pytest.raises((ssl.SSLError, ConnectionError)):
            await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", server.port, ssl=ctx), TIMEOUT
            )
    records = wire_records(events, Side.SERVER)
    assert records and records[-1].content_type_name == "alert"


async def test_i15_every_chunk_names_its_connections_real_ends() -> None:
    """Two connections at once: each chunk carries the ends of the socket it crossed, the
    client's address and port as the client's own socket has them, the server's port."""
    async with observed(ServerPolicy(tls_level="none")) as (server, events):
        opened = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2)]
        for reader, _ in opened:
            await reader.readline()
        for reader, writer in reversed(opened):  # the second connection speaks first
            writer.write(b"QUIT\r\n")
            await asyncio.wait_for(reader.read(), TIMEOUT)
            writer.close()
        clients = [writer.get_extra_info("sockname")[:2] for _, writer in opened]
    seen = {}
    for e in events:
        if isinstance(e, WireChunk):
            assert e.endpoints is not None
            seen.setdefault((e.endpoints.client_host, e.endpoints.client_port), []).append(e)
            assert (e.endpoints.server_host, e.endpoints.server_port) == ("127.0.0.1", server.port)
    assert sorted(seen) == sorted(tuple(c) for c in clients)
    for chunks in seen.values():  # each connection's bytes, whole: its greeting and its QUIT
        assert chunk_bytes(chunks, Side.CLIENT) == b"QUIT\r\n"
        assert chunk_bytes(chunks, Side.SERVER).startswith(b"220 ")
        assert len({id(c.endpoints) for c in chunks}) == 1  # one object for the connection
