"""The TCP synthesizer: both legs of the tap as real connections, however the session's bytes
were chunked. Checked packet by packet, as a receiving stack would: the three-way handshake,
every sequence number where the stream says it must be, every acknowledgement naming exactly what
the other end has sent, segments of at most MSS bytes, the FIN close, and the bytes of each
direction reassembled equal to what the tap relayed, on both legs."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from capture_reader import Segment, read_segments
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sandbox.capture.legs import (
    CLIENT_HOST,
    SERVER_HOST,
    TAP_HOST,
    connections,
    service_port,
)
from sandbox.capture.packets import ACK, FIN, PSH, SYN
from sandbox.capture.pcapng import LinkType, pcapng
from sandbox.capture.tcp import Clock, TcpFlow
from sandbox.capture.write import capture_bytes
from sandbox.events import Endpoints, SessionClosed, SessionStarted, Side, WireChunk

Addr = tuple[str, int]


def follow(segments: list[Segment], mss: int) -> dict[tuple[Addr, Addr], bytes]:
    """Play each connection as its two ends would see it; returns the bytes sent each way.

    Asserts the TCP rules along the way (RFC 9293 3.4): a SYN, a SYN-ACK acknowledging it, an
    ACK; each segment's seq is the next number its sender owes; each ACK acknowledges all the
    other end sent so far (SYN and FIN count one); data only between the handshake and the FIN.
    State is kept per direction of a connection (source and destination address and port)."""
    isn: dict[tuple[Addr, Addr], int] = {}
    sent: dict[tuple[Addr, Addr], bytearray] = defaultdict(bytearray)
    next_seq: dict[tuple[Addr, Addr], int] = {}
    fin: set[tuple[Addr, Addr]] = set()
    for s in segments:
        way, back = (s.src, s.dst), (s.dst, s.src)
        if s.flags & SYN:
            assert way not in isn, "one SYN each way"
            assert s.options[:2] == b"\x02\x04", "the SYN announces its MSS"
            assert int.from_bytes(s.options[2:4], "big") == mss
            if s.flags & ACK:
                assert back in isn, "SYN-ACK after the SYN"
                assert s.ack == (isn[back] + 1) % 2**32
            else:
                assert back not in isn
            isn[way] = s.seq
            next_seq[way] = (s.seq + 1) % 2**32
            sent.setdefault(way, bytearray())
            continue
        assert way in isn and back in isn, "nothing before the handshake"
        assert s.seq == next_seq[way], "seq is the next number this end owes"
        assert s.flags & ACK
        assert s.ack == next_seq[back], "ACK names all the other end has sent"
        assert len(s.payload) <= mss
        if s.payload:
            assert way not in fin, "no data after FIN"
            sent[way] += s.payload
        next_seq[way] = (next_seq[way] + len(s.payload) + bool(s.flags & FIN)) % 2**32
        if s.flags & FIN:
            fin.add(way)
    assert fin == set(isn), "every end closed with a FIN"
    return {k: bytes(v) for k, v in sent.items()}


chunk_lists = st.lists(
    st.tuples(st.sampled_from([Side.CLIENT, Side.SERVER]), st.binary(min_size=1, max_size=3000)),
    min_size=1,
    max_size=12,
)


def as_events(
    chunks: list[tuple[Side, bytes]], start: float = 10.0, ends: Endpoints | None = None
) -> list[Any]:
    """A session's events; `ends`: watched by the observer on those ends, else relayed."""
    tap = "t" if ends is None else None
    events: list[Any] = [SessionStarted(scenario="t", server="s", via_tap=tap, ts=start)]
    offsets = {Side.CLIENT: 0, Side.SERVER: 0}
    for n, (side, data) in enumerate(chunks):
        at = start + n / 1e3
        events.append(
            WireChunk(sender=side, offset=offsets[side], data=data, endpoints=ends, ts=at)
        )
        offsets[side] += len(data)
    events.append(SessionClosed(clean=True, ts=start + 1))
    return events


