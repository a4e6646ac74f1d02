"""One socket of a relayed connection of the wire tap; see `sandbox.wire.relay`.

Kept apart from the `Relay` that joins two of them so each module stays small; it hands every
callback to its relay and knows nothing else of the tap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from sandbox.events import Side


class Relay(Protocol):
    """What a leg hands its callbacks to: `sandbox.wire.relay.Relay` (named by its shape, so
    the imports point one way)."""

    def start(self) -> None: ...
    def received(self, side: Side, data: bytes) -> None: ...
    def eof(self, side: Side) -> None: ...
    def lost(self, side: Side) -> None: ...
    def flow(self, side: Side, *, pause: bool) -> None: ...


class Leg(asyncio.Protocol):
    """One socket of a relayed connection; `side` is who sends what this socket reads."""

    def __init__(
        self,
        side: Side,
        *,
        accept: Callable[[Leg], Relay | None] | None = None,
        conn: Relay | None = None,
        paused: bool = True,
    ):
        self.side = side
        self._accept = accept  # set on the client's leg: the connection is made when it is accepted
        self._paused = paused
        self.conn = conn
        self.transport: asyncio.Transport | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self._accept is None:
            # A server-side leg: read nothing before the connection has it in place (and its
            # tamper has been told), or a banner could slip past both. Without a tamper a banner
            # read early is simply relayed: no pause, no two epoll calls per connection.
            if self._paused:
                transport.pause_reading()
            return
        self.conn = self._accept(self)
        if self.conn is None:
            transport.abort()
        else:
            self.conn.start()

    def data_received(self, data: bytes) -> None:
        if self.conn is not None:
            self.conn.received(self.side, data)

    def eof_received(self) -> bool:
        if self.conn is not None:
            self.conn.eof(self.side)
        return True  # keep the other direction open: half-close (I2)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.conn is not None:
            self.conn.lost(self.side)

    def pause_writing(self) -> None:
        if self.conn is not None:
            self.conn.flow(self.side, pause=True)

    def resume_writing(self) -> None:
        if self.conn is not None:
            self.conn.flow(self.side, pause=False)

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def write_eof(self) -> None:
        t = self.transport
        if t is not None and not t.is_closing() and t.can_write_eof():
            t.write_eof()

    def close(self, *, abort: bool = False) -> None:
        if self.transport is not None and not self.lost:
            if abort:
                self.transport.abort()
            else:
                self.transport.close()
