"""The wire tap as a relay: loopback only (I1), exact forwarding, half-close (I2), bounds (I3)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from test_wiretap_kit import TIMEOUT, chunk_bytes, tap_for

from sandbox.events import Level, Notice, SandboxEvent, Side, WireChunk
from sandbox.wire.tap import WireTap

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def upstream(handler: Handler) -> AsyncIterator[int]:
    """A loopback server running `handler` per connection; yields its port."""

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(guarded, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


async def connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


async def round_trip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    writer.write(b"ping\r\n")
    await writer.drain()
    return await asyncio.wait_for(reader.readexactly(6), TIMEOUT)


def notices(events: list[SandboxEvent]) -> list[Notice]:
    return [e for e in events if isinstance(e, Notice)]


# --- I1 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "sandbox.test", ""])
def test_i1_refuses_a_listen_host_that_is_not_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        WireTap("127.0.0.1", 25, emit=lambda e: None, listen_host=host)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.5"])
async def test_i1_listens_on_loopback(host: str) -> None:
    tap = WireTap("127.0.0.1", 9, emit=lambda e: None, listen_host=host)
    await tap.start()
    try:
        assert tap.host in ("127.0.0.1", "::1", "127.0.0.5")
        assert tap.port > 0
    finally:
        await tap.stop()


# --- I2 ------------------------------------------------------------------------------------------


async def test_i2_forwards_bytes_exactly_both_ways_with_half_close() -> None:
    received: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    answer = bytes(range(256)) * 4096  # 1 MiB, every byte value

    async def after_eof(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.read()  # returns only once the client's EOF came through the tap
        received.set_result(data)
        writer.write(answer + hashlib.sha256(data).digest())
        await writer.drain()

    payload = os.urandom(300_000)
    async with upstream(after_eof) as port, tap_for(port) as (tap, events):
        reader, writer = await connect(tap.port)
        for i in range(0, len(payload), 7777):
            writer.write(payload[i : i + 7777])
            await writer.drain()
        writer.write_eof()
        back = await asyncio.wait_for(reader.read(), TIMEOUT)  # reading goes on after our EOF
        await close(writer)
    assert await received == payload
    assert back == answer + hashlib.sha256(payload).digest()
    # The eavesdropper saw the same bytes, with offsets that count each direction.
    assert chunk_bytes(events, Side.CLIENT) == payload
    assert chunk_bytes(events, Side.SERVER) == back
    offsets = [e.offset for e in events if isinstance(e, WireChunk) and e.sender is Side.SERVER]
    assert offsets[0] == 0
    assert offsets == sorted(offsets)


async def test_i2_server_half_close_leaves_the_client_direction_open() -> None:
    received: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def speaks_first(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 bye for now\r\n")
        writer.write_eof()
        received.set_result(await reader.read())

    async with upstream(speaks_first) as port, tap_for(port) as (tap, _):
        reader, writer = await connect(tap.port)
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b"220 bye for now\r\n"
        writer.write(b"still talking\r\n")
        writer.write_eof()
        assert await asyncio.wait_for(received, TIMEOUT) == b"still talking\r\n"
        await close(writer)


# --- I3 ------------------------------------------------------------------------------------------


async def test_i3_caps_concurrent_connections() -> None:
    async with upstream(echo) as port, tap_for(port, max_connections=2) as (tap, events):
        first, second = await connect(tap.port), await connect(tap.port)
        for conn in (first, second):
            assert await round_trip(*conn) == b"ping\r\n"
        reader, writer = await connect(tap.port)
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""  # closed at once
        await close(writer)
        assert tap.active_connections == 2
        await close(first[1])
        for _ in range(200):
            if tap.active_connections < 2:
                break
            await asyncio.sleep(0.01)
        again = await connect(tap.port)
        assert await round_trip(*again) == b"ping\r\n"
        for conn in (second, again):
            await close(conn[1])
    refused = [n for n in notices(events) if "refused a connection" in n.text]
    assert len(refused) == 1


async def test_i3_capture_is_capped_but_relaying_goes_on() -> None:
    async with upstream(echo) as port, tap_for(port, max_capture_bytes=1000) as (tap, events):
        reader, writer = await connect(tap.port)
        data = os.urandom(5000)
        writer.write(data)
        writer.write_eof()
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == data
        await close(writer)
    kept = chunk_bytes(events, Side.CLIENT) + chunk_bytes(events, Side.SERVER)
    assert len(kept) == 1000
    assert data.startswith(chunk_bytes(events, Side.CLIENT))
    full = [n for n in notices(events) if "stops recording" in n.text]
    assert len(full) == 1
    assert full[0].level is Level.WARNING


async def test_i3_a_slow_server_pushes_back_instead_of_filling_the_tap() -> None:
    go = asyncio.Event()
    received: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await go.wait()  # reads nothing until told
        received.set_result(await reader.read())

    data = os.urandom(32 * 1024 * 1024)
    async with upstream(slow) as port, tap_for(port, max_capture_bytes=1000) as (tap, _):
        _, writer = await connect(tap.port)
        writer.write(data)  # no drain: see how much the client is left holding
        await asyncio.sleep(0.3)
        # Kernel buffers hold a few MiB per hop; the rest stays with the client, not the tap.
        assert writer.transport.get_write_buffer_size() > 8 * 1024 * 1024
        go.set()
        writer.write_eof()
        got = await asyncio.wait_for(received, TIMEOUT)
        await close(writer)
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


async def test_i3_idle_connection_is_closed() -> None:
    async with upstream(echo) as port, tap_for(port, idle_timeout=1.0) as (tap, events):
        reader, writer = await connect(tap.port)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for _ in range(4):  # traffic keeps it alive past the timeout (pauses well inside it)
            await asyncio.sleep(0.3)
            assert await round_trip(reader, writer) == b"ping\r\n"
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
        assert loop.time() - start > 2.0
        await close(writer)
    assert any("idle" in n.text for n in notices(events))


async def test_unreachable_upstream_closes_the_client_and_says_why() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]  # nothing listens once the socket closes
    async with tap_for(dead_port) as (tap, events):
        reader, writer = await connect(tap.port)
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
        await close(writer)
    (notice,) = notices(events)
    assert notice.level is Level.ERROR
    assert f"127.0.0.1:{dead_port}" in notice.text


async def test_stop_closes_open_connections() -> None:
    async with upstream(echo) as port:
        events: list[SandboxEvent] = []
        tap = WireTap("127.0.0.1", port, emit=events.append)
        await tap.start()
        listening = tap.port
        conns = [await connect(listening) for _ in range(3)]
        for conn in conns:
            assert await round_trip(*conn) == b"ping\r\n"
        await asyncio.wait_for(tap.stop(), TIMEOUT)
        assert tap.active_connections == 0
        for reader, writer in conns:
            assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
            await close(writer)
        with pytest.raises(ConnectionRefusedError):
            await connect(listening)
        with pytest.raises(RuntimeError):
            _ = tap.port
