"""The wire tap's tamper hook: how an attack lab changes what crosses the tap (properties.md I7).

`WireTap(..., tamper=factory)` calls `factory()` once per connection; the `Tamper` it returns sees
every chunk before it is forwarded. This base class forwards exactly. An attack subclasses it and
overrides what it needs (the attacks themselves live with the labs, not here):

- `client_data(data, conn)` / `server_data(data, conn)` return the bytes to forward (changed, or
  `b""` to swallow them). The decoder sees what the client sent before `client_data` and what the
  client receives after `server_data`.
- `conn.send_to_client(data)` injects bytes toward the client (shown as the server's);
  `conn.send_to_server(data)` injects bytes toward the server (not on the client's leg, not shown).
  `conn.show_to_server(data)` only shows: for a tamper whose `client_data` adds bytes to what it
  forwards (an injection on the path, in the same write), it lets the eavesdropper see the added
  part after the client's own bytes.
- `conn.take_over(handler)`: after the current chunk has been forwarded, relaying stops and
  `handler(takeover)` runs the connection. It gets the server's streams (`takeover.server_reader`,
  `takeover.server_writer`; `start_tls()` on the writer makes the attacker a TLS client) and asks
  for the client's side with `await takeover.client_streams(ssl=ctx)`: with a context, the handler
  is the TLS server from the client's next byte on (the handshake is done when it returns), so no
  client byte can slip into a plaintext buffer first. The client's bytes still cross the tap, so
  the eavesdropper keeps watching (in TLS 1.2 it sees the attacker's certificate). When the handler
  returns, the connection ends.
- `conn.emit(event)` reports, e.g. `Notice(level=Level.ATTACK, ...)` from `opened` to say on screen
  that an attack is on; `conn.close()` ends the connection.
Callbacks are plain functions called in the event loop: keep them quick and do not block.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl as ssl_module
from collections.abc import Awaitable, Callable
from typing import Protocol

from sandbox.events import SandboxEvent

CHUNK = 64 * 1024  # bytes per read, on every leg


class Connection(Protocol):
    """The side of a relayed connection a `TapControl` drives (`sandbox.wire.relay.Relay`)."""

    id: int

    def emit(self, event: SandboxEvent) -> None: ...
    def to_client(self, data: bytes) -> None: ...
    def to_server(self, data: bytes) -> None: ...
    def show_to_server(self, data: bytes) -> None: ...
    def request_takeover(self, handler: TakeOverHandler) -> None: ...
    def abort(self) -> None: ...


class Tamper:
    """Per-connection filter; this base class forwards everything unchanged."""

    def opened(self, conn: TapControl) -> None:
        """The relay to the server is up; nothing has been forwarded yet."""

    def client_data(self, data: bytes, conn: TapControl) -> bytes:
        return data

    def server_data(self, data: bytes, conn: TapControl) -> bytes:
        return data

    def closed(self, conn: TapControl) -> None:
        """The connection is over."""


Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class TakeOver:
    """What a take-over handler gets: the server's streams, and the client's on request."""

    def __init__(
        self,
        conn: TapControl,
        server_reader: asyncio.StreamReader,
        server_writer: asyncio.StreamWriter,
        client_sock: socket.socket,
    ) -> None:
        self.conn = conn
        self.server_reader = server_reader
        self.server_writer = server_writer
        self._sock: socket.socket | None = client_sock
        self._client_writer: asyncio.StreamWriter | None = None

    async def client_streams(
        self, ssl: ssl_module.SSLContext | None = None, *, handshake_timeout: float = 10.0
    ) -> Streams:
        """The client's side from here on; with `ssl`, as a TLS server, handshake completed.

        Raises `ssl.SSLError` or `ConnectionError` when the client refuses the handshake.
        """
        if self._sock is None:
            raise RuntimeError("the client's streams were already taken")
        sock, self._sock = self._sock, None
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=CHUNK)
        protocol = asyncio.StreamReaderProtocol(reader)
        try:
            transport, _ = await loop.connect_accepted_socket(
                lambda: protocol,
                sock=sock,
                ssl=ssl,
                ssl_handshake_timeout=handshake_timeout if ssl is not None else None,
            )
        except BaseException:
            sock.close()
            raise
        self._client_writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        return reader, self._client_writer

    def _close_now(self) -> None:
        """Close both legs at once (the tap calls this even if the handler never ran)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        for writer in (self._client_writer, self.server_writer):
            if writer is not None:
                writer.close()

    async def _wait_closed(self) -> None:
        for writer in (self._client_writer, self.server_writer):
            if writer is not None:
                with contextlib.suppress(OSError, TimeoutError):
                    await asyncio.wait_for(writer.wait_closed(), 1.0)


TakeOverHandler = Callable[[TakeOver], Awaitable[None]]


class TapControl:
    """What a `Tamper` may do to its connection (see the module docstring)."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    @property
    def id(self) -> int:
        """1 for the tap's first connection, then 2, 3..."""
        return self._c.id

    def emit(self, event: SandboxEvent) -> None:
        self._c.emit(event)

    def send_to_client(self, data: bytes) -> None:
        self._c.to_client(data)

    def send_to_server(self, data: bytes) -> None:
        self._c.to_server(data)

    def show_to_server(self, data: bytes) -> None:
        self._c.show_to_server(data)

    def take_over(self, handler: TakeOverHandler) -> None:
        self._c.request_takeover(handler)

    def close(self) -> None:
        self._c.abort()
