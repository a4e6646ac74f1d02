"""Shared fixtures for the sandbox tests.

A private data dir for every test, the sandbox PKI, running servers, and a raw SMTP wire (asyncio
streams, no SMTP library) to poke them with.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox.pki import tlsconfig
from sandbox.pki.certs import CertBundle, ensure_certs
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer

DEMO_USER = "learner"
DEMO_PASSWORD = "demo-Pa55-for-tests"
WAIT = 15.0  # seconds a wire waits for a reply before the test fails (a busy machine is slow)


def external_tool(name: str) -> str:
    """The path of a tool nobody here wrote (swaks, openssl). Missing: a skip that says how to get
    it on a learner's machine, a failure in CI (CI=true; .ci/run installs both)."""
    exe = shutil.which(name)
    if exe:
        return exe
    how = f"{name} is not installed: sudo apt-get install {name} (macOS: brew install {name})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{how}; CI must run the interop tests", pytrace=False)
    pytest.skip(how)


@pytest.fixture
def tool() -> Callable[[str], str]:
    return external_tool


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every sandbox test gets its own data dir; nothing touches the real home dir."""
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertBundle:
    """One sandbox CA and server certificate for the whole run."""
    return ensure_certs(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def client_ctx(certs: CertBundle) -> ssl.SSLContext:
    """The verifying client context the tutor uses: trusts only the sandbox CA."""
    return tlsconfig.client_context(certs.ca_cert)


@pytest.fixture
def quick() -> Callable[..., ServerPolicy]:
    """A ServerPolicy with test-sized timeouts; keyword arguments override any field."""

    def make(**fields: Any) -> ServerPolicy:
        fields.setdefault("idle_timeout", 5.0)
        fields.setdefault("data_timeout", 5.0)
        return ServerPolicy(**fields)

    return make


@pytest.fixture
async def start_server(
    certs: CertBundle, quick: Callable[..., ServerPolicy]
) -> AsyncIterator[Callable[..., Awaitable[SandboxServer]]]:
    """`await start_server(policy=None, **kwargs)`: a running SandboxServer, stopped after."""
    servers: list[SandboxServer] = []

    async def start(policy: ServerPolicy | None = None, **kwargs: Any) -> SandboxServer:
        kwargs.setdefault("certs", certs)
        kwargs.setdefault("accounts", {DEMO_USER: DEMO_PASSWORD})
        server = SandboxServer(policy or quick(), **kwargs)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


class Wire:
    """A raw SMTP connection: bytes in, replies out, STARTTLS by hand."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def line(self, wait: float = WAIT) -> bytes:
        return await asyncio.wait_for(self.reader.readline(), wait)

    async def reply(self, wait: float = WAIT) -> str:
        """One whole reply (all its lines), CRLFs removed, lines joined with '\\n'."""
        lines = []
        while True:
            raw = await self.line(wait)
            if not raw:
                raise ConnectionError(f"connection closed after {lines!r}")
            text = raw.decode("ascii", "backslashreplace").rstrip("\r\n")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return "\n".join(lines)

    async def cmd(self, command: str | bytes, wait: float = WAIT) -> str:
        data = command.encode() if isinstance(command, str) else command
        await self.send(data + b"\r\n")
        return await self.reply(wait)

    async def starttls(self, ctx: ssl.SSLContext, server_hostname: str = "sandbox.test") -> None:
        await self.writer.start_tls(ctx, server_hostname=server_hostname)

    async def upgrade(self, ctx: ssl.SSLContext) -> str:
        """EHLO, STARTTLS, handshake, EHLO again; returns the EHLO reply from inside TLS."""
        assert (await self.cmd("EHLO client.test")).startswith("250")
        assert (await self.cmd("STARTTLS")).startswith("220")
        await self.starttls(ctx)
        return await self.cmd("EHLO client.test")

    async def read_until_closed(self, wait: float = WAIT) -> bytes:
        """Everything the server still sends, up to its closing the connection."""
        return await asyncio.wait_for(self.reader.read(), wait)

    async def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()
        with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
            await asyncio.wait_for(self.writer.wait_closed(), 2)


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Awaitable[Wire]]]:
    """`await connect(server, tls=None, banner=True)`: a Wire; with banner, the 220 is read."""
    wires: list[Wire] = []

    async def open_wire(
        server: SandboxServer,
        *,
        tls: ssl.SSLContext | None = None,
        banner: bool = True,
        server_hostname: str = "sandbox.test",
    ) -> Wire:
        reader, writer = await asyncio.open_connection(
            server.host, server.port, ssl=tls, server_hostname=server_hostname if tls else None
        )
        wire = Wire(reader, writer)
        wires.append(wire)
        if banner:
            greeting = await wire.reply()
            assert greeting.startswith("220 "), greeting
        return wire

    yield open_wire
    for wire in wires:
        await wire.close()


@pytest.fixture
def demo() -> tuple[str, str]:
    """(user, password) of the account every `start_server` server knows."""
    return DEMO_USER, DEMO_PASSWORD
