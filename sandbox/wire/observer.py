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

Only the connections the learner makes are watched (properties.md X5): inside `unwatched()` the
lab's own probe says its local address, and only the connection from there goes unwatched; any
other accepted while the probe's address is not yet known is held (its bytes still flow, only
what the eavesdropper shows waits) and then shown whole. What a consumer or the decoder raises is
logged, never passed to asyncio, which would drop the server's connection (X6); each announced
connection is reported ended exactly once (`connected`, then `ended`), held or not. Bounded as
the tap is (I13; the decoder shows TLS records one by one up to `MAX_RECORDS` a direction, as
plaintext lines), and its client's reads are shown one by one up to `MAX_READS`, then together
(X7).

Every `WireChunk` of a watched connection names its two ends as the socket has them
(`WireChunk.endpoints`), so a capture writes the one connection there was (properties.md I15).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from sandbox.events import Endpoints, Level, SandboxEvent, Side
from sandbox.notices import notice
from sandbox.wire.decode import MAX_LINES, ConnectionDecoder

log = logging.getLogger("sandbox.wire.observer")
Emit = Callable[[SandboxEvent], None]
Address = tuple[object, object]  # (host, port); an IPv6 socket address has two more parts
READ_SIZE = 256 * 1024  # as asyncio's socket transport reads for a plain protocol
# The client's reads shown one by one, per connection; after that, what it sends is shown
# together, at most once each READS_EVERY seconds: a byte a read (slowloris in DATA) was an event
# a byte, 240,000 in DATA's two minutes (X7). A session reads a few dozen times.
MAX_READS = MAX_LINES
READS_EVERY = 0.25


def address_of(sockname: object) -> Address | None:
    """(host, port) of a socket address as `get_extra_info` gives it; None for anything else."""
    if isinstance(sockname, tuple) and len(sockname) >= 2:
        return (sockname[0], sockname[1])
    return None


class _Window:
    """One open `unwatched()` block: the probe's address, once the probe has said it."""

    __slots__ = ("address",)

    def __init__(self) -> None:
        self.address: Address | None = None


