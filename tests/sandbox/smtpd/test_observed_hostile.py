"""An observed sandbox server attacked (properties.md X7): labs and `watch` run the server with the
eavesdropper under its own socket (`sandbox.wire.observer`), so every hostile client is now also
fed to the observer's decoder.

The E7/E8 tables (hostile lines, TLS and AUTH abuse, garbage handshakes, slow clients) run against
observed servers, then attacks of our own: junk floods of 10 MB, resets in the middle of a TLS
handshake (after STARTTLS and on the implicit TLS port), clients that close at every point of
STARTTLS, and slowloris clients trickling a command or a ClientHello while a normal client is
served. After each: a normal client is served (test_hostile_kit.served), every connection the
observer announced is reported ended once, asyncio and the observer logged no error, and what the
observer showed of a connection stays within its capture bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from test_hostile_kit import WAIT, Case, run_case, run_table, served
from test_hostile_lines import TABLE as LINES
from test_hostile_slow import CASES as SLOW
from test_hostile_slow import IMPLICIT as SLOW_IMPLICIT
from test_hostile_tls import (
    auth_abuse,
    garbage_handshakes,
    implicit_garbage,
    injections,
    starttls_misuse,
)

from sandbox.asyncio_private import unread_bytes
from sandbox.events import Notice, SandboxEvent, Side, WireChunk, WireLine, WireRecord
from sandbox.pki.certs import CertBundle
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.wire.decode import MAX_LINES, MAX_RECORDS
from sandbox.wire.observer import MAX_READS, READS_EVERY, WireObserver

pytestmark = pytest.mark.asyncio(loop_scope="module")

CAPTURE = 1 << 20  # the observer's bound per connection here (4 MiB in labs)
MIB = 1 << 20


@dataclass
class Observed:
    server: SandboxServer
    observer: WireObserver
    events: list[object] = field(default_factory=list)

    def wire(self, since: int = 0) -> list[SandboxEvent]:
        return [e for e in self.events[since:] if isinstance(e, WireChunk | WireLine)]

    async def all_ended(self) -> None:
        """Every announced connection reported ended (the observer hears of a socket's end
        after the server's session does), within WAIT."""
        async with asyncio.timeout(WAIT):
            while self.observer.unended or self.server.session_count:  # noqa: ASYNC110
                await asyncio.sleep(0.01)


def observed_fixture(**policy: Any) -> Any:
    @pytest_asyncio.fixture(loop_scope="module", scope="module")
    async def fixture(certs: CertBundle) -> AsyncIterator[Observed]:
        policy.setdefault("idle_timeout", WAIT)
        policy.setdefault("data_timeout", WAIT)
        events: list[object] = []
        observer = WireObserver(events.append, max_capture_bytes=CAPTURE)
        server = SandboxServer(
            ServerPolicy(**policy),
            certs=certs,
            accounts={"learner": "demo-Pa55-for-tests"},
            emit=events.append,
            observer=observer,
        )
        await server.start()
        yield Observed(server, observer, events)
        await server.stop()

    return fixture


server = observed_fixture(max_connections=40)
implicit_server = observed_fixture(implicit_tls=True, max_connections=40)
slow_server = observed_fixture(idle_timeout=1.0, data_timeout=2.0, max_session_time=3.0)
slow_implicit = observed_fixture(implicit_tls=True, idle_timeout=1.0, max_session_time=3.0)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


@contextlib.contextmanager
def no_errors_logged() -> Iterator[None]:
    """asyncio logs a protocol callback that raised ("Fatal error: protocol.buffer_updated()
    call failed", "Exception in callback"); the observer logs what it kept from asyncio."""
    handler = _Errors()
    loggers = [logging.getLogger(n) for n in ("asyncio", "sandbox.wire.observer")]
    for lg in loggers:
        lg.addHandler(handler)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
    assert handler.records == []


async def after_attack(obs: Observed, tls: ssl.SSLContext | None = None) -> None:
    """A normal client is served right after; every connection ended; nothing unended."""
    await served(obs.server, tls)
    await obs.all_ended()
    assert obs.observer.unended == 0


async def cases_one_by_one(obs: Observed, cases: list[Case], ctx: ssl.SSLContext) -> None:
    failed = {}
    for c in cases:
        try:
            await run_case(obs.server, obs.events, c, ctx)
        except Exception as exc:
            failed[c.name] = repr(exc)
    assert failed == {}


# --- the E7/E8 tables, observed -----------------------------------------------------------------


async def test_x7_the_hostile_line_and_tls_tables_through_an_observed_server(
    server: Observed, client_ctx: ssl.SSLContext
) -> None:
    cases = LINES + injections() + starttls_misuse() + auth_abuse() + garbage_handshakes()
    before = server.observer.announced
    with no_errors_logged():
        await cases_one_by_one(server, cases, client_ctx)
        await after_attack(server)
    assert server.observer.announced - before == len(cases) + 1  # each case, and the client


async def test_x7_hostile_implicit_tls_through_an_observed_server(
    implicit_server: Observed, client_ctx: ssl.SSLContext
) -> None:
    with no_errors_logged():
        await cases_one_by_one(implicit_server, implicit_garbage(), client_ctx)
        await after_attack(implicit_server, client_ctx)


async def test_x7_slow_clients_through_an_observed_server(
    slow_server: Observed, slow_implicit: Observed, client_ctx: ssl.SSLContext
) -> None:
    """The slow-client table (E8) on both ports at once: every trickle is cut off by a timeout,
    and its connection's view ends."""
    with no_errors_logged():
        await asyncio.gather(
            run_table(slow_server.server, slow_server.events, SLOW, client_ctx),
            run_table(slow_implicit.server, slow_implicit.events, SLOW_IMPLICIT, client_ctx),
        )
        await after_attack(slow_server)
        await after_attack(slow_implicit, client_ctx)


# --- floods -------------------------------------------------------------------------------------


def client_hello() -> bytes:
    """A real ClientHello, as the tutor's client would send it."""
    ctx = ssl.create_default_context()
    tls = ctx.wrap_bio(ssl.MemoryBIO(), outgoing := ssl.MemoryBIO(), server_hostname="sandbox.test")
    with contextlib.suppress(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def padded(hello: bytes, size: int) -> bytes:
    """The handshake message of the ClientHello record `hello`, grown by about `size` bytes of
    extensions no server knows (and so ignores): a ClientHello may be up to 64 KiB of them."""
    body = hello[5 + 4 :]
    i = 2 + 32  # version, random
    i += 1 + body[i]  # session id
    i += 2 + int.from_bytes(body[i : i + 2], "big")  # cipher suites
    i += 1 + body[i]  # compression methods
    extensions = body[i + 2 : i + 2 + int.from_bytes(body[i : i + 2], "big")]
    for n, left in enumerate(range(size, 0, -16_000)):
        extensions += struct.pack(">HH", 0xFA00 + n, min(left, 16_000)) + bytes(min(left, 16_000))
    body = body[:i] + struct.pack(">H", len(extensions)) + extensions
    return b"\x01" + len(body).to_bytes(3, "big") + body


def in_records_of(message: bytes, size: int) -> bytes:
    """`message` as handshake records of `size` bytes each (TLS lets a handshake message span
    records of any size)."""
    return b"".join(
        b"\x16\x03\x01" + struct.pack(">H", len(message[i : i + size])) + message[i : i + size]
        for i in range(0, len(message), size)
    )


async def connect(obs: Observed) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.wait_for(asyncio.open_connection(obs.server.host, obs.server.port), WAIT)


async def starttls_accepted(obs: Observed) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A raw connection that has said EHLO and STARTTLS and read the 220."""
    reader, writer = await connect(obs)
    async with asyncio.timeout(WAIT):
        assert (await reader.readline()).startswith(b"220 ")
        writer.write(b"EHLO attacker.test\r\n")
        while not (await reader.readline()).startswith(b"250 "):
            pass
        writer.write(b"STARTTLS\r\n")
        assert (await reader.readline()).startswith(b"220 ")
    return reader, writer


async def flood(writer: asyncio.StreamWriter, data: bytes) -> None:
    """Write `data` as fast as the server takes it; the server may hang up first."""
    with contextlib.suppress(ConnectionError):
        for i in range(0, len(data), 256 * 1024):
            writer.write(data[i : i + 256 * 1024])
            await asyncio.wait_for(writer.drain(), WAIT)
        writer.write_eof()  # done: the server answers what it has and hangs up


async def drained(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, TimeoutError):
        while await asyncio.wait_for(reader.read(1 << 16), WAIT):
            pass
    writer.close()


FLOODS = {
    "random": random.Random(15).randbytes(10 * MIB),
    "bare-lfs": b"\n" * (10 * MIB),
    "no-newline": b"x" * (10 * MIB),
}


@pytest.mark.parametrize("where", ["plaintext", "after-starttls-220"])
@pytest.mark.parametrize("what", list(FLOODS))
async def test_x7_a_10_mb_flood_through_an_observed_server(
    server: Observed, what: str, where: str
) -> None:
    """10 MB of junk in one connection, while reading what the server says (it may hang up):
    the observer records at most its bound of it, in a bounded number of events."""
    since = len(server.events)
    with no_errors_logged():
        if where == "plaintext":
            reader, writer = await connect(server)
        else:
            reader, writer = await starttls_accepted(server)
        await asyncio.gather(flood(writer, FLOODS[what]), drained(reader, writer))
        await after_attack(server)
    wire = server.wire(since)
    chunks = [e for e in wire if isinstance(e, WireChunk)]
    assert sum(len(e.data) for e in chunks) <= 2 * CAPTURE + 2048  # the flood's, the client's
    assert len(wire) <= 4 * MAX_LINES + 1000 + 2 * len(chunks)


async def test_x7_a_flood_of_random_bytes_on_the_implicit_tls_port(
    implicit_server: Observed,
) -> None:
    with no_errors_logged():
        reader, writer = await connect(implicit_server)
        await asyncio.gather(flood(writer, FLOODS["random"]), drained(reader, writer))
        ctx = ssl.create_default_context(cafile=str(implicit_server.server.certs.ca_cert))  # type: ignore[union-attr]
        await after_attack(implicit_server, ctx)


# --- resets and closes during STARTTLS ----------------------------------------------------------


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed client or an attacker does."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def reset_mid_handshake(obs: Observed, implicit: bool) -> None:
    if implicit:
        _, writer = await connect(obs)
    else:
        _, writer = await starttls_accepted(obs)
    writer.write(client_hello()[:60])
    await writer.drain()
    await asyncio.sleep(0.05)
    reset(writer)


async def test_x7_resets_in_the_middle_of_tls_handshakes(
    server: Observed, implicit_server: Observed, client_ctx: ssl.SSLContext
) -> None:
    """20 clients on each port send 60 bytes of a ClientHello and reset."""
    with no_errors_logged():
        await asyncio.gather(
            *(reset_mid_handshake(server, implicit=False) for _ in range(20)),
            *(reset_mid_handshake(implicit_server, implicit=True) for _ in range(20)),
        )
        await after_attack(server)
        await after_attack(implicit_server, client_ctx)


async def close_during_starttls(obs: Observed, when: str, ctx: ssl.SSLContext) -> bool:
    """One client that leaves at `when`; True if it sent STARTTLS (so the view must show it)."""
    reader, writer = await connect(obs)
    async with asyncio.timeout(WAIT):
        assert (await reader.readline()).startswith(b"220 ")
        writer.write(b"EHLO leaver.test\r\n")
        while not (await reader.readline()).startswith(b"250 "):
            pass
        writer.write(b"STARTTLS\r\n")
        if when == "reset-with-starttls":
            await asyncio.sleep(0.05)  # the line reaches the server before the reset
            reset(writer)
            return True
        if when == "close-before-220":
            writer.close()
            return True
        assert (await reader.readline()).startswith(b"220 ")
        if when == "close-after-220":
            writer.close()
        elif when == "close-mid-hello":
            writer.write(client_hello()[:100])
            writer.close()
        elif when == "close-after-hello":
            writer.write(client_hello())
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.close()
        elif when == "reset-after-handshake":
            await writer.start_tls(ctx, server_hostname="sandbox.test")
            reset(writer)
        elif when == "close-after-handshake":
            await writer.start_tls(ctx, server_hostname="sandbox.test")
            writer.transport.abort()  # no close_notify
    return True


LEAVES = [
    "reset-with-starttls",
    "close-before-220",
    "close-after-220",
    "close-mid-hello",
    "close-after-hello",
    "reset-after-handshake",
    "close-after-handshake",
]


async def test_x7_clients_that_leave_at_every_point_of_starttls(
    server: Observed, client_ctx: ssl.SSLContext
) -> None:
    """Five clients for each way of leaving, all at once: each connection's STARTTLS line is
    shown once (held or not, the view is whole), and every connection ends."""
    since = len(server.events)
    before = server.observer.announced
    with no_errors_logged():
        said = await asyncio.gather(
            *(close_during_starttls(server, when, client_ctx) for when in LEAVES for _ in range(5))
        )
        await after_attack(server)
    assert server.observer.announced - before == len(said) + 1
    lines = [e for e in server.events[since:] if isinstance(e, WireLine)]
    starttls = [e for e in lines if e.sender is Side.CLIENT and e.text == "STARTTLS"]
    assert len(starttls) == sum(said)


# --- slowloris ----------------------------------------------------------------------------------


async def trickle(obs: Observed, data: bytes, every: float, after_starttls: bool) -> None:
    """Send `data` a byte at a time until the server hangs up."""
    if after_starttls:
        reader, writer = await starttls_accepted(obs)
    else:
        reader, writer = await connect(obs)
        await reader.readline()
    try:
        for b in data:
            if reader.at_eof() or unread_bytes(reader):  # the server spoke (421) or hung up
                break
            writer.write(bytes([b]))
            await writer.drain()
            await asyncio.sleep(every)
    except ConnectionError:
        pass
    finally:
        writer.close()


async def test_x7_slowloris_while_a_normal_client_is_served(
    slow_server: Observed, client_ctx: ssl.SSLContext
) -> None:
    """Ten clients trickle a command a byte every 0.1 s, five a ClientHello after STARTTLS: a
    normal client is served while they trickle, and again after the server has cut them off
    (the session's lifetime, 3 s here); every view ends."""
    obs = slow_server
    with no_errors_logged():
        slow = [
            *(trickle(obs, b"EHLO " + b"a" * 100, 0.1, after_starttls=False) for _ in range(10)),
            *(trickle(obs, client_hello(), 0.1, after_starttls=True) for _ in range(5)),
        ]
        tasks = [asyncio.ensure_future(t) for t in slow]
        await asyncio.sleep(0.3)
        await served(obs.server)  # during
        await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
        await after_attack(obs)  # after


# --- a flood of TLS records -------------------------------------------------------------------


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit-tls"])
async def test_x7_a_clienthello_in_one_byte_records_is_shown_bounded(
    server: Observed, implicit_server: Observed, implicit: bool
) -> None:
    """A 60 KB ClientHello sent as 60,000 one-byte handshake records: OpenSSL takes it (and
    answers with its ServerHello), and each record was a `WireRecord` event, 60,000 of them from
    300 KB on one connection, where X4 allows an attack 9,000. The observer shows the first
    `MAX_RECORDS` of a direction, then says so once."""
    obs = implicit_server if implicit else server
    since = len(obs.events)
    with no_errors_logged():
        if implicit:
            reader, writer = await connect(obs)
        else:
            reader, writer = await starttls_accepted(obs)
        writer.write(in_records_of(padded(client_hello(), 60_000), 1))
        with contextlib.suppress(ConnectionError):
            await asyncio.wait_for(writer.drain(), WAIT)
            answer = await asyncio.wait_for(reader.read(5), WAIT)
            assert answer[:1] == b"\x16"  # the ServerHello's record: the handshake went on
        reset(writer)
        attacked = len(obs.events)  # all its records were read before the server answered
        ctx = ssl.create_default_context(cafile=str(obs.server.certs.ca_cert))  # type: ignore[union-attr]
        await after_attack(obs, ctx if implicit else None)
    new = obs.events[since:attacked]
    client_records = [e for e in new if isinstance(e, WireRecord) and e.sender is Side.CLIENT]
    assert len(client_records) == MAX_RECORDS
    full = [e for e in new if isinstance(e, Notice) and e.key == "tap.records_full"]
    assert len(full) == 1 and full[0].params["side"] == "client"
    assert len(obs.events) - since <= 4 * MAX_LINES + 1000  # X4's bound for one attack


async def test_x7_a_body_sent_a_byte_a_read_is_shown_in_bounded_chunks(server: Observed) -> None:
    """Slowloris inside DATA, a byte a read: each read was a `WireChunk` event, one per byte
    (20,000 from a 20 KB trickle over 10 s in a separate process, 240,000 in DATA's two minutes).
    The first `MAX_READS` reads of a direction are shown one by one, later ones together, at most
    one chunk each `READS_EVERY` seconds; every byte is still shown, in order."""
    since = len(server.events)
    reader, writer = await connect(server)
    head = b"EHLO slow.test\r\nMAIL FROM:<a@sandbox.test>\r\nRCPT TO:<b@sandbox.test>\r\nDATA\r\n"
    body = (b"x" * 70 + b"\r\n") * (6 * MAX_READS // 72)
    async with asyncio.timeout(WAIT):
        assert (await reader.readline()).startswith(b"220 ")
        writer.write(head)
        while not (await reader.readline()).startswith(b"354 "):
            pass
        start = asyncio.get_running_loop().time()
        for b in body:
            writer.write(bytes([b]))
            await writer.drain()
            await asyncio.sleep(0)  # the server reads it before the next byte is sent
        elapsed = asyncio.get_running_loop().time() - start
        writer.write(b".\r\nQUIT\r\n")
        assert (await reader.read()).endswith(b"221 Bye\r\n")
    writer.close()
    await after_attack(server)
    shown = [
        e
        for e in server.events[since:]
        if isinstance(e, WireChunk) and e.sender is Side.CLIENT and e.offset < len(head + body)
    ]
    assert len(shown) <= MAX_READS + elapsed / READS_EVERY + 10
    assert b"".join(e.data for e in shown)[: len(head + body)] == head + body
