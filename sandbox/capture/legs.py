"""A lab session's wire bytes as a capture of both TCP legs of the tap.

The tap relays every chunk the client sends on to the server and every chunk the server sends
back to the client (`WireChunk` events record them, in order, with each direction's offset). A
capture shows the two connections a packet sniffer on the tap's host would see:

    client 127.0.0.1:EPHEMERAL  <->  tap 127.0.0.2:PORT        (the client's leg)
    tap    127.0.0.2:EPHEMERAL  <->  server 127.0.0.3:PORT     (the tap's leg to the server)

PORT is the well-known port of what the lab plays (587 submission with STARTTLS, 465 implicit
TLS, 25 relay), so Wireshark dissects SMTP and TLS with no "decode as". Each leg gets its own
addresses so the two never read as one stream; both carry the same bytes, as the tap relayed them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from sandbox.capture.pcapng import LinkType, Packet
from sandbox.capture.tcp import Clock, TcpFlow
from sandbox.events import SandboxEvent, SessionClosed, SessionStarted, Side, WireChunk

CLIENT_HOST = "127.0.0.1"
TAP_HOST = "127.0.0.2"
SERVER_HOST = "127.0.0.3"
FIRST_EPHEMERAL = 49152  # IANA's dynamic range
FORWARD_US = 20  # how long the tap takes to pass a chunk on, in the capture's clock

SUBMISSION_PORT = 587
SMTPS_PORT = 465
SMTP_PORT = 25


def service_port(*, implicit_tls: bool, submission: bool) -> int:
    """465 for implicit TLS, 587 for submission (STARTTLS or none), 25 for server-to-server."""
    if implicit_tls:
        return SMTPS_PORT
    return SUBMISSION_PORT if submission else SMTP_PORT


@dataclass(slots=True)
class Connection:
    """One relayed connection: its chunks in the order the tap relayed them, and when it ended."""

    chunks: list[WireChunk] = field(default_factory=list)
    closed_ts: float | None = None


def connections(events: Iterable[SandboxEvent]) -> list[Connection]:
    """The relayed connections in `events`, in order; a connection with no bytes is left out.

    A new connection starts with each `SessionStarted`, and wherever a direction's offset does
    not follow on (a new relay counts from 0 again)."""
    found: list[Connection] = []
    current = Connection()
    expected = {Side.CLIENT: 0, Side.SERVER: 0}

    def begin() -> None:
        nonlocal current
        if current.chunks:
            found.append(current)
        current = Connection()
        expected[Side.CLIENT] = expected[Side.SERVER] = 0

    for event in events:
        if isinstance(event, SessionStarted):
            begin()
        elif isinstance(event, SessionClosed) and current.chunks:
            current.closed_ts = event.ts
        elif isinstance(event, WireChunk) and event.data:
            if event.offset != expected[event.sender]:
                begin()
            current.chunks.append(event)
            expected[event.sender] = event.offset + len(event.data)
    if current.chunks:
        found.append(current)
    return found


def _isn(*parts: object) -> int:
    """A fixed initial sequence number per leg, so the same session gives the same file."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big")


def tap_packets(
    events: Iterable[SandboxEvent],
    *,
    port: int,
    epoch_offset: float,
    link: LinkType = LinkType.RAW,
    both_legs: bool = True,
) -> list[Packet]:
    """Both legs of every relayed connection, in time order.

    `epoch_offset` turns the events' monotonic times into wall-clock seconds (time.time() minus
    time.monotonic(), taken once by the caller). `both_legs=False` writes the client's leg
    alone: in an attack lab the tap changes what it passes on, and the events hold only what
    the client's leg carried, so a server's leg made from them would claim what the server never
    sent (properties.md M34)."""
    clock = Clock()
    packets: list[Packet] = []

    def us(ts: float) -> int:
        return round((ts + epoch_offset) * 1_000_000)

    for n, conn in enumerate(connections(events)):
        ephemeral = FIRST_EPHEMERAL + 2 * n
        client_leg = TcpFlow(
            (CLIENT_HOST, ephemeral),
            (TAP_HOST, port),
            clock,
            link,
            client_isn=_isn(n, "client"),
            server_isn=_isn(n, "tap"),
        )
        server_leg = TcpFlow(
            (TAP_HOST, ephemeral + 1),
            (SERVER_HOST, port),
            clock,
            link,
            client_isn=_isn(n, "tap-out"),
            server_isn=_isn(n, "server"),
        )
        out: list[Packet] = packets if both_legs else []  # where the server's leg goes
        start = us(conn.chunks[0].ts) - 2 * FORWARD_US
        packets += client_leg.open(start)
        out += server_leg.open(start + FORWARD_US)
        for chunk in conn.chunks:
            at = us(chunk.ts)
            if chunk.sender is Side.CLIENT:  # in from the client, then on to the server
                packets += client_leg.send(True, chunk.data, at)
                out += server_leg.send(True, chunk.data, at + FORWARD_US)
            else:  # in from the server, then on to the client
                out += server_leg.send(False, chunk.data, at)
                packets += client_leg.send(False, chunk.data, at + FORWARD_US)
        end = us(max(conn.closed_ts or 0.0, conn.chunks[-1].ts))
        packets += client_leg.close(end)
        out += server_leg.close(end + FORWARD_US)
    return packets
