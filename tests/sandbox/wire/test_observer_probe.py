"""Only the lab's own probe goes unwatched (properties.md X5).

A lab asks its server what it would answer on a connection of its own (`server_answer`), inside
the observer's `unwatched()`. Before X5 every connection accepted while that block was open went
unseen, so a learner's connection that arrived during the probe vanished from the wire view. Now
the probe names its local address and only that connection is unwatched; any other accepted
while the probe was not yet known is held and then shown whole: announced once, every byte, its
end. Real sandbox servers on loopback, raw sockets and the tutor's client.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Iterator

from test_wiretap_kit import chunk_bytes, texts

from sandbox.client.smtp import SmtpClient
from sandbox.events import SandboxEvent, SessionStarted, Side, WireLine
from sandbox.lab.session import LabSession
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.wire.observer import WireObserver

TIMEOUT = 10.0


class Counted:
    """The observer's `connected` and `ended`, counted."""

    def __init__(self) -> None:
        self.connected = 0
        self.ended = 0

    def on_connected(self) -> None:
        self.connected += 1

    def on_ended(self) -> None:
        self.ended += 1


@contextlib.asynccontextmanager
async def observed(
    counted: Counted | None = None,
) -> AsyncIterator[tuple[SandboxServer, WireObserver, list[SandboxEvent]]]:
    events: list[SandboxEvent] = []
    c = counted or Counted()
    observer = WireObserver(events.append, connected=c.on_connected, ended=c.on_ended)
    server = SandboxServer(ServerPolicy(tls_level="none"), observer=observer)
    await server.start()
    try:
        yield server, observer, events
    finally:
        await server.stop()


async def say(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: bytes) -> bytes:
    writer.write(line)
    await writer.drain()
    return await asyncio.wait_for(reader.readline(), TIMEOUT)


async def test_x5_a_learner_accepted_during_the_probe_is_shown_whole() -> None:
    """The learner connects while the probe is under way, before the probe has named itself:
    every byte of the learner's connection is shown, the probe's none; one announcement, one
    end."""
    counted = Counted()
    async with observed(counted) as (server, observer, events):
        with observer.unwatched() as probe_is:
            lr, lw = await asyncio.open_connection("127.0.0.1", server.port)
            greeting = await asyncio.wait_for(lr.readline(), TIMEOUT)
            pr, pw = await asyncio.open_connection("127.0.0.1", server.port)
            await asyncio.wait_for(pr.readline(), TIMEOUT)
            assert await say(lr, lw, b"NOOP learner during\r\n") == b"250 OK\r\n"
            probe_is(pw.get_extra_info("sockname"))
            assert await say(pr, pw, b"NOOP probe\r\n") == b"250 OK\r\n"
        assert await say(lr, lw, b"NOOP learner after\r\n") == b"250 OK\r\n"
        assert await say(pr, pw, b"NOOP probe after\r\n") == b"250 OK\r\n"
        assert await say(lr, lw, b"QUIT\r\n") == b"221 Bye\r\n"
        for w in (lw, pw):
            w.close()
    assert texts(events, Side.CLIENT) == ["NOOP learner during", "NOOP learner after", "QUIT"]
    assert chunk_bytes(events, Side.CLIENT) == (
        b"NOOP learner during\r\nNOOP learner after\r\nQUIT\r\n"
    )
    server_lines = texts(events, Side.SERVER)
    assert server_lines == [greeting.decode().rstrip(), "250 OK", "250 OK", "221 Bye"]
    assert (counted.connected, counted.ended) == (1, 1)


async def test_x5_a_connection_that_ends_while_held_is_shown_whole_and_ended_once() -> None:
    """Held, and closed before the probe said who it was; the probe never connects (its block
    ends): the held connection is shown whole at the end of the block, announced and ended
    once, in that order."""
    counted = Counted()
    order: list[str] = []
    async with observed(counted) as (server, observer, events):
        assert observer.connected is not None and observer.ended is not None
        observer.connected = lambda: (counted.on_connected(), order.append("connected"))[0]
        observer.ended = lambda: (counted.on_ended(), order.append("ended"))[0]
        with observer.unwatched():
            lr, lw = await asyncio.open_connection("127.0.0.1", server.port)
            await asyncio.wait_for(lr.readline(), TIMEOUT)
            assert await say(lr, lw, b"QUIT\r\n") == b"221 Bye\r\n"
            assert await asyncio.wait_for(lr.read(), TIMEOUT) == b""
            lw.close()
            while server.session_count:  # noqa: ASYNC110 (no event says a session ended)
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)  # the observer's own connection_lost, after the session's
            assert events == [] and order == []  # held: nothing shown yet
        assert order == ["connected", "ended"]
        assert texts(events, Side.CLIENT) == ["QUIT"]
        assert [t[:3] for t in texts(events, Side.SERVER)] == ["220", "221"]
    assert (counted.connected, counted.ended) == (1, 1)


@contextlib.contextmanager
def learner_arrives_during_the_probe(
    observer: WireObserver, port: int, sockets: list[socket.socket]
) -> Iterator[None]:
    """Wrap the observer's `unwatched` so that a learner's connect lands right after the block
    opens: the kernel completes it at once, and the server accepts it while the probe awaits its
    own connection, inside the block."""
    real = observer.unwatched

    @contextlib.contextmanager
    def unwatched() -> Iterator[Callable[[object], None]]:
        with real() as probe_is:
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT))
            yield probe_is

    observer.unwatched = unwatched  # type: ignore[method-assign]
    try:
        yield
    finally:
        observer.unwatched = real  # type: ignore[method-assign]


async def test_x5_the_labs_probe_leaves_a_learner_arriving_meanwhile_watched() -> None:
    """Through `LabSession.server_answer`: the probe's EHLO and AUTH are never shown, the
    learner's connection (accepted during the probe) is, whole."""
    events: list[SandboxEvent] = []
    session = LabSession("plaintext", emit=events.append, timeout=5)
    await session.start()
    sockets: list[socket.socket] = []
    try:
        server = session.server
        assert server is not None and server.observer is not None
        with learner_arrives_during_the_probe(server.observer, server.port, sockets):
            answer = await session.server_answer("AUTH PLAIN")
        assert answer is not None and answer.startswith("334")
        sock = sockets[0]
        sock.setblocking(False)
        reader, writer = await asyncio.open_connection(sock=sock)
        await asyncio.wait_for(reader.readline(), TIMEOUT)
        assert await say(reader, writer, b"NOOP from the learner\r\n") == b"250 OK\r\n"
        writer.close()
    finally:
        await session.stop()
    shown = texts(events, Side.CLIENT)
    assert shown == ["NOOP from the learner"]
    assert not [e for e in events if isinstance(e, WireLine) and "AUTH" in e.text]
    greetings = [t for t in texts(events, Side.SERVER) if t.startswith("220 ")]
    assert len(greetings) == 1  # the learner's; the probe's was never shown
    assert len([e for e in events if isinstance(e, SessionStarted)]) == 1  # the lab's own


async def test_x5_the_tutors_client_says_its_local_address() -> None:
    async with observed() as (server, _, _):
        client = SmtpClient("127.0.0.1", server.port, policy="none", timeout=TIMEOUT)
        assert client.local_address is None
        await client.connect()
        host, port = client.local_address or ("", 0)
        assert host == "127.0.0.1" and 0 < port < 65536 and port != server.port
        await client.close()
        assert client.local_address is None
