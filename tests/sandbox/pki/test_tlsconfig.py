"""properties.md A1, G2, G4, G5 and K3: the TLS settings and names the sandbox stands on."""

from __future__ import annotations

import asyncio
import os
import ssl
from importlib import metadata
from pathlib import Path

import pytest

from sandbox.lab import scenarios
from sandbox.pki import tlsconfig
from sandbox.pki.certs import CertBundle, load_cert
from sandbox.smtpd.policy import ServerPolicy


def test_a1_aiosmtpd_has_the_smuggling_and_starttls_fixes() -> None:
    version = tuple(int(part) for part in metadata.version("aiosmtpd").split(".")[:3])
    assert version >= (1, 4, 6)


def test_g2_tls12_ciphers_are_ecdhe_with_aead_only(certs: CertBundle) -> None:
    ctx = tlsconfig.server_context(certs.server_cert, certs.server_key)
    tls12 = [c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.2"]
    assert tls12
    for name in tls12:
        assert name.startswith("ECDHE-"), name
        assert "GCM" in name or "CHACHA20" in name, name


async def test_g2_a_cbc_only_client_is_refused(certs: CertBundle) -> None:
    server_ctx = tlsconfig.server_context(certs.server_cert, certs.server_key)
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    client_ctx = tlsconfig.client_context(certs.ca_cert)
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    client_ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA")  # CBC, no AEAD

    async def handshake() -> None:
        _, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_ctx, server_hostname="sandbox.test"
        )
        writer.close()

    try:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            await handshake()
        client_ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")  # the control: AEAD works
        await handshake()
    finally:
        server.close()
        await server.wait_closed()


def test_g4_client_context_verifies_strictly(certs: CertBundle) -> None:
    ctx = tlsconfig.client_context(certs.ca_cert)
    assert ctx.verify_mode is ssl.CERT_REQUIRED
    assert ctx.check_hostname
    assert ctx.verify_flags & ssl.VERIFY_X509_STRICT
    assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_g5_sslkeylogfile_in_the_environment_never_enables_key_logging(
    certs: CertBundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "keys.log"))
    assert tlsconfig.client_context(certs.ca_cert).keylog_filename is None
    assert tlsconfig.server_context(certs.server_cert, certs.server_key).keylog_filename is None


def test_g5_key_log_file_is_private_before_ssl_writes_to_it(
    certs: CertBundle, tmp_path: Path
) -> None:
    path = tmp_path / "keys.log"
    old = os.umask(0)
    try:
        ctx = tlsconfig.client_context(certs.ca_cert, keylog_file=path)
    finally:
        os.umask(old)
    assert ctx.keylog_filename == str(path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_k3_only_reserved_names() -> None:
    assert ServerPolicy().hostname == "sandbox.test"
    for address in (scenarios.SENDER, scenarios.RECIPIENT):
        assert address.endswith(".test"), address


def test_k3_server_certificate_names_are_reserved_or_loopback(certs: CertBundle) -> None:
    from cryptography import x509

    san = load_cert(certs.server_cert).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    names = [str(n.value) for n in san.value]
    assert set(names) <= {"sandbox.test", "localhost", "127.0.0.1", "::1"}, names
