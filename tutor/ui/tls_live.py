"""The lab's own TLS, followed live: each record as the endpoints see it, and the handshake
annotated (issue 12, sections 1 and 2). Pure: no Textual; the Eavesdropper pane feeds it the
lab's events and shows what it gives.

One `TlsDecryptor` per connection (a `SessionStarted` begins the next one), reading the lab's
key log again whenever a secret is not there yet (the client logs it only as it reads the
server's flight, after the eavesdropper saw it: M5). The view is computed from the events and
the key log: it never changes what the listener's view says.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sandbox.events import SandboxEvent, SessionClosed, SessionStarted, WireChunk, WireRecord
from sandbox.tlsview.annotate import AnnotatedMessage, Handshake, annotate
from sandbox.tlsview.decrypt import TlsDecryptor
from sandbox.tlsview.keylog import KeyLog
from sandbox.tlsview.view import EndpointRecord

KeySource = Callable[[], KeyLog]


@dataclass(frozen=True, slots=True)
class ShownMessage:
    """An annotated handshake message and its bytes, header included (a field's `at` and
    `length` index them), so each field can be shown with the bytes it was read from."""

    message: AnnotatedMessage
    raw: bytes

    def field_bytes(self, at: int, length: int) -> bytes:
        return self.raw[at : at + length]


@dataclass(frozen=True, slots=True)
class ShownHandshake:
    handshake: Handshake
    messages: tuple[ShownMessage, ...]


def no_keys() -> KeyLog:
    return KeyLog()


class LiveTls:
    """Follows the lab's connections; `feed` gives the records it could open (or gave up on)."""

    def __init__(self, keys: KeySource = no_keys) -> None:
        self.keys = keys
        self._decryptor: TlsDecryptor | None = None
        self._shown: ShownHandshake | None = None
        self._shown_for = -1  # how many messages the cached handshake was made from
        self._closed = False  # the session said it closed: nothing waits for a key any more

    def feed(self, batch: Sequence[SandboxEvent]) -> list[EndpointRecord]:
        out: list[EndpointRecord] = []
        for event in batch:
            if isinstance(event, SessionStarted):
                out += self._finish()
                self._decryptor = TlsDecryptor(self._read_keys)
                self._closed = False
            elif isinstance(event, WireChunk | WireRecord):
                if self._decryptor is None:  # events of a connection begun before we watched
                    self._decryptor = TlsDecryptor(self._read_keys)
                out += self._decryptor.feed(event)
                if self._closed:  # the client's close_notify is seen after the close (relay)
                    out += self.finish()
            elif isinstance(event, SessionClosed):
                self._closed = True
                out += self.finish()
        return out

    def finish(self) -> list[EndpointRecord]:
        """The connection is over: what still waits for a key is opened or given up."""
        return self._finish(keep=True)

    def reset(self) -> None:
        self._decryptor = None
        self._closed = False
        self._shown = None
        self._shown_for = -1

    def _read_keys(self) -> KeyLog:
        return self.keys()

    def _finish(self, *, keep: bool = False) -> list[EndpointRecord]:
        decryptor = self._decryptor
        if decryptor is None:
            return []
        out = decryptor.finish()
        if not keep:
            self.handshake()  # the last connection's handshake stays shown until the next one's
            self._decryptor = None
            self._shown_for = -1
        return out

    @property
    def negotiated(self) -> bool:
        d = self._decryptor
        return d is not None and d.version is not None

    def handshake(self) -> ShownHandshake | None:
        """The current connection's handshake so far (or the last one's), annotated; made again
        only when a message was added."""
        d = self._decryptor
        if d is None or d.client_random is None:
            return self._shown
        if len(d.messages) == self._shown_for and self._shown is not None:
            return self._shown
        annotated = annotate(d)
        seen = sorted(d.messages, key=lambda s: s.ts)  # annotate's own order
        shown = tuple(
            ShownMessage(a, _raw(s.message.msg_type, s.message.body))
            for a, s in zip(annotated.messages, seen, strict=True)
        )
        self._shown = ShownHandshake(annotated, shown)
        self._shown_for = len(d.messages)
        return self._shown


def _raw(msg_type: int, body: bytes) -> bytes:
    return bytes([msg_type]) + len(body).to_bytes(3, "big") + body
