"""A lab session's wire bytes as the TCP connections a packet sniffer would have seen.

Where the eavesdropper watched the sandbox server's own socket (`sandbox.wire.observer`: every
lab but the attack labs), there was one connection, and the capture has one (properties.md I15):

    client 127.0.0.1:ITS_PORT  <->  server 127.0.0.1:PORT

with the addresses and the client's port the server's socket had (`WireChunk.endpoints`).

Where the bytes crossed the relay (`sandbox.wire.tap`: attack labs, a server the learner names),
there were two, and the capture shows both legs of the tap:

    client 127.0.0.1:EPHEMERAL  <->  tap 127.0.0.2:PORT        (the client's leg)
    tap    127.0.0.2:EPHEMERAL  <->  server 127.0.0.3:PORT     (the tap's leg to the server)

Each leg gets its own addresses so the two never read as one stream; both carry the same bytes,
as the tap relayed them.

PORT is the well-known port of what the lab plays (587 submission with STARTTLS, 465 implicit
TLS, 25 relay), so Wireshark dissects SMTP and TLS with no "decode as" (M28); the port the
sandbox server really listened on is said in a comment on the observed connection's first packet.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sandbox.capture.pcapng import LinkType, Packet
from sandbox.capture.tcp import Clock, TcpFlow
from sandbox.events import (
    Endpoints,
    SandboxEvent,
    SessionClosed,
    SessionStarted,
    Side,
    WireChunk,
)

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
    """One connection: its chunks in the order they crossed, when it ended, and its two ends
    when the observer watched it (None: it crossed the relay)."""

    chunks: list[WireChunk] = field(default_factory=list)
    closed_ts: float | None = None
    endpoints: Endpoints | None = None
    expected: dict[Side, int] = field(default_factory=lambda: {Side.CLIENT: 0, Side.SERVER: 0})


def connections(events: Iterable[SandboxEvent]) -> list[Connection]:
    """The connections in `events`, in the order their first bytes crossed; a connection with no
    bytes is left out.

    A relayed connection starts with each `SessionStarted`, and wherever a direction's offset does
    not follow on (a new relay counts from 0 again). A watched connection is the chunks with its
    endpoints whose offsets follow on, so connections watched at once (`watch`) stay apart."""
    found: list[Connection] = []
    relayed: Connection | None = None
    watched: dict[Endpoints, Connection] = {}
    last: Connection | None = None  # the connection of the latest chunk: what a close ends

    for event in events:
        if isinstance(event, SessionStarted):
            relayed = last = None
        elif isinstance(event, SessionClosed):
            if last is not None:
                last.closed_ts = event.ts
        elif isinstance(event, WireChunk) and event.data:
            ends = event.endpoints
            conn = relayed if ends is None else watched.get(ends)
            if conn is None or event.offset != conn.expected[event.sender]:
                conn = Connection(endpoints=ends)
                found.append(conn)
                if ends is None:
                    relayed = conn
                else:
                    watched[ends] = conn
            conn.chunks.append(event)
            conn.expected[event.sender] = event.offset + len(event.data)
            last = conn
    return found


def _isn(*parts: object) -> int:
    """A fixed initial sequence number per leg, so the same session gives the same file."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _ipv4(host: str, stand_in: str) -> str:
    """`host` when a capture of IPv4 packets can carry it, else `stand_in`."""
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        return stand_in


def session_packets(
    events: Iterable[SandboxEvent],
    *,
    port: int,
    epoch_offset: float,
    link: LinkType = LinkType.RAW,
    both_legs: bool = True,
) -> list[Packet]:
    """Every connection of the session, in time order: a watched one as itself, a relayed one
    as the tap's legs.

    `epoch_offset` turns the events' monotonic times into wall-clock seconds (time.time() minus
    time.monotonic(), taken once by the caller). `both_legs=False` writes a relayed connection's
    client's leg alone: in an attack lab the tap changes what it passes on, and the events hold
    only what the client's leg carried, so a server's leg made from them would claim what the
    server never sent (properties.md M34)."""
    clock = Clock()
    packets: list[Packet] = []
    for n, conn in enumerate(connections(events)):
        if conn.endpoints is None:
            packets += _legs(conn, n, clock, port, epoch_offset, link, both_legs=both_legs)
        else:
            packets += _watched(conn, conn.endpoints, n, clock, port, epoch_offset, link)
    return packets


def _us(ts: float, epoch_offset: float) -> int:
    return round((ts + epoch_offset) * 1_000_000)


def _watched(
    conn: Connection,
    ends: Endpoints,
    n: int,
    clock: Clock,
    port: int,
    epoch_offset: float,
    link: LinkType,
) -> list[Packet]:
    """The one connection the observer watched, each chunk at the time it crossed the socket."""
    client = (_ipv4(ends.client_host, CLIENT_HOST), ends.client_port)
    server = (_ipv4(ends.server_host, SERVER_HOST), port)
    flow = TcpFlow(
        client, server, clock, link, client_isn=_isn(n, "client"), server_isn=_isn(n, "server")
    )
    first, *rest = flow.open(_us(conn.chunks[0].ts, epoch_offset) - FORWARD_US)
    where = f"{ends.server_host}:{ends.server_port}"
    note = (
        "smtp-tutor: one connection, watched on the sandbox server's own socket (no relay). "
        f"The server listened on {where}; written as port {port}, the port of what the lab "
        "plays, so Wireshark dissects SMTP and TLS with no Decode As."
    )
    packets = [replace(first, comment=note), *rest]
    for chunk in conn.chunks:
        packets += flow.send(chunk.sender is Side.CLIENT, chunk.data, _us(chunk.ts, epoch_offset))
    end = _us(max(conn.closed_ts or 0.0, conn.chunks[-1].ts), epoch_offset)
    return packets + flow.close(end)


def _legs(
    conn: Connection,
    n: int,
    clock: Clock,
    port: int,
    epoch_offset: float,
    link: LinkType,
    *,
    both_legs: bool,
) -> list[Packet]:
    """Both legs of one relayed connection (the client's alone without `both_legs`)."""
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
    packets: list[Packet] = []
    out: list[Packet] = packets if both_legs else []  # where the server's leg goes
    start = _us(conn.chunks[0].ts, epoch_offset) - 2 * FORWARD_US
    packets += client_leg.open(start)
    out += server_leg.open(start + FORWARD_US)
    for chunk in conn.chunks:
        at = _us(chunk.ts, epoch_offset)
        if chunk.sender is Side.CLIENT:  # in from the client, then on to the server
            packets += client_leg.send(True, chunk.data, at)
            out += server_leg.send(True, chunk.data, at + FORWARD_US)
        else:  # in from the server, then on to the client
            out += server_leg.send(False, chunk.data, at)
            packets += client_leg.send(False, chunk.data, at + FORWARD_US)
    end = _us(max(conn.closed_ts or 0.0, conn.chunks[-1].ts), epoch_offset)
    packets += client_leg.close(end)
    out += server_leg.close(end + FORWARD_US)
    return packets
