"""TLSA records (RFC 6698, used for SMTP as RFC 7672 says): compute, read, match, roll over.

    record = tlsa_for(cert)                      # "3 1 1 <sha-256 of the public key>"
    parse_tlsa("3 1 1 9f86d0...")                # TlsaRecord, or TlsaError with one plain line
    match_leaf([record], leaf_der)               # the record that matched, or None

The three numbers:

- usage: 0 PKIX-TA and 1 PKIX-EE are *unusable* for SMTP (RFC 7672 3.1.3: a client has no
  agreed CA list to check them against); 2 DANE-TA names a trust anchor the server sends in its
  chain; 3 DANE-EE names the server's own certificate or key, and then name and expiry are not
  checked at all (RFC 7672 3.1.1).
- selector: 0 the whole certificate, 1 only its public key (SubjectPublicKeyInfo), which
  survives a renewal with the same key.
- matching type: 0 the bytes themselves, 1 their SHA-256, 2 their SHA-512.

`3 1 1` is what `openssl x509 -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256`
prints for the certificate. cryptography is imported only by the functions that read certificates.
"""

from __future__ import annotations

import binascii
import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509

MAX_RECORD_CHARS = 4096  # a 3 0 0 record of a big RSA certificate is about 3 KB of hex


TLSA_ERRORS: dict[str, str] = {
    "too_long": "a TLSA record is at most {limit} characters",
    "nul": "the TLSA record contains a NUL byte",
    "shape": "a TLSA record is 'usage selector matching-type data', e.g. '3 1 1 9f86...'",
    "numbers": "usage, selector and matching type are numbers, e.g. '3 1 1'",
    "usage": "usage {usage} is not 0, 1, 2 or 3",
    "selector": "selector {selector} is not 0 (Cert) or 1 (SPKI)",
    "mtype": "matching type {mtype} is not 0 (Full), 1 (SHA-256) or 2 (SHA-512)",
    "not_hex": "the certificate association data is not hexadecimal",
    "length": "matching type {mtype} needs {want} bytes of data; this has {got}",
    "empty": "the certificate association data is empty",
}
"""Why a record cannot be read, in English; `tutor.ui.world_words.TLSA_ERRORS_JA` in Japanese."""


