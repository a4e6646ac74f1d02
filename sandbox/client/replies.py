"""SMTP replies: the `Reply` a server gives, and the framing that cuts them out of a byte stream.

RFC 5321 §4.2: a reply is one or more lines. Each line starts with the same three-digit code; a
`-` after the code means "more lines follow", a space (or nothing) marks the last line:

    250-sandbox.test
    250-SIZE 1048576
    250 STARTTLS

`ReplyParser` does no I/O: feed it bytes as they arrive, in pieces of any size, and it hands back
each complete `Reply`. Whatever the split, the result is the same
(tests/sandbox/client/test_replies.py proves it with hypothesis). It refuses what is not a reply at
once, so a broken or hostile server gives a clean `ReplyError` instead of a hang or unbounded
memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.safety.text import escape_bytes

MAX_LINE = 512
"""Longest reply line in octets, code and CRLF included (RFC 5321 §4.5.3.1.5)."""

MAX_LINES = 100
"""Most lines we accept in one reply; RFC 5321 sets no limit, a client must set one."""

_ENHANCED = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")  # RFC 3463 status, e.g. 5.7.0


class ReplyError(Exception):
    """What the server sent is not a well-formed SMTP reply."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One SMTP reply: its code and the text of each line (without the code).

    `lines` are terminal-safe (control characters escaped by `sandbox.safety.text`), because they
    come from the network and may end up on a learner's screen.
    """

    code: int
    lines: tuple[str, ...] = ("",)

    @property
    def text(self) -> str:
        """All lines joined with newlines, without the codes."""
        return "\n".join(self.lines)

    @property
    def is_positive(self) -> bool:
        """2yz (done) or 3yz (go on): the server accepted what we said so far."""
        return self.code < 400

    @property
    def is_success(self) -> bool:
        """2yz: positive completion, the command worked."""
        return 200 <= self.code < 300

    @property
    def is_intermediate(self) -> bool:
        """3yz: positive intermediate, the server waits for more (354 after DATA, 334 in AUTH)."""
        return 300 <= self.code < 400

    @property
    def is_transient(self) -> bool:
        """4yz: transient failure, try again later."""
        return 400 <= self.code < 500

    @property
    def is_permanent(self) -> bool:
        """5yz: permanent failure, do not repeat this as is."""
        return self.code >= 500

    @property
    def enhanced_status(self) -> str | None:
        """The RFC 3463 enhanced status code at the start of the text (e.g. "5.7.0"), if any."""
        match = _ENHANCED.match(self.lines[0])
        return match.group() if match else None

    def wire_lines(self) -> tuple[str, ...]:
        """The lines as they appeared on the wire (without CRLF): `250-...`, ..., `250 ...`."""
        last = len(self.lines) - 1
        return tuple(
            f"{self.code}{'-' if i < last else ' '}{line}" if line or i < last else str(self.code)
            for i, line in enumerate(self.lines)
        )

    def __str__(self) -> str:
        return "\n".join(self.wire_lines())


# RFC 5321 §4.2 ABNF: Reply-code = %x32-35 %x30-35 %x30-39, then "-", " " or the line end.
_START = (b"2345", b"012345", b"0123456789", b"- \r")


def _not_a_reply(raw: bytes | bytearray) -> ReplyError:
    return ReplyError(f"not an SMTP reply line: {escape_bytes(bytes(raw[:80]))!r}")


def _could_start_reply(prefix: bytes | bytearray) -> bool:
    return all(byte in allowed for byte, allowed in zip(prefix, _START, strict=False))


def _reply_code(raw: bytes) -> int:
    if len(raw) < 3 or not _could_start_reply(raw[:3]):
        raise _not_a_reply(raw)
    return int(raw[:3])


class ReplyParser:
    """Incremental reply framing: `feed()` bytes in, complete `Reply` objects out."""

    __slots__ = ("_buffer", "_code", "_lines")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._code: int | None = None  # code of the multi-line reply being read, if any
        self._lines: list[str] = []

    @property
    def has_partial(self) -> bool:
        """True when bytes of an unfinished reply are held (used for STARTTLS, properties.md F3)."""
        return bool(self._buffer) or self._code is not None

    def feed(self, data: bytes) -> list[Reply]:
        """Add `data` and return every reply it completes, in order (often none or one).

        Lines end with CRLF; a bare LF is accepted too (be liberal in what you accept).
        Raises `ReplyError` on anything that is not a reply; the parser is unusable afterwards.
        """
        buffer = self._buffer
        buffer += data
        replies: list[Reply] = []
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            if end - start >= MAX_LINE:  # end - start + 1 octets with the LF
                raise ReplyError(f"reply line longer than {MAX_LINE} octets")
            raw = bytes(buffer[start : end - 1 if end > start and buffer[end - 1] == 13 else end])
            start = end + 1
            reply = self._line(raw)
            if reply is not None:
                replies.append(reply)
        del buffer[:start]
        # Refuse an unfinished line as soon as it cannot become a reply: garbage without a
        # newline (a TLS record, a flood) fails now rather than at the timeout.
        if len(buffer) >= MAX_LINE:
            raise ReplyError(f"reply line longer than {MAX_LINE} octets")
        if not _could_start_reply(buffer[:4]):
            raise _not_a_reply(buffer)
        return replies

    def _line(self, raw: bytes) -> Reply | None:
        code = _reply_code(raw)
        if self._code is not None and code != self._code:
            raise ReplyError(f"reply code changed from {self._code} to {code} inside one reply")
        separator = raw[3:4]
        if separator not in (b"-", b" ", b""):
            raise _not_a_reply(raw)
        self._lines.append(escape_bytes(raw[4:]))
        if separator == b"-":
            if len(self._lines) >= MAX_LINES:
                raise ReplyError(f"reply longer than {MAX_LINES} lines")
            self._code = code
            return None
        reply = Reply(code, tuple(self._lines))
        self._code = None
        self._lines = []
        return reply
