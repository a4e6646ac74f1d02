"""The AEAD cipher suites the decoder opens: what each one's record protection is made of.

TLS 1.3 (RFC 8446 B.4) and the TLS 1.2 ECDHE suites the sandbox offers
(`sandbox.pki.tlsconfig.INTERMEDIATE_CIPHERS`): AES-GCM (RFC 5288) and ChaCha20-Poly1305
(RFC 7905). The hash is the suite's PRF / HKDF hash. Names come from `sandbox.wire.tlsnames`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from sandbox.wire.tlsnames import cipher_suite_name

Aead = AESGCM | ChaCha20Poly1305


@dataclass(frozen=True, slots=True)
class Suite:
    code: int
    tls13: bool
    chacha: bool  # ChaCha20-Poly1305; otherwise AES-GCM
    key_length: int  # bytes
    hash_name: str  # "sha256" or "sha384"

    @property
    def name(self) -> str:
        return cipher_suite_name(self.code)

    @property
    def hash_length(self) -> int:
        return 48 if self.hash_name == "sha384" else 32

    @property
    def fixed_iv_length(self) -> int:
        """The IV derived from the secrets: 12 bytes in TLS 1.3 and for ChaCha20 (RFC 7905),
        the 4-byte salt of TLS 1.2 AES-GCM, whose other 8 nonce bytes travel in each record."""
        return 12 if self.tls13 or self.chacha else 4

    @property
    def explicit_nonce_length(self) -> int:
        return 0 if self.tls13 or self.chacha else 8

    def aead(self, key: bytes) -> Aead:
        return ChaCha20Poly1305(key) if self.chacha else AESGCM(key)


TAG_LENGTH = 16  # every suite here has a 16-byte tag

SUITES: dict[int, Suite] = {
    s.code: s
    for s in (
        Suite(0x1301, True, False, 16, "sha256"),  # TLS_AES_128_GCM_SHA256
        Suite(0x1302, True, False, 32, "sha384"),  # TLS_AES_256_GCM_SHA384
        Suite(0x1303, True, True, 32, "sha256"),  # TLS_CHACHA20_POLY1305_SHA256
        Suite(0xC02B, False, False, 16, "sha256"),  # ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        Suite(0xC02F, False, False, 16, "sha256"),  # ECDHE_RSA_WITH_AES_128_GCM_SHA256
        Suite(0xC02C, False, False, 32, "sha384"),  # ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        Suite(0xC030, False, False, 32, "sha384"),  # ECDHE_RSA_WITH_AES_256_GCM_SHA384
        Suite(0xCCA9, False, True, 32, "sha256"),  # ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        Suite(0xCCA8, False, True, 32, "sha256"),  # ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    )
}
