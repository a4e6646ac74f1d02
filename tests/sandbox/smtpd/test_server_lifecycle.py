"""Resources, lifecycle and isolation (properties.md E1-E5, K1, K2), implicit TLS and the
Maildir."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
import ssl
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sandbox.events import Level, MessageDelivered, Notice
from sandbox.smtpd.server import SandboxServer

ROOT = Path(__file__).resolve().parents[3]
MESSAGE = b"Subject: hello\r\n\r\nHello from the test.\r\n"


async def deliver(wire, rcpts=("b@sandbox.test",), body=MESSAGE) -> str:  # type: ignore[no-untyped-def]
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")
    for rcpt in rcpts:
        assert (await wire.cmd(f"RCPT TO:<{rcpt}>")).startswith("250")
    assert (await wire.cmd("DATA")).startswith("354")
    return await wire.cmd(body + b".")


async def test_e1_idle_session_is_closed_with_421(start_server, connect, quick) -> None:
    events: list[object] = []
    server = await start_server(quick(idle_timeout=0.5), emit=events.append)
    wire = await connect(server)
    loop = asyncio.get_running_loop()
    started = loop.time()
    rest = await wire.read_until_closed(wait=20)  # a busy machine fires timers late, never early
    assert rest == b"421 4.4.2 sandbox.test Error: timeout exceeded\r\n"
    assert 0.4 < loop.time() - started < 20
    assert any(isinstance(e, Notice) and "timeout" in e.text for e in events)


async def test_e1_activity_keeps_the_session_alive(start_server, connect, quick) -> None:
    """Control: the idle timer counts from the last command, not from the connection."""
    server = await start_server(quick(idle_timeout=2.0))
    wire = await connect(server)
    for _ in range(6):  # 2.4 s in all; each pause stays well inside 2 s even on a busy machine
        await asyncio.sleep(0.4)
        assert (await wire.cmd("NOOP")).startswith("250")


async def test_e2_data_phase_is_bounded_even_when_trickled(start_server, connect, quick) -> None:
    server = await start_server(quick(idle_timeout=5, data_timeout=0.8))
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")
    assert (await wire.cmd("RCPT TO:<b@sandbox.test>")).startswith("250")
    assert (await wire.cmd("DATA")).startswith("354")
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def trickle() -> None:  # a line every 0.1 s: never idle, never finished
        with contextlib.suppress(OSError):
            for _ in range(50):
                await wire.send(b"still writing\r\n")
                await asyncio.sleep(0.1)

    writer = asyncio.create_task(trickle())
    reply = await wire.line(wait=20)
    ended = loop.time()
    writer.cancel()
    assert reply == b"421 4.4.2 sandbox.test Error: timeout exceeded\r\n"
    # Then the server closes. A line the trickle sent after the server's last read is unread at
    # its close, and the kernel answers a close with unread input by a reset, not a FIN: on a
    # busy machine that is the usual ending. Either way nothing more is said after the 421.
    try:
        rest = await wire.read_until_closed(wait=20)
    except ConnectionResetError:
        rest = b""
    assert rest == b""
    assert 0.7 < ended - started < 20  # bounded: the 5 s idle timer never got its turn
    assert server.mailbox.delivered == 0


async def wait_until(predicate, wait: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + wait
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_e3_connection_cap_answers_421(start_server, connect, quick) -> None:
    server = await start_server(quick(max_connections=2))
    first = await connect(server)
    await connect(server)
    third = await connect(server, banner=False)
    assert (
        await third.read_until_closed() == b"421 4.7.0 sandbox.test Error: too many connections\r\n"
    )
    assert (await first.cmd("QUIT")).startswith("221")
    await first.read_until_closed()
    await wait_until(lambda: server.session_count < 2)
    fourth = await connect(server)  # a slot is free again
    assert (await fourth.cmd("NOOP")).startswith("250")


E4_SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, sys
    from pathlib import Path
    from sandbox.pki import tlsconfig
    from sandbox.pki.certs import ensure_certs
    from sandbox.smtpd.policy import ServerPolicy
    from sandbox.smtpd.server import SandboxServer

    async def main():
        certs = ensure_certs(Path(sys.argv[1]))
        server = SandboxServer(ServerPolicy(idle_timeout=30), certs=certs, accounts={"u": "p"})
        await server.start()
        clients = []

        async def open_session():
            reader, writer = await asyncio.open_connection(server.host, server.port)
            clients.append((reader, writer))
            assert (await reader.readline()).startswith(b"220")
            return reader, writer

        async def command(reader, writer, line):
            writer.write(line + b"\\r\\n")
            while True:
                reply = await reader.readline()
                if reply[3:4] != b"-":
                    return reply

        await open_session()                                   # idle
        r, w = await open_session()                            # mid-DATA
        for line in (b"EHLO c.test", b"MAIL FROM:<a@sandbox.test>", b"RCPT TO:<b@sandbox.test>"):
            await command(r, w, line)
        assert (await command(r, w, b"DATA")).startswith(b"354")
        w.write(b"Subject: unfinished\\r\\n\\r\\nhalf a")
        r, w = await open_session()                            # mid-handshake
        await command(r, w, b"EHLO c.test")
        assert (await command(r, w, b"STARTTLS")).startswith(b"220")
        r, w = await open_session()                            # inside TLS
        await command(r, w, b"EHLO c.test")
        await command(r, w, b"STARTTLS")
        await w.start_tls(tlsconfig.client_context(certs.ca_cert), server_hostname="sandbox.test")
        await command(r, w, b"EHLO c.test")
        implicit = SandboxServer(
            ServerPolicy(idle_timeout=30, implicit_tls=True), certs=certs, accounts={"u": "p"}
        )
        await implicit.start()
        for hello in (b"", b"\\x16\\x03\\x01\\x00\\x50"):        # implicit TLS, mid-handshake
            reader, writer = await asyncio.open_connection(implicit.host, implicit.port)
            clients.append((reader, writer))
            writer.write(hello)
        await asyncio.sleep(0.2)
        assert server.session_count == 4, server.session_count
        assert implicit.session_count == 2, implicit.session_count
        await implicit.stop()
        assert implicit.session_count == 0
        await server.stop()
        assert server.session_count == 0
        for reader, writer in clients:
            await asyncio.wait_for(reader.read(), 5)           # the server hung up on each
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass
        print("stopped cleanly")

    asyncio.run(main())
    gc.collect()
    """
)


