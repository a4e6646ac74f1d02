"""Why a TLS handshake failed, from the exception the client got (`sandbox.events.TlsFailure`).

The cause is decided here, once, from what OpenSSL and asyncio report as data: the X.509
`verify_code` of a certificate error, the `reason` mnemonic of an SSL error, the exception's type.
Nobody later reads it back out of a sentence.
"""

from __future__ import annotations

import ssl

from sandbox.events import TlsFailure

# X509_V_ERR_* codes (OpenSSL's x509_vfy.h; stable across 1.1 and 3.x).
_UNTRUSTED = frozenset(
    {
        2,  # UNABLE_TO_GET_ISSUER_CERT
        18,  # DEPTH_ZERO_SELF_SIGNED_CERT
        19,  # SELF_SIGNED_CERT_IN_CHAIN
        20,  # UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        21,  # UNABLE_TO_VERIFY_LEAF_SIGNATURE
        24,  # INVALID_CA
    }
)
_EXPIRED = frozenset({9, 10})  # CERT_NOT_YET_VALID, CERT_HAS_EXPIRED
_WRONG_NAME = frozenset({62, 63, 64})  # HOSTNAME_, EMAIL_, IP_ADDRESS_MISMATCH

# SSLError.reason mnemonics that mean "no TLS version in common".
_VERSION_REASONS = frozenset(
    {
        "UNSUPPORTED_PROTOCOL",
        "NO_PROTOCOLS_AVAILABLE",
        "TLSV1_ALERT_PROTOCOL_VERSION",
        "WRONG_SSL_VERSION",
        "VERSION_TOO_LOW",
        "VERSION_TOO_HIGH",
    }
)


def tls_failure(exc: BaseException) -> TlsFailure:
    """The cause of a failed handshake, from the exception it raised."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = exc.verify_code
        if code in _UNTRUSTED:
            return TlsFailure.UNTRUSTED
        if code in _WRONG_NAME:
            return TlsFailure.WRONG_NAME
        if code in _EXPIRED:
            return TlsFailure.EXPIRED
        return TlsFailure.BAD_CERTIFICATE
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return TlsFailure.CUT
    if isinstance(exc, ssl.SSLError):
        reason = getattr(exc, "reason", None)  # set by the ssl module; a bare SSLError has none
        return TlsFailure.PROTOCOL_VERSION if reason in _VERSION_REASONS else TlsFailure.OTHER
    if isinstance(exc, TimeoutError | ConnectionAbortedError):
        # asyncio aborts a handshake that outlives ssl_handshake_timeout with
        # ConnectionAbortedError (asyncio.sslproto, Python 3.11 to 3.13).
        return TlsFailure.TIMEOUT
    if isinstance(exc, ConnectionResetError | BrokenPipeError | EOFError):
        # asyncio reports EOF in the middle of a handshake as ConnectionResetError.
        return TlsFailure.CUT
    return TlsFailure.OTHER


def tls_reason(exc: BaseException) -> str:
    """The failure in the library's words, for the learner."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return getattr(exc, "reason", None) or str(exc)
    return str(exc) or type(exc).__name__
