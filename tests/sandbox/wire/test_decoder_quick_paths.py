"""The decoder's fast paths give exactly the events of its careful ones (properties.md I14).

The fast paths: events built by `sandbox.events.quick_*`, records by
`TlsRecordParser.feed_events`, hellos read by offsets, plaintext lines in one loop. The careful
paths are the public constructors, `TlsRecordParser.feed`, the cursor decoder and the general line
loop, all still in use (`ConnectionDecoder(careful=True)`, `decode_message(careful=True)`).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import ssl
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_tlsrecords import client_hello, ext, handshake, mutate, record, records_st, server_hello
from test_tlsrecords import transcript as tls_transcript
from test_tlsrecords import vec as tls_vec
from test_wiretap_decode import resplit, starttls_transcript
from test_wiretap_kit import Pki, make_pki

from sandbox.client.smtp import SmtpClient
from sandbox.events import (
    Endpoints,
    HandshakeInfo,
    Notice,
    SandboxEvent,
    Side,
    WireChunk,
    WireLine,
    WireRecord,
)
from sandbox.lab.scenarios import MESSAGE, RECIPIENT, SENDER
from sandbox.pki.certs import make_ca, make_leaf, write_pair
from sandbox.smtpd.accounts import demo_account
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.wire import tlshandshake
from sandbox.wire.decode import MAX_RECORDS, ConnectionDecoder
from sandbox.wire.observer import WireObserver
from sandbox.wire.quick_events import quick_chunk, quick_handshake, quick_line, quick_record
from sandbox.wire.tlshandshake import decode_message
from sandbox.wire.tlsrecords import TlsRecordParser, TlsSession

C, S = Side.CLIENT, Side.SERVER
Transcript = Sequence[tuple[Side, bytes]]


def untimed(events: Sequence[SandboxEvent]) -> list[SandboxEvent]:
    """The events with one time stamp: each decoder reads the clock itself."""
    return [dataclasses.replace(e, ts=0.0) for e in events]


def both_ways(transcript: Transcript, **kwargs: Any) -> list[SandboxEvent]:
    """The fast decoder's events, after checking the careful one gives the same."""
    got: dict[bool, list[SandboxEvent]] = {}
    for careful in (False, True):
        events: list[SandboxEvent] = []
        decoder = ConnectionDecoder(events.append, careful=careful, **kwargs)
        for side, data in transcript:
            decoder.feed(side, data)
        decoder.finish()
        got[careful] = events
    assert untimed(got[False]) == untimed(got[True])
    return got[False]


def chunks_of(events: Sequence[SandboxEvent], side: Side) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, WireChunk) and e.sender is side)


def sent_by(transcript: Transcript, side: Side) -> bytes:
    return b"".join(data for s, data in transcript if s is side)


# --- the quick constructors are the public ones -------------------------------------------------

texts = st.text(max_size=20)
sides = st.sampled_from(Side)
times = st.floats(allow_nan=False)


ends = st.none() | st.builds(
    Endpoints,
    st.just("127.0.0.1"),
    st.integers(0, 65535),
    st.just("127.0.0.1"),
    st.integers(0, 65535),
)


@given(sides, st.integers(), st.binary(max_size=20), times, ends)
def test_i14_quick_chunk_is_the_public_constructor(
    side: Side, offset: int, data: bytes, ts: float, endpoints: Endpoints | None
) -> None:
    quick = quick_chunk(side, offset, data, ts, endpoints)
    public = WireChunk(sender=side, offset=offset, data=data, endpoints=endpoints, ts=ts)
    assert type(quick) is WireChunk
    assert (quick, repr(quick), hash(quick)) == (public, repr(public), hash(public))


@given(sides, st.integers(), texts, st.booleans(), times)
def test_i14_quick_line_is_the_public_constructor(
    side: Side, offset: int, text: str, injected: bool, ts: float
) -> None:
    quick = quick_line(side, offset, text, injected, ts)
    public = WireLine(sender=side, offset=offset, text=text, injected=injected, ts=ts)
    assert type(quick) is WireLine
    assert (quick, repr(quick), hash(quick)) == (public, repr(public), hash(public))