def test_e4_stop_with_sessions_in_every_state_leaves_no_warnings(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONASYNCIODEBUG": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "dev",
            "-W",
            "error::ResourceWarning",
            "-c",
            E4_SCRIPT,
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "stopped cleanly" in result.stdout
    for bad in ("Task was destroyed", "unclosed", "Exception ignored", "Traceback", "Error"):
        assert bad not in result.stderr, result.stderr


async def test_e5_banner_hostname_is_explicit(start_server, connect, monkeypatch) -> None:
    def no_lookup(*args: object) -> str:
        raise AssertionError("socket.getfqdn() must not be called (E5)")

    monkeypatch.setattr(socket, "getfqdn", no_lookup)
    server = await start_server()
    reader, writer = await asyncio.open_connection(server.host, server.port)
    assert await reader.readline() == b"220 sandbox.test ESMTP smtp-tutor sandbox\r\n"
    writer.close()


async def test_k1_loopback_only_unless_asked(certs, caplog: pytest.LogCaptureFixture) -> None:
    server = SandboxServer(certs=certs, accounts={})
    with pytest.raises(ValueError, match="loopback"):
        await server.start(host="0.0.0.0")
    assert not server.running
    events: list[object] = []
    server = SandboxServer(certs=certs, accounts={}, emit=events.append)
    with caplog.at_level(logging.WARNING, logger="sandbox.smtpd.server"):
        await server.start(host="0.0.0.0", allow_non_loopback=True)
    try:
        assert any("reachable from other machines" in r.getMessage() for r in caplog.records)
        assert any(isinstance(e, Notice) and e.level is Level.WARNING for e in events)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        assert (await reader.readline()).startswith(b"220 ")
        writer.close()
    finally:
        await server.stop()


async def test_k1_default_is_loopback(certs) -> None:
    async with SandboxServer(certs=certs, accounts={}) as server:
        assert server.host == "127.0.0.1"
        assert server.address == f"127.0.0.1:{server.port}"


async def test_k2_outside_domains_are_kept_and_labelled(start_server, connect) -> None:
    events: list[object] = []
    server = await start_server(emit=events.append)
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    reply = await deliver(wire, rcpts=("friend@sandbox.test", "someone@example.com"))
    assert reply.startswith("250 2.0.0 Ok: queued as ")
    msg = server.mailbox[0]
    assert msg.outside_rcpts == ("someone@example.com",)
    assert msg.rcpt_tos == ("friend@sandbox.test", "someone@example.com")
    assert any(isinstance(e, Notice) and "never leaves this machine" in e.text for e in events)


async def test_k2_relay_refused_when_the_lesson_says_so(
    start_server, connect, client_ctx, quick, demo
) -> None:
    import base64

    server = await start_server(quick(relay="refuse"))
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")
    assert (
        await wire.cmd("RCPT TO:<x@example.org>")
        == "554 5.7.1 <x@example.org>: Relay access denied"
    )
    assert (await wire.cmd("RCPT TO:<b@sandbox.test>")).startswith("250")  # local is fine
    # An authenticated client may send anywhere, as with permit_sasl_authenticated (still kept).
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    token = base64.b64encode(f"\0{demo[0]}\0{demo[1]}".encode()).decode()
    assert (await wire.cmd(f"AUTH PLAIN {token}")).startswith("235")
    assert (await deliver(wire, rcpts=("x@example.org",))).startswith("250")
    assert server.mailbox[0].outside_rcpts == ("x@example.org",)


async def test_implicit_tls_session(start_server, connect, client_ctx, quick) -> None:
    events: list[object] = []
    server = await start_server(quick(implicit_tls=True), emit=events.append)
    wire = await connect(server, tls=client_ctx)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await deliver(wire)).startswith("250")
    msg = server.mailbox[0]
    assert msg.tls
    assert msg.tls_version in ("TLSv1.2", "TLSv1.3")
    delivered = [e for e in events if isinstance(e, MessageDelivered)]
    assert len(delivered) == 1
    assert delivered[0].tls
    assert delivered[0].size == len(MESSAGE)


