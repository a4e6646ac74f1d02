"""`check` ends with one line when it cannot go on (properties.md N8): a name that does not
resolve, a port that refuses, a server that never answers, a service that is not SMTP; and a
server speaking implicit TLS is checked as one."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from sandbox.check.probe import CheckError
from sandbox.check.report import check
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer


def _one_line(error: CheckError) -> str:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_n8_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(CheckError) as caught:
        check("127.0.0.1", port)
    assert caught.value.kind == "refused"
    assert "refused" in _one_line(caught.value)


def test_n8_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DNS here (loopback only): the resolver's answer is given by the test."""

    def no_such_name(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    with pytest.raises(CheckError) as caught:
        check("mx.no-such-domain.test", 25)
    assert caught.value.kind == "dns"
    assert _one_line(caught.value) == (
        "mx.no-such-domain.test:25: the name does not resolve (Name or service not known)"
    )


@pytest.fixture
def listener() -> Iterator[Callable[[bytes | None], int]]:
    """`listener(greeting)`: a loopback port that sends `greeting` to whoever connects (None:
    accepts and says nothing)."""
    socks: list[socket.socket] = []
    conns: list[socket.socket] = []

    def start(greeting: bytes | None) -> int:
        s = socket.create_server(("127.0.0.1", 0))
        socks.append(s)

        def serve() -> None:
            try:
                conn, _ = s.accept()
            except OSError:
                return
            conns.append(conn)
            if greeting is not None:
                conn.sendall(greeting)

        threading.Thread(target=serve, daemon=True).start()
        return int(s.getsockname()[1])

    yield start
    for c in conns + socks:
        c.close()


def test_n8_silent_server_times_out(listener: Callable[[bytes | None], int]) -> None:
    port = listener(None)
    with pytest.raises(CheckError) as caught:
        check("127.0.0.1", port, timeout=0.5)
    assert caught.value.kind == "timeout"
    assert "no reply within 0.5 s" in _one_line(caught.value)


def test_n8_not_smtp(listener: Callable[[bytes | None], int]) -> None:
    port = listener(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    with pytest.raises(CheckError) as caught:
        check("127.0.0.1", port)
    assert caught.value.kind == "not_smtp"
    assert "not an SMTP reply: 'HTTP/1.1 400 Bad Request'" in _one_line(caught.value)


def test_n8_hostile_greeting_is_escaped(listener: Callable[[bytes | None], int]) -> None:
    port = listener(b"\x1b[2J\x00\xff" * 2000)
    with pytest.raises(CheckError) as caught:
        check("127.0.0.1", port)
    assert caught.value.kind == "not_smtp"
    assert "\x1b" not in _one_line(caught.value) and "\x00" not in str(caught.value)


async def test_n8_implicit_tls(certs: object) -> None:
    server = SandboxServer(ServerPolicy(implicit_tls=True), certs=certs)  # type: ignore[arg-type]
    await server.start()
    try:
        report = await asyncio.to_thread(
            check, "127.0.0.1", server.port, mode="implicit", name="sandbox.test",
            ca_file=server.certs.ca_cert,  # type: ignore[union-attr]
        )  # fmt: skip
    finally:
        await server.stop()
    states = report.states()
    assert states["starttls"] == "implicit"
    assert states["tls1.2"] == states["tls1.3"] == "accepted"
    assert states["chain_trust"] == "verified" and states["name"] == "ok"
    assert "injection" not in states and "auth_before_tls" not in states