infos = st.builds(
    HandshakeInfo,
    st.integers(0, 255),
    texts,
    st.none() | texts,
    st.lists(texts, max_size=3).map(tuple),
    st.lists(texts, max_size=3).map(tuple),
)


@given(
    st.tuples(
        sides,
        st.integers(),
        st.integers(0, 255),
        texts,
        texts,
        st.integers(),
        texts,
        st.lists(infos, max_size=2).map(tuple),
        st.booleans(),
        times,
    )
)
def test_i14_quick_record_is_the_public_constructor(args: tuple[Any, ...]) -> None:
    quick = quick_record(*args)
    public = WireRecord(*args[:-1], ts=args[-1])
    assert type(quick) is WireRecord
    assert (quick, repr(quick), hash(quick)) == (public, repr(public), hash(public))


@given(
    st.integers(0, 255),
    texts,
    st.none() | texts,
    *(st.lists(texts, max_size=3).map(tuple) for _ in range(3)),
)
def test_i14_quick_handshake_is_the_public_constructor(
    msg_type: int,
    name: str,
    sni: str | None,
    versions: tuple[str, ...],
    suites: tuple[str, ...],
    alpn: tuple[str, ...],
) -> None:
    quick = quick_handshake(msg_type, name, sni, versions, suites, alpn)
    public = HandshakeInfo(msg_type, name, sni, versions, suites, alpn=alpn)
    assert (quick, repr(quick), hash(quick)) == (public, repr(public), hash(public))


def test_i14_the_quick_constructors_set_every_field() -> None:
    # A field added to an event and not to its quick constructor is unset: reading it raises.
    made = [
        quick_chunk(C, 0, b"", 0.0),
        quick_line(C, 0, "", False, 0.0),
        quick_record(C, 0, 23, "", "", 0, "", (), True, 0.0),
        quick_handshake(1, "", None, (), (), ()),
    ]
    for event in made:
        assert {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}


# --- hellos: offsets and cursor agree -------------------------------------------------------------

names = st.binary(max_size=12) | st.sampled_from([b"sandbox.test", b"\x1b[2J", b"a\\b", b"\xff"])
version_lists = st.none() | st.lists(st.sampled_from([0x0304, 0x0303, 0x0A0A, 0x7F17]), max_size=4)
suite_lists = st.lists(st.integers(0, 0xFFFF), max_size=6)


@st.composite
def client_hellos(draw: st.DrawFn) -> bytes:
    hello = client_hello(
        sni=draw(st.none() | names),
        versions=draw(version_lists),
        suites=draw(suite_lists),
        alpn=draw(st.lists(names, max_size=3)),
    )
    return hello[4:]  # the message body


@st.composite
def server_hellos(draw: st.DrawFn) -> bytes:
    random = draw(st.sampled_from([b"\x11" * 32, tlshandshake.HELLO_RETRY_RANDOM]))
    version = draw(st.none() | st.sampled_from([0x0304, 0x0303, 0x1234]))
    body = server_hello(draw(st.integers(0, 0xFFFF)), version=version, random=random)[4:]
    if draw(st.booleans()):  # with ALPN, as a server may answer
        exts = ext(16, tls_vec(2, b"".join(tls_vec(1, p) for p in draw(st.lists(names)))))
        head, old = (body, b"") if version is None else (body[:-8], body[-6:])
        body = head + tls_vec(2, old + exts)
    return body


def hello_odd(body: bytes, draw: st.DrawFn) -> bytes:
    """The body, cut short, padded or with a few bytes changed."""
    how = draw(st.sampled_from(["as is", "cut", "pad", "flip"]))
    if how == "cut":
        return body[: draw(st.integers(0, len(body)))]
    if how == "pad":
        return body + draw(st.binary(min_size=1, max_size=8))
    if how == "flip":
        return mutate(body, draw(st.lists(st.tuples(st.integers(0), st.integers(0, 255)))))
    return body


@st.composite
def hello_messages(draw: st.DrawFn) -> tuple[int, bytes]:
    mtype = draw(st.sampled_from([1, 2]))
    body = draw(client_hellos() if mtype == 1 else server_hellos())
    return mtype, hello_odd(body, draw)


