"""One relayed connection of the wire tap: what joins its two sockets (`sandbox.wire.leg.Leg`).

`sandbox.wire.tap.WireTap` accepts the client's socket and hands it to a `Relay`, which connects to
the upstream server, forwards every chunk both ways (through the connection's `Tamper`, if any),
feeds the eavesdropper's decoder, passes half-closes on, applies back-pressure, closes idle
connections and runs an attack's take-over. Kept apart from the listener so each stays small.

Imports point one way: the listener knows this module; this module knows only the `RelaySettings`
and the two callbacks the listener hands it (`accept` on the client's leg, `finished` on the
relay), never the listener itself.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sandbox.asyncio_private import socket_transport
from sandbox.events import Level, SandboxEvent, Side
from sandbox.notices import notice
from sandbox.wire.decode import ConnectionDecoder
from sandbox.wire.leg import Leg
from sandbox.wire.tamper import TakeOver, TakeOverHandler, Tamper, TapControl

Emit = Callable[[SandboxEvent], None]
HOLD_LIMIT = 64 * 1024  # client bytes kept while the server's leg is not there; then stop reading


@dataclass(frozen=True, slots=True)
class RelaySettings:
    """What one relayed connection needs to know of its tap, fixed when it is accepted."""

    upstream: tuple[str, int]
    emit: Emit
    idle_timeout: float
    connect_timeout: float
    max_capture_bytes: int
    tamper: Tamper | None


class Relay:
    """One relayed connection: the client's leg, the server's leg, maybe a take-over handler.

    Everything happens in protocol callbacks: a chunk read from one leg is decoded and written to
    the other at once, with no task hop in between (the tap must cost little per round trip).
    """

    def __init__(
        self,
        settings: RelaySettings,
        conn_id: int,
        client: Leg,
        *,
        finished: Callable[[Relay], None],
    ) -> None:
        self.id = conn_id
        self.emit = settings.emit
        self._settings = settings
        self._finished = finished
        self._loop = asyncio.get_running_loop()
        self._client = client
        self._server: Leg | None = None  # None until connected, and while switching legs
        self._held = bytearray()  # client bytes for a server leg that is not there yet
        self._eof = {Side.CLIENT: False, Side.SERVER: False}
        self._decoder = ConnectionDecoder(
            settings.emit, max_capture_bytes=settings.max_capture_bytes
        )
        self._tamper = settings.tamper
        self.control = TapControl(self)
        self.done = asyncio.Event()
        self._ending = False
        self._last = self._loop.time()
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._takeover: TakeOverHandler | None = None
        self._taken = False
        self._handler_running = False
        self._handover: TakeOver | None = None
        self._pair: socket.socket | None = None  # the tap's end, until its leg is made

    def start(self) -> None:
        assert self._client.transport is not None
        if self._tamper is not None:
            self._client.transport.pause_reading()  # until the server's leg is up and told
        # else: what the client sends early waits in _held (bounded: see to_server)
        if self._tamper is not None or not self._connect_now():
            self._spawn(self._connect())
        self._timer = self._loop.call_at(self._last + self._settings.idle_timeout, self._idle_check)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self) -> None:
        host, port = self._settings.upstream
        paused = self._tamper is not None
        try:
            # asyncio.timeout rather than wait_for: no second task per connection.
            async with asyncio.timeout(self._settings.connect_timeout):
                _, leg = await self._loop.create_connection(
                    lambda: Leg(Side.SERVER, conn=self, paused=paused), host, port
                )
        except (OSError, TimeoutError) as exc:
            self.emit(notice(Level.ERROR, "tap.cannot_reach", host=host, port=port, error=exc))
            self.abort()
            return
        if self._ending:
            leg.close(abort=True)
            return
        self._attach(leg)
        if self._tamper is not None:
            self._guarded(self._tamper.opened, self.control)
        for ready in (self._client, self._server):  # the server's is None if taken over
            if ready is not None and ready.transport is not None and not ready.lost:
                ready.transport.resume_reading()

    def _connect_now(self) -> bool:
        """Connect to a numeric loopback upstream in this callback, if the kernel completes it at
        once (it does on loopback); else the caller falls back to `_connect`. No tamper: nobody
        needs telling before the first byte."""
        host, port = self._settings.upstream
        try:
            family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
        except ValueError:  # a name: resolving it is create_connection's job
            return False
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:  # out of descriptors: _connect says so
            return False
        try:
            sock.setblocking(False)
            if sock.connect_ex((host, port)) not in (0, errno.EINPROGRESS):
                raise OSError("refused")  # create_connection says why, in its words
            sock.getpeername()  # OSError (ENOTCONN) while the handshake is still under way
            leg = Leg(Side.SERVER, conn=self, paused=False)
            leg.transport = socket_transport(self._loop, sock, leg)
        except OSError:
            sock.close()
            return False
        self._attach(leg)
        return True

    def _guarded(self, action: Callable[[TapControl], None], control: TapControl) -> None:
        try:
            action(control)
            if self._takeover is not None:
                self._switch()
        except Exception as exc:  # a bug (or a tamper's): say so rather than hang the connection
            self.emit(notice(Level.ERROR, "tap.internal_error", error=repr(exc)))
            self.abort()

    def _attach(self, leg: Leg) -> None:
        """Make `leg` the server's side; it starts reading once the caller is ready."""
        self._server = leg
        if self._held:
            leg.write(bytes(self._held))
            self._held.clear()
        if self._eof[Side.CLIENT]:
            leg.write_eof()

    # --- relaying ---------------------------------------------------------------------------

    def received(self, side: Side, data: bytes) -> None:
        self._last = self._loop.time()
        tamper = None if self._taken else self._tamper
        try:
            if side is Side.CLIENT:
                self._decoder.feed(Side.CLIENT, data)
                if tamper is not None:
                    data = tamper.client_data(data, self.control)
                if data:
                    self.to_server(data)
            else:
                if tamper is not None:
                    data = tamper.server_data(data, self.control)
                if data:
                    self.to_client(data)
            if self._takeover is not None:
                self._switch()
        except Exception as exc:  # a bug (or a tamper's): say so rather than hang the connection
            self.emit(notice(Level.ERROR, "tap.internal_error", error=repr(exc)))
            self.abort()

    def to_client(self, data: bytes) -> None:
        self._decoder.feed(Side.SERVER, data)
        self._client.write(data)

    def to_server(self, data: bytes) -> None:
        if self._server is None:
            self._held += data
            if len(self._held) > HOLD_LIMIT and self._client.transport is not None:
                self._client.transport.pause_reading()  # _attach's caller resumes it
        else:
            self._server.write(data)

    def show_to_server(self, data: bytes) -> None:
        """Let the eavesdropper see bytes a tamper adds toward the server (see wiretamper)."""
        self._decoder.feed(Side.CLIENT, data)

    def flow(self, side: Side, *, pause: bool) -> None:
        """`side`'s socket cannot take more for now: stop (or resume) reading the other one."""
        other = self._server if side is Side.CLIENT else self._client
        if other is not None and other.transport is not None and not other.lost:
            if pause:
                other.transport.pause_reading()
            else:
                other.transport.resume_reading()

    def eof(self, side: Side) -> None:
        self._eof[side] = True
        if side is Side.CLIENT:
            if self._server is not None:
                self._server.write_eof()
        else:
            self._client.write_eof()
        if self._eof[Side.CLIENT] and self._eof[Side.SERVER] and not self._handler_running:
            self._close_legs()

    def lost(self, side: Side) -> None:
        leg = self._client if side is Side.CLIENT else self._server
        if leg is not None and not leg.lost:
            return  # an old server leg handed to a take-over handler
        self._close_legs()  # what was forwarded is flushed before the other socket closes
        self._maybe_done()

    def _close_legs(self, *, abort: bool = False) -> None:
        self._ending = True
        for leg in (self._client, self._server):
            if leg is not None:
                leg.close(abort=abort)

    def abort(self) -> None:
        """End the connection now (tap stopping, idle, error)."""
        self._ending = True
        for task in self._tasks:
            task.cancel()
        self._release_handover()
        self._close_legs(abort=True)
        self._maybe_done()

    def _maybe_done(self) -> None:
        legs_gone = self._client.lost and (self._server is None or self._server.lost)
        if legs_gone and not self._handler_running and not self.done.is_set():
            if self._timer is not None:
                self._timer.cancel()
            for task in self._tasks:
                task.cancel()
            self.done.set()
            self._finished(self)
            self._decoder.finish()
            if self._tamper is not None:
                self._tamper.closed(self.control)

    def _idle_check(self) -> None:
        idle = self._settings.idle_timeout
        if self._loop.time() - self._last < idle:
            self._timer = self._loop.call_at(self._last + idle, self._idle_check)
            return
        self.emit(notice(Level.INFO, "tap.idle", seconds=f"{idle:g}"))
        self.abort()

    # --- take-over ------------------------------------------------------------------------------

    def request_takeover(self, handler: TakeOverHandler) -> None:
        if not self._taken and self._takeover is None:
            self._takeover = handler

    def _switch(self) -> None:
        """Hand the server's socket to the handler; the client's leg goes on via a socket pair."""
        handler, self._takeover = self._takeover, None
        assert handler is not None
        old = self._server
        if self._taken or old is None or old.transport is None or old.lost:
            return
        self._taken = self._handler_running = True
        self._server = None  # client bytes wait in _held until the pair is up
        # The server's socket now speaks to a stream the handler reads; nothing already read
        # is lost (the relay forwarded it) and nothing later reaches the relay.
        reader = asyncio.StreamReader()
        protocol = asyncio.StreamReaderProtocol(reader)
        old.transport.set_protocol(protocol)
        protocol.connection_made(old.transport)
        old.transport.resume_reading()
        writer = asyncio.StreamWriter(old.transport, protocol, reader, self._loop)
        assert self._client.transport is not None
        self._client.transport.resume_reading()  # in case the old leg had it paused
        ours, theirs = socket.socketpair()
        self._handover = TakeOver(self.control, reader, writer, theirs)
        self._pair = ours
        self._spawn(self._run_handler(handler, self._handover))

    async def _run_handler(self, handler: TakeOverHandler, takeover: TakeOver) -> None:
        try:
            ours, self._pair = self._pair, None
            assert ours is not None
            try:
                _, leg = await self._loop.create_connection(
                    lambda: Leg(Side.SERVER, conn=self), sock=ours
                )
            except BaseException:
                ours.close()
                raise
            self._attach(leg)
            assert leg.transport is not None and self._client.transport is not None
            leg.transport.resume_reading()
            self._client.transport.resume_reading()  # to_server may have paused it meanwhile
            await handler(takeover)
        except (ConnectionError, OSError, TimeoutError) as exc:  # ssl.SSLError is an OSError
            self.emit(notice(Level.WARNING, "tap.takeover_ended", error=exc))
        finally:
            self._handler_running = False
            takeover._close_now()  # the client sees the end through the pair
            if self._server is None or self._server.lost:
                self._close_legs()
            self._maybe_done()
            await takeover._wait_closed()

    def _release_handover(self) -> None:
        """A take-over whose handler may never run: close what it was given."""
        self._handler_running = False
        if self._pair is not None:
            self._pair.close()
            self._pair = None
        if self._handover is not None:
            self._handover._close_now()
