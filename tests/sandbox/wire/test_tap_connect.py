"""How the tap accepts and reaches its upstream (issue 15's speed work) changes nothing a client
sees (I2), and running out of descriptors only pauses accepting (I3).

A numbered loopback upstream is connected to in the callback that accepted the client; one given
by name goes through `create_connection` in a task, and what the client sends meanwhile waits in
the relay. Either way the bytes arrive exactly, in order, and the eavesdropper sees them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from test_wiretap_kit import TIMEOUT, chunk_bytes

from sandbox.events import Level, Notice, SandboxEvent, Side
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


@contextlib.contextmanager
def no_more_descriptors() -> Iterator[None]:
    """Until the block ends, this process can open no new file descriptor (EMFILE)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowest_free = os.dup(0)  # the number the next descriptor would get
    os.close(lowest_free)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def test_i3_out_of_descriptors_the_tap_says_so_and_accepts_again() -> None:
    events: list[SandboxEvent] = []
    said = asyncio.Event()

    def emit(event: SandboxEvent) -> None:
        events.append(event)
        if isinstance(event, Notice) and event.key == "tap.cannot_accept":
            said.set()

    async with banner_then_echo() as port:
        tap = WireTap("127.0.0.1", port, emit=emit)
        await tap.start()
        try:
            client = socket.socket()
            client.setblocking(False)
            with no_more_descriptors():
                # The kernel completes the connect into the listen queue; the tap's accept()
                # then fails with EMFILE, since accepting needs a descriptor.
                with contextlib.suppress(BlockingIOError):
                    client.connect((tap.host, tap.port))
                await asyncio.wait_for(said.wait(), TIMEOUT)
            # Descriptors again: the tap accepts the waiting connection on its own and serves it.
            reader, writer = await asyncio.open_connection(sock=client)
            assert await asyncio.wait_for(reader.readexactly(len(BANNER)), TIMEOUT) == BANNER
            writer.close()
        finally:
            await tap.stop()
    (cannot,) = [e for e in events if isinstance(e, Notice)]
    assert cannot.level is Level.ERROR and "Too many open files" in cannot.text
