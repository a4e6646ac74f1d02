"""A loopback wire tap: a TCP relay between mail client and server that reports what crosses it.

    tap = WireTap("127.0.0.1", server_port, emit=callback)
    await tap.start()          # listens on tap.host:tap.port (loopback only, security.md I1)
    ...                        # point the client at the tap instead of the server
    await tap.stop()

Every read becomes a `WireChunk`, and `sandbox.wiredecode.ConnectionDecoder` turns the bytes into
what an eavesdropper understands (SMTP lines, the switch to TLS, TLS records). The relay forwards
bytes exactly, in order, both ways, and passes half-closes on (I2). It is bounded (I3): at most
`max_connections` at once (more are closed at once, with a Notice), `max_capture_bytes` recorded per
connection (beyond that it keeps relaying but stops recording, and says so once), and a connection
with no traffic for `idle_timeout` seconds is closed.

The eavesdropper watches the client's leg: what the client sends and what the client receives.

Tampering (attack labs, security.md I7): `tamper` is a factory called once per connection; the
`sandbox.wiretamper.Tamper` it returns sees every chunk before it is forwarded (see that module).
Without one, the tap forwards exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Callable, Coroutine
from typing import Any

from sandbox.events import Level, Notice, SandboxEvent, Side
from sandbox.wiredecode import ConnectionDecoder
from sandbox.wiretamper import CHUNK, TakeOver, TakeOverHandler, Tamper, TapControl

__all__ = ["TakeOver", "Tamper", "TapControl", "WireTap", "is_loopback"]

Emit = Callable[[SandboxEvent], None]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WireTap:
    """The relay; see the module docstring."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        emit: Emit,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        max_connections: int = 4,
        max_capture_bytes: int = 4 * 1024 * 1024,
        idle_timeout: float = 60.0,
        connect_timeout: float = 5.0,
        tamper: Callable[[], Tamper | None] | None = None,
    ) -> None:
        if not is_loopback(listen_host):
            raise ValueError(f"the wire tap listens on loopback only, not {listen_host!r}")
        self.upstream = (upstream_host, upstream_port)
        self.emit = emit
        self.listen = (listen_host, listen_port)
        self.max_connections = max_connections
        self.max_capture_bytes = max_capture_bytes
        self.idle_timeout = idle_timeout
        self.connect_timeout = connect_timeout
        self.tamper = tamper  # may be changed between connections
        self._server: asyncio.Server | None = None
        self._active: dict[_Connection, asyncio.Task[None]] = {}
        self._count = 0

    @property
    def host(self) -> str:
        return str(self._sockname()[0])

    @property
    def port(self) -> int:
        return int(self._sockname()[1])

    @property
    def active_connections(self) -> int:
        return len(self._active)

    def _sockname(self) -> tuple[str | int, ...]:
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the wire tap is not started")
        return tuple(self._server.sockets[0].getsockname())

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, *self.listen, limit=CHUNK)

    async def stop(self) -> None:
        """Close the listener and every connection, and wait until they are gone."""
        if self._server is None:
            return
        self._server.close()
        for conn in list(self._active):
            conn.abort()
        if self._active:
            await asyncio.gather(*self._active.values(), return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._active) >= self.max_connections:
            self.emit(
                Notice(
                    level=Level.WARNING,
                    text=f"Wire tap: refused a connection, {self.max_connections} already open.",
                )
            )
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return
        self._count += 1
        tamper = self.tamper() if self.tamper is not None else None
        conn = _Connection(self, self._count, reader, writer, tamper)
        task = asyncio.current_task()
        assert task is not None
        self._active[conn] = task
        try:
            await conn.run()
        finally:
            del self._active[conn]


