"""The DATA phase read exactly: only a line ".\r\n" ends it, limits are RFC 5321's, memory bounded.

properties.md D1 (no end-of-data variant but <CRLF>.<CRLF>), D2 (bare CR or LF noticed), D4 (a text
line is at most 1000 octets with its CRLF, not counting a stuffed dot) and D5 (the size limit).
Whatever is refused is still read up to the real end of data, so the session stays in step.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sandbox.smtpd.policy import Replies

MAX_LINE = 1000  # RFC 5321 4.5.3.1.6, CRLF included
_DOT = 0x2E


@dataclass(frozen=True, slots=True)
class DataResult:
    """`content` is the message with dot-stuffing undone; `problem` the refusal reply, if any."""

    content: bytes
    problem: str | None
    bare_newline: bool


async def read_data(reader: asyncio.StreamReader, size_limit: int) -> DataResult:
    """Read from just after `354` to the line ".\\r\\n" (0 for `size_limit`: no limit)."""
    readuntil, read = reader.readuntil, reader.read
    lines: list[bytes] = []
    size = 0
    problem: str | None = None
    bare = False
    in_long_line = False  # the rest of a line already refused as too long
    while True:
        try:
            line = await readuntil(b"\r\n")
        except asyncio.LimitOverrunError as exc:
            await read(exc.consumed)  # drop it: memory stays bounded
            size += exc.consumed
            in_long_line = True
            problem = problem or Replies.LINE_TOO_LONG
            lines.clear()
            continue
        n = len(line)
        if in_long_line:
            in_long_line = False
            size += n
            continue
        if n == 3 and line == b".\r\n":
            return DataResult(b"".join(lines), problem, bare)
        size += n
        if problem is not None:
            continue
        if size_limit and size > size_limit:
            problem = Replies.MESSAGE_TOO_BIG
            lines.clear()
            continue
        if n > MAX_LINE + (line[0] == _DOT):
            problem = Replies.LINE_TOO_LONG
            lines.clear()
            continue
        if not bare and (line.find(b"\n", 0, n - 1) >= 0 or line.find(b"\r", 0, n - 2) >= 0):
            bare = True
        lines.append(line[1:] if line[0] == _DOT else line)