class TlsaError(ValueError):
    """A TLSA record that cannot be read; the message is one plain line. `key` and `params`
    let a caller say it in the learner's language."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(TLSA_ERRORS[key].format(**params))


class Usage(enum.IntEnum):
    PKIX_TA = 0
    PKIX_EE = 1
    DANE_TA = 2
    DANE_EE = 3


class Selector(enum.IntEnum):
    CERT = 0
    SPKI = 1


class MatchingType(enum.IntEnum):
    FULL = 0
    SHA256 = 1
    SHA512 = 2


EXPLAIN: dict[str, dict[int, str]] = {
    "usage": {
        0: "PKIX-TA: a public CA must issue the chain; unusable for SMTP (RFC 7672 3.1.3)",
        1: "PKIX-EE: this certificate, from a public CA; unusable for SMTP (RFC 7672 3.1.3)",
        2: "DANE-TA: a trust anchor of your own, sent in the server's chain; the name is checked",
        3: "DANE-EE: the server's own certificate or key; name and expiry are not checked",
    },
    "selector": {
        0: "Cert: the whole certificate (changes with every renewal)",
        1: "SPKI: only the public key (survives a renewal that keeps the key)",
    },
    "mtype": {
        0: "Full: the bytes themselves (long; rarely used)",
        1: "SHA-256 of the selected bytes (the usual choice)",
        2: "SHA-512 of the selected bytes",
    },
}
"""What each number means, in English; `tutor/cli/dane.py` has the Japanese."""


@dataclass(frozen=True, slots=True)
class TlsaRecord:
    usage: int
    selector: int
    mtype: int
    data: bytes

    def __str__(self) -> str:
        return f"{self.usage} {self.selector} {self.mtype} {self.data.hex()}"

    @property
    def usable(self) -> bool:
        """Usable for SMTP (RFC 7672 3.1): DANE-TA or DANE-EE, with a known selector and type."""
        return (
            self.usage in (Usage.DANE_TA, Usage.DANE_EE)
            and self.selector in set(Selector)
            and self.mtype in set(MatchingType)
        )


def selected_bytes(cert: x509.Certificate, selector: int) -> bytes:
    """The certificate (0) or its SubjectPublicKeyInfo (1), in DER."""
    from cryptography.hazmat.primitives import serialization

    if selector == Selector.CERT:
        return cert.public_bytes(serialization.Encoding.DER)
    if selector == Selector.SPKI:
        return cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    raise TlsaError("selector", selector=selector)


def digest(data: bytes, mtype: int) -> bytes:
    if mtype == MatchingType.FULL:
        return data
    if mtype == MatchingType.SHA256:
        return hashlib.sha256(data).digest()
    if mtype == MatchingType.SHA512:
        return hashlib.sha512(data).digest()
    raise TlsaError("mtype", mtype=mtype)


def tlsa_for(
    cert: x509.Certificate, usage: int = 3, selector: int = 1, mtype: int = 1
) -> TlsaRecord:
    """The TLSA record naming `cert` (by default `3 1 1`, the one RFC 7672 recommends)."""
    if usage not in set(Usage):
        raise TlsaError("usage", usage=usage)
    return TlsaRecord(usage, selector, mtype, digest(selected_bytes(cert, selector), mtype))


def parse_tlsa(text: str) -> TlsaRecord:
    """A record as people write it: `3 1 1 HEX`, or a zone line ending in `TLSA 3 1 1 HEX`.

    The hex may be split by spaces (as `dig` prints long records)."""
    if len(text) > MAX_RECORD_CHARS:
        raise TlsaError("too_long", limit=MAX_RECORD_CHARS)
    if "\x00" in text:
        raise TlsaError("nul")
    words = text.split()
    upper = [w.upper() for w in words]
    if "TLSA" in upper:
        words = words[upper.index("TLSA") + 1 :]
    if len(words) < 4:
        raise TlsaError("shape")
    try:
        usage, selector, mtype = (int(w) for w in words[:3])
    except ValueError:
        raise TlsaError("numbers") from None
    if usage not in set(Usage):
        raise TlsaError("usage", usage=usage)
    if selector not in set(Selector):
        raise TlsaError("selector", selector=selector)
    if mtype not in set(MatchingType):
        raise TlsaError("mtype", mtype=mtype)
    hexdata = "".join(words[3:])
    try:
        data = binascii.unhexlify(hexdata)
    except (binascii.Error, ValueError):
        raise TlsaError("not_hex") from None
    want = {MatchingType.SHA256: 32, MatchingType.SHA512: 64}.get(MatchingType(mtype))
    if want is not None and len(data) != want:
        raise TlsaError("length", mtype=mtype, want=want, got=len(data))
    if not data:
        raise TlsaError("empty")
    return TlsaRecord(usage, selector, mtype, data)


def _load(der: bytes) -> x509.Certificate:
    from cryptography import x509

    return x509.load_der_x509_certificate(der)


def matches(record: TlsaRecord, cert: x509.Certificate) -> bool:
    """`cert` is the one `record` names (usage aside)."""
    return digest(selected_bytes(cert, record.selector), record.mtype) == record.data


def match_chain(
    records: Iterable[TlsaRecord], chain: Sequence[x509.Certificate]
) -> TlsaRecord | None:
    """The usable record the presented chain (leaf first) satisfies, or None (RFC 7672 3.1).

    DANE-EE: the leaf itself, nothing else checked. DANE-TA: a certificate the server sent after
    its leaf, which must have issued the leaf (a longer chain is beyond the lab). The name check
    DANE-TA also needs is the caller's (the lab checks it with the leaf's names)."""
    if not chain:
        return None
    leaf = chain[0]
    for record in records:
        if not record.usable:
            continue
        if record.usage == Usage.DANE_EE and matches(record, leaf):
            return record
        if record.usage == Usage.DANE_TA:
            for anchor in chain[1:]:
                if matches(record, anchor) and _issued(leaf, anchor):
                    return record
    return None


def match_leaf(records: Iterable[TlsaRecord], leaf_der: bytes) -> TlsaRecord | None:
    """`match_chain` for a server whose leaf alone is known (what Python's ssl shows)."""
    return match_chain(records, [_load(leaf_der)])


def _issued(leaf: x509.Certificate, anchor: x509.Certificate) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        leaf.verify_directly_issued_by(anchor)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


@dataclass(frozen=True, slots=True)
class Rollover:
    """Which published records name the live certificate and the next one (RFC 7671 8.1)."""

    current: TlsaRecord | None  # the record the live certificate matches
    next: TlsaRecord | None  # the record the next certificate matches (None: no next given)
    next_given: bool

    @property
    def live_ok(self) -> bool:
        return self.current is not None

    @property
    def safe_to_switch(self) -> bool:
        """Both are published: the server may switch to the next key once the TTL has passed."""
        return self.current is not None and self.next is not None


def rollover(
    records: Sequence[TlsaRecord],
    live: x509.Certificate,
    next_cert: x509.Certificate | None = None,
) -> Rollover:
    """The "current + next" rule: publish a record for the next key beside the current one,
    wait at least the TTL, then switch the server; remove the old record after."""
    current = match_chain(records, [live])
    nxt = match_chain(records, [next_cert]) if next_cert is not None else None
    return Rollover(current, nxt, next_cert is not None)
