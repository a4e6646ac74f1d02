"""The machinery of the hostile-input table (properties.md E7), and proof that its checks can fail.

A `Case` is a script of steps run on one raw connection: bytes sent, replies expected (by their
start), a TLS handshake, a pause. After the script `run_case` checks that nothing unsolicited
follows: on a connection the server keeps, the very next reply must be the one to a HELP sent as a
marker; on one it closes, nothing at all may come before the end (a TLS alert only where the case
expects a refused handshake, G6). Every reply line must be printable ASCII (D7), and the mailbox
must have grown by exactly `stored` messages. `served` then checks that a normal client is served
right after, its message stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from sandbox.asyncio_private import unread_bytes
from sandbox.events import Notice
from sandbox.smtpd.mailbox import Mailbox
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer

WAIT = 15.0  # a reply that takes longer fails the case (a busy machine is slow, not this slow)
MARK = b"HELP\r\n"  # the marker command: its reply starts like no other
MARK_REPLY = "250 Supported commands:"
_marks = itertools.count(1)


@dataclass(frozen=True)
class Expect:
    """One whole reply, starting with `start` (a code, or more)."""

    start: str


@dataclass(frozen=True)
class Tls:
    """The client's TLS handshake, after a `220` to STARTTLS (or first, for implicit TLS)."""


@dataclass(frozen=True)
class Pause:
    """Wait `seconds` (a slow client; only with the short timeouts of the slow server). Once the
    server has spoken during a pause, the client stops: the bytes and pauses up to the next
    `Expect` are skipped (writing on would only get the reply lost to a broken pipe)."""

    seconds: float


Step = bytes | Expect | Tls | Pause


@dataclass(frozen=True)
class Case:
    """`closed`: the server hangs up after the last expected reply. `notice`: the key of a Notice
    the server must emit. `handshake_fails`: the client's TLS step is expected to fail, and a
    TLS alert may then be all that follows. `banner`: read the 220 first (not on implicit TLS).
    `stored`: how many messages the case delivers. `may_reset`: the server closes with the
    client's input unread, so the kernel may reset the connection before the last replies arrive
    (those that do arrive must still be the expected ones, in order)."""

    name: str
    steps: tuple[Step, ...]
    closed: bool = False
    notice: str | None = None
    handshake_fails: bool = False
    banner: bool = True
    stored: int = 0
    may_reset: bool = False


def case(name: str, *steps: Step, **kwargs: Any) -> Case:
    return Case(name, steps, **kwargs)


def params(cases: Sequence[Case]) -> list[Any]:
    names = [c.name for c in cases]
    assert len(set(names)) == len(names), "case names must be unique"
    return [pytest.param(c, id=c.name) for c in cases]


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def reply(self) -> str:
        lines = []
        while True:
            raw = await asyncio.wait_for(self.reader.readline(), WAIT)
            if not raw:
                raise ConnectionError(f"closed after {lines!r}")
            assert raw.endswith(b"\r\n"), f"reply line without CRLF: {raw!r}"
            body = raw[:-2]
            assert body.isascii() and all(0x20 <= b < 0x7F for b in body), f"unsafe reply {raw!r}"
            text = body.decode("ascii")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return "\n".join(lines)

    async def rest(self) -> bytes:
        """Whatever comes before the end of the connection (an abrupt end counts as nothing)."""
        try:
            return await asyncio.wait_for(self.reader.read(), WAIT)
        except (ConnectionError, ssl.SSLError):
            return b""

    async def close(self) -> None:
        with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
            self.writer.close()  # a TLS writer may raise the peer's reset here
            await asyncio.wait_for(self.writer.wait_closed(), 2)


async def open_conn(server: SandboxServer, tls: ssl.SSLContext | None = None) -> Conn:
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(
            server.host, server.port, ssl=tls, server_hostname="sandbox.test" if tls else None
        ),
        WAIT,
    )
    return Conn(reader, writer)


async def run_table(
    server: SandboxServer, events: list[object], cases: Sequence[Case], ctx: ssl.SSLContext
) -> None:
    """Run `cases` all at once (for slow cases: the table takes as long as its slowest case) and
    fail with the name of every case that failed."""
    results = await asyncio.gather(
        *(run_case(server, events, c, ctx) for c in cases), return_exceptions=True
    )
    failed = {c.name: repr(r) for c, r in zip(cases, results, strict=True) if r is not None}
    assert failed == {}


