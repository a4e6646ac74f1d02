"""TLS contexts for the sandbox server and the tutor's client (properties.md G1-G5)."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

# Mozilla "intermediate" TLS 1.2 suites (G2); TLS 1.3 suites are OpenSSL's defaults, all AEAD.
INTERMEDIATE_CIPHERS = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    )
)


def _harden(ctx: ssl.SSLContext, minimum: ssl.TLSVersion) -> ssl.SSLContext:
    ctx.minimum_version = max(minimum, ssl.TLSVersion.TLSv1_2, key=lambda v: v.value)  # G1
    ctx.set_ciphers(INTERMEDIATE_CIPHERS)
    ctx.options |= ssl.OP_NO_COMPRESSION
    return ctx


def server_context(
    cert_file: Path,
    key_file: Path,
    *,
    minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    keylog_file: Path | None = None,
) -> ssl.SSLContext:
    """A server context that asks no client certificate (G3).

    `keylog_file`: the server logs every session's TLS secrets there (`smtp-tutor sandbox
    --keylog`, opt-in only), so a learner can decrypt what an outside client sent (M30)."""
    ctx = _harden(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER), minimum)
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(cert_file, key_file)
    ctx.keylog_filename = None  # type: ignore[assignment]  # never SSLKEYLOGFILE (G5)
    if keylog_file is not None:
        enable_keylog(ctx, keylog_file)
    return ctx


def client_context(
    ca_file: Path | None = None,
    *,
    verify: bool = True,
    keylog_file: Path | None = None,
    minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    maximum: ssl.TLSVersion | None = None,
) -> ssl.SSLContext:
    """The tutor's client context.

    `minimum` and `maximum`: the versions it offers (a lab that runs one session at TLS 1.2 and
    at TLS 1.3 caps it); never below TLS 1.2 (G1).

    With `verify` (the default, F1/G4): `CERT_REQUIRED`, hostname checked, `VERIFY_X509_STRICT`,
    trusting `ca_file` or, without it, the system store. `verify=False` exists only for labs that
    show what an unverifying (opportunistic) client accepts.
    """
    ctx = _harden(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), minimum)
    if maximum is not None:
        if maximum < ctx.minimum_version:
            raise ValueError(f"no TLS version left: {maximum.name} is below {minimum.name}")
        ctx.maximum_version = maximum
    # PROTOCOL_TLS_CLIENT reads SSLKEYLOGFILE from the environment in ssl.create_default_context
    # only; we never call that, and we clear it explicitly in case a future version does (G5).
    ctx.keylog_filename = None  # type: ignore[assignment]
    if verify:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.check_hostname = True
        ctx.verify_flags |= ssl.VERIFY_X509_STRICT
        if ca_file is not None:
            ctx.load_verify_locations(cafile=str(ca_file))
        else:
            ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if keylog_file is not None:
        enable_keylog(ctx, keylog_file)
    return ctx


def enable_keylog(ctx: ssl.SSLContext, path: Path) -> None:
    """Log TLS secrets for Wireshark only when the learner asks (G5); the file is 0600 first."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)
    ctx.keylog_filename = str(path)
