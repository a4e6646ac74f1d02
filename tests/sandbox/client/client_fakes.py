"""Scripted fake SMTP servers for the client tests: real sockets on 127.0.0.1:0, bytes recorded.

A test either writes its own `script(conn)` (for broken or hostile servers: split replies,
injected plaintext, silence), or uses `MiniSmtp`, a small well-behaved server whose answers can be
bent one at a time (no STARTTLS, STARTTLS answered 454, AUTH only after TLS...).
`FakeServer.received` holds every line the script read from the client; `MiniSmtp` reads until
the client's QUIT or close, so a test can prove that something was *never* sent.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sandbox.client.smtp import SmtpClient
from sandbox.events import ConversationLine, Level, Notice, SandboxEvent, SessionClosed
from sandbox.pki.certs import CertBundle

WAIT = 5.0  # a fake server gives up on a silent client after this long
T = TypeVar("T")


class FakeConn:
    """The server side of one connection, for scripts."""

    def __init__(
        self, server: FakeServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server, self.reader, self.writer = server, reader, writer
        self.tls = writer.get_extra_info("ssl_object") is not None
        self.socket = writer.get_extra_info("socket")  # the TCP socket, also under TLS

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def line(self) -> bytes:
        """One line from the client (b"" at its end), recorded in `server.received`."""
        data = await asyncio.wait_for(self.reader.readline(), WAIT)
        self.server.received += data
        return data

    async def until_closed(self) -> None:
        """Wait for the client to hang up, ignoring what it sends."""
        await asyncio.wait_for(self.reader.read(), WAIT)

    async def start_tls(self, context: ssl.SSLContext) -> None:
        await self.writer.start_tls(context)
        self.tls = True

    def abort(self, *, reset: bool = False) -> None:
        """Drop the connection without TLS close_notify; with `reset`, as a TCP RST."""
        if reset:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


Script = Callable[[FakeConn], Awaitable[None]]


class FakeServer:
    """Runs `script` for each connection; records what clients sent."""

    def __init__(self, script: Script, *, tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.tls = tls  # implicit TLS from the first byte (F8)
        self.received = bytearray()
        self.port = 0
        self.failures: list[BaseException] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        conn = FakeConn(self, reader, writer)
        try:
            await self.script(conn)
        except (OSError, EOFError, asyncio.IncompleteReadError):
            pass  # the client hung up or broke the handshake: a test looks at the client side
        except BaseException as exc:  # a broken script must fail the test, not vanish
            self.failures.append(exc)
        finally:
            await self._close(writer)
            self._tasks.discard(task)

    @staticmethod
    async def _close(writer: asyncio.StreamWriter) -> None:
        if writer.is_closing():
            return
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 1.0)
        except (OSError, TimeoutError):
            writer.transport.abort()

    async def start(self) -> FakeServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Let connections finish recording what their client sent, then stop."""
        if self._server is None:
            return
        self._server.close()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=2.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._server.wait_closed()
        assert not self.failures, self.failures


@contextlib.asynccontextmanager
async def serving(
    script: Script, *, tls: ssl.SSLContext | None = None
) -> AsyncIterator[FakeServer]:
    server = await FakeServer(script, tls=tls).start()
    try:
        yield server
    finally:
        await server.stop()


# --- a small, well-behaved SMTP server --------------------------------------------------------