class _Connection:
    """One relayed connection: two pumps, a watchdog, maybe a take-over handler."""

    def __init__(
        self,
        tap: WireTap,
        conn_id: int,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        tamper: Tamper | None,
    ) -> None:
        self.id = conn_id
        self.emit = tap.emit
        self._tap = tap
        self._c_reader, self._c_writer = reader, writer
        self._up_reader: asyncio.StreamReader | None = None
        self._up_writer: asyncio.StreamWriter | None = None  # None while switching legs
        self._writers: list[asyncio.StreamWriter] = [writer]
        self._held = bytearray()  # client bytes that arrive while the server leg is switched
        self._tamper = tamper
        self.control = TapControl(self)
        self._decoder = ConnectionDecoder(tap.emit, max_capture_bytes=tap.max_capture_bytes)
        self._loop = asyncio.get_running_loop()
        self._last = self._loop.time()
        self._ended = asyncio.Event()
        self._client_eof = self._server_eof = False
        self._takeover: TakeOverHandler | None = None
        self._taken = False
        self._handler_done = False
        self._server_pump: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def run(self) -> None:
        host, port = self._tap.upstream
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, limit=CHUNK), self._tap.connect_timeout
            )
        except (OSError, TimeoutError) as exc:
            self.emit(
                Notice(level=Level.ERROR, text=f"Wire tap: cannot reach {host}:{port} ({exc}).")
            )
            await self._close_all()
            return
        self._up_reader, self._up_writer = up_reader, up_writer
        self._writers.append(up_writer)
        if self._tamper is not None:
            self._tamper.opened(self.control)
        self._server_pump = self._spawn(self._pump_server(up_reader, tampered=True))
        self._spawn(self._pump_client())
        self._spawn(self._watchdog())
        try:
            await self._ended.wait()
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._close_all()
            self._decoder.finish()
            if self._tamper is not None:
                self._tamper.closed(self.control)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(self._guarded(coro))
        self._tasks.append(task)
        return task

    async def _close_all(self) -> None:
        for w in self._writers:
            w.close()
        for w in self._writers:
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(w.wait_closed(), 1.0)

    async def _guarded(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except (ConnectionError, OSError):
            self.abort()  # a peer reset or vanished: the other side goes too
        except Exception as exc:  # a bug (or a tamper's): say so rather than hang the connection
            self.emit(Notice(level=Level.ERROR, text=f"Wire tap: internal error: {exc!r}"))
            self.abort()

    def abort(self) -> None:
        self._ended.set()

    def _maybe_end(self) -> None:
        handler_running = self._taken and not self._handler_done
        if self._client_eof and self._server_eof and not handler_running:
            self._ended.set()

    # --- the two directions ------------------------------------------------------------------

    async def _pump_client(self) -> None:
        while data := await self._c_reader.read(CHUNK):
            self._last = self._loop.time()
            self._decoder.feed(Side.CLIENT, data)
            if self._tamper is not None and not self._taken:
                data = self._tamper.client_data(data, self.control)
            if data:
                self.to_server(data)
            if self._takeover is not None:
                await self._switch()
            elif self._up_writer is not None:
                await self._up_writer.drain()
        self._client_eof = True
        if self._up_writer is not None and self._up_writer.can_write_eof():
            self._up_writer.write_eof()
        self._maybe_end()

    async def _pump_server(self, reader: asyncio.StreamReader, *, tampered: bool) -> None:
        while data := await reader.read(CHUNK):
            self._last = self._loop.time()
            if tampered and self._tamper is not None:
                data = self._tamper.server_data(data, self.control)
            if data:
                self.to_client(data)
            if tampered and self._takeover is not None:
                await self._switch()
                return  # the server's stream now belongs to the handler
            await self._c_writer.drain()
        self._server_eof = True
        if self._c_writer.can_write_eof():
            self._c_writer.write_eof()
        self._maybe_end()

    def to_client(self, data: bytes) -> None:
        self._decoder.feed(Side.SERVER, data)
        self._c_writer.write(data)

    def to_server(self, data: bytes) -> None:
        if self._up_writer is None:
            self._held += data
        else:
            self._up_writer.write(data)

    async def _watchdog(self) -> None:
        idle = self._tap.idle_timeout
        while True:
            # Sleeps until the earliest moment the connection could be idle; traffic moves it on.
            await asyncio.sleep(self._last + idle - self._loop.time())
            if self._loop.time() - self._last >= idle:
                break
        self.emit(
            Notice(
                level=Level.INFO,
                text=f"Wire tap: closed a connection idle for {self._tap.idle_timeout:g} s.",
            )
        )
        self.abort()

    # --- take-over ---------------------------------------------------------------------------

    def request_takeover(self, handler: TakeOverHandler) -> None:
        if not self._taken and self._takeover is None:
            self._takeover = handler

    async def _switch(self) -> None:
        """Hand the server leg to the handler; the client leg goes on through a socket pair."""
        handler, self._takeover = self._takeover, None
        assert handler is not None
        self._taken = True
        if self._server_pump is not asyncio.current_task() and self._server_pump is not None:
            # It waits in read() or drain(): cancelling there loses no byte.
            self._server_pump.cancel()
        server_writer, self._up_writer = self._up_writer, None
        assert server_writer is not None
        ours, theirs = socket.socketpair()
        pair_reader, pair_writer = await asyncio.open_connection(sock=ours, limit=CHUNK)
        self._writers.append(pair_writer)
        self._up_writer = pair_writer
        if self._held:
            pair_writer.write(bytes(self._held))
            self._held.clear()
        if self._client_eof:
            pair_writer.write_eof()
        self._server_eof = False
        self._server_pump = self._spawn(self._pump_server(pair_reader, tampered=False))
        assert self._up_reader is not None
        takeover = TakeOver(self.control, self._up_reader, server_writer, theirs)
        self._spawn(self._run_handler(handler, takeover))

    async def _run_handler(self, handler: TakeOverHandler, takeover: TakeOver) -> None:
        try:
            await handler(takeover)
        except (ConnectionError, OSError, TimeoutError) as exc:  # ssl.SSLError is an OSError
            self.emit(
                Notice(level=Level.WARNING, text=f"Wire tap: the take-over ended early ({exc}).")
            )
        finally:
            self._handler_done = True
            await takeover._close()  # the client sees the end through the pump
            self._maybe_end()