def stream(chunks: list[tuple[Side, bytes]], side: Side) -> bytes:
    return b"".join(data for s, data in chunks if s is side)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chunk_lists,
    st.integers(0, 2**32 - 1),
    st.integers(2**32 - 64, 2**32 - 1),  # the server's numbers wrap round 2**32 mid-stream
    st.sampled_from([1, 536, 1460]),
)
@example([(Side.SERVER, b"220 x\r\n")], 0, 2**32 - 1, 1460)  # wraps right after the SYN
def test_m25_one_flow_counts_like_a_real_stack(
    chunks: list[tuple[Side, bytes]], client_isn: int, server_isn: int, mss: int
) -> None:
    client, server = ("127.0.0.1", 50000), ("127.0.0.3", 587)
    flow = TcpFlow(client, server, Clock(), client_isn=client_isn, server_isn=server_isn, mss=mss)
    packets = flow.open(0)
    for n, (side, data) in enumerate(chunks):
        packets += flow.send(side is Side.CLIENT, data, 10 * n)
    packets += flow.close(10_000)
    sent = follow(read_segments(pcapng(packets, link=LinkType.RAW)), mss)
    assert sent[(client, server)] == stream(chunks, Side.CLIENT)
    assert sent[(server, client)] == stream(chunks, Side.SERVER)
    assert flow.next_seq(False) == (server_isn + 2 + len(stream(chunks, Side.SERVER))) % 2**32


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunk_lists, st.sampled_from([587, 465, 25]))
def test_m26_both_legs_carry_what_the_tap_relayed(
    chunks: list[tuple[Side, bytes]], port: int
) -> None:
    segments = read_segments(capture_bytes(as_events(chunks), port=port, offset=0.0))
    sent = follow(segments, 1460)
    ends = {(a, b) for a, b in sent}
    client_leg = [k for k in ends if k[0][0] == CLIENT_HOST]
    server_leg = [k for k in ends if k[1][0] == SERVER_HOST]
    assert len(client_leg) == len(server_leg) == 1
    (c, tap_in), (tap_out, srv) = client_leg[0], server_leg[0]
    assert tap_in == (TAP_HOST, port) and srv == (SERVER_HOST, port), "the well-known port"
    assert tap_out[0] == TAP_HOST and c[1] >= 49152 and tap_out[1] >= 49152
    for a, b in ((c, tap_in), (tap_out, srv)):  # each leg, each way
        assert sent[(a, b)] == stream(chunks, Side.CLIENT)
        assert sent[(b, a)] == stream(chunks, Side.SERVER)


def test_m26_data_is_pushed_and_acknowledged_at_once() -> None:
    """A 4000-byte chunk: three segments (1460, 1460, 1080), PSH on the last, then one ACK."""
    flow = TcpFlow(("127.0.0.1", 50000), ("127.0.0.3", 25), Clock())
    flow.open(0)
    segments = read_segments(pcapng(flow.send(True, b"x" * 4000, 5), link=LinkType.RAW))
    assert [len(s.payload) for s in segments] == [1460, 1460, 1080, 0]
    assert [bool(s.flags & PSH) for s in segments] == [False, False, True, False]
    assert segments[-1].src == ("127.0.0.3", 25) and segments[-1].ack == 4001


def test_m27_each_connection_of_a_session_is_its_own_pair_of_streams() -> None:
    """The learner typed on after QUIT: a second relayed connection (offsets from 0 again)."""
    first = as_events([(Side.SERVER, b"220 a\r\n"), (Side.CLIENT, b"QUIT\r\n")])
    second = as_events([(Side.SERVER, b"220 b\r\n"), (Side.CLIENT, b"NOOP\r\n")], start=20.0)
    assert len(connections(first + second)) == 2
    # and without a SessionStarted between them, the offset starting again says it
    no_start = [e for e in first + second if not isinstance(e, SessionStarted)]
    assert [len(c.chunks) for c in connections(no_start)] == [2, 2]
    sent = follow(read_segments(capture_bytes(first + second, port=587, offset=0.0)), 1460)
    client_ends = sorted(a for a, b in sent if a[0] == CLIENT_HOST)
    assert len(client_ends) == 2 and client_ends[0] != client_ends[1]
    assert sorted(v for (a, b), v in sent.items() if a[0] == CLIENT_HOST) == [
        b"NOOP\r\n",
        b"QUIT\r\n",
    ]


