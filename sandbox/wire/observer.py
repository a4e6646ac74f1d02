"""A wire tap with no relay: it watches a sandbox server's own sockets from underneath.

    observer = WireObserver(emit=callback)
    server = SandboxServer(policy, observer=observer)   # every connection is watched

The eavesdropper's view is the same as `sandbox.wire.tap.WireTap`'s: every read and every write
of the server's socket goes through one `sandbox.wire.decode.ConnectionDecoder`, what the server
reads as the client's bytes and what it writes as the server's. Without a tamper the relay's two
legs carry exactly these bytes, so nothing a learner sees changes; what goes is the second TCP
hop, two more sockets and a relayed write per read, which cost a session a quarter of its time
(issue 15). Attack labs, which change bytes in flight, still use the relay.

How: the socket's transport gets an `_Observed` protocol, and the server's protocol gets an
`ObservedTransport` standing in for the socket's transport. When the session puts a TLS layer under
itself (STARTTLS, implicit TLS) it calls `set_protocol` on the stand-in, and the observer keeps
reading beneath the new layer: the decoder goes on seeing the raw TLS records.

Every `WireChunk` of a watched connection names its two ends as the socket has them
(`WireChunk.endpoints`), so a capture writes the one connection there was (properties.md I15).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from sandbox.events import Endpoints, SandboxEvent, Side
from sandbox.wire.decode import ConnectionDecoder

Emit = Callable[[SandboxEvent], None]
READ_SIZE = 256 * 1024  # as asyncio's socket transport reads for a plain protocol


class WireObserver:
    """Watches every connection of the server it is given to; see the module docstring.

    `connected` (optional) is called as each connection is accepted, before its first byte.
    """

    def __init__(
        self,
        emit: Emit,
        *,
        max_capture_bytes: int = 4 * 1024 * 1024,
        connected: Callable[[], None] | None = None,
    ) -> None:
        self.emit = emit
        self.max_capture_bytes = max_capture_bytes
        self.connected = connected
        self.watching = True  # connections accepted while False are not watched (`unwatched`)
        # One read buffer for every connection whose protocol takes plain `data_received`: a
        # read is copied out of it before anything else runs, so they never overlap.
        self._buffer = bytearray(READ_SIZE)

    def wrap(self, protocol: asyncio.BaseProtocol) -> asyncio.BufferedProtocol:
        """The protocol to give the socket's transport in place of `protocol`."""
        if not self.watching:
            return _Observed(protocol, None, None, self._buffer)
        decoder = ConnectionDecoder(self.emit, max_capture_bytes=self.max_capture_bytes)
        return _Observed(protocol, decoder, self.connected, self._buffer)

    @contextlib.contextmanager
    def unwatched(self) -> Iterator[None]:
        """Connections accepted inside the block are not watched: the lab's own probe of the
        server (`LabSession.server_answer`) is no part of the session the learner watches."""
        self.watching = False
        try:
            yield
        finally:
            self.watching = True


def endpoints_of(transport: asyncio.BaseTransport) -> Endpoints | None:
    """The client's address and port (the socket's peer) and the server's own; None for a
    socket that has no IP addresses."""
    peer = transport.get_extra_info("peername")
    mine = transport.get_extra_info("sockname")
    if not (isinstance(peer, tuple) and isinstance(mine, tuple)):
        return None  # an AF_UNIX socket: no addresses, no ports
    return Endpoints(str(peer[0]), int(peer[1]), str(mine[0]), int(mine[1]))