@dataclass
class MiniSmtp:
    """A scripted SMTP server; each field bends one answer. Call the instance as a `Script`."""

    tls: ssl.SSLContext | None = None  # the context STARTTLS upgrades with
    banner: bytes = b"220 fake.test ESMTP\r\n"
    ehlo_plain: tuple[str, ...] = ("SIZE 1048576", "8BITMIME", "STARTTLS")
    ehlo_tls: tuple[str, ...] = ("SIZE 1048576", "8BITMIME", "AUTH PLAIN LOGIN")
    ehlo_reply: bytes | None = None  # replaces the whole EHLO reply, e.g. b"502 no\r\n"
    starttls_reply: bytes = b"220 2.0.0 Ready to start TLS\r\n"
    after_starttls: bytes = b""  # sent in the same write as the 220 (F3)
    starttls_in_tls_reply: bytes = b"554 5.5.1 Error: TLS already active\r\n"  # B4
    abort_after_quit: str = ""  # "abort" or "reset": hang up without TLS close_notify (F9)
    commands: list[tuple[bool, str]] = field(default_factory=list)  # (in TLS, line)
    messages: list[bytes] = field(default_factory=list)  # DATA payloads, end marker included
    logins: list[str] = field(default_factory=list)  # decoded AUTH credentials "user:password"

    def ehlo(self, tls: bool) -> bytes:
        if self.ehlo_reply is not None:
            return self.ehlo_reply
        lines = ["fake.test greets you", *(self.ehlo_tls if tls else self.ehlo_plain)]
        return b"".join(
            f"250{'-' if i < len(lines) - 1 else ' '}{text}\r\n".encode()
            for i, text in enumerate(lines)
        )

    async def __call__(self, conn: FakeConn) -> None:
        await conn.send(self.banner)
        while line := await conn.line():
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            self.commands.append((conn.tls, text))
            verb, _, arg = text.partition(" ")
            match verb.upper():
                case "EHLO":
                    await conn.send(self.ehlo(conn.tls))
                case "HELO":
                    await conn.send(b"250 fake.test\r\n")
                case "STARTTLS" if conn.tls:
                    await conn.send(self.starttls_in_tls_reply)
                case "STARTTLS":
                    await conn.send(self.starttls_reply + self.after_starttls)
                    if self.starttls_reply.startswith(b"220") and not self.after_starttls:
                        assert self.tls is not None, "MiniSmtp needs tls= to offer STARTTLS"
                        await conn.start_tls(self.tls)
                case "AUTH" if arg.upper().startswith("PLAIN "):
                    _, user, password = base64.b64decode(arg[6:]).decode().split("\0")
                    self.logins.append(f"{user}:{password}")
                    await conn.send(b"235 2.7.0 Authentication successful\r\n")
                case "AUTH" if arg.upper() == "LOGIN":
                    await conn.send(b"334 VXNlcm5hbWU6\r\n")
                    user = base64.b64decode(await conn.line()).decode()
                    await conn.send(b"334 UGFzc3dvcmQ6\r\n")
                    password = base64.b64decode(await conn.line()).decode()
                    self.logins.append(f"{user}:{password}")
                    await conn.send(b"235 2.7.0 Authentication successful\r\n")
                case "DATA":
                    await conn.send(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    message = bytearray()
                    while (data := await conn.line()) not in (b".\r\n", b""):
                        message += data
                    self.messages.append(bytes(message + data))
                    await conn.send(b"250 2.0.0 Ok: queued as FAKE1\r\n")
                case "QUIT":
                    await conn.send(b"221 2.0.0 Bye\r\n")
                    if self.abort_after_quit:
                        conn.abort(reset=self.abort_after_quit == "reset")
                    return
                case "MAIL" | "RCPT" | "RSET" | "NOOP":
                    await conn.send(b"250 2.0.0 Ok\r\n")
                case _:
                    await conn.send(b"500 5.5.2 Error: command not recognized\r\n")


def verbs(smtp: MiniSmtp) -> list[str]:
    """The command words `smtp` received, in order."""
    return [line.split()[0].upper() for _, line in smtp.commands]


# --- the client under test --------------------------------------------------------------------


def tls_client(
    port: int, events: list[SandboxEvent], certs: CertBundle | None, **options: Any
) -> SmtpClient:
    """A client on 127.0.0.1:`port` trusting the sandbox CA (or, with `certs=None`, nothing
    but the system store), with a test-sized timeout."""
    options.setdefault("timeout", 3.0)
    ca_file = certs.ca_cert if certs is not None else None
    return SmtpClient("127.0.0.1", port, ca_file=ca_file, emit=events.append, **options)


# --- looking at what the client said ------------------------------------------------------------


class Events(list[SandboxEvent]):
    """Collects a client's events; `emit=events.append`."""

    def lines(self) -> list[str]:
        """The conversation in swaks notation: `-> EHLO client.test`, `<~ 250 ...`."""
        return [f"{e.marker} {e.text}" for e in self if isinstance(e, ConversationLine)]

    def notices(self, level: Level | None = None) -> list[str]:
        return [
            e.text for e in self if isinstance(e, Notice) and (level is None or e.level is level)
        ]

    def of(self, kind: type[T]) -> list[T]:
        return [e for e in self if isinstance(e, kind)]

    def closed(self) -> list[SessionClosed]:
        return [e for e in self if isinstance(e, SessionClosed)]