async def test_implicit_tls_plaintext_client_gets_nothing(start_server, connect, quick) -> None:
    events: list[object] = []
    server = await start_server(quick(implicit_tls=True), emit=events.append)
    wire = await connect(server, banner=False)
    await wire.send(b"EHLO client.test\r\n")
    rest = await wire.read_until_closed()
    assert b"220" not in rest
    assert b"250" not in rest
    await wait_until(lambda: server.session_count == 0)
    assert any(
        isinstance(e, Notice) and e.level is Level.ERROR and "TLS handshake failed" in e.text
        for e in events
    )


async def test_implicit_tls_stalled_handshake_is_dropped(start_server, connect, quick) -> None:
    """B7 for port 465: a client that connects and never says hello is timed out too."""
    server = await start_server(quick(implicit_tls=True, idle_timeout=1.0))
    wire = await connect(server, banner=False)
    await wait_until(lambda: server.session_count == 1)  # a session before any handshake
    assert await wire.read_until_closed(wait=20) == b""
    await wait_until(lambda: server.session_count == 0)


async def test_e3_connection_cap_counts_pending_handshakes(
    start_server, connect, client_ctx, quick
) -> None:
    server = await start_server(quick(implicit_tls=True, max_connections=1))
    await connect(server, banner=False)  # connected, no ClientHello yet: holds the only slot
    await wait_until(lambda: server.session_count == 1)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await connect(server, tls=client_ctx)