def test_m27_a_session_that_never_connected_writes_no_packets() -> None:
    events = [SessionStarted(scenario="t", server="s", via_tap="t", ts=1.0)]
    assert read_segments(capture_bytes(events, port=587)) == []


@pytest.mark.parametrize(
    ("implicit_tls", "submission", "port"),
    [(True, True, 465), (True, False, 465), (False, True, 587), (False, False, 25)],
)
def test_m28_the_well_known_port_of_what_the_lab_plays(
    implicit_tls: bool, submission: bool, port: int
) -> None:
    assert service_port(implicit_tls=implicit_tls, submission=submission) == port


def test_m25_mss_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="MSS"):
        TcpFlow(("127.0.0.1", 1), ("127.0.0.3", 2), Clock(), mss=0)


def test_m34_the_clients_leg_alone() -> None:
    """In an attack lab the capture has the client's leg only: no connection to the server made
    up from bytes the server may never have sent."""
    chunks = [(Side.SERVER, b"220 hi\r\n"), (Side.CLIENT, b"QUIT\r\n")]
    segments = read_segments(capture_bytes(as_events(chunks), port=25, offset=0, both_legs=False))
    sent = follow(segments, 1460)
    assert {a[0] for a, b in sent} == {CLIENT_HOST, TAP_HOST}
    assert SERVER_HOST not in {b[0] for a, b in sent}
    assert sent[next(k for k in sent if k[0][0] == CLIENT_HOST)] == b"QUIT\r\n"


WATCHED = Endpoints("127.0.0.1", 41234, "127.0.0.1", 38211)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunk_lists, st.sampled_from([587, 465, 25]))
def test_i15_a_watched_connection_is_one_tcp_connection(
    chunks: list[tuple[Side, bytes]], port: int
) -> None:
    """On the ends the observer saw (the lab's well-known port for the server's), carrying the
    bytes each way exactly once; no tap, no second leg."""
    segments = read_segments(capture_bytes(as_events(chunks, ends=WATCHED), port=port, offset=0))
    sent = follow(segments, 1460)
    client, server = ("127.0.0.1", 41234), ("127.0.0.1", port)
    assert set(sent) == {(client, server), (server, client)}
    assert sent[(client, server)] == stream(chunks, Side.CLIENT)
    assert sent[(server, client)] == stream(chunks, Side.SERVER)


def test_i15_connections_watched_at_once_stay_apart() -> None:
    """`watch` serves a room: two connections' chunks interleaved are two connections, each
    whole; a relayed connection beside them keeps its legs."""
    other = Endpoints("127.0.0.1", 41300, "127.0.0.1", 38211)
    a = as_events([(Side.SERVER, b"220 a\r\n"), (Side.CLIENT, b"QUIT\r\n")], ends=WATCHED)
    b = as_events([(Side.SERVER, b"220 b\r\n"), (Side.CLIENT, b"NOOP\r\n")], ends=other)
    mixed = [a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3]]
    found = connections(mixed)
    assert [c.endpoints for c in found] == [WATCHED, other]
    assert [[ch.data for ch in c.chunks] for c in found] == [
        [b"220 a\r\n", b"QUIT\r\n"],
        [b"220 b\r\n", b"NOOP\r\n"],
    ]
    relayed = as_events([(Side.SERVER, b"220 r\r\n")], start=20.0)
    sent = follow(read_segments(capture_bytes(mixed + relayed, port=587, offset=0.0)), 1460)
    assert sent[(("127.0.0.1", 587), ("127.0.0.1", 41300))] == b"220 b\r\n"
    assert sent[(("127.0.0.1", 41234), ("127.0.0.1", 587))] == b"QUIT\r\n"
    senders = {src[0] for src, _ in sent}
    assert senders == {"127.0.0.1", TAP_HOST, SERVER_HOST}  # and the relay's two legs