class WireObserver:
    """Watches every connection of the server it is given to; see the module docstring.

    `connected` (optional) is called as each watched connection is announced, before any of its
    events; `ended` once after its last. `announced` and `finished` count those calls.
    """

    def __init__(
        self,
        emit: Emit,
        *,
        max_capture_bytes: int = 4 * 1024 * 1024,
        connected: Callable[[], None] | None = None,
        ended: Callable[[], None] | None = None,
    ) -> None:
        self.emit = emit
        self.max_capture_bytes = max_capture_bytes
        self.connected = connected
        self.ended = ended
        self.announced = 0  # connections shown to the consumer
        self.finished = 0  # of those, how many were reported ended
        self._windows: list[_Window] = []  # the open `unwatched()` blocks
        self._held: list[_Observed] = []  # accepted while a probe's address was unknown
        self._emit_failures = 0
        # One read buffer for every connection whose protocol takes plain `data_received`: a
        # read is copied out of it before anything else runs, so they never overlap.
        self._buffer = bytearray(READ_SIZE)

    @property
    def unended(self) -> int:
        """Connections announced and not (yet) reported ended."""
        return self.announced - self.finished

    def wrap(self, protocol: asyncio.BaseProtocol) -> asyncio.BufferedProtocol:
        """The protocol to give the socket's transport in place of `protocol`."""
        return _Observed(protocol, self, self._buffer)

    @contextlib.contextmanager
    def unwatched(self) -> Iterator[Callable[[object], None]]:
        """For the lab's own probe of the server (`LabSession.server_answer`), no part of the
        session the learner watches. Connect inside the block, then call what it gives with the
        probe's local address (`SmtpClient.local_address`): the connection from that address is
        not watched. Connections from elsewhere accepted before that are held, and shown whole
        once the probe is known or the block ends; those accepted after are watched as usual."""
        window = _Window()
        self._windows.append(window)

        def probe_is(address: object) -> None:
            window.address = address_of(address)
            self._settle()

        try:
            yield probe_is
        finally:
            self._windows.remove(window)
            self._settle()

    # --- what the connections ask -------------------------------------------------------------

    def accepted(self, conn: _Observed, peer: Address | None) -> None:
        """`conn` was accepted from `peer`: unwatched (the probe), held, or announced now."""
        if peer is not None and any(w.address == peer for w in self._windows):
            conn.drop()
        elif any(w.address is None for w in self._windows):
            conn.hold()
            self._held.append(conn)
        else:
            conn.announce()

    def _settle(self) -> None:
        """A probe said its address, or its block ended: decide what was held."""
        waiting = any(w.address is None for w in self._windows)
        held, self._held = self._held, []
        for conn in held:
            if conn.peer is not None and any(w.address == conn.peer for w in self._windows):
                conn.drop()
            elif waiting:
                self._held.append(conn)
            else:
                conn.release()

    def show(self, event: SandboxEvent) -> None:
        """Hand `event` to the consumer; what it raises stays here (asyncio would drop the
        server's connection for it)."""
        try:
            self.emit(event)
        except Exception:
            self.emit_failed()

    def emit_failed(self) -> None:
        """The consumer raised (inside an `except`: the exception is logged)."""
        self._emit_failures += 1
        if self._emit_failures == 1:  # once: a consumer that always fails would flood
            log.exception("wire event listener failed (logged once)")

    def call(self, callback: Callable[[], None] | None, what: str) -> None:
        if callback is None:
            return
        try:
            callback()
        except Exception:
            log.exception("the observer's %s callback failed", what)

    def report_ended(self) -> None:
        self.finished += 1
        self.call(self.ended, "ended")


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
        "_held",
        "_later",
        "_loop",
        "_unshown",
        "_view",
        "_written",
        "announced",
        "decoder",
        "ended",
        "inner",
        "lost",
        "observer",
        "peer",
        "reads",
        "transport",
    )

    def __init__(
        self, inner: asyncio.BaseProtocol, observer: WireObserver, buffer: bytearray
    ) -> None:
        self.inner = inner
        self.observer = observer
        # None once the connection is not (or no longer) watched
        self.decoder: ConnectionDecoder | None = ConnectionDecoder(
            self._show, max_capture_bytes=observer.max_capture_bytes
        )
        self._buffer = buffer  # for reads while `inner` is no BufferedProtocol
        self._view: memoryview | None = None  # the buffer the last read went into
        self.transport: ObservedTransport | None = None
        self._loop = asyncio.get_running_loop()
        self._written: list[bytes] = []  # the server's writes of this loop turn, not yet shown
        self._held: list[SandboxEvent] | None = None  # events kept back while held
        self.peer: Address | None = None
        self.announced = False  # shown to the consumer (`connected` said)
        self.lost = False  # the socket is closed
        self.ended = False  # over: its last event shown, `ended` said if it was announced
        self.reads = 0  # the client's reads shown one by one
        self._unshown = bytearray()  # the client's bytes past MAX_READS, not yet shown
        self._later: asyncio.TimerHandle | None = None  # when they will be

    # --- watched, held or not watched ---------------------------------------------------------

    def announce(self) -> None:
        self.announced = True
        self.observer.announced += 1
        self.observer.call(self.observer.connected, "connected")

    def hold(self) -> None:
        self._held = []

    def release(self) -> None:
        """Shown whole: announced, then every event kept back, then its end if it came."""
        held, self._held = self._held or [], None
        self.announce()
        for event in held:
            self.observer.show(event)
        if self.lost:
            self._end()

    def drop(self) -> None:
        """Not watched (the lab's probe): nothing of it is shown, not even what was held."""
        self._held = None
        self.decoder = None
        self._written.clear()
        if self.lost:
            self.ended = True

    def _show(self, event: SandboxEvent) -> None:
        held = self._held
        if held is not None:
            held.append(event)
            return
        try:  # `WireObserver.show`, inlined: this runs for every event of every session
            self.observer.emit(event)
        except Exception:
            self.observer.emit_failed()

    def _feed(self, side: Side, data: bytes) -> None:
        decoder = self.decoder
        if decoder is None:
            return
        try:
            decoder.feed(side, data)
        except Exception as exc:  # a decoder bug: stop watching, keep serving
            log.exception("the wire decoder failed; the connection is no longer watched")
            self.decoder = None
            self._written.clear()
            self._show(notice(Level.ERROR, "tap.internal_error", error=repr(exc)))

    def _end(self) -> None:
        if self.ended:
            return
        self.ended = True
        decoder = self.decoder
        if decoder is not None:
            self.flush()
            self.decoder = None  # a write after the end shows nothing
            if self._later is not None:
                self._later.cancel()
            try:
                decoder.finish()
            except Exception as exc:
                log.exception("the wire decoder failed at the end of a connection")
                self._show(notice(Level.ERROR, "tap.internal_error", error=repr(exc)))
        if self.announced:
            self.observer.report_ended()

    # --- the server's writes ------------------------------------------------------------------

    def wrote(self, data: bytes) -> None:
        """The server wrote `data`. Its writes in one loop turn are shown as one chunk, as they
        leave in one segment (and reached the relay's eavesdropper as one read): aiosmtpd writes
        each line of a reply, and asyncio's TLS layer each record, on its own."""
        if self.decoder is None:
            return
        if not self._written:
            self._loop.call_soon(self.flush)
        self._written.append(data)

    def flush(self) -> None:
        """Show the server's pending writes now (before what the client sends next), after what
        the client sent before them."""
        if self._unshown:
            self.show_reads()
        written = self._written
        if written:
            data = written[0] if len(written) == 1 else b"".join(written)
            written.clear()
            self._feed(Side.SERVER, data)

    def read(self, data: bytes) -> None:
        """The client sent `data`: shown now, or with what follows it within READS_EVERY."""
        if self.reads < MAX_READS:
            self.reads += 1
            self._feed(Side.CLIENT, data)
            return
        self._unshown += data
        if self._later is None:
            self._later = self._loop.call_later(READS_EVERY, self.show_reads)

    def show_reads(self) -> None:
        if self._later is not None:
            self._later.cancel()
            self._later = None
        data, self._unshown = bytes(self._unshown), bytearray()
        if data:
            self._feed(Side.CLIENT, data)

    # --- asyncio's calls ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = ObservedTransport(transport, self)
        if self.decoder is not None:  # before the first byte: every chunk says where it went
            self.decoder.endpoints = endpoints_of(transport)
        self.peer = address_of(transport.get_extra_info("peername"))
        self.observer.accepted(self, self.peer)
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
        if self.decoder is not None or not buffered:
            data = bytes(view[:nbytes])
            if self.decoder is not None:
                if self._written:
                    self.flush()
                self.read(data)
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
            self.lost = True
            if self._held is None:  # a held connection ends when it is released
                self._end()

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
