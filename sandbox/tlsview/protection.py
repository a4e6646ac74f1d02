"""Opening one protected record, as each version defines it (properties.md M3).

TLS 1.3 (RFC 8446 5.2, 5.3): the nonce is the IV XOR the 64-bit record sequence number padded
to 12 bytes; the additional data is the record header as sent (type 23, 0x0303, length); the
plaintext is the content, its real type, then zero padding. TLS 1.2 AES-GCM (RFC 5288 3): the
nonce is the 4-byte salt and the 8 explicit bytes that start the record; the additional data is
seq_num + type + version + the plaintext's length (RFC 5246 6.2.3.3). TLS 1.2 ChaCha20-Poly1305
(RFC 7905 2): the nonce as in TLS 1.3, the additional data as in TLS 1.2.

A wrong key fails the AEAD tag: `Opener.open` raises `InvalidTag`, it never returns garbage.
"""

from __future__ import annotations

import struct

from cryptography.exceptions import InvalidTag

from sandbox.tlsview.suites import TAG_LENGTH, Suite

__all__ = ["InvalidTag", "Opener"]

_SEQ = struct.Struct(">Q")


class Opener:
    """Opens the records of one direction under one key; counts their sequence numbers."""

    __slots__ = ("_aead", "_iv", "_iv_int", "seq", "suite")

    def __init__(self, suite: Suite, key: bytes, iv: bytes) -> None:
        self.suite = suite
        self._aead = suite.aead(key)
        self._iv = iv
        self._iv_int = int.from_bytes(iv, "big")
        self.seq = 0  # the next record's sequence number (RFC 8446 5.3, RFC 5246 6.1)

    def open(self, header: bytes, fragment: bytes) -> tuple[int, bytes]:
        """(content type, content) of the next record; raises `InvalidTag` (ValueError for a
        record too short to hold a tag). The sequence number moves on either way: a record
        that cannot be opened still took its number."""
        seq = self.seq
        self.seq += 1
        suite = self.suite
        if suite.tls13:
            plain = self._aead.decrypt(self._mask(seq), fragment, header)
            end = len(plain.rstrip(b"\x00"))  # RFC 8446 5.4: zeros, then the real type
            if end == 0:
                raise ValueError("a TLS 1.3 record with no content type")
            return plain[end - 1], plain[: end - 1]
        explicit = suite.explicit_nonce_length
        if len(fragment) < explicit + TAG_LENGTH:
            raise ValueError("a record too short for its nonce and tag")
        if explicit:
            nonce, sealed = self._iv + fragment[:explicit], fragment[explicit:]
        else:
            nonce, sealed = self._mask(seq), fragment
        aad = _SEQ.pack(seq) + header[:3] + struct.pack(">H", len(sealed) - TAG_LENGTH)
        return header[0], self._aead.decrypt(nonce, sealed, aad)

    def _mask(self, seq: int) -> bytes:
        return (self._iv_int ^ seq).to_bytes(12, "big")
