"""D8: the server's replies do not depend on how the client's bytes are cut into TCP segments.

A property test on real sockets: one fixed session (pipelined commands, a message with dot-stuffing
and a bare LF, an unknown command holding ESC, QUIT) sent in pieces cut where hypothesis chooses,
each piece its own segment, must give byte for byte the replies and the message that the same
session gives sent in one write.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import socket

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.pki.certs import CertBundle
from sandbox.smtpd.data import DataResult, read_data
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer

SCRIPT = (
    b"EHLO client.test\r\n"
    b"NOOP\r\n"
    b"MAIL FROM:<a@sandbox.test> SIZE=100\r\n"
    b"RCPT TO:<b@sandbox.test>\r\n"
    b"RCPT TO:<c@example.com>\r\n"
    b"DATA\r\n"
    b"Subject: split\r\n\r\nline one\r\n..dotted\r\nbare\nlf\r\n\r\n.\r\n"
    b"FOO\x1bBAR\r\n"
    b"VRFY learner\r\n"
    b"RSET\r\n"
    b"QUIT\r\n"
)
_QUEUE_ID = re.compile(rb"queued as [0-9A-F]+")


async def run_session(certs: CertBundle, pieces: list[bytes]) -> tuple[bytes, bytes]:
    """Send `pieces` one segment each; return (all replies, the delivered message)."""
    server = SandboxServer(ServerPolicy(idle_timeout=5), certs=certs, accounts={})
    await server.start()
    try:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.001)  # let each piece leave as its own segment
        replies = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        await writer.wait_closed()
        assert server.mailbox.delivered == 1
        return _QUEUE_ID.sub(b"queued as X", replies), server.mailbox[0].raw
    finally:
        await server.stop()


_reference: dict[CertBundle, tuple[bytes, bytes]] = {}


def whole_script_reference(certs: CertBundle) -> tuple[bytes, bytes]:
    """The session sent in one write, computed once."""
    if certs not in _reference:
        replies, message = asyncio.run(run_session(certs, [SCRIPT]))
        assert replies.count(b"\r\n") == 16  # banner, 5 EHLO lines, 9 replies, 221
        assert b"\r\n500 " in replies  # the unknown command is answered, not dropped
        assert message == b"Subject: split\r\n\r\nline one\r\n.dotted\r\nbare\nlf\r\n\r\n"
        _reference[certs] = (replies, message)
    return _reference[certs]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cuts=st.lists(st.integers(min_value=1, max_value=len(SCRIPT) - 1), max_size=40))
def test_d8_replies_do_not_depend_on_segmentation(certs: CertBundle, cuts: list[int]) -> None:
    reference = whole_script_reference(certs)
    bounds = [0, *sorted(set(cuts)), len(SCRIPT)]
    pieces = [SCRIPT[a:b] for a, b in itertools.pairwise(bounds)]
    assert asyncio.run(run_session(certs, pieces)) == reference


def test_d8_one_byte_at_a_time(certs: CertBundle) -> None:
    """The extreme split, always checked (hypothesis may not draw it)."""
    reference = whole_script_reference(certs)
    singles = [SCRIPT[i : i + 1] for i in range(len(SCRIPT))]
    assert asyncio.run(run_session(certs, singles)) == reference


async def feed_and_read(chunks: list[bytes], limit: int) -> DataResult | None:
    reader = asyncio.StreamReader(limit=1001)  # aiosmtpd's reader limit
    for chunk in chunks:
        reader.feed_data(chunk)
    reader.feed_eof()
    try:
        return await read_data(reader, limit)
    except asyncio.IncompleteReadError:
        return None  # the data never ended: the connection would be gone


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(
        st.sampled_from([b"a", b"x" * 700, b".", b"\r", b"\n", b"\r\n", b"\x00", b"\r\n.\r\n"]),
        max_size=12,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=20_000), max_size=8),
    limit=st.sampled_from([0, 50, 5000]),
)
async def test_d8_data_reader_result_does_not_depend_on_chunks(
    data: list[bytes], cuts: list[int], limit: int
) -> None:
    stream = b"".join(data) + b"\r\n.\r\n"
    bounds = [0, *sorted({c for c in cuts if c < len(stream)}), len(stream)]
    chunks = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    assert await feed_and_read(chunks, limit) == await feed_and_read([stream], limit)
