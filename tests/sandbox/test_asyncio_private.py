"""asyncio's private parts the sandbox relies on still exist and still mean what they did.

CI runs these on every supported Python (properties.md A2): if a new asyncio renames
`StreamReader._buffer` or changes `SSLProtocol`, this file fails first and names the part.
`PRIVATE_PARTS` names every one of them, and a test reads sandbox/asyncio_private.py to check that
the list is whole: a private name used there and missing here fails as well.
"""

from __future__ import annotations

import ast
import asyncio
import asyncio.sslproto as sslproto
import inspect
import socket
import ssl
from pathlib import Path

import pytest

import sandbox.asyncio_private
from sandbox.asyncio_private import server_tls_layer, socket_transport, unread_bytes
from sandbox.pki import tlsconfig
from sandbox.pki.certs import CertBundle

PRIVATE_PARTS: dict[str, tuple[str, str]] = {
    # name: (where it lives, what it is)
    "_buffer": ("asyncio.StreamReader", "attribute"),
    "_closed": ("asyncio.StreamReaderProtocol", "attribute"),
    "_app_transport": ("asyncio.sslproto.SSLProtocol", "attribute"),
    "_transport": ("asyncio.sslproto.SSLProtocol", "attribute"),
    "_outgoing": ("asyncio.sslproto.SSLProtocol", "attribute"),
    "_on_handshake_complete": ("asyncio.sslproto.SSLProtocol", "method"),
    "_start_shutdown": ("asyncio.sslproto.SSLProtocol", "method"),
    "_make_socket_transport": ("asyncio event loop", "method"),
}


