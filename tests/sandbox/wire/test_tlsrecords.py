"""The TLS record parser (properties.md I4): real handshakes, hand-built messages, fuzzed input."""

from __future__ import annotations

import contextlib
import itertools
import ssl
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.events import Side
from sandbox.pki.certs import make_ca, make_leaf, write_pair
from sandbox.pki.tlsconfig import client_context, server_context
from sandbox.wire.tlsnames import HELLO_RETRY_RANDOM
from sandbox.wire.tlsrecords import (
    MAX_RECORD_LENGTH,
    Record,
    TlsRecordParser,
    TlsSession,
)

# --- builders ----------------------------------------------------------------------------------


def vec(size: int, data: bytes) -> bytes:
    return len(data).to_bytes(size, "big") + data


def record(ctype: int, body: bytes, version: int = 0x0303) -> bytes:
    return bytes([ctype]) + version.to_bytes(2, "big") + vec(2, body)


def handshake(mtype: int, body: bytes) -> bytes:
    return bytes([mtype]) + vec(3, body)


def ext(etype: int, data: bytes) -> bytes:
    return etype.to_bytes(2, "big") + vec(2, data)


def u16s(values: Sequence[int]) -> bytes:
    return b"".join(v.to_bytes(2, "big") for v in values)


def client_hello(
    *,
    sni: bytes | None = b"sandbox.test",
    versions: Sequence[int] | None = (0x0304, 0x0303),
    suites: Sequence[int] = (0x1301, 0xC02B),
    alpn: Sequence[bytes] = (),
) -> bytes:
    exts = b""
    if sni is not None:
        exts += ext(0, vec(2, b"\x00" + vec(2, sni)))
    if versions is not None:
        exts += ext(43, vec(1, u16s(versions)))
    if alpn:
        exts += ext(16, vec(2, b"".join(vec(1, p) for p in alpn)))
    body = b"\x03\x03" + bytes(32) + vec(1, b"") + vec(2, u16s(suites)) + vec(1, b"\x00")
    return handshake(1, body + vec(2, exts))


def server_hello(
    suite: int, *, version: int | None = 0x0304, random: bytes = b"\x11" * 32
) -> bytes:
    exts = ext(43, version.to_bytes(2, "big")) if version is not None else b""
    body = b"\x03\x03" + random + vec(1, b"") + suite.to_bytes(2, "big") + b"\x00"
    return handshake(2, body + (vec(2, exts) if exts else b""))


def parse(chunks: Sequence[bytes]) -> tuple[list[Record], str | None, int | None]:
    """Records, error and error offset after feeding `chunks` one by one."""
    parser = TlsRecordParser()
    out = [r for c in chunks for r in parser.feed(c)]
    return out, parser.error, parser.error_offset


def records(chunks: Sequence[bytes]) -> list[Record]:
    return parse(chunks)[0]


