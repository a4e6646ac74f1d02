"""The server's caps hold under load (properties.md E3, E6, I3): bursts of simultaneous
connects, TLS sessions that close, busy sessions that never end, the wire tap under a load."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import Counter

import pytest

from sandbox.events import Notice
from sandbox.smtpd.server import SandboxServer
from sandbox.wire.tap import WireTap

BUSY = b"421 4.7.0 sandbox.test Error: too many connections\r\n"


async def wait_until(predicate, wait: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + wait
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def connect_burst(server: SandboxServer, count: int) -> list[socket.socket]:
    """`count` TCP connects, every SYN sent before the server accepts the first of them."""
    loop = asyncio.get_running_loop()
    socks = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        socks.append(sock)
    # Each connect's first step runs in this one loop iteration, before the server's next poll.
    await asyncio.gather(*(loop.sock_connect(s, (server.host, server.port)) for s in socks))
    return socks


async def first_line(sock: socket.socket) -> bytes:
    reader, writer = await asyncio.open_connection(sock=sock)
    line = await asyncio.wait_for(reader.readline(), 10)
    await asyncio.sleep(0.2)  # a served session keeps its slot while the others are answered
    writer.close()
    return line


async def handshake(sock: socket.socket, ctx: ssl.SSLContext) -> bytes:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(sock=sock, ssl=ctx, server_hostname="sandbox.test"), 10
        )
    except (ssl.SSLError, ConnectionError):
        return b"refused"
    try:
        return await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()


def tally(lines: list[bytes]) -> Counter[bytes]:
    return Counter(line[:3] for line in lines)


@pytest.mark.parametrize("count", [60, 500])
async def test_e3_a_burst_of_connects_gets_no_more_sessions_than_the_cap(
    start_server, quick, count: int
) -> None:
    server = await start_server(quick(max_connections=20, idle_timeout=30))
    socks = await connect_burst(server, count)
    # The 20 served stay open until every line is read: they hold their slots meanwhile.
    lines = await asyncio.gather(*(first_line(s) for s in socks))
    assert tally(lines) == {b"220": 20, b"421": count - 20}
    assert all(line == BUSY for line in lines if line.startswith(b"421"))
    await wait_until(lambda: server.session_count == 0)


async def test_e3_a_burst_on_implicit_tls_gets_no_more_sessions_than_the_cap(
    start_server, quick, client_ctx
) -> None:
    server = await start_server(quick(implicit_tls=True, max_connections=20, idle_timeout=30))
    socks = await connect_burst(server, 40)
    lines = await asyncio.gather(*(handshake(s, client_ctx) for s in socks))
    assert tally(lines) == {b"220": 20, b"ref": 20}
    await wait_until(lambda: server.session_count == 0)


async def test_e3_the_sessions_of_a_burst_are_served_and_then_free_their_slots(
    start_server, quick, connect
) -> None:
    """Control: the 20 a burst is given are real sessions, and their slots come back."""
    server = await start_server(quick(max_connections=20, idle_timeout=30))
    socks = await connect_burst(server, 20)
    streams = [await asyncio.open_connection(sock=s) for s in socks]
    for reader, writer in streams:
        assert (await asyncio.wait_for(reader.readline(), 10)).startswith(b"220 ")
        writer.write(b"QUIT\r\n")
        assert (await asyncio.wait_for(reader.readline(), 10)).startswith(b"221")
        writer.close()
    await wait_until(lambda: server.session_count == 0)
    wire = await connect(server)
    assert (await wire.cmd("NOOP")).startswith("250")


class LineSocket:
    """A blocking socket read line by line, so that nothing past a line is consumed: TLS records
    after the 221 (the server's close_notify) stay unread, and unanswered."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buffer = sock, b""

    def reply(self) -> bytes:
        while True:
            while b"\r\n" not in self.buffer:
                data = self.sock.recv(1)  # one byte at a time: never read past the line
                assert data, "closed early"
                self.buffer += data
            line, _, self.buffer = self.buffer.partition(b"\r\n")
            if line[3:4] != b"-":
                return line

    def cmd(self, line: bytes) -> bytes:
        self.sock.sendall(line + b"\r\n")
        return self.reply()


def quit_inside_tls(server: SandboxServer, ctx: ssl.SSLContext, implicit: bool) -> ssl.SSLSocket:
    sock = socket.create_connection((server.host, server.port), timeout=5)
    if not implicit:
        plain = LineSocket(sock)
        assert plain.reply().startswith(b"220 ")
        assert plain.cmd(b"EHLO client.test").startswith(b"250")
        assert plain.cmd(b"STARTTLS").startswith(b"220")
    tls = ctx.wrap_socket(sock, server_hostname="sandbox.test")
    wire = LineSocket(tls)
    if implicit:
        assert wire.reply().startswith(b"220 ")
    assert wire.cmd(b"EHLO client.test").startswith(b"250")
    assert wire.cmd(b"QUIT").startswith(b"221")
    return tls  # open, its close_notify never sent


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit"])
async def test_e3_a_tls_session_that_quit_frees_its_slot_at_once(
    start_server, quick, connect, client_ctx, implicit: bool
) -> None:
    """After 221 inside TLS the server sends close_notify and hangs up, as Postfix does; it does
    not hold the slot until the client's close_notify (asyncio would wait 30 s for it), which
    this client, reading nothing more, never sends."""
    server = await start_server(quick(implicit_tls=implicit, max_connections=1, idle_timeout=30))
    tls = await asyncio.to_thread(quit_inside_tls, server, client_ctx, implicit)
    try:
        await wait_until(lambda: server.session_count == 0, wait=3)
        other = await connect(server, tls=client_ctx if implicit else None)  # the one slot
        assert (await other.cmd("NOOP")).startswith("250")
    finally:
        tls.close()


async def test_i3_the_tap_default_cap_takes_a_200_session_load(start_server, quick) -> None:
    """The wire tap in front of the server, with its default cap: 200 clients at once are all
    relayed (the default was 4, and refused 196 of them). It stays bounded: see WireTap."""
    server = await start_server(quick(max_connections=250, idle_timeout=30))
    events: list[object] = []
    tap = WireTap(server.host, server.port, emit=events.append)
    await tap.start()
    try:
        assert 200 <= tap.max_connections <= 1024
        streams = await asyncio.gather(
            *(asyncio.open_connection(tap.host, tap.port) for _ in range(200))
        )
        lines = await asyncio.gather(
            *(asyncio.wait_for(reader.readline(), 10) for reader, _ in streams)
        )
        assert tally(list(lines)) == {b"220": 200}
        assert tap.active_connections == 200
        for _, writer in streams:
            writer.close()
    finally:
        await tap.stop()


@pytest.mark.parametrize("implicit", [False, True], ids=["plaintext", "implicit"])
async def test_e6_a_busy_session_still_ends_at_its_time_limit(
    start_server, quick, connect, client_ctx, implicit: bool
) -> None:
    """A NOOP well within every idle timeout keeps no slot for ever: the session has a lifetime
    (short here; 600 s by default), then 421 4.4.2 and the slot is free."""
    events: list[object] = []
    server = await start_server(
        quick(implicit_tls=implicit, max_connections=1, idle_timeout=5, max_session_time=1.0),
        emit=events.append,
    )
    wire = await connect(server, tls=client_ctx if implicit else None)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(3):  # busy: far inside the 5 s idle timeout
        assert (await wire.cmd("NOOP")).startswith("250")
        await asyncio.sleep(0.2)
    # Quiet from here, so that the server's close meets no unread NOOP (which would make the
    # client's kernel answer with a reset and drop the reply).
    rest = await wire.read_until_closed(wait=4)
    assert rest == b"421 4.4.2 sandbox.test Error: session time limit exceeded\r\n"
    assert 0.9 < loop.time() - started < 4
    await wait_until(lambda: server.session_count == 0)
    assert any(isinstance(e, Notice) and "session time limit" in e.text for e in events)
    other = await connect(server, tls=client_ctx if implicit else None)
    assert (await other.cmd("NOOP")).startswith("250")
