"""The impostor's certificates (sandbox.threats.impostor) and what verifying clients make of them
(F1, J2).

Real handshakes on loopback: a TLS server presenting the attacker's certificate, and the tutor's
own client contexts trusting only the sandbox CA.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path

import pytest
from test_threat_kit import (
    attacker_in_tls,
    attacker_reads,
    data_dir,
    delivered,
    run_lab,
    shared_data_dir,
)

from sandbox.pki.certs import CertBundle, ensure_certs, load_cert
from sandbox.pki.tlsconfig import client_context, server_context
from sandbox.threats.impostor import IMPOSTOR_CA_NAME, WRONG_NAME, Identity, attacker_files
from sandbox.threats.outcome import Exposure

__all__ = ["data_dir", "shared_data_dir"]


async def handshake(cert: Path, key: Path, ctx: ssl.SSLContext, name: str) -> str | None:
    """None when a client with `ctx` accepts `cert` for `name`, else OpenSSL's reason."""
    server = await asyncio.start_server(
        lambda r, w: w.close(), "127.0.0.1", 0, ssl=server_context(cert, key)
    )
    port = server.sockets[0].getsockname()[1]
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname=name)
    except ssl.SSLCertVerificationError as exc:
        return str(exc.verify_message)
    finally:
        server.close()
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    await server.wait_closed()
    return None


@pytest.fixture
def pki(tmp_path: Path) -> CertBundle:
    return ensure_certs(tmp_path / "pki")


async def test_f1_impostor_has_the_right_name_but_no_trusted_ca(
    tmp_path: Path, pki: CertBundle
) -> None:
    cert, key = attacker_files(Identity.IMPOSTOR, bundle=pki, directory=tmp_path / "mitm")
    issued = load_cert(cert)
    assert IMPOSTOR_CA_NAME in issued.issuer.rfc4514_string()
    reason = await handshake(cert, key, client_context(pki.ca_cert), "sandbox.test")
    assert reason is not None and "issuer" in reason
    # An opportunistic client takes it without a word: that is the attack.
    assert await handshake(cert, key, client_context(verify=False), "sandbox.test") is None


async def test_f1_wrong_name_has_a_trusted_ca_but_another_name(
    tmp_path: Path, pki: CertBundle
) -> None:
    cert, key = attacker_files(Identity.WRONG_NAME, bundle=pki, directory=tmp_path / "mitm")
    ctx = client_context(pki.ca_cert)
    assert await handshake(cert, key, ctx, WRONG_NAME) is None  # the chain is genuine
    reason = await handshake(cert, key, ctx, "sandbox.test")
    assert reason is not None and "mismatch" in reason.lower()


def test_j2_attacker_keys_are_private_and_reused(tmp_path: Path, pki: CertBundle) -> None:
    where = tmp_path / "mitm"
    cert, key = attacker_files(Identity.IMPOSTOR, bundle=pki, directory=where)
    assert key.stat().st_mode & 0o777 == 0o600
    assert where.stat().st_mode & 0o777 == 0o700
    before = (cert.read_bytes(), key.read_bytes())
    assert attacker_files(Identity.IMPOSTOR, bundle=pki, directory=where) == (cert, key)
    assert (cert.read_bytes(), key.read_bytes()) == before


def test_j2_attacker_key_with_loose_permissions_is_remade(tmp_path: Path, pki: CertBundle) -> None:
    where = tmp_path / "mitm"
    _, key = attacker_files(Identity.IMPOSTOR, bundle=pki, directory=where)
    old = key.read_bytes()
    key.chmod(0o644)
    attacker_files(Identity.IMPOSTOR, bundle=pki, directory=where)
    assert key.read_bytes() != old and key.stat().st_mode & 0o777 == 0o600


def test_wrong_name_certificate_follows_a_new_sandbox_ca(tmp_path: Path, pki: CertBundle) -> None:
    where = tmp_path / "mitm"
    cert, _ = attacker_files(Identity.WRONG_NAME, bundle=pki, directory=where)
    other = ensure_certs(tmp_path / "other-pki")
    attacker_files(Identity.WRONG_NAME, bundle=other, directory=where)
    load_cert(cert).verify_directly_issued_by(load_cert(other.ca_cert))  # remade under the new CA


async def test_impersonation_under_encrypt_reads_the_mail_and_passes_it_on() -> None:
    events = await run_lab("impersonate", "encrypt")
    assert attacker_in_tls(events)
    assert Exposure.MESSAGE in {what for what, _ in attacker_reads(events)}
    assert [d.rcpt_tos for d in delivered(events)] == [("friend@sandbox.test",)]


async def test_impersonation_refused_by_a_verifying_client_leaves_the_attacker_nothing() -> None:
    events = await run_lab("impersonate", "secure")
    assert not delivered(events)
    assert not attacker_reads(events) and not attacker_in_tls(events)