class _Observed(asyncio.BufferedProtocol):
    """The socket's protocol: shows every read to the decoder, then hands it to `inner`."""

    __slots__ = (
        "_buffer",
        "_connected",
        "_loop",
        "_view",
        "_written",
        "decoder",
        "inner",
        "transport",
    )

    def __init__(
        self,
        inner: asyncio.BaseProtocol,
        decoder: ConnectionDecoder | None,  # None: not watched, only passed through
        connected: Callable[[], None] | None,
        buffer: bytearray,
    ) -> None:
        self.inner = inner
        self.decoder = decoder
        self._connected = connected
        self._buffer = buffer  # for reads while `inner` is no BufferedProtocol
        self._view: memoryview | None = None  # the buffer the last read went into
        self.transport: ObservedTransport | None = None
        self._loop = asyncio.get_running_loop()
        self._written: list[bytes] = []  # the server's writes of this loop turn, not yet shown

    def wrote(self, data: bytes) -> None:
        if self.decoder is None:
            return
        """The server wrote `data`. Its writes in one loop turn are shown as one chunk, as they
        leave in one segment (and reached the relay's eavesdropper as one read): aiosmtpd writes
        each line of a reply, and asyncio's TLS layer each record, on its own."""
        if not self._written:
            self._loop.call_soon(self.flush)
        self._written.append(data)

    def flush(self) -> None:
        """Show the server's pending writes now (before what the client sends next)."""
        written = self._written
        if written and self.decoder is not None:
            data = written[0] if len(written) == 1 else b"".join(written)
            written.clear()
            self.decoder.feed(Side.SERVER, data)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = ObservedTransport(transport, self)
        if self.decoder is not None:  # before the first byte: every chunk says where it went
            self.decoder.endpoints = endpoints_of(transport)
        if self._connected is not None:
            self._connected()
        self.inner.connection_made(self.transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        inner = self.inner
        if isinstance(inner, asyncio.BufferedProtocol):
            view = memoryview(inner.get_buffer(sizehint))
        else:
            view = memoryview(self._buffer)
        self._view = view
        return view

    def buffer_updated(self, nbytes: int) -> None:
        view = self._view
        assert view is not None
        inner = self.inner
        buffered = isinstance(inner, asyncio.BufferedProtocol)
        decoder = self.decoder
        if decoder is not None or not buffered:
            data = bytes(view[:nbytes])
            if decoder is not None:
                if self._written:
                    self.flush()
                decoder.feed(Side.CLIENT, data)
        if isinstance(inner, asyncio.BufferedProtocol):
            inner.buffer_updated(nbytes)
        else:
            assert isinstance(inner, asyncio.Protocol)
            inner.data_received(data)

    def eof_received(self) -> bool | None:
        inner = self.inner
        if isinstance(inner, asyncio.Protocol | asyncio.BufferedProtocol):
            return inner.eof_received()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            self.inner.connection_lost(exc)
        finally:
            if self.decoder is not None:
                self.flush()
                self.decoder.finish()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class ObservedTransport(asyncio.Transport):
    """The socket's transport as the server's protocols see it: writes are shown to the decoder
    first; `set_protocol` swaps the protocol the observer hands reads to."""

    def __init__(self, raw: asyncio.Transport, observed: _Observed) -> None:
        super().__init__()
        self.raw = raw
        self._observed = observed

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if data:
            self._observed.wrote(bytes(data))
        self.raw.write(data)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def write_eof(self) -> None:
        self.raw.write_eof()

    def can_write_eof(self) -> bool:
        return self.raw.can_write_eof()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._observed.inner = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._observed.inner

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.raw.get_extra_info(name, default)

    def is_closing(self) -> bool:
        return self.raw.is_closing()

    def close(self) -> None:
        self.raw.close()

    def abort(self) -> None:
        self.raw.abort()

    def is_reading(self) -> bool:
        return self.raw.is_reading()

    def pause_reading(self) -> None:
        self.raw.pause_reading()

    def resume_reading(self) -> None:
        self.raw.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.raw.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self.raw.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self.raw.get_write_buffer_limits()

    def _force_close(self, exc: BaseException | None) -> None:
        # asyncio's TLS layer calls this private method of the socket's transport on a fatal
        # error or a shutdown that timed out (asyncio.sslproto)
        self.raw._force_close(exc)  # type: ignore[attr-defined]
