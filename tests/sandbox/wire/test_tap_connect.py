"""How the tap reaches its upstream (issue 15's speed work) changes nothing a client sees (I2).

A numbered loopback upstream is connected to in the callback that accepted the client; one given
by name goes through `create_connection` in a task, and what the client sends meanwhile waits in
the relay. Either way the bytes arrive exactly, in order, and the eavesdropper sees them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from test_wiretap_kit import TIMEOUT, chunk_bytes

from sandbox.events import SandboxEvent, Side
from sandbox.wire.tap import WireTap

BANNER = b"220 upstream ready\r\n"


@contextlib.asynccontextmanager
async def banner_then_echo() -> AsyncIterator[int]:
    """A loopback server that greets, then echoes until EOF; yields its port."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(BANNER)
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("upstream_host", ["127.0.0.1", "localhost"])
async def test_i2_bytes_sent_before_the_banner_arrive_in_order(upstream_host: str) -> None:
    payload = b"".join(b"EHLO line %d\r\n" % i for i in range(2000))  # ~30 KB
    events: list[SandboxEvent] = []
    async with banner_then_echo() as port:
        tap = WireTap(upstream_host, port, emit=events.append)
        await tap.start()
        try:
            reader, writer = await asyncio.open_connection(tap.host, tap.port)
            writer.write(payload)  # at once: the upstream leg may not be there yet
            writer.write_eof()
            back = await asyncio.wait_for(reader.read(), TIMEOUT)
            writer.close()
        finally:
            await tap.stop()
    assert back == BANNER + payload
    assert chunk_bytes(events, Side.CLIENT) == payload
    assert chunk_bytes(events, Side.SERVER) == BANNER + payload


async def test_i2_many_connections_at_once_each_get_their_own_bytes() -> None:
    async with banner_then_echo() as port:
        tap = WireTap("127.0.0.1", port, emit=lambda e: None)
        await tap.start()
        try:

            async def one(i: int) -> bytes:
                reader, writer = await asyncio.open_connection(tap.host, tap.port)
                writer.write(b"client %d\r\n" % i)
                writer.write_eof()
                data = await asyncio.wait_for(reader.read(), TIMEOUT)
                writer.close()
                return data

            answers = await asyncio.gather(*(one(i) for i in range(50)))
        finally:
            await tap.stop()
    assert answers == [BANNER + b"client %d\r\n" % i for i in range(50)]