@settings(max_examples=500, deadline=None)
@given(message=hello_messages())
def test_i14_hellos_by_offsets_are_the_careful_decoding(message: tuple[int, bytes]) -> None:
    mtype, body = message
    assert decode_message(mtype, body) == decode_message(mtype, body, careful=True)


@settings(max_examples=300, deadline=None)
@given(mtype=st.sampled_from([1, 2]), body=st.binary(max_size=300))
def test_i14_hellos_of_random_bytes_agree(mtype: int, body: bytes) -> None:
    assert decode_message(mtype, body) == decode_message(mtype, body, careful=True)


@settings(max_examples=100, deadline=None)
@given(body=client_hellos())
def test_i14_a_well_formed_client_hello_takes_the_quick_path(body: bytes) -> None:
    quick = tlshandshake._quick_client_hello(body)
    assert quick is not None
    assert quick == decode_message(1, body, careful=True)


@settings(max_examples=100, deadline=None)
@given(body=server_hellos())
def test_i14_a_well_formed_server_hello_takes_the_quick_path(body: bytes) -> None:
    quick = tlshandshake._quick_server_hello(body)
    assert quick is not None
    assert quick == decode_message(2, body, careful=True)


@pytest.fixture(scope="module")
def pki_paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca()
    ca_cert, _ = write_pair(directory, "ca", *ca)
    cert, key = write_pair(directory, "server", *make_leaf(*ca))
    return ca_cert, cert, key


def hellos_in(stream: bytes) -> list[tuple[int, bytes]]:
    """The hello messages of the plaintext records at the start of `stream`."""
    out, pos = [], 0
    while pos + 5 <= len(stream) and stream[pos] in (20, 22):
        length = struct.unpack_from(">H", stream, pos + 3)[0]
        body = stream[pos + 5 : pos + 5 + length]
        if stream[pos] == 22 and body[:1] in (b"\x01", b"\x02"):
            out.append((body[0], body[4 : 4 + int.from_bytes(body[1:4], "big")]))
        pos += 5 + length
    return out


@pytest.mark.parametrize(
    "maximum", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3], ids=["tls12", "tls13"]
)
def test_i14_real_hellos_take_the_quick_path_and_agree(
    pki_paths: tuple[Path, Path, Path], maximum: ssl.TLSVersion
) -> None:
    c2s, s2c = tls_transcript(pki_paths, maximum)
    hellos = hellos_in(c2s) + hellos_in(s2c)
    assert sorted(mtype for mtype, _ in hellos) == [1, 2]
    for mtype, body in hellos:
        quick = (
            tlshandshake._quick_client_hello if mtype == 1 else tlshandshake._quick_server_hello
        )(body)
        assert quick is not None
        assert quick == decode_message(mtype, body, careful=True)


# --- records: feed_events is feed, as events ------------------------------------------------------


def cut(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def records_both_ways(chunks: Sequence[bytes], base: int = 7) -> list[WireRecord]:
    session_q, session_c = TlsSession(), TlsSession()
    quick, careful = TlsRecordParser(session_q), TlsRecordParser(session_c, careful=True)
    got: list[WireRecord] = []
    want: list[WireRecord] = []
    for n, chunk in enumerate(chunks):
        got += quick.feed_events(chunk, S, base, float(n))
        want += [r.to_event(S, base, float(n)) for r in careful.feed(chunk)]
    assert got == want
    assert (quick.error, quick.error_offset) == (careful.error, careful.error_offset)
    assert (session_q.version, session_q.cipher, session_q.tls13) == (
        session_c.version,
        session_c.cipher,
        session_c.tls13,
    )
    return got


@settings(max_examples=300, deadline=None)
@given(
    stream=st.lists(records_st, max_size=8).map(b"".join),
    junk=st.binary(max_size=40),
    cuts=st.lists(st.integers(min_value=0), max_size=12),
)
def test_i14_feed_events_is_feed_for_any_records_and_split(
    stream: bytes, junk: bytes, cuts: list[int]
) -> None:
    records_both_ways(cut(stream + junk, cuts))


@settings(max_examples=200, deadline=None)
@given(chunks=st.lists(st.binary(max_size=300), max_size=10))
def test_i14_feed_events_is_feed_for_random_bytes(chunks: list[bytes]) -> None:
    records_both_ways([b"\x16\x03\x01", *chunks])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, 3), cuts=st.lists(st.integers(min_value=0), max_size=20))
