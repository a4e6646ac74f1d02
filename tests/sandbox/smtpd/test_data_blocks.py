"""The DATA phase read in blocks (sandbox/smtpd/data.py, E12) says exactly what a line-by-line
reader says: the same content, the same refusal, the same bare-newline flag, and it leaves the
bytes after the end marker in the stream, however the bytes arrive and whatever the stream's limit.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.smtpd.data import MAX_LINE, DataResult, read_data
from sandbox.smtpd.policy import Replies

AFTER = b"QUIT\r\n"  # a pipelined command: it must stay in the stream


async def reference(reader: asyncio.StreamReader, size_limit: int) -> DataResult:
    """The line-by-line reader data.py had before (one awaited readuntil per line)."""
    lines: list[bytes] = []
    size, problem, bare = 0, None, False
    while True:
        line = await reader.readuntil(b"\r\n")
        n = len(line)
        if line == b".\r\n":
            return DataResult(b"".join(lines), problem, bare)
        size += n
        if problem is not None:
            continue
        if size_limit and size > size_limit:
            problem = Replies.MESSAGE_TOO_BIG
            lines.clear()
            continue
        if n > MAX_LINE + (line[0] == 0x2E):
            problem = Replies.LINE_TOO_LONG
            lines.clear()
            continue
        if line.find(b"\n", 0, n - 1) >= 0 or line.find(b"\r", 0, n - 2) >= 0:
            bare = True
        lines.append(line[1:] if line[0] == 0x2E else line)


async def run(reader_fn, payload: bytes, cuts: list[int], limit: int, size_limit: int):  # type: ignore[no-untyped-def]
    reader = asyncio.StreamReader(limit=limit)

    async def feed() -> None:
        last = 0
        for cut in sorted({c % (len(payload) + 1) for c in cuts} | {len(payload)}):
            reader.feed_data(payload[last:cut])
            last = cut
            await asyncio.sleep(0)
        reader.feed_eof()

    feeder = asyncio.ensure_future(feed())
    result = await reader_fn(reader, size_limit)
    await feeder
    return result, await reader.read()


line_bytes = st.one_of(
    st.sampled_from([b"", b".", b"..", b".x", b"hello", b"a\rb", b"a\nb", b"\r", b"x" * 998]),
    st.sampled_from([b"y" * 999, b"." + b"z" * 999, b"w" * 1001, b"v" * 3000]),
    st.binary(max_size=40).map(lambda b: b.replace(b"\r\n", b"")),
)


def message(lines: list[bytes]) -> bytes:
    # A line "." would end the message early in both readers alike; keep the test on one end.
    return b"".join((b".." if line == b"." else line) + b"\r\n" for line in lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(line_bytes, max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=1 << 16), max_size=8),
    limit=st.sampled_from([8, 64, 1500, 1 << 16]),
    size_limit=st.sampled_from([0, 50, 2000, 10_000]),
)
def test_e12_data_read_in_blocks_equals_reading_line_by_line(
    lines: list[bytes], cuts: list[int], limit: int, size_limit: int
) -> None:
    payload = message(lines) + b".\r\n" + AFTER

    async def both() -> None:
        ours = await run(read_data, payload, cuts, limit, size_limit)
        theirs = await run(reference, payload, [len(payload)], 1 << 20, size_limit)
        assert ours == theirs

    asyncio.run(both())


async def test_e12_a_one_mib_message_is_read_in_a_few_reads() -> None:
    """Counted, not timed: the blocks a 1 MiB message of 13,000 lines is read in."""
    body = b"".join(
        b"line %05d of the body, as long as a usual line of text\r\n" % i for i in range(18_000)
    )
    reader = asyncio.StreamReader(limit=1 << 16)
    reader.feed_data(body + b".\r\n" + AFTER)
    reader.feed_eof()
    calls = 0
    readuntil = reader.readuntil

    async def counted(separator: bytes = b"\n") -> bytes:
        nonlocal calls
        calls += 1
        return await readuntil(separator)

    reader.readuntil = counted  # type: ignore[method-assign, assignment]
    result = await read_data(reader, 0)
    assert result.content == body and result.problem is None
    assert calls <= len(body) // (1 << 16) + 2, calls  # one per 64 KiB, not one per line
    assert await reader.read() == AFTER