async def test_delivery_events_and_maildir(start_server, connect, client_ctx, tmp_path) -> None:
    events: list[object] = []
    server = await start_server(emit=events.append, maildir=tmp_path / "Maildir")
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert (await deliver(wire, rcpts=("b@sandbox.test", "c@example.net"))).startswith("250")
    msg = await server.mailbox.wait_for(1)
    assert msg.path is not None
    assert msg.path.parent == tmp_path / "Maildir" / "new"
    assert msg.path.stat().st_mode & 0o777 == 0o600
    stored = msg.path.read_bytes()
    assert stored.endswith(MESSAGE)
    headers = stored[: -len(MESSAGE)].decode()
    assert headers.startswith("Return-Path: <a@sandbox.test>\r\nReceived: from client.test")
    assert "with ESMTPS id " + msg.queue_id in headers
    assert f"(using {msg.tls_version} with cipher {msg.tls_cipher})" in headers
    assert "X-Sandbox-Not-Relayed: c@example.net" in headers
    [delivered] = [e for e in events if isinstance(e, MessageDelivered)]
    assert delivered.stored_at == str(msg.path)
    assert delivered.rcpt_tos == ("b@sandbox.test", "c@example.net")
    assert delivered.authenticated_as is None


async def test_helo_name_cannot_inject_headers(start_server, connect, tmp_path) -> None:
    server = await start_server(maildir=tmp_path / "Maildir")
    wire = await connect(server)
    assert (await wire.cmd(b"EHLO evil\rX-Injected: yes")).startswith("250")
    assert (await deliver(wire)).startswith("250")
    assert server.mailbox[0].path is not None
    assert b"\rX-Injected" not in server.mailbox[0].path.read_bytes()


async def test_stop_is_idempotent_and_start_twice_refused(certs) -> None:
    server = SandboxServer(certs=certs, accounts={})
    await server.start()
    with pytest.raises(RuntimeError):
        await server.start()
    await server.stop()
    await server.stop()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", server.port)


def unretrieved_errors() -> list[BaseException]:
    """Exceptions held by futures nobody asked for: each would be logged, when collected, as
    "Future exception was never retrieved" (asyncio's `_log_traceback` flag says which)."""
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, asyncio.Future) and obj._log_traceback:
            found.append(obj._exception)  # type: ignore[attr-defined]
    return found


def reset_on_close(writer: asyncio.StreamWriter) -> None:
    """Make closing hang up with a TCP RST (SO_LINGER 0), as a client that crashes does."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit"])
async def test_e4_a_client_resetting_after_quit_over_tls_leaves_no_unretrieved_error(
    start_server, connect, client_ctx, quick, implicit: bool
) -> None:
    """The stream protocol aiosmtpd is built on keeps the reset in a future of its own; only its
    __del__ looked at it, and a garbage collection that finalizes the future first logged
    "Future exception was never retrieved: ConnectionResetError" (the flaky E4 failure)."""
    server = await start_server(quick(implicit_tls=implicit))
    gc.collect()
    gc.disable()  # nothing collected (and so nothing retrieved by a __del__) until we look
    try:
        for pending_reply in (False, True):
            wire = await connect(server, tls=client_ctx if implicit else None)
            if not implicit:
                await wire.upgrade(client_ctx)
            reset_on_close(wire.writer)
            await wire.send(b"QUIT\r\n")
            if pending_reply:
                assert (await wire.line()).startswith(b"221")
            wire.writer.transport.abort()
        await wait_until(lambda: server.session_count == 0)
        await asyncio.sleep(0.1)  # connection_lost runs in a callback of its own
        assert [e for e in unretrieved_errors() if isinstance(e, ConnectionError)] == []
    finally:
        gc.enable()
