"""From the secrets in the key log to record keys, as the RFCs write it (properties.md M3).

TLS 1.3 (RFC 8446 7.1, 7.3): each traffic secret gives its key and IV with HKDF-Expand-Label,
and a KeyUpdate moves to the next secret with the label "traffic upd". TLS 1.2 (RFC 5246 5, 6.3):
the master secret and both randoms give the key block through the PRF, P_hash with the suite's
hash; with AEAD suites the MAC keys are empty, and the IVs are the GCM salt (RFC 5288 3) or
ChaCha20's whole nonce mask (RFC 7905 2).
"""

from __future__ import annotations

import hmac
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from sandbox.tlsview.suites import Suite

_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384}


def hkdf_expand_label(
    secret: bytes, label: str, context: bytes, length: int, hash_name: str
) -> bytes:
    """HKDF-Expand-Label (RFC 8446 7.1): HKDF-Expand with the info struct HkdfLabel
    { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255> }."""
    full = b"tls13 " + label.encode("ascii")
    info = struct.pack(">HB", length, len(full)) + full + bytes([len(context)]) + context
    return HKDFExpand(_HASHES[hash_name](), length, info).derive(secret)


def traffic_key_iv(secret: bytes, suite: Suite) -> tuple[bytes, bytes]:
    """[sender]_write_key and [sender]_write_iv from a TLS 1.3 traffic secret (RFC 8446 7.3)."""
    key = hkdf_expand_label(secret, "key", b"", suite.key_length, suite.hash_name)
    iv = hkdf_expand_label(secret, "iv", b"", 12, suite.hash_name)
    return key, iv


def next_traffic_secret(secret: bytes, suite: Suite) -> bytes:
    """application_traffic_secret_N+1 after a KeyUpdate (RFC 8446 7.2)."""
    return hkdf_expand_label(secret, "traffic upd", b"", suite.hash_length, suite.hash_name)


def prf(secret: bytes, label: bytes, seed: bytes, length: int, hash_name: str) -> bytes:
    """The TLS 1.2 PRF (RFC 5246 5): P_hash(secret, label + seed), cut to `length` bytes.

    P_hash = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ..., A(0) = seed,
    A(i) = HMAC(secret, A(i-1))."""
    seed = label + seed
    out = bytearray()
    a = seed
    while len(out) < length:
        a = hmac.digest(secret, a, hash_name)
        out += hmac.digest(secret, a + seed, hash_name)
    return bytes(out[:length])


def key_block(
    master_secret: bytes, client_random: bytes, server_random: bytes, suite: Suite
) -> tuple[tuple[bytes, bytes], tuple[bytes, bytes]]:
    """((client_write_key, client_write_IV), (server_write_key, server_write_IV)) of a TLS 1.2
    AEAD suite: key_block = PRF(master_secret, "key expansion", server_random + client_random),
    cut in that order (RFC 5246 6.3); the MAC keys of an AEAD suite are empty."""
    k, v = suite.key_length, suite.fixed_iv_length
    block = prf(
        master_secret, b"key expansion", server_random + client_random, 2 * (k + v), suite.hash_name
    )
    client_key, server_key = block[:k], block[k : 2 * k]
    client_iv, server_iv = block[2 * k : 2 * k + v], block[2 * k + v :]
    return (client_key, client_iv), (server_key, server_iv)