def test_i14_feed_events_is_feed_on_real_handshakes(
    pki_paths: tuple[Path, Path, Path], which: int, cuts: list[int]
) -> None:
    streams = _real_streams(pki_paths)
    events = records_both_ways(cut(streams[which], cuts))
    assert events and not any(e.content_type not in (20, 21, 22, 23) for e in events)


_STREAMS: list[bytes] = []


def _real_streams(pki_paths: tuple[Path, Path, Path]) -> list[bytes]:
    if not _STREAMS:
        for maximum in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            _STREAMS.extend(tls_transcript(pki_paths, maximum))
    return _STREAMS


def test_i14_a_handshake_message_split_across_records_takes_the_careful_path() -> None:
    hello = client_hello(alpn=(b"smtp",))
    stream = record(22, hello[:40]) + record(22, hello[40:] + handshake(14, b""))
    events = records_both_ways([stream])
    assert [[i.name for i in e.handshake] for e in events] == [
        [],
        ["ClientHello", "ServerHelloDone"],
    ]


# --- the whole decoder ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("kit-pki"))


@pytest.fixture(scope="module")
def transcripts(pki: Pki) -> list[list[tuple[Side, bytes]]]:
    return [starttls_transcript(pki, v) for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3)]


@settings(max_examples=60, deadline=None)
@given(which=st.integers(0, 1), cuts=st.lists(st.integers(min_value=0), max_size=60))
def test_i14_fast_and_careful_decoders_agree_on_real_sessions_however_split(
    transcripts: list[list[tuple[Side, bytes]]], which: int, cuts: list[int]
) -> None:
    transcript = resplit(transcripts[which], cuts)
    watched = Endpoints("127.0.0.1", 40000, "127.0.0.1", 587)  # the observer's chunks name them
    events = both_ways(transcript, endpoints=watched)
    for side in Side:
        assert chunks_of(events, side) == sent_by(transcript, side)
    assert {e.endpoints for e in events if isinstance(e, WireChunk)} == {watched}


smtp_words = st.sampled_from(
    [
        b"EHLO a\r\n",
        b"STARTTLS\r\n",
        b"starttls\n",
        b"220 go ahead\r\n",
        b"250-x\r\n250 y\r\n",
        b"354 go\r\n",
        b"DATA\r\n",
        b".\r\n",
        b"454 no\r\n",
        b"\x16\x03\x03\x00\x02\x01\x00",
        b"\x17\x03\x03\x00\x03abc",
        b"\x15\x03\x03\x00\x02\x02\x28",
        b"x" * 5000 + b"\r\n",
        b"\r\n",
        b"line\r",
    ]
)
pieces = st.tuples(st.sampled_from(Side), st.lists(smtp_words | st.binary(max_size=40), max_size=4))


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, max_size=16), st.sampled_from([4 * 1024 * 1024, 300, 4096]))
def test_i14_fast_and_careful_decoders_agree_on_random_conversations(
    steps: list[tuple[Side, list[bytes]]], cap: int
) -> None:
    transcript = [(side, b"".join(parts)) for side, parts in steps]
    events = both_ways(transcript, max_capture_bytes=cap)
    if sum(len(data) for _, data in transcript) <= cap:
        for side in Side:
            assert chunks_of(events, side) == sent_by(transcript, side)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(Side), st.binary(max_size=200)), max_size=12))
def test_i14_fast_and_careful_decoders_agree_on_random_bytes(
    transcript: list[tuple[Side, bytes]],
) -> None:
    events = both_ways(transcript)
    for side in Side:
        assert chunks_of(events, side) == sent_by(transcript, side)


MB = 1000 * 1000


