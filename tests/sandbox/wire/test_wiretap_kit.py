"""Shared kit for the wire tap tests (this module holds no tests).

A scripted mini SMTP server that speaks just enough RFC 5321/3207 for the tap to watch (not the
sandbox server: these tests are about the tap and must control every byte the server writes), a
line client on asyncio streams, a throwaway PKI from `sandbox.pki.certs`, and event filters.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.events import SandboxEvent, Side, WireChunk, WireLine, WireRecord, WireSwitch
from sandbox.pki.certs import make_ca, make_leaf, write_pair
from sandbox.pki.tlsconfig import client_context, server_context
from sandbox.wire.tap import Tamper, WireTap

TIMEOUT = 10.0


@dataclass(frozen=True)
class Pki:
    ca_cert: Path
    cert: Path
    key: Path

    def server(self) -> ssl.SSLContext:
        return server_context(self.cert, self.key)

    def client(self, maximum: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED) -> ssl.SSLContext:
        ctx = client_context(self.ca_cert)
        ctx.maximum_version = maximum
        return ctx


def make_pki(directory: Path, names: Sequence[str] = ("sandbox.test", "localhost")) -> Pki:
    ca = make_ca()
    ca_cert, _ = write_pair(directory, "ca", *ca)
    cert, key = write_pair(directory, "server", *make_leaf(*ca, names))
    return Pki(ca_cert, cert, key)


@dataclass
class MiniSmtp:
    """A scripted SMTP server. `ctx` enables STARTTLS; `implicit` wraps the port in TLS instead."""

    ctx: ssl.SSLContext | None = None
    starttls_reply: bytes = b"220 2.0.0 Ready to start TLS"
    after_220: bytes = b""  # written in the same write as the 220: a response injection (I6)
    lines: list[tuple[bool, bytes]] = field(default_factory=list)  # (inside TLS, line) received
    discarded: list[bytes] = field(default_factory=list)  # plaintext pipelined after STARTTLS
    server: asyncio.Server | None = None
    handlers: set[asyncio.Task[None]] = field(default_factory=set)
    writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def start(self, *, implicit: bool = False) -> None:
        self.server = await asyncio.start_server(
            self._handle, "127.0.0.1", 0, ssl=self.ctx if implicit else None
        )
        self._implicit = implicit

    async def stop(self) -> None:
        """Stop listening; connections still open are cut, and their handlers end by themselves."""
        if self.server is not None:
            self.server.close()
            for writer in self.writers:
                writer.transport.abort()
            if self.handlers:
                await asyncio.wait(self.handlers, timeout=TIMEOUT)
            await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        self.writers.add(writer)
        try:
            await self._converse(reader, writer, tls=self._implicit)
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()
            self.writers.discard(writer)
            self.handlers.discard(task)

    async def _converse(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, tls: bool
    ) -> None:
        writer.write(b"220 sandbox.test ESMTP mini\r\n")
        buf = b""
        while chunk := await reader.read(65536):
            buf += chunk
            while b"\n" in buf:
                raw, _, buf = buf.partition(b"\n")
                line = raw.rstrip(b"\r")
                self.lines.append((tls, line))
                verb = line.split(b" ")[0].upper()
                if verb == b"EHLO":
                    last = b"250 AUTH PLAIN" if tls else b"250 STARTTLS"
                    writer.write(b"250-sandbox.test\r\n250-PIPELINING\r\n" + last + b"\r\n")
                elif verb == b"STARTTLS" and not tls and self.ctx is not None:
                    writer.write(self.starttls_reply + b"\r\n" + self.after_220)
                    await writer.drain()
                    if self.starttls_reply.startswith(b"220"):
                        self.discarded.append(buf)  # B1: a correct server forgets them
                        buf = b""
                        plain = writer.transport
                        # CPython 3.13.0: when the peer leaves mid-handshake, start_tls() leaves
                        # the writer without a transport (and raises AttributeError on the way),
                        # and StreamWriter.__del__ would then fail too.
                        with contextlib.suppress(AttributeError):
                            await writer.start_tls(self.ctx)
                        if writer.transport is None:
                            setattr(writer, "_transport", plain)  # noqa: B010
                            return
                        tls = True
                elif verb == b"QUIT":
                    writer.write(b"221 2.0.0 Bye\r\n")
                    await writer.drain()
                    return
                else:
                    writer.write(b"250 2.0.0 OK\r\n")
            await writer.drain()


class LineClient:
    """The mail client's side, on asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int, **kwargs: Any) -> LineClient:
        return cls(*await asyncio.open_connection("127.0.0.1", port, **kwargs))

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def reply(self) -> list[bytes]:
        """The lines of one reply, CRLF stripped."""
        out: list[bytes] = []
        while True:
            line = await asyncio.wait_for(self.reader.readline(), TIMEOUT)
            if not line:
                raise ConnectionError("closed")
            out.append(line.rstrip(b"\r\n"))
            if line[3:4] != b"-":
                return out

    async def command(self, line: bytes) -> list[bytes]:
        await self.send(line + b"\r\n")
        return await self.reply()

    async def starttls(self, ctx: ssl.SSLContext) -> None:
        await self.writer.start_tls(ctx, server_hostname="sandbox.test")

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await self.writer.wait_closed()


@contextlib.asynccontextmanager
async def tap_for(
    upstream_port: int, **kwargs: Any
) -> AsyncIterator[tuple[WireTap, list[SandboxEvent]]]:
    """A started tap in front of `upstream_port`, and the list its events land in.

    Leaving the block stops the tap, so every event has been emitted by the time tests look.
    """
    events: list[SandboxEvent] = []
    tap = WireTap("127.0.0.1", upstream_port, emit=events.append, **kwargs)
    await tap.start()
    try:
        yield tap, events
    finally:
        await tap.stop()


def tampering(make: Callable[[], Tamper]) -> dict[str, Any]:
    return {"tamper": make}


# --- event filters ------------------------------------------------------------------------------


def wire_lines(events: Sequence[SandboxEvent], side: Side) -> list[WireLine]:
    return [e for e in events if isinstance(e, WireLine) and e.sender is side]


def texts(events: Sequence[SandboxEvent], side: Side) -> list[str]:
    return [e.text for e in wire_lines(events, side)]


def switches(events: Sequence[SandboxEvent]) -> list[WireSwitch]:
    return [e for e in events if isinstance(e, WireSwitch)]


def wire_records(events: Sequence[SandboxEvent], side: Side) -> list[WireRecord]:
    return [e for e in events if isinstance(e, WireRecord) and e.sender is side]


def chunk_bytes(events: Sequence[SandboxEvent], side: Side) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, WireChunk) and e.sender is side)
