"""The handshake annotated field by field, each field at its bytes (M7, M8)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.events import SandboxEvent, Side, WireChunk
from sandbox.tlsview.annotate import (
    LISTENER_BLIND,
    LISTENER_READS,
    AnnotatedMessage,
    Handshake,
    annotate,
)
from sandbox.tlsview.decrypt import TlsDecryptor
from sandbox.tlsview.fields import message_fields
from sandbox.tlsview.hello import read_hello
from sandbox.tlsview.keylog import KeyLog
from sandbox.tlsview.view import TrafficKey
from sandbox.wire.tlsnames import CIPHER_SUITES

Session = tuple[list[SandboxEvent], KeyLog]
SUITE_CODES = {name: code for code, name in CIPHER_SUITES.items()}


def stream(events: list[SandboxEvent], side: Side) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, WireChunk) and e.sender is side)


def handshake_of(session: Session) -> tuple[Handshake, TlsDecryptor]:
    events, keylog = session
    decryptor = TlsDecryptor(keylog)
    decryptor.feed_all(events)
    return annotate(decryptor), decryptor


def message(hs: Handshake, name: str, sender: Side) -> AnnotatedMessage:
    return next(m for m in hs.messages if m.name == name and m.sender is sender)


def fields(m: AnnotatedMessage) -> dict[str, str]:
    return {f.name: f.value for f in m.fields}


def check_offsets_point_at_the_bytes(events: list[SandboxEvent], hs: Handshake) -> None:
    """Every field of a message sent in the clear lies where it says in the stream: the type
    byte, the random, each cipher suite's two bytes, the SNI's text."""
    for m in hs.messages:
        if not m.listener_reads:
            assert all(f.offset is None for f in m.fields)
            continue
        data = stream(events, m.sender)
        assert m.offset is not None and data[m.offset] == m.msg_type
        for f in m.fields:
            assert f.offset is not None and f.offset + f.length <= len(data)
            got = data[f.offset : f.offset + f.length]
            if f.name == "random":
                assert got.hex() == f.value.split()[0]
            elif f.name == "cipher_suite":
                assert int.from_bytes(got, "big") == SUITE_CODES[f.value.split()[0]]
            elif f.name == "extension server_name":
                assert got.endswith(f.value.encode())
            elif f.name == "msg_type":
                assert got == bytes([m.msg_type])


def test_m7_the_client_hello_field_by_field_at_its_bytes(session13: Session) -> None:
    hs, decryptor = handshake_of(session13)
    assert (hs.version, hs.cipher_suite) == ("TLS 1.3", "TLS_AES_128_GCM_SHA256")
    hello = message(hs, "ClientHello", Side.CLIENT)
    found = fields(hello)
    assert found["random"] == decryptor.client_random.hex() == hs.client_random  # type: ignore[union-attr]
    assert found["legacy_version"] == "TLS 1.2 (0x0303)"
    assert found["extension server_name"] == "sandbox.test"
    assert "TLS 1.3 (0x0304)" in found["extension supported_versions"]
    assert "x25519" in found["extension supported_groups"]
    assert found["extension key_share"].startswith("x25519, key 32 bytes")
    assert "ecdsa_secp256r1_sha256" in found["extension signature_algorithms"]
    suites = [f.value.split()[0] for f in hello.fields if f.name == "cipher_suite"]
    assert "TLS_AES_128_GCM_SHA256" in suites and all(f.depth == 1 for f in hello.fields[6:8])
    server = fields(message(hs, "ServerHello", Side.SERVER))
    assert server["cipher_suite"] == "TLS_AES_128_GCM_SHA256 (0x1301)"
    assert server["extension supported_versions"] == "TLS 1.3 (0x0304)"
    assert server["extension key_share"] == "x25519, key 32 bytes"
    check_offsets_point_at_the_bytes(session13[0], hs)
    json.dumps(hs.to_json())  # the demo's --json prints it as is


def test_m8_tls13_hides_the_certificate_and_tls12_shows_it(
    session13: Session, session12: Session
) -> None:
    hs13, _ = handshake_of(session13)
    names = [m.name for m in hs13.messages if m.sender is Side.SERVER]
    assert names[:5] == [
        "ServerHello",
        "EncryptedExtensions",
        "Certificate",
        "CertificateVerify",
        "Finished",
    ]
    for name in names[1:5]:
        m = message(hs13, name, Side.SERVER)
        assert (m.note, m.key) == (LISTENER_BLIND, TrafficKey.SERVER_HANDSHAKE)
    cert = message(hs13, "Certificate", Side.SERVER)
    assert "CN=sandbox.test" in fields(cert)["certificate 1"]
    assert message(hs13, "Finished", Side.CLIENT).key is TrafficKey.CLIENT_HANDSHAKE
    ticket = message(hs13, "NewSessionTicket", Side.SERVER)
    assert ticket.key is TrafficKey.SERVER_APPLICATION and "ticket_lifetime" in fields(ticket)
    assert message(hs13, "ClientHello", Side.CLIENT).note == LISTENER_READS

    hs12, _ = handshake_of(session12)
    assert hs12.version == "TLS 1.2"
    assert hs12.cipher_suite == "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
    cert12 = message(hs12, "Certificate", Side.SERVER)
    assert (cert12.note, cert12.key) == (LISTENER_READS, None)
    assert "CN=sandbox.test" in fields(cert12)["certificate 1"]
    kex = fields(message(hs12, "ServerKeyExchange", Side.SERVER))
    assert kex["named_curve"] == "x25519" and kex["algorithm"] == "ecdsa_secp256r1_sha256"
    for side in Side:
        finished = message(hs12, "Finished", side)
        assert finished.note == LISTENER_BLIND
        assert finished.key in (TrafficKey.CLIENT_WRITE, TrafficKey.SERVER_WRITE)
    check_offsets_point_at_the_bytes(session12[0], hs12)
    assert "a listener cannot see this" in "\n".join(hs13.lines())


def test_m8_without_the_keys_the_encrypted_messages_are_not_shown(session13: Session) -> None:
    events, _ = session13
    decryptor = TlsDecryptor(KeyLog())
    decryptor.feed_all(events)
    hs = annotate(decryptor)
    assert [m.name for m in hs.messages] == ["ClientHello", "ServerHello"]


def hellos(session: Session) -> list[tuple[int, bytes]]:
    _, decryptor = handshake_of(session)
    return [
        (s.message.msg_type, s.message.body)
        for s in decryptor.messages
        if s.message.msg_type in (1, 2)
    ]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_m7_a_truncated_or_garbled_hello_never_raises(data: st.DataObject) -> None:
    body = data.draw(st.binary(max_size=600))
    msg_type = data.draw(st.sampled_from([1, 2, 4, 8, 11, 12, 15, 16, 20, 24]))
    for tls13 in (True, False):
        hello = read_hello(msg_type, body)
        found, _ = (
            (hello.fields, hello.complete) if hello else message_fields(msg_type, body, tls13=tls13)
        )
        for f in found:
            assert f.offset >= 0 and f.offset + f.length <= 4 + len(body)


def test_m7_every_prefix_of_a_real_hello_keeps_the_fields_read(session13: Session) -> None:
    for msg_type, body in hellos(session13):
        whole = read_hello(msg_type, body)
        assert whole is not None and whole.complete
        for cut in range(0, len(body), 7):
            part = read_hello(msg_type, body[:cut])
            assert part is not None
            if part.complete:  # only where the hello may end: after its compression method(s)
                assert part.fields[-1].name.startswith("legacy_compression_method")
                assert part.fields[-1].offset + part.fields[-1].length == 4 + cut
            # the header's length is the one given; every field after it is the whole's own
            assert part.fields[2:] == whole.fields[2 : len(part.fields)]