def ten_megabytes() -> list[tuple[Side, bytes]]:
    """A STARTTLS session carrying 10 MB: a plaintext message first, then TLS records (fake
    ciphertext) in reads of 64 KiB that cut headers and bodies anywhere."""
    body = b"".join(b"line %d of the message body\r\n" % n for n in range(60000))
    plain = [
        (S, b"220 sandbox.test ESMTP\r\n"),
        (C, b"EHLO client.test\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"),
        (S, b"250-sandbox.test\r\n250 STARTTLS\r\n250 OK\r\n250 OK\r\n354 go on\r\n"),
        *((C, body[i : i + 65536]) for i in range(0, len(body), 65536)),
        (C, b".\r\n"),
        (S, b"250 OK queued\r\n"),
        (C, b"STARTTLS\r\n"),
        (S, b"220 ready\r\n"),
    ]
    hello = record(22, client_hello(alpn=(b"smtp",)), 0x0301)
    served = record(22, server_hello(0x1301)) + record(20, b"\x01")
    payload = os.urandom(16000)
    streams = [
        b"".join(record(23, payload[: 1000 + n * 7919 % 15000]) for n in range(k, 1200, 2))
        for k in (0, 1)
    ]
    out = [*plain, (C, hello), (S, served)]
    reads = [[s[i : i + 65536] for i in range(0, len(s), 65536)] for s in streams]
    for ours, theirs in itertools.zip_longest(*reads, fillvalue=b""):
        out += [(C, ours), (S, theirs)]
    return out


def test_i14_fast_and_careful_decoders_agree_on_ten_megabytes() -> None:
    transcript = ten_megabytes()
    assert sum(len(d) for _, d in transcript) >= 10 * MB
    events = both_ways(transcript, max_capture_bytes=20 * MB)
    for side in Side:
        assert chunks_of(events, side) == sent_by(transcript, side)
    assert sum(isinstance(e, WireRecord) and e.encrypted for e in events) >= 600


# --- a real session over loopback -----------------------------------------------------------------


async def test_i14_a_real_loopback_session_decodes_the_same_both_ways() -> None:
    seen: list[SandboxEvent] = []
    server = SandboxServer(ServerPolicy(tls_level="encrypt"), observer=WireObserver(seen.append))
    await server.start()
    try:
        account = demo_account()
        assert server.certs is not None
        client = SmtpClient("127.0.0.1", server.port, ca_file=server.certs.ca_cert, timeout=10)
        await client.send_mail(
            SENDER, RECIPIENT, MESSAGE, user=account.username, password=account.password
        )
    finally:
        await server.stop()
    reads = [(e.sender, e.data) for e in seen if isinstance(e, WireChunk)]
    ends = {e.endpoints for e in seen if isinstance(e, WireChunk)}
    assert len(ends) == 1 and None not in ends  # the observer names the connection's ends
    events = both_ways(reads, endpoints=ends.pop())
    assert untimed(events) == untimed(seen)  # and both are what the observer showed
    records = [e for e in events if isinstance(e, WireRecord)]
    assert [i.name for i in records[0].handshake] == ["ClientHello"]
    assert any(i.name == "ServerHello" for r in records for i in r.handshake)


# --- the record bound, for every user of the decoder (observer and relay) ----------------------


@pytest.mark.parametrize("reads", [1, 7, 60_000], ids=["one-read", "seven-reads", "a-read-each"])
def test_x7_the_decoder_shows_max_records_a_direction_then_says_so_once(reads: int) -> None:
    """60,000 one-byte handshake records from the client (implicit TLS), however they are read:
    the first MAX_RECORDS are WireRecords, then one tap.records_full, from the fast path and
    the careful one alike; every byte is still in the WireChunks. The relay (attack labs, named
    servers) and the observer both decode with ConnectionDecoder, so both are bounded."""
    flood = b"".join(b"\x16\x03\x01\x00\x01" + bytes([i % 256]) for i in range(60_000))
    size = -(-len(flood) // reads)
    transcript = [(Side.CLIENT, flood[i : i + size]) for i in range(0, len(flood), size)]
    events = both_ways(transcript)
    records = [e for e in events if isinstance(e, WireRecord)]
    assert len(records) == MAX_RECORDS
    assert records[-1].offset == (MAX_RECORDS - 1) * 6
    full = [e for e in events if isinstance(e, Notice) and e.key == "tap.records_full"]
    assert len(full) == 1 and full[0].params == {"max": str(MAX_RECORDS), "side": "client"}
    assert chunks_of(events, Side.CLIENT) == flood