def private_names_used(source: str) -> set[str]:
    """Every `x._name` the module reads or calls, and every `_name` method its classes define
    (an override of a private method is a use of it)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            names.add(node.attr)
        elif isinstance(node, ast.ClassDef):
            names.update(
                f.name
                for f in node.body
                if isinstance(f, ast.FunctionDef) and f.name.startswith("_") and f.name[1] != "_"
            )
    return {n for n in names if not n.startswith("__")}


def test_a2_every_private_asyncio_part_the_sandbox_uses_is_named_here() -> None:
    source = Path(sandbox.asyncio_private.__file__).read_text(encoding="utf-8")
    assert private_names_used(source) == set(PRIVATE_PARTS)
    for name in PRIVATE_PARTS:
        assert f"`{name}`" in source or f".{name}`" in source or f"{name}(" in source, (
            f"sandbox/asyncio_private.py uses {name} without saying why in its docstring"
        )


async def test_a2_every_named_private_part_exists_on_this_python(certs: CertBundle) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    context = tlsconfig.server_context(certs.server_cert, certs.server_key)
    layer, _ = server_tls_layer(loop, asyncio.Protocol(), context, loop.create_future())
    owners = {
        "asyncio.StreamReader": reader,
        "asyncio.StreamReaderProtocol": asyncio.StreamReaderProtocol(reader),
        "asyncio.sslproto.SSLProtocol": layer,
        "asyncio event loop": loop,
    }
    missing = [
        f"{where}.{name}"
        for name, (where, kind) in PRIVATE_PARTS.items()
        if not hasattr(owners[where], name)
        or (kind == "method" and not callable(getattr(type(owners[where]), name, None)))
    ]
    assert missing == []
    closed = owners["asyncio.StreamReaderProtocol"]._closed  # type: ignore[attr-defined]
    assert isinstance(closed, asyncio.Future)  # settle_closed reads it as one
    assert isinstance(reader._buffer, bytearray)  # type: ignore[attr-defined]


WAIT = 5.0


async def test_f3_unread_bytes_counts_what_a_reader_holds_unread() -> None:
    reader = asyncio.StreamReader()
    assert unread_bytes(reader) == 0
    reader.feed_data(b"220 go\r\nINJECTED\r\n")
    assert unread_bytes(reader) == 18


async def test_f3_unread_bytes_sees_plaintext_that_followed_a_line_on_a_real_socket() -> None:
    async def serve(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # what a man in the middle does to STARTTLS: a second reply in the same segment
        writer.write(b"220 Ready to start TLS\r\n250 injected\r\n")
        await writer.drain()
        writer.close()  # Python 3.12+: the server's wait_closed() waits for its connections

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        async with asyncio.timeout(WAIT):
            assert await reader.readline() == b"220 Ready to start TLS\r\n"
            # the rest may arrive in a later segment; asyncio has no event for "more buffered"
            while unread_bytes(reader) < len(b"250 injected\r\n"):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert unread_bytes(reader) == len(b"250 injected\r\n")
        assert await reader.readline() == b"250 injected\r\n"
        assert unread_bytes(reader) == 0
    finally:
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()


def test_sslprotocol_takes_the_arguments_the_sandbox_passes() -> None:
    params = list(inspect.signature(sslproto.SSLProtocol.__init__).parameters)
    assert params[:5] == ["self", "loop", "app_protocol", "sslcontext", "waiter"]
    assert "server_side" in params


@pytest.mark.parametrize(
    ("name", "params"),
    [("_on_handshake_complete", ("self", "handshake_exc")), ("_start_shutdown", ("self",))],
)
def test_g6_overridden_sslprotocol_methods_keep_their_signature(
    name: str, params: tuple[str, ...]
) -> None:
    assert tuple(inspect.signature(getattr(sslproto.SSLProtocol, name)).parameters) == params


async def test_g6_the_tls_layer_has_the_attributes_its_overrides_read(certs: CertBundle) -> None:
    loop = asyncio.get_running_loop()
    context = tlsconfig.server_context(certs.server_cert, certs.server_key)
    layer, app_transport = server_tls_layer(loop, asyncio.Protocol(), context, loop.create_future())
    assert isinstance(layer._outgoing, ssl.MemoryBIO)  # type: ignore[attr-defined]
    assert layer._transport is None  # no socket under it yet
    assert isinstance(app_transport, asyncio.Transport)


class _Echo(asyncio.Protocol):
    """Echoes upper-cased what arrives inside TLS; records that it was told of the connection."""

    def __init__(self) -> None:
        self.transport: asyncio.BaseTransport | None = None
        self.made: list[asyncio.BaseTransport] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.made.append(transport)

    def data_received(self, data: bytes) -> None:
        assert isinstance(self.transport, asyncio.Transport)
        self.transport.write(data.upper())


async def test_a2_server_tls_layer_runs_a_real_handshake_under_a_protocol(
    certs: CertBundle,
) -> None:
    loop = asyncio.get_running_loop()
    context = tlsconfig.server_context(certs.server_cert, certs.server_key)
    echoes: list[_Echo] = []
    handshakes: list[asyncio.Future[None]] = []

    class Plain(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            # implicit TLS, started by hand on an accepted plain connection (as protocol.py does)
            assert isinstance(transport, asyncio.Transport)
            echo = _Echo()
            waiter: asyncio.Future[None] = loop.create_future()
            layer, app_transport = server_tls_layer(loop, echo, context, waiter)
            echo.transport = app_transport
            transport.set_protocol(layer)
            layer.connection_made(transport)
            echoes.append(echo)
            handshakes.append(waiter)

    server = await loop.create_server(Plain, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = tlsconfig.client_context(certs.ca_cert)
    try:
        async with asyncio.timeout(WAIT):
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=client, server_hostname="localhost"
            )
            await handshakes[0]
            writer.write(b"ehlo inside tls\r\n")
            assert await reader.readline() == b"EHLO INSIDE TLS\r\n"
        tls = writer.get_extra_info("ssl_object")
        assert isinstance(tls, ssl.SSLObject)
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}
        # the layer told the app protocol, with the transport it writes to
        assert echoes[0].made == [echoes[0].transport]
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_a2_socket_transport_carries_bytes_on_a_connected_socket() -> None:
    loop = asyncio.get_running_loop()

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    got: asyncio.Future[bytes] = loop.create_future()

    class Collect(asyncio.Protocol):
        def data_received(self, data: bytes) -> None:
            if not got.done():
                got.set_result(data)

    sock = socket.create_connection(server.sockets[0].getsockname()[:2])
    sock.setblocking(False)
    transport = socket_transport(loop, sock, Collect())
    try:
        transport.write(b"hello\r\n")
        assert await asyncio.wait_for(got, 30) == b"hello\r\n"
    finally:
        transport.close()
        server.close()
        await server.wait_closed()


def test_a2_make_socket_transport_takes_the_arguments_the_tap_passes() -> None:
    loop = asyncio.new_event_loop()
    try:
        params = inspect.signature(loop._make_socket_transport).parameters  # type: ignore[attr-defined]
        assert tuple(params)[:2] == ("sock", "protocol")
        assert all(p.default is not p.empty for p in tuple(params.values())[2:])
    finally:
        loop.close()
