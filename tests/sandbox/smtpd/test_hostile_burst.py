"""Bursts of simultaneous connects (properties.md E7, E3): 50 or 100 connects at once against a cap
of 20 get exactly 20 sessions and a 421 for each of the rest, nothing else; the sessions then quit,
flood junk, hang up or stop half way, every slot comes back, and a normal client is served."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from test_hostile_kit import WAIT, ServerFixture, module_server, served

pytestmark = pytest.mark.asyncio(loop_scope="module")
server = module_server(max_connections=20)

BANNER = b"220 sandbox.test ESMTP smtp-tutor sandbox\r\n"
BUSY = b"421 4.7.0 sandbox.test Error: too many connections\r\n"
JUNK_REPLIES = (
    b"500 Error: bad syntax\r\n" * 4 + b"502 5.5.1 Too many unrecognized commands, goodbye.\r\n"
)
PAYLOADS = {
    "quit": (b"QUIT\r\n", b"221 Bye\r\n"),
    "junk": (b"\n" * 10, JUNK_REPLIES),
    "hang-up": (b"", b""),
    "half-a-command": (b"EHLO half", b""),
}


async def burst(srv, count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:  # type: ignore[no-untyped-def]
    """`count` TCP connects, every SYN sent before the server accepts the first."""
    loop = asyncio.get_running_loop()
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    for sock in socks:
        sock.setblocking(False)
    await asyncio.gather(*(loop.sock_connect(s, (srv.host, srv.port)) for s in socks))
    return [await asyncio.open_connection(sock=s) for s in socks]


async def wait_until(predicate, wait: float = WAIT) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + wait
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def finish(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: str) -> bytes:
    send, _ = PAYLOADS[payload]
    if payload == "hang-up":
        writer.close()
        return b""
    writer.write(send)
    if payload == "half-a-command":
        writer.close()  # gone before the line ends: no reply is owed
        return b""
    try:
        return await asyncio.wait_for(reader.read(), WAIT)
    except ConnectionResetError:  # closed with the rest of the junk unread: replies may be cut
        return b"reset"
    finally:
        writer.close()


@pytest.mark.parametrize("payload", list(PAYLOADS))
@pytest.mark.parametrize("count", [50, 100])
async def test_e7_a_burst_of_connects_then_every_slot_comes_back(
    server: ServerFixture, count: int, payload: str
) -> None:
    srv, _ = server
    conns = await burst(srv, count)
    try:
        # Every first line read while all are held open: the cap is what it says.
        firsts = await asyncio.gather(*(asyncio.wait_for(r.readline(), WAIT) for r, _ in conns))
        assert sorted(set(firsts)) == sorted({BANNER, BUSY})
        assert firsts.count(BANNER) == 20 and firsts.count(BUSY) == count - 20
        busy = [c for c, first in zip(conns, firsts, strict=True) if first == BUSY]
        # A refused connection gets its 421 and the end, nothing else.
        assert await asyncio.gather(*(asyncio.wait_for(r.read(), WAIT) for r, _ in busy)) == [
            b""
        ] * len(busy)
        served_ = [c for c, first in zip(conns, firsts, strict=True) if first == BANNER]
        rests = await asyncio.gather(*(finish(r, w, payload) for r, w in served_))
        expected = PAYLOADS[payload][1] if payload in ("quit", "junk") else b""
        for rest in rests:
            assert rest == expected or (payload == "junk" and rest == b"reset"), rest
    finally:
        for _, writer in conns:
            with contextlib.suppress(OSError):
                writer.close()
    await wait_until(lambda: srv.session_count == 0)
    await served(srv)