def split(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


# --- real handshakes, through memory BIOs (no sockets needed) -----------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca()
    ca_cert, _ = write_pair(directory, "ca", *ca)
    cert, key = write_pair(directory, "server", *make_leaf(*ca))
    return ca_cert, cert, key


def transcript(pki: tuple[Path, Path, Path], maximum: ssl.TLSVersion) -> tuple[bytes, bytes]:
    """(client->server bytes, server->client bytes) of a real handshake plus a little data."""
    ca_cert, cert, key = pki
    cctx = client_context(ca_cert)
    cctx.maximum_version = maximum
    cin, cout, sin, sout = (ssl.MemoryBIO() for _ in range(4))
    client = cctx.wrap_bio(cin, cout, server_hostname="sandbox.test")
    server = server_context(cert, key).wrap_bio(sin, sout, server_side=True)
    c2s, s2c = bytearray(), bytearray()
    for _ in range(6):
        for end in (client, server):
            with contextlib.suppress(ssl.SSLWantReadError):
                end.do_handshake()
        c2s += (out := cout.read())
        sin.write(out)
        s2c += (out := sout.read())
        cin.write(out)
    client.write(b"EHLO client.test\r\n" * 2000)  # two full records and a bit
    server.write(b"250 OK\r\n")
    return bytes(c2s + cout.read()), bytes(s2c + sout.read())


@pytest.fixture(scope="module")
def tls13(pki: tuple[Path, Path, Path]) -> tuple[bytes, bytes]:
    return transcript(pki, ssl.TLSVersion.TLSv1_3)


@pytest.fixture(scope="module")
def tls12(pki: tuple[Path, Path, Path]) -> tuple[bytes, bytes]:
    return transcript(pki, ssl.TLSVersion.TLSv1_2)


def both(c2s: bytes, s2c: bytes) -> tuple[list[Record], list[Record]]:
    # The server's ServerHello reaches the parser before the client's next flight, as on the wire.
    session = TlsSession()
    client, server = TlsRecordParser(session), TlsRecordParser(session)
    hello_len = 5 + int.from_bytes(c2s[3:5], "big")
    first = client.feed(c2s[:hello_len])
    server_records = server.feed(s2c)
    return first + client.feed(c2s[hello_len:]), server_records


def test_real_tls13_handshake(tls13: tuple[bytes, bytes]) -> None:
    client, server = both(*tls13)
    hello = client[0].handshake[0]
    assert (hello.name, hello.sni) == ("ClientHello", "sandbox.test")
    assert hello.versions == ("TLS 1.3", "TLS 1.2")
    assert "TLS_AES_256_GCM_SHA384" in hello.cipher_suites
    assert "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" in hello.cipher_suites
    assert not client[0].encrypted
    chosen = server[0].handshake[0]
    assert chosen.name == "ServerHello"
    assert chosen.versions == ("TLS 1.3",)
    assert chosen.cipher_suites[0].startswith("TLS_")
    # Everything after the ServerHello is opaque, except the compatibility ChangeCipherSpec.
    for rec in server[1:] + client[1:]:
        if rec.content_type == 20:
            assert not rec.encrypted
        else:
            assert (rec.content_type, rec.encrypted, rec.handshake) == (23, True, ())
    assert not any(info.certificates for rec in server for info in rec.handshake)
    assert sum(rec.length for rec in client if rec.content_type == 23) > 36000


def test_real_tls12_handshake_shows_the_certificate(tls12: tuple[bytes, bytes]) -> None:
    client, server = both(*tls12)
    assert client[0].handshake[0].versions == ("TLS 1.2",)
    names = [info.name for rec in server for info in rec.handshake]
    assert names[:4] == ["ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone"]
    assert server[0].handshake[0].versions == ("TLS 1.2",)
    cert = next(info for rec in server for info in rec.handshake if info.name == "Certificate")
    assert cert.certificates == ("CN=sandbox.test,O=smtp-tutor sandbox",)
    assert [i.name for r in client for i in r.handshake] == ["ClientHello", "ClientKeyExchange"]
    # After each side's ChangeCipherSpec: encrypted, even the handshake-typed Finished.
    for recs in (client, server):
        ccs = next(i for i, r in enumerate(recs) if r.content_type == 20)
        assert all(r.encrypted and not r.handshake for r in recs[ccs + 1 :])
        assert recs[ccs + 1].content_type == 22


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0), max_size=25), which=st.integers(0, 3))
def test_i4_same_records_whatever_the_split_real_handshakes(
    tls12: tuple[bytes, bytes], tls13: tuple[bytes, bytes], cuts: list[int], which: int
) -> None:
    stream = (*tls12, *tls13)[which]
    whole = parse([stream])
    assert parse(split(stream, cuts)) == whole
    assert whole[1] is None


# --- hand-built messages ------------------------------------------------------------------------


