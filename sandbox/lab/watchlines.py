"""An outside client's conversation, read off the wire: what `watch` shows in its Conversation.

The tutor's own client reports each line it sends and reads (`ConversationLine`); a client the
learner brings (swaks, `openssl s_client`) reports nothing. So the watch reads the conversation
back from what crossed the wire: the plaintext lines (`WireLine`) as they are, and, when the
servers kept their TLS secrets, the lines inside each opened application-data record (a
`TlsDecryptor` per connection, started at its `SessionStarted`). Lines that span records are
joined; a long message body is one event (E13).

These lines are for the learner's eyes: a reply's `code` and `final` are read from its text, but
`verb` is left empty, and nothing is ever decided from them. One connection at a time is opened:
the decryptor restarts at each `SessionStarted`.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.events import ConversationLine, SandboxEvent, SessionStarted, Side, WireLine
from sandbox.safety.text import escape_bytes
from sandbox.tlsview.decrypt import TlsDecryptor
from sandbox.tlsview.keylog import KeyLog
from sandbox.tlsview.view import EndpointRecord

APPLICATION_DATA = 23
FOLD_LINES = 20  # as the tutor's client (sandbox.client.connection): more is one event
MAX_CARRY = 64 * 1024  # a line longer than this is shown in parts, not kept growing


def said(sender: Side, text: str, *, tls: bool, more: int = 0, last: str = "") -> ConversationLine:
    """A conversation line; a server line's reply code and finality read from its text."""
    code = int(text[:3]) if sender is Side.SERVER and text[:3].isdigit() else None
    final = code is not None and (len(text) < 4 or text[3] != "-")
    return ConversationLine(
        sender=sender, text=text, tls=tls, code=code, final=final, more=more, last=last
    )


class WireConversation:
    """Feed it every event of the watch; it returns the conversation lines they reveal."""

    def __init__(self, keys: Callable[[], KeyLog] | None = None) -> None:
        self._keys = keys
        self._decryptor: TlsDecryptor | None = None
        self._carry: dict[Side, bytes] = {Side.CLIENT: b"", Side.SERVER: b""}

    def feed(self, event: SandboxEvent) -> list[ConversationLine]:
        if isinstance(event, SessionStarted):
            out = self.finish()
            if self._keys is not None:
                self._decryptor = TlsDecryptor(self._keys)
            return out
        if isinstance(event, WireLine):
            if event.injected:
                return []  # the wire line says it; a correct server discards it
            return [said(event.sender, event.text, tls=False, more=event.more, last=event.last)]
        if self._decryptor is None:
            return []
        return self._opened(self._decryptor.feed(event))

    def finish(self) -> list[ConversationLine]:
        """The connection is over: what its records still held."""
        decryptor, self._decryptor = self._decryptor, None
        out = self._opened(decryptor.finish()) if decryptor is not None else []
        self._carry = {Side.CLIENT: b"", Side.SERVER: b""}
        return out

    def _opened(self, records: list[EndpointRecord]) -> list[ConversationLine]:
        out: list[ConversationLine] = []
        for record in records:
            if not record.encrypted or record.content_type != APPLICATION_DATA:
                continue
            data = self._carry[record.sender] + record.plaintext
            lines = data.split(b"\r\n")
            carry = lines.pop()
            if len(carry) > MAX_CARRY:
                lines.append(carry)
                carry = b""
            self._carry[record.sender] = carry
            out += self._lines(record.sender, lines)
        return out

    def _lines(self, sender: Side, lines: list[bytes]) -> list[ConversationLine]:
        if len(lines) > FOLD_LINES:
            first, last = escape_bytes(lines[0]), escape_bytes(lines[-1])
            return [said(sender, first, tls=True, more=len(lines) - 1, last=last)]
        return [said(sender, escape_bytes(line), tls=True) for line in lines]
