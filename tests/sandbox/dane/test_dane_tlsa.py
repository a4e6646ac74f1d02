"""TLSA records: computed as openssl computes them, read with clear errors, matched, rolled over."""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from sandbox.dane.tlsa import (
    TlsaError,
    TlsaRecord,
    match_chain,
    match_leaf,
    parse_tlsa,
    rollover,
    tlsa_for,
)
from sandbox.pki.certs import CertBundle, load_ca, load_cert, make_ca, make_leaf


def _openssl_311(openssl: str, pem: str) -> str:
    pub = subprocess.run(
        [openssl, "x509", "-pubkey", "-noout", "-in", pem], capture_output=True, check=True
    ).stdout
    der = subprocess.run(
        [openssl, "pkey", "-pubin", "-outform", "DER"], input=pub, capture_output=True, check=True
    ).stdout
    out = subprocess.run(
        [openssl, "dgst", "-sha256"], input=der, capture_output=True, check=True
    ).stdout
    return out.decode().split("=")[-1].strip()


def test_p1_3_1_1_equals_the_openssl_pipeline(
    certs: CertBundle, tool: Callable[[str], str]
) -> None:
    openssl = tool("openssl")
    record = tlsa_for(load_cert(certs.server_cert))
    assert (record.usage, record.selector, record.mtype) == (3, 1, 1)
    assert record.data.hex() == _openssl_311(openssl, str(certs.server_cert))
    assert str(record) == f"3 1 1 {record.data.hex()}"


def test_p1_every_selector_and_matching_type(certs: CertBundle) -> None:
    cert = load_cert(certs.server_cert)
    der = cert.public_bytes(serialization.Encoding.DER)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert tlsa_for(cert, 3, 0, 0).data == der
    assert tlsa_for(cert, 3, 0, 1).data == hashlib.sha256(der).digest()
    assert tlsa_for(cert, 3, 1, 2).data == hashlib.sha512(spki).digest()
    assert tlsa_for(cert, 2, 1, 0).data == spki


GOOD = "3 1 1 " + "ab" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD, TlsaRecord(3, 1, 1, bytes.fromhex("ab" * 32))),
        ("_25._tcp.mx.example.test. 300 IN TLSA " + GOOD, TlsaRecord(3, 1, 1, b"\xab" * 32)),
        ("3 1 1 " + "ab" * 16 + " " + "ab" * 16, TlsaRecord(3, 1, 1, b"\xab" * 32)),
        ("2 0 2 " + "cd" * 64, TlsaRecord(2, 0, 2, b"\xcd" * 64)),
    ],
)
def test_p2_records_people_write_are_read(text: str, expected: TlsaRecord) -> None:
    assert parse_tlsa(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "usage selector matching-type data"),
        ("3 1 1", "usage selector matching-type data"),
        ("three 1 1 ab", "numbers"),
        ("4 1 1 " + "ab" * 32, "usage 4"),
        ("3 2 1 " + "ab" * 32, "selector 2"),
        ("3 1 3 " + "ab" * 32, "matching type 3"),
        ("3 1 1 zz", "not hexadecimal"),
        ("3 1 1 abc", "not hexadecimal"),
        ("3 1 1 " + "ab" * 31, "needs 32 bytes"),
        ("3 1 1 ab\x00cd", "NUL"),
        ("3 1 1 " + "a" * 1_000_000, "at most"),
    ],
)
def test_p2_hostile_or_wrong_records_get_one_clear_line(text: str, says: str) -> None:
    with pytest.raises(TlsaError) as err:
        parse_tlsa(text)
    assert says in str(err.value)
    assert "\n" not in str(err.value)


@given(st.text(max_size=200))
def test_p2_any_text_is_a_record_or_a_tlsa_error(text: str) -> None:
    with contextlib.suppress(TlsaError):
        parse_tlsa(text)


def test_p3_dane_ee_matches_the_key_whatever_the_name_and_dates(certs: CertBundle) -> None:
    ca_key, ca = load_ca(certs)
    server = load_cert(certs.server_cert)
    record = tlsa_for(server)
    assert match_chain([record], [server]) == record
    # Another certificate from the same trusted CA (another name, another key) does not match:
    _, other = make_leaf(ca_key, ca, ["mx.attacker.test"])
    assert match_chain([record], [other]) is None
    # Usages 0 and 1 are unusable for SMTP (RFC 7672 3.1.3), even when the data match.
    assert match_chain([tlsa_for(server, 1)], [server]) is None
    assert match_leaf([record], server.public_bytes(serialization.Encoding.DER)) == record


def test_p3_dane_ta_needs_the_anchor_in_the_chain_and_its_signature(certs: CertBundle) -> None:
    _, ca = load_ca(certs)
    server = load_cert(certs.server_cert)
    anchor = tlsa_for(ca, 2, 1, 1)
    assert match_chain([anchor], [server, ca]) == anchor
    assert match_chain([anchor], [server]) is None  # the server did not send its anchor
    stranger_key, stranger = make_ca("someone else")
    _, foreign = make_leaf(stranger_key, stranger, ["sandbox.test"])
    assert match_chain([anchor], [foreign, ca]) is None  # the anchor did not issue that leaf


def test_p4_current_plus_next_rollover(certs: CertBundle) -> None:
    ca_key, ca = load_ca(certs)
    live = load_cert(certs.server_cert)
    _, nxt = make_leaf(ca_key, ca)
    current = tlsa_for(live)
    both = rollover([current, tlsa_for(nxt)], live, nxt)
    assert both.live_ok and both.safe_to_switch
    only_current = rollover([current], live, nxt)
    assert only_current.live_ok and not only_current.safe_to_switch
    switched_too_early = rollover([current], nxt)
    assert not switched_too_early.live_ok
