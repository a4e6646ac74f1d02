"""The eavesdropper's decoder on its own: fed byte streams, no sockets (I3, I4, I5, I6)."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import ssl
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_wiretap_kit import Pki, make_pki

from sandbox.events import (
    Level,
    Notice,
    SandboxEvent,
    Side,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)
from sandbox.safety.text import escape_bytes
from sandbox.wire.decode import MAX_LINE, ConnectionDecoder, Mode, escape_line

C, S = Side.CLIENT, Side.SERVER
Transcript = Sequence[tuple[Side, bytes]]


def decode(transcript: Transcript, **kwargs: Any) -> tuple[list[SandboxEvent], ConnectionDecoder]:
    events: list[SandboxEvent] = []
    decoder = ConnectionDecoder(events.append, **kwargs)
    for side, data in transcript:
        decoder.feed(side, data)
    decoder.finish()
    return events, decoder


def lines(events: Sequence[SandboxEvent], side: Side) -> list[tuple[int, str, bool]]:
    return [
        (e.offset, e.text, e.injected)
        for e in events
        if isinstance(e, WireLine) and e.sender is side
    ]


def shape(events: Sequence[SandboxEvent]) -> list[tuple[Any, ...]]:
    """Events without timestamps and raw chunks: what must not depend on how bytes were split."""
    return [
        (type(e).__name__, *(getattr(e, f.name) for f in dataclasses.fields(e) if f.name != "ts"))
        for e in events
        if not isinstance(e, WireChunk)
    ]


HELLO = bytes.fromhex("16030100") + bytes([8]) + bytes.fromhex("0100000403030000")  # tiny record


# --- I5: escaping ------------------------------------------------------------------------------


@settings(max_examples=500)
@given(
    data=st.binary(max_size=200)
    | st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass"))
)
def test_i5_escape_line_is_exactly_safetext(data: bytes) -> None:
    assert escape_line(data) == escape_bytes(data)


def test_i5_escape_line_is_exactly_safetext_for_every_character() -> None:
    for code in itertools.chain(range(0xD800), range(0xE000, 0x30000, 7)):
        data = chr(code).encode()
        assert escape_line(data) == escape_bytes(data), hex(code)


# --- plaintext lines -----------------------------------------------------------------------------


def test_lines_strip_crlf_and_keep_offsets() -> None:
    events, _ = decode([(S, b"220 hi\r\n"), (C, b"EHLO a\r"), (C, b"\nNOOP\nbare\rcr\r\n")])
    assert lines(events, S) == [(0, "220 hi", False)]
    assert lines(events, C) == [(0, "EHLO a", False), (8, "NOOP", False), (13, "bare\\rcr", False)]


def test_i3_a_long_line_is_shown_once_truncated() -> None:
    long = b"A" * (3 * MAX_LINE)
    whole, _ = decode([(C, long + b"\r\nNOOP\r\n")])
    pieces, _ = decode(
        [(C, long[i : i + 1000]) for i in range(0, len(long), 1000)] + [(C, b"\r\nNOOP\r\n")]
    )
    expected = [(0, "A" * MAX_LINE + "…", False), (len(long) + 2, "NOOP", False)]
    assert lines(whole, C) == lines(pieces, C) == expected


@pytest.mark.parametrize("length", [MAX_LINE - 1, MAX_LINE, MAX_LINE + 1, MAX_LINE + 2])
@pytest.mark.parametrize("end", [b"\r\n", b"\n", b"\rX\r\n"])
def test_i3_lines_near_the_limit_look_the_same_however_they_arrive(length: int, end: bytes) -> None:
    data = b"B" * length + end + b"NOOP\r\n"
    whole = lines(decode([(C, data)])[0], C)
    shown = length + (2 if end.startswith(b"\rX") else 0)
    assert whole[0][1].endswith("…") == (shown > MAX_LINE)
    for cut in range(MAX_LINE - 2, MAX_LINE + 4):
        assert lines(decode([(C, data[:cut]), (C, data[cut:])])[0], C) == whole, cut


def test_finish_shows_an_incomplete_last_line() -> None:
    events, _ = decode([(S, b"220 hi\r\n"), (C, b"QUIT")])
    assert lines(events, C) == [(0, "QUIT", False)]


def test_a_body_line_reading_starttls_is_not_a_command() -> None:
    events, decoder = decode(
        [
            (C, b"DATA\r\n"),
            (S, b"354 go ahead\r\n"),
            (C, b"STARTTLS\r\n.\r\n"),
            (S, b"250 queued\r\n"),
            (C, b"QUIT\r\n"),
        ]
    )
    assert [t for _, t, _ in lines(events, C)] == ["DATA", "STARTTLS", ".", "QUIT"]
    assert not [e for e in events if isinstance(e, WireSwitch)]
    assert decoder.mode(C) is Mode.PLAIN


# --- the switch -----------------------------------------------------------------------------------


def test_i6_starttls_switch_with_injection_on_both_sides() -> None:
    events, decoder = decode(
        [
            (S, b"220 hi\r\n"),
            (C, b"STARTTLS\r\nMAIL FROM:<evil@x.test>\r\nRCPT"),
            (S, b"220 go\r\n250 forged\r\n"),
            (C, HELLO),
            (S, b"250 late\r\n" + HELLO),
        ]
    )
    assert lines(events, C) == [
        (0, "STARTTLS", False),
        (10, "MAIL FROM:<evil@x.test>", True),
        (35, "RCPT", True),
    ]
    assert lines(events, S) == [
        (0, "220 hi", False),
        (8, "220 go", False),
        (16, "250 forged", True),
        (28, "250 late", True),
    ]
    assert [(e.sender, e.offset) for e in events if isinstance(e, WireSwitch)] == [(S, 16), (C, 10)]
    records = [(e.sender, e.offset) for e in events if isinstance(e, WireRecord)]
    assert records == [(C, 39), (S, 38)]
    assert (decoder.mode(C), decoder.mode(S)) == (Mode.TLS, Mode.TLS)


def test_i6_injected_bytes_and_hello_in_one_read() -> None:
    events, _ = decode([(C, b"STARTTLS\r\n"), (S, b"220 go\r\n"), (C, b"NOOP\r\n" + HELLO)])
    assert lines(events, C)[1:] == [(10, "NOOP", True)]
    assert [e.offset for e in events if isinstance(e, WireRecord)] == [16]


def test_refused_starttls_releases_the_waiting_bytes_as_plaintext() -> None:
    events, decoder = decode([(C, b"STARTTLS\r\nNOOP\r\n"), (S, b"454 no\r\n250 ok\r\n")])
    assert lines(events, C) == [(0, "STARTTLS", False), (10, "NOOP", False)]
    assert decoder.mode(C) is Mode.PLAIN
    assert not [e for e in events if isinstance(e, WireSwitch)]


def test_multiline_reply_waits_for_its_last_line() -> None:
    events, _ = decode([(C, b"STARTTLS\r\n"), (S, b"220-wait\r\n220 go\r\n"), (C, HELLO)])
    assert [(e.sender, e.offset) for e in events if isinstance(e, WireSwitch)] == [(S, 18), (C, 10)]


def test_implicit_tls_from_the_first_client_byte() -> None:
    events, decoder = decode([(C, HELLO), (S, HELLO)])
    assert [(e.sender, e.offset) for e in events if isinstance(e, WireSwitch)] == [(C, 0), (S, 0)]
    assert [e.sender for e in events if isinstance(e, WireRecord)] == [C, S]
    assert lines(events, C) == lines(events, S) == []
    assert decoder.session.tls13 is False


def test_i4_bytes_that_are_not_tls_are_reported_once_then_raw() -> None:
    events, decoder = decode([(C, HELLO), (C, b"GET / HTTP/1.1\r\n"), (C, b"more\r\n")])
    (notice,) = [e for e in events if isinstance(e, Notice)]
    assert "byte 13" in notice.text
    assert "client" in notice.text
    assert decoder.mode(C) is Mode.OFF
    assert sum(len(e.data) for e in events if isinstance(e, WireChunk)) == 13 + 16 + 6


def test_i3_capture_cap_counts_both_directions() -> None:
    events, decoder = decode(
        [(S, b"220 " + b"x" * 60 + b"\r\n"), (C, b"y" * 100)], max_capture_bytes=100
    )
    chunks = [e for e in events if isinstance(e, WireChunk)]
    assert [len(c.data) for c in chunks] == [66, 34]
    notices = [e for e in events if isinstance(e, Notice)]
    assert len(notices) == 1
    assert notices[0].level is Level.WARNING
    assert decoder.capture_full
    count = len(events)
    decoder.feed(C, b"z" * 10)
    assert len(events) == count


# --- the whole decoder does not care how TCP split the bytes -----------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def starttls_transcript(pki: Pki, maximum: ssl.TLSVersion) -> list[tuple[Side, bytes]]:
    """A real STARTTLS session's messages in causal order, each as one write."""
    out: list[tuple[Side, bytes]] = [
        (S, b"220 sandbox.test ESMTP\r\n"),
        (C, b"EHLO client.test\r\n"),
        (S, b"250-sandbox.test\r\n250-SIZE 1048576\r\n250 STARTTLS\r\n"),
        (C, b"STARTTLS\r\n"),
        (S, b"220 2.0.0 Ready to start TLS\r\n"),
    ]
    cctx = pki.client(maximum)
    cin, cout, sin, sout = (ssl.MemoryBIO() for _ in range(4))
    client = cctx.wrap_bio(cin, cout, server_hostname="sandbox.test")
    server = pki.server().wrap_bio(sin, sout, server_side=True)
    for _ in range(4):
        for end, bio, side, peer in ((client, cout, C, sin), (server, sout, S, cin)):
            with contextlib.suppress(ssl.SSLWantReadError):
                end.do_handshake()
            if data := bio.read():
                out.append((side, data))
                peer.write(data)
    client.write(b"EHLO client.test\r\n" + b"x" * 40000)
    out.append((C, cout.read()))
    server.write(b"250 OK\r\n")
    out.append((S, sout.read()))
    return out


@pytest.fixture(scope="module")
def transcripts(pki: Pki) -> list[list[tuple[Side, bytes]]]:
    return [starttls_transcript(pki, v) for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3)]


def resplit(transcript: Transcript, cuts: list[int]) -> list[tuple[Side, bytes]]:
    out: list[tuple[Side, bytes]] = []
    for index, (side, data) in enumerate(transcript):
        points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts[index::7])})
        out += [(side, data[a:b]) for a, b in itertools.pairwise(points)]
    return out


@settings(max_examples=40, deadline=None)
@given(which=st.integers(0, 1), cuts=st.lists(st.integers(min_value=0), max_size=60))
def test_i4_events_do_not_depend_on_how_the_stream_is_split(
    transcripts: list[list[tuple[Side, bytes]]], which: int, cuts: list[int]
) -> None:
    transcript = transcripts[which]
    whole, _ = decode(transcript)
    assert shape(decode(resplit(transcript, cuts))[0]) == shape(whole)
    assert not [e for e in whole if isinstance(e, Notice)]
    hello = next(e for e in whole if isinstance(e, WireRecord))
    assert hello.handshake[0].sni == "sandbox.test"