def test_client_hello_fields_and_names() -> None:
    hello = client_hello(suites=(0x1302, 0xCCA9, 0x002F, 0x0A0A, 0x1234), alpn=(b"smtp", b"h2"))
    info = records([record(22, hello, 0x0301)])[0].handshake[0]
    assert info.sni == "sandbox.test"
    assert info.alpn == ("smtp", "h2")
    assert info.cipher_suites == (
        "TLS_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "GREASE(0x0a0a)",
        "0x1234",
    )


def test_client_hello_without_supported_versions_offers_its_legacy_version() -> None:
    info = records([record(22, client_hello(versions=None, sni=None))])[0].handshake[0]
    assert (info.versions, info.sni) == (("TLS 1.2",), None)


def test_i5_sni_and_alpn_are_terminal_safe() -> None:
    hello = client_hello(sni=b"evil\x1b]0;owned\x07.test", alpn=(b"\x9b31m",))
    info = records([record(22, hello)])[0].handshake[0]
    assert info.sni == "evil\\x1b]0;owned\\x07.test"
    assert info.alpn == ("\\x9b31m",)


def test_server_hello_versions_and_hello_retry_request() -> None:
    recs = records(
        [
            record(22, server_hello(0x1303, random=HELLO_RETRY_RANDOM)),
            record(22, server_hello(0xC02F, version=None)),
        ]
    )
    hrr, legacy = recs[0].handshake[0], recs[1].handshake[0]
    assert (hrr.name, hrr.versions, hrr.cipher_suites) == (
        "HelloRetryRequest",
        ("TLS 1.3",),
        ("TLS_CHACHA20_POLY1305_SHA256",),
    )
    assert (legacy.name, legacy.versions) == ("ServerHello", ("TLS 1.2",))


def test_hello_retry_keeps_the_second_client_hello_readable() -> None:
    # RFC 8446 D.4: a client may send its dummy ChangeCipherSpec right before the second hello.
    session = TlsSession()
    client, server = TlsRecordParser(session), TlsRecordParser(session)
    client.feed(record(22, client_hello()))
    server.feed(record(22, server_hello(0x1301, random=HELLO_RETRY_RANDOM)))
    second = client.feed(record(20, b"\x01") + record(22, client_hello(sni=b"again.test")))
    assert second[1].handshake[0].sni == "again.test"
    assert not second[1].encrypted


def test_handshake_messages_span_records_and_share_them() -> None:
    done = handshake(14, b"")
    flight = server_hello(0xC02B, version=None) + handshake(12, b"k" * 300) + done
    recs = records([record(22, flight[:30]), record(22, flight[30:60]), record(22, flight[60:])])
    assert [[i.name for i in r.handshake] for r in recs] == [
        [],
        ["ServerHello"],
        ["ServerKeyExchange", "ServerHelloDone"],
    ]


def test_certificate_garbage_does_not_raise() -> None:
    certs = vec(3, vec(3, b"\x30\x82garbage") + vec(3, b""))
    info = records([record(22, handshake(11, certs))])[0].handshake[0]
    assert info.certificates == (
        "(unreadable certificate, 9 bytes)",
        "(unreadable certificate, 0 bytes)",
    )


def test_truncated_message_keeps_what_was_read() -> None:
    hello = client_hello()
    body = hello[4:60]  # the header claims more than the message holds
    info = records([record(22, handshake(1, body))])[0].handshake[0]
    assert info.name == "ClientHello (malformed)"
    assert info.versions == ("TLS 1.2",)


def test_encrypted_bodies_are_previewed_not_parsed() -> None:
    rec = records([record(23, bytes(range(40)))])[0]
    assert (rec.encrypted, rec.length, rec.preview) == (True, 40, bytes(range(16)))
    event = rec.to_event(Side.SERVER, base=100)
    assert (event.offset, event.content_type_name, event.version) == (
        100,
        "application_data",
        "TLS 1.2",
    )
    assert event.preview_hex.startswith("00 01 02 03")


