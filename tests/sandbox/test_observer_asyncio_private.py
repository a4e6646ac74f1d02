"""The observer's stand-ins have every method asyncio calls on them, on this Python (X6).

`sandbox.wire.observer` puts two objects where asyncio expects its own: an `ObservedTransport`
stands in for the socket's transport under asyncio's TLS layer (`asyncio.sslproto.SSLProtocol`,
and the sandbox's subclass of it), and an `_Observed` protocol takes the socket transport's calls.
asyncio.Transport's own methods raise NotImplementedError, and a private one such as
`_force_close` is not there at all: a method the stand-in lacks breaks a session only when asyncio
first calls it (a fatal TLS error, a shutdown timeout). So these tests read asyncio's source on the
running Python and name every method it calls on the transport (and on the protocol), and fail if
the stand-in does not define it itself: a Python upgrade that adds a call fails here first. Run on
3.11, 3.12 and 3.13 (properties.md A2's versions).
"""

from __future__ import annotations

import ast
import asyncio
import asyncio.selector_events as selector_events
import asyncio.sslproto as sslproto
import asyncio.transports as transports
import inspect
import ssl
import textwrap
from pathlib import Path

import pytest

import sandbox.asyncio_private
from sandbox.pki.certs import CertBundle
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.wire import observer as observer_module
from sandbox.wire.observer import ObservedTransport, WireObserver, _Observed

ABSTRACT_TRANSPORTS = (
    asyncio.BaseTransport,
    asyncio.ReadTransport,
    asyncio.WriteTransport,
    asyncio.Transport,
)


def _holds(expr: ast.expr, holder: str) -> bool:
    """`expr` is `self.<holder>`, or a call wrapping it (`cast(T, self._transport)`)."""
    if isinstance(expr, ast.Call):
        return any(_holds(a, holder) for a in expr.args)
    return (
        isinstance(expr, ast.Attribute)
        and expr.attr == holder
        and isinstance(expr.value, ast.Name)
        and expr.value.id == "self"
    )


def used_on(source: str, holder: str, classes: tuple[str, ...] | None = None) -> set[str]:
    """Every attribute read or called on `self.<holder>` in the methods of `classes` (all, if
    None) of `source`: directly, or through a local name bound to it in the same method."""
    names: set[str] = set()
    for cls in ast.walk(ast.parse(textwrap.dedent(source))):
        if not isinstance(cls, ast.ClassDef) or (classes is not None and cls.name not in classes):
            continue
        for method in cls.body:
            if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            aliases = {
                target.id
                for node in ast.walk(method)
                if isinstance(node, ast.Assign) and _holds(node.value, holder)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for node in ast.walk(method):
                if not isinstance(node, ast.Attribute):
                    continue
                value = node.value
                if _holds(value, holder) or (isinstance(value, ast.Name) and value.id in aliases):
                    names.add(node.attr)
    return names


def source_of(module: object) -> str:
    return Path(inspect.getfile(module)).read_text(encoding="utf-8")  # type: ignore[arg-type]


def transport_calls() -> set[str]:
    """What asyncio's TLS layer (and the sandbox's subclass of it) uses on its transport."""
    names = used_on(source_of(sslproto), "_transport", ("SSLProtocol",))
    names |= used_on(source_of(sandbox.asyncio_private), "_transport")
    return names


def protocol_calls() -> set[str]:
    """What asyncio's socket transport (and its flow control) calls on its protocol."""
    names = used_on(
        source_of(selector_events), "_protocol", ("_SelectorTransport", "_SelectorSocketTransport")
    )
    return names | used_on(source_of(transports), "_protocol", ("_FlowControlMixin",))


def defined_by(cls: type, name: str) -> bool:
    """`cls` (or a class of ours between it and asyncio's) defines `name` itself."""
    for klass in cls.__mro__:
        if klass.__module__.startswith("asyncio") or klass is object:
            return False
        if name in vars(klass):
            return True
    return False


def test_x6_the_introspection_finds_calls_through_aliases_and_casts() -> None:
    """The reader itself: direct calls, a cast, a local alias; another holder or class is not
    counted (so an empty set below would mean asyncio stopped using the name, not a blind
    reader)."""
    source = """
        class SSLProtocol:
            def a(self):
                self._transport.write(b"")
                t = cast(Transport, self._transport)
                t.is_closing()
                self._other.nope()
        class Elsewhere:
            def b(self):
                self._transport.not_this()
    """
    assert used_on(source, "_transport", ("SSLProtocol",)) == {"write", "is_closing"}


def test_x6_the_observed_transport_has_every_method_asyncios_tls_layer_calls() -> None:
    calls = transport_calls()
    # what 3.11-3.13 call; a smaller set would mean the reader went blind
    assert {"write", "close", "get_extra_info", "_force_close", "is_closing"} <= calls
    missing = sorted(n for n in calls if not defined_by(ObservedTransport, n))
    assert missing == [], f"asyncio's TLS layer calls these on ObservedTransport: {missing}"


def test_x6_the_observed_protocol_has_every_method_asyncios_socket_transport_calls() -> None:
    calls = protocol_calls()
    assert {"get_buffer", "buffer_updated", "connection_lost", "pause_writing"} <= calls
    # asyncio picks get_buffer/buffer_updated over data_received by this isinstance
    assert issubclass(_Observed, asyncio.BufferedProtocol)
    missing = sorted(
        n for n in calls - {"data_received"} if not defined_by(_Observed, n) and n[0] != "_"
    )
    assert missing == [], f"asyncio's socket transport calls these on _Observed: {missing}"


async def test_x6_a_real_starttls_session_uses_only_what_the_stand_in_defines(
    certs: CertBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same from the other side: a real STARTTLS session through an observed server, every
    transport method looked up on the stand-in recorded; each one asyncio's Transport declares
    is one the stand-in defines itself."""
    looked_up: set[str] = set()
    declared = {n for cls in ABSTRACT_TRANSPORTS for n in vars(cls) if not n.startswith("__")}

    class Recording(ObservedTransport):
        def __getattribute__(self, name: str) -> object:
            if name in declared or name == "_force_close":
                looked_up.add(name)
            return super().__getattribute__(name)

    monkeypatch.setattr(observer_module, "ObservedTransport", Recording)
    server = SandboxServer(
        ServerPolicy(tls_level="may"), certs=certs, observer=WireObserver(lambda e: None)
    )
    await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        async with asyncio.timeout(15):
            await reader.readline()
            writer.write(b"EHLO x.test\r\n")
            while not (await reader.readline()).startswith(b"250 "):
                pass
            writer.write(b"STARTTLS\r\n")
            assert (await reader.readline()).startswith(b"220")
            ctx = ssl.create_default_context(cafile=str(certs.ca_cert))
            await writer.start_tls(ctx, server_hostname="sandbox.test")
            writer.write(b"QUIT\r\n")
            assert (await reader.readline()).startswith(b"221")
            await reader.read()
        writer.close()
    finally:
        await server.stop()
    assert {"write", "set_protocol", "get_extra_info"} <= looked_up
    missing = sorted(n for n in looked_up if not defined_by(ObservedTransport, n))
    assert missing == []
