"""What the endpoints see of one record: its plaintext, and the key that opened it (M4).

`EndpointRecord` stands beside the listener's `WireRecord` (same `sender` and `offset`): the
toggle "what a listener sees" / "what the endpoints see" shows one or the other, and the
listener's view never changes. This is a view computed from the events and a key log, not an
event: nothing about a session's result depends on it.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from sandbox.events import Side
from sandbox.wire.tlsnames import content_type_name


class TrafficKey(enum.StrEnum):
    """The secret a record was protected with (for TLS 1.2, the key block's side)."""

    CLIENT_HANDSHAKE = "client handshake traffic secret"
    SERVER_HANDSHAKE = "server handshake traffic secret"
    CLIENT_APPLICATION = "client application traffic secret"
    SERVER_APPLICATION = "server application traffic secret"
    CLIENT_WRITE = "client write key (from the master secret)"
    SERVER_WRITE = "server write key (from the master secret)"


class CannotDecrypt(enum.StrEnum):
    """Why a protected record stays closed."""

    NO_SECRET = "no secret for this session in the key log"
    WRONG_KEY = "the authentication tag does not match: not this session's key"
    UNSUPPORTED = "a cipher suite this view does not open"
    NO_HELLO = "the hellos that name the session and its cipher were not seen"
    MALFORMED = "a record too short or without a content type"


class EndpointRecord(NamedTuple):
    """One record as the endpoints see it.

    `encrypted`: the listener sees ciphertext. `key` names the secret that protected it
    (None for a record sent in the clear). `content_type` is the real type (inside TLS 1.3 the
    outer type is always application_data). `messages` names the handshake messages it holds;
    `failure` says why a protected record could not be opened (`plaintext` is then empty).
    `generation` counts TLS 1.3 KeyUpdates. A named tuple rather than a frozen dataclass:
    one is made per record, and it is cheaper (as `sandbox.wire.tlsrecords.Record`).
    """

    sender: Side
    offset: int
    length: int
    encrypted: bool
    content_type: int
    plaintext: bytes = b""
    key: TrafficKey | None = None
    messages: tuple[str, ...] = ()
    failure: CannotDecrypt | None = None
    generation: int = 0

    @property
    def opened(self) -> bool:
        return self.failure is None

    @property
    def content_type_name(self) -> str:
        return content_type_name(self.content_type)
