"""A loopback wire tap: a TCP relay between mail client and server that reports what crosses it.

    tap = WireTap("127.0.0.1", server_port, emit=callback)
    await tap.start()          # listens on tap.host:tap.port (loopback only, properties.md I1)
    ...                        # point the client at the tap instead of the server
    await tap.stop()

Every read becomes a `WireChunk`, and `sandbox.wire.decode.ConnectionDecoder` turns the bytes into
what an eavesdropper understands (SMTP lines, the switch to TLS, TLS records). The relay forwards
bytes exactly, in order, both ways, and passes half-closes on (I2). It is bounded (I3): at most
`max_connections` at once (more are closed at once, with a Notice), `max_capture_bytes` recorded per
connection (beyond that it keeps relaying but stops recording, and says so once), and a connection
with no traffic for `idle_timeout` seconds is closed.

The eavesdropper watches the client's leg: what the client sends and what the client receives.

Tampering (attack labs, properties.md I7): `tamper` is a factory called once per connection; the
`sandbox.wire.tamper.Tamper` it returns sees every chunk before it is forwarded (see that module).
Without one, the tap forwards exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable

from sandbox.asyncio_private import socket_transport
from sandbox.events import Level, SandboxEvent, Side
from sandbox.notices import notice
from sandbox.safety.loopback import is_loopback
from sandbox.wire.leg import Leg
from sandbox.wire.relay import Relay, RelaySettings
from sandbox.wire.tamper import TakeOver, Tamper, TapControl

__all__ = ["TakeOver", "Tamper", "TapControl", "WireTap", "is_loopback"]

Emit = Callable[[SandboxEvent], None]
LISTEN_BACKLOG = 1024  # as the server's; the kernel caps it at net.core.somaxconn


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
        max_connections: int = 256,  # a lab needs a few, a 200-session load 200; fds stay bounded
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
        self._sock: socket.socket | None = None  # the listening socket, while started
        self._resume: asyncio.TimerHandle | None = None  # accepting again after EMFILE and such
        self._active: set[Relay] = set()
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
        if self._sock is None:
            raise RuntimeError("the wire tap is not started")
        return tuple(self._sock.getsockname())

    async def start(self) -> None:
        """Listen. The tap accepts in a reader callback and makes each transport there: asyncio's
        server spends a task, a future and two loop turns on every accepted connection."""
        loop = asyncio.get_running_loop()
        host, port = self.listen
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, _, _, _, address = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            # The server's deep backlog (sandbox.smtpd.server): asyncio's default of 100
            # overflowed at 200 concurrent connects (issue 15); a dropped SYN waits out 1 s.
            sock.listen(LISTEN_BACKLOG)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._sock = sock
        loop.add_reader(sock.fileno(), self._accept_ready)

    def _accept_ready(self) -> None:
        sock = self._sock
        if sock is None:
            return
        loop = asyncio.get_running_loop()
        for _ in range(LISTEN_BACKLOG):
            try:
                conn, _ = sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:  # out of descriptors or memory: as asyncio, retry in a second
                self.emit(notice(Level.ERROR, "tap.cannot_accept", error=exc))
                loop.remove_reader(sock.fileno())
                self._resume = loop.call_later(1.0, self._accept_again)
                return
            try:
                conn.setblocking(False)
                socket_transport(loop, conn, Leg(Side.CLIENT, accept=self._accepted))
            except OSError:
                conn.close()

    def _accept_again(self) -> None:
        self._resume = None
        if self._sock is not None:
            asyncio.get_running_loop().add_reader(self._sock.fileno(), self._accept_ready)

    async def stop(self) -> None:
        """Close the listener and every connection, and wait until they are gone."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        asyncio.get_running_loop().remove_reader(sock.fileno())
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        sock.close()
        conns = list(self._active)
        for conn in conns:
            conn.abort()
        for conn in conns:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(conn.done.wait(), 5.0)

    def _accepted(self, leg: Leg) -> Relay | None:
        if self._sock is None:  # accepted just before the tap stopped
            return None
        if len(self._active) >= self.max_connections:
            self.emit(notice(Level.WARNING, "tap.busy", max=self.max_connections))
            return None
        self._count += 1
        settings = RelaySettings(
            upstream=self.upstream,
            emit=self.emit,
            idle_timeout=self.idle_timeout,
            connect_timeout=self.connect_timeout,
            max_capture_bytes=self.max_capture_bytes,
            tamper=self.tamper() if self.tamper is not None else None,
        )
        conn = Relay(settings, self._count, leg, finished=self._finished)
        self._active.add(conn)
        return conn

    def _finished(self, conn: Relay) -> None:
        self._active.discard(conn)