def test_i4_record_longer_than_tls_allows_is_reported_once() -> None:
    good = record(22, client_hello())
    bad = b"\x17\x03\x03" + (MAX_RECORD_LENGTH + 1).to_bytes(2, "big")
    parser = TlsRecordParser()
    out = parser.feed(good + bad + b"x" * 100)
    assert len(out) == 1
    assert parser.error is not None
    assert "18433" in parser.error
    assert parser.error_offset == len(good)
    assert parser.feed(good) == []
    assert parser.stopped
    assert parser.error_offset == len(good)


def test_i4_plaintext_is_not_taken_for_tls() -> None:
    parser = TlsRecordParser()
    assert parser.feed(b"250 OK\r\n") == []
    assert parser.error is not None
    assert parser.error.startswith("not a TLS record")


def test_i4_handshake_message_over_the_cap_stops_the_parser() -> None:
    parser = TlsRecordParser()
    out = parser.feed(record(22, b"\x0b\xff\xff\xff") + record(22, client_hello()))
    assert len(out) == 1
    assert parser.stopped


def _parse_seconds(payload: int) -> float:
    """Best of five: 512 records of this payload, fed in 64 KiB reads."""
    stream = record(23, b"\xaa" * payload) * 512
    best = float("inf")
    for _ in range(5):
        parser = TlsRecordParser()
        start = time.perf_counter()
        count = sum(len(parser.feed(stream[i : i + 65536])) for i in range(0, len(stream), 65536))
        best = min(best, time.perf_counter() - start)
        assert count == 512
    return best


def test_application_data_is_skipped_by_length_not_bytes() -> None:
    # The same 512 records with 1000 times the payload (8 MiB): skipped by length, they cost about
    # the same; a per-byte loop would cost ~1000 times more. A ratio in one process, best of five,
    # holds on a busy machine where a wall-clock bound does not.
    small, big = _parse_seconds(16), _parse_seconds(16384)
    assert big / small < 50, f"8 MiB took {big / small:.0f}x the time of 8 KiB"


# --- fuzzing ------------------------------------------------------------------------------------


def mutate(message: bytes, flips: list[tuple[int, int]]) -> bytes:
    data = bytearray(message)
    for pos, value in flips:
        data[pos % len(data)] = value
    return bytes(data)


HELLOS = [client_hello(alpn=(b"smtp",)), server_hello(0xC02F)]
flips_st = st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4)
record_bodies = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([client_hello(), server_hello(0x1301), handshake(14, b""), b"\x01"]),
    st.builds(handshake, st.sampled_from([1, 2, 11]), st.binary(max_size=200)),
    st.builds(
        mutate, st.sampled_from([client_hello(alpn=(b"smtp",)), server_hello(0xC02F)]), flips_st
    ),
)
records_st = st.builds(
    record,
    st.sampled_from([20, 21, 22, 23, 24, 99]),
    record_bodies,
    st.sampled_from([0x0301, 0x0303, 0x0304]),
)


@settings(max_examples=300, deadline=None)
@given(
    stream=st.lists(records_st, max_size=8).map(b"".join),
    junk=st.binary(max_size=40),
    cuts=st.lists(st.integers(min_value=0), max_size=12),
)
def test_i4_same_records_whatever_the_split(stream: bytes, junk: bytes, cuts: list[int]) -> None:
    data = stream + junk
    whole = parse([data])
    assert parse(split(data, cuts)) == whole
    assert whole[1] is None or not whole[1].startswith("internal")


@settings(max_examples=300, deadline=None)
@given(
    chunks=st.lists(st.binary(max_size=300), max_size=10),
    prefix=st.sampled_from([b"", b"\x16\x03\x01", b"\x16\x03\x03\x00\x30\x01\x00\x00\x2c"]),
)
def test_i4_never_raises_on_arbitrary_bytes(chunks: list[bytes], prefix: bytes) -> None:
    _, error, _ = parse([prefix, *chunks])
    assert error is None or not error.startswith("internal")
