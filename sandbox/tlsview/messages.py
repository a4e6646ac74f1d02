"""Handshake messages out of a stream of record fragments: one may span records, one record may
hold several (RFC 8446 5.1). Bounded as the wire tap's parser is; never raises."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.wire.tlsrecords import MAX_HANDSHAKE_MESSAGE


@dataclass(frozen=True, slots=True)
class Message:
    """One handshake message; `spans` maps its bytes (header included) back to where they
    travelled: (start in the message, offset in the direction's stream, length) per fragment
    piece. An encrypted record's pieces carry its record offset instead."""

    msg_type: int
    body: bytes
    spans: tuple[tuple[int, int, int], ...]

    def where(self, at: int) -> int | None:
        """The stream offset of byte `at` of the message (header included), if it travelled
        in the clear."""
        for start, offset, length in self.spans:
            if start <= at < start + length:
                return offset + at - start
        return None


class MessageStream:
    __slots__ = ("_buf", "_spans", "broken")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._spans: list[tuple[int, int]] = []  # (offset in the stream, length) of _buf's parts
        self.broken = False  # a message claimed more than MAX_HANDSHAKE_MESSAGE: stop

    def feed(self, fragment: bytes, offset: int) -> list[Message]:
        if self.broken or not fragment:
            return []
        self._buf += fragment
        self._spans.append((offset, len(fragment)))
        out: list[Message] = []
        buf = self._buf
        while len(buf) >= 4:
            size = int.from_bytes(buf[1:4], "big")
            if size > MAX_HANDSHAKE_MESSAGE:
                self.broken = True
                buf.clear()
                self._spans.clear()
                break
            if len(buf) < 4 + size:
                break
            out.append(Message(buf[0], bytes(buf[4 : 4 + size]), self._take(4 + size)))
            del buf[: 4 + size]
        return out

    def _take(self, n: int) -> tuple[tuple[int, int, int], ...]:
        taken: list[tuple[int, int, int]] = []
        at = 0
        while n > 0:
            offset, length = self._spans[0]
            use = min(length, n)
            taken.append((at, offset, use))
            at += use
            n -= use
            if use == length:
                self._spans.pop(0)
            else:
                self._spans[0] = (offset + use, length - use)
        return tuple(taken)