async def run_case(
    server: SandboxServer, events: list[object], c: Case, ctx: ssl.SSLContext
) -> None:
    """Run `c`'s script and check what follows it (see the module docstring)."""
    seen, delivered = len(events), server.mailbox.delivered
    conn = await open_conn(server)  # TLS is a step, even implicit: garbage can replace it
    if c.banner:
        assert (await conn.reply()).startswith("220 ")
    try:
        stopped = False
        for step in c.steps:
            if stopped and isinstance(step, bytes | Pause):
                continue
            match step:
                case bytes():
                    conn.writer.write(step)
                    with contextlib.suppress(ConnectionError):
                        await conn.writer.drain()
                case Expect(start):
                    stopped = False
                    try:
                        got = await conn.reply()
                    except ConnectionResetError:
                        assert c.may_reset, "the server reset the connection"
                        break
                    assert got.startswith(start), f"expected {start!r}, got {got!r}"
                case Tls():
                    await handshake(conn, ctx, fails=c.handshake_fails)
                case Pause(seconds):
                    await asyncio.sleep(seconds)
                    stopped = unread_bytes(conn.reader) > 0 or conn.reader.at_eof()
        if c.closed:
            rest = await conn.rest()
            if c.handshake_fails and is_tls_alert(rest):
                rest = b""
            assert rest == b"", f"unsolicited after the last reply: {rest[:200]!r}"
        else:
            conn.writer.write(MARK)
            await conn.writer.drain()
            reply = await conn.reply()  # the marker's, and nothing before it
            assert reply.startswith(MARK_REPLY), f"unsolicited: {reply!r}"
    finally:
        await conn.close()
    assert server.mailbox.delivered - delivered == c.stored
    if c.notice is not None:
        keys = [e.key for e in events[seen:] if isinstance(e, Notice)]
        assert c.notice in keys, f"no {c.notice} notice among {keys}"


def is_tls_alert(data: bytes) -> bool:
    """One TLS alert record (content type 21, 2-byte body), the refusal G6 promises."""
    return len(data) == 7 and data[0] == 0x15 and data[1] == 0x03 and data[3:5] == b"\x00\x02"


async def handshake(conn: Conn, ctx: ssl.SSLContext, *, fails: bool) -> None:
    try:
        await asyncio.wait_for(conn.writer.start_tls(ctx, server_hostname="sandbox.test"), WAIT)
    except (ssl.SSLError, ConnectionError):
        assert fails, "the TLS handshake failed"
        return
    assert not fails, "the TLS handshake succeeded"


async def served(server: SandboxServer, tls: ssl.SSLContext | None = None) -> None:
    """A normal client, right after: a whole transaction pipelined, its message stored (`tls`:
    the client of an implicit-TLS server)."""
    mark = f"hostile-check-{next(_marks)}"
    conn = await open_conn(server, tls)
    try:
        # All of it at once: no pause of the client's for a short idle timeout to catch.
        conn.writer.write(
            b"EHLO normal.test\r\nMAIL FROM:<a@sandbox.test>\r\nRCPT TO:<b@sandbox.test>\r\n"
            + f"DATA\r\nSubject: {mark}\r\n\r\nhello\r\n.\r\nQUIT\r\n".encode()
        )
        replies = [await conn.reply() for _ in range(7)]
        assert [r[:3] for r in replies] == ["220", "250", "250", "250", "354", "250", "221"]
        assert await conn.rest() == b""
    finally:
        await conn.close()
    assert mark.encode() in server.mailbox[-1].raw


ServerFixture = tuple[SandboxServer, list[object]]


def module_server(**policy: Any) -> Callable[..., Any]:
    """A module-scoped fixture: one server (and its events) for a whole table."""

    @pytest_asyncio.fixture(loop_scope="module", scope="module")
    async def fixture(certs: Any) -> AsyncIterator[ServerFixture]:
        events: list[object] = []
        policy.setdefault("idle_timeout", WAIT)
        policy.setdefault("data_timeout", WAIT)
        server = SandboxServer(
            ServerPolicy(**policy),
            certs=certs,
            accounts={"learner": "demo-Pa55-for-tests"},
            emit=events.append,
        )
        await server.start()
        yield server, events
        await server.stop()

    return fixture


# --- the checks can fail ---------------------------------------------------------------------


async def _fake_server(script: Callable[[asyncio.StreamWriter], None]) -> asyncio.Server:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 fake ESMTP\r\n")
        await reader.readline()
        script(writer)
        await writer.drain()
        with contextlib.suppress(ConnectionError):
            await reader.read()
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


class _Fake:
    def __init__(self, server: asyncio.Server) -> None:
        self.host, self.port = server.sockets[0].getsockname()[:2]
        self.mailbox = Mailbox()


@pytest.mark.parametrize(
    ("said", "closed"),
    [
        (b"500 junk\r\n250 unsolicited\r\n", False),  # an extra reply before the NOOP's
        (b"500 junk\r\n", True),  # kept open when the case says it closes: a timeout, not EOF
        (b"500 junk\x1b[2J\r\n", False),  # a control byte in a reply (D7)
    ],
    ids=["unsolicited", "not-closed", "control-byte"],
)
async def test_e7_the_case_runner_fails_on_a_misbehaving_server(
    said: bytes, closed: bool, client_ctx: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(f"{__name__}.WAIT", 1.0)  # the not-closed case waits this long
    fake = await _fake_server(lambda w: w.write(said + b"250 Supported commands: HELP\r\n"))
    try:
        c = case("fake", b"JUNK\r\n", Expect("500"), closed=closed)
        with pytest.raises((AssertionError, TimeoutError)):
            await run_case(_Fake(fake), [], c, client_ctx)  # type: ignore[arg-type]
    finally:
        fake.close()
