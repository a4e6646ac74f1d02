"""The sandbox PKI (properties.md H1-H4, J1-J2): real files, real verifiers, real TLS handshakes."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import DNSName, IPAddress, PolicyBuilder, Store

from sandbox.pki import tlsconfig
from sandbox.pki.certs import (
    CA_DAYS,
    LEAF_DAYS,
    CertBundle,
    ensure_certs,
    load_ca,
    load_cert,
    load_key,
    make_ca,
    make_leaf,
    summarize,
    write_pair,
)
from sandbox.safety.files import is_private

STRICT = ssl.VERIFY_X509_STRICT | ssl.VERIFY_X509_PARTIAL_CHAIN  # Python 3.13's defaults


def strict_client(ca_file: Path) -> ssl.SSLContext:
    ctx = tlsconfig.client_context(ca_file)
    ctx.verify_flags |= STRICT
    return ctx


async def handshake(cert: Path, key: Path, client: ssl.SSLContext, server_hostname: str) -> str:
    """A real TLS handshake on loopback; returns the TLS version or raises the client's error."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(
        serve, "127.0.0.1", 0, ssl=tlsconfig.server_context(cert, key)
    )
    try:
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client, server_hostname=server_hostname
        )
        version = writer.get_extra_info("ssl_object").version()
        writer.close()
        await writer.wait_closed()
        return str(version)
    finally:
        server.close()
        await server.wait_closed()


def ext(
    cert: x509.Certificate, kind: type[x509.ExtensionType]
) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_class(kind)


# --- H1 ----------------------------------------------------------------------------------------


def test_h1_ca_extensions(certs: CertBundle) -> None:
    ca = load_cert(certs.ca_cert)
    basic = ext(ca, x509.BasicConstraints)
    assert basic.critical
    assert basic.value == x509.BasicConstraints(ca=True, path_length=0)
    usage = ext(ca, x509.KeyUsage)
    assert usage.critical
    assert isinstance(usage.value, x509.KeyUsage)
    assert usage.value.key_cert_sign
    assert usage.value.crl_sign
    assert not usage.value.digital_signature
    ski = ext(ca, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(ca.public_key())


def test_h1_leaf_extensions(certs: CertBundle) -> None:
    ca, leaf = load_cert(certs.ca_cert), load_cert(certs.server_cert)
    san = ext(leaf, x509.SubjectAlternativeName).value
    assert isinstance(san, x509.SubjectAlternativeName)
    assert san.get_values_for_type(x509.DNSName) == ["sandbox.test", "localhost"]
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert ext(leaf, x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH]
    )
    usage = ext(leaf, x509.KeyUsage)
    assert isinstance(usage.value, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert not usage.value.key_cert_sign
    assert ext(leaf, x509.BasicConstraints).value == x509.BasicConstraints(
        ca=False, path_length=None
    )
    assert ext(leaf, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(
        leaf.public_key()
    )
    aki = ext(leaf, x509.AuthorityKeyIdentifier).value
    assert isinstance(aki, x509.AuthorityKeyIdentifier)
    ca_ski = ext(ca, x509.SubjectKeyIdentifier).value
    assert isinstance(ca_ski, x509.SubjectKeyIdentifier)
    assert aki.key_identifier == ca_ski.digest


@pytest.mark.parametrize("name", ["sandbox.test", "localhost", "127.0.0.1"])
def test_h1_rfc5280_verifier_accepts_the_chain(certs: CertBundle, name: str) -> None:
    """cryptography's verifier is strict RFC 5280 + CA/B rules: a missing extension fails here."""
    ca, leaf = load_cert(certs.ca_cert), load_cert(certs.server_cert)
    try:
        subject: DNSName | IPAddress = IPAddress(ipaddress.ip_address(name))
    except ValueError:
        subject = DNSName(name)
    chain = PolicyBuilder().store(Store([ca])).build_server_verifier(subject).verify(leaf, [])
    assert chain[-1] == ca


@pytest.mark.parametrize("name", ["sandbox.test", "localhost", "127.0.0.1"])
async def test_h1_strict_ssl_handshake(certs: CertBundle, name: str) -> None:
    version = await handshake(
        certs.server_cert, certs.server_key, strict_client(certs.ca_cert), name
    )
    assert version in ("TLSv1.2", "TLSv1.3")


async def test_h1_strict_flags_refuse_a_leaf_without_aki(tmp_path: Path, certs: CertBundle) -> None:
    """Control for the test above: the same strict client refuses a leaf that lacks AKI."""
    ca_key, ca_cert = load_ca(certs)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("sandbox.test")]), critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = write_pair(tmp_path / "noaki", "server", key, leaf)
    with pytest.raises(ssl.SSLCertVerificationError):
        await handshake(cert_path, key_path, strict_client(certs.ca_cert), "sandbox.test")


# --- H2 ----------------------------------------------------------------------------------------


def test_h2_ca_carries_name_constraints(certs: CertBundle) -> None:
    constraints = ext(load_cert(certs.ca_cert), x509.NameConstraints)
    assert constraints.critical
    assert isinstance(constraints.value, x509.NameConstraints)
    assert set(constraints.value.permitted_subtrees or ()) == {
        x509.DNSName("localhost"),
        x509.DNSName("test"),
        x509.IPAddress(ipaddress.ip_network("127.0.0.0/8")),
        x509.IPAddress(ipaddress.ip_network("::1/128")),
    }
    assert constraints.value.excluded_subtrees is None


async def test_h2_ca_name_constraints_refuse_real_domain(tmp_path: Path, certs: CertBundle) -> None:
    """A leaked sandbox CA key still cannot vouch for a real domain: verifying clients refuse."""
    ca_key, ca_cert = load_ca(certs)
    key, leaf = make_leaf(ca_key, ca_cert, ["example.org"])
    cert_path, key_path = write_pair(tmp_path / "rogue", "server", key, leaf)
    with pytest.raises(ssl.SSLCertVerificationError, match="permitted subtree violation"):
        await handshake(cert_path, key_path, strict_client(certs.ca_cert), "example.org")
    verifier = PolicyBuilder().store(Store([ca_cert])).build_server_verifier(DNSName("example.org"))
    with pytest.raises(Exception, match="name constraint"):
        verifier.verify(leaf, [])


async def test_h2_names_inside_the_constraints_still_verify(
    tmp_path: Path, certs: CertBundle
) -> None:
    """Control for the test above: same CA, a `.test` name, accepted."""
    ca_key, ca_cert = load_ca(certs)
    key, leaf = make_leaf(ca_key, ca_cert, ["mail.sandbox.test"])
    cert_path, key_path = write_pair(tmp_path / "ok", "server", key, leaf)
    client = strict_client(certs.ca_cert)
    assert await handshake(cert_path, key_path, client, "mail.sandbox.test") in (
        "TLSv1.2",
        "TLSv1.3",
    )


def test_h2_unconstrained_ca_only_on_request() -> None:
    _, lab_ca = make_ca("impostor CA", permitted=None)
    with pytest.raises(x509.ExtensionNotFound):
        lab_ca.extensions.get_extension_for_class(x509.NameConstraints)


# --- H3 ----------------------------------------------------------------------------------------


def test_h3_ecdsa_p256_sha256_short_lifetime(certs: CertBundle) -> None:
    for path, days in ((certs.ca_cert, CA_DAYS), (certs.server_cert, LEAF_DAYS)):
        cert = load_cert(path)
        key = cert.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        assert key.curve.name == "secp256r1"
        assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
        lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
        assert lifetime <= dt.timedelta(days=days)
    for path in (certs.ca_key, certs.server_key):
        assert isinstance(load_key(path), ec.EllipticCurvePrivateKey)


def test_h3_fresh_certs_are_reused(tmp_path: Path) -> None:
    first = ensure_certs(tmp_path / "pki")
    serials = [load_cert(p).serial_number for p in (first.ca_cert, first.server_cert)]
    second = ensure_certs(tmp_path / "pki")
    assert second == first
    assert [load_cert(p).serial_number for p in (second.ca_cert, second.server_cert)] == serials


def test_h3_expired_certs_are_regenerated(tmp_path: Path) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=CA_DAYS + 5)
    bundle = ensure_certs(tmp_path / "pki", now=long_ago)
    old_ca = load_cert(bundle.ca_cert)
    assert old_ca.not_valid_after_utc < dt.datetime.now(dt.UTC)
    bundle = ensure_certs(tmp_path / "pki")
    new_ca, leaf = load_cert(bundle.ca_cert), load_cert(bundle.server_cert)
    now = dt.datetime.now(dt.UTC)
    assert new_ca.serial_number != old_ca.serial_number
    assert (
        new_ca.not_valid_before_utc <= now < leaf.not_valid_after_utc <= new_ca.not_valid_after_utc
    )
    leaf.verify_directly_issued_by(new_ca)


def test_h3_leaf_near_expiry_is_renewed_under_the_same_ca(tmp_path: Path) -> None:
    """A client that already trusts ca.pem keeps working when only the leaf is renewed."""
    weeks_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=LEAF_DAYS - 3)
    bundle = ensure_certs(tmp_path / "pki", now=weeks_ago)
    old_ca, old_leaf = load_cert(bundle.ca_cert), load_cert(bundle.server_cert)
    bundle = ensure_certs(tmp_path / "pki")
    new_ca, new_leaf = load_cert(bundle.ca_cert), load_cert(bundle.server_cert)
    assert new_ca.serial_number == old_ca.serial_number
    assert new_leaf.serial_number != old_leaf.serial_number
    assert new_leaf.not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=LEAF_DAYS - 1)


@pytest.mark.parametrize("victim", ["ca.pem", "server.pem", "server.key", "ca.key"])
def test_h3_corrupt_or_missing_files_are_regenerated(tmp_path: Path, victim: str) -> None:
    bundle = ensure_certs(tmp_path / "pki")
    (tmp_path / "pki" / victim).write_bytes(b"-----BEGIN GARBAGE-----\n")
    if victim.endswith(".key"):
        (tmp_path / "pki" / victim).chmod(0o600)
    bundle = ensure_certs(tmp_path / "pki")
    ca, leaf = load_cert(bundle.ca_cert), load_cert(bundle.server_cert)
    leaf.verify_directly_issued_by(ca)
    assert load_key(bundle.server_key).public_key() == leaf.public_key()
    assert load_key(bundle.ca_key).public_key() == ca.public_key()
    (tmp_path / "pki" / "server.pem").unlink()
    assert load_cert(ensure_certs(tmp_path / "pki").server_cert).serial_number != leaf.serial_number


def test_h3_concurrent_callers_agree(tmp_path: Path) -> None:
    """The TUI and `smtp-tutor sandbox` starting together end with one consistent bundle."""
    results: list[CertBundle] = []
    threads = [
        threading.Thread(target=lambda: results.append(ensure_certs(tmp_path / "pki")))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    bundle = results[0]
    leaf = load_cert(bundle.server_cert)
    leaf.verify_directly_issued_by(load_cert(bundle.ca_cert))
    assert load_key(bundle.server_key).public_key() == leaf.public_key()


# --- H4 ----------------------------------------------------------------------------------------


async def test_h4_not_trusted_by_the_system_store(certs: CertBundle) -> None:
    """Nothing was installed system-wide: a client using only the system store refuses the
    sandbox certificate, and the PKI lives in its own directory and nowhere else."""
    system_only = tlsconfig.client_context(None)
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        await handshake(certs.server_cert, certs.server_key, system_only, "sandbox.test")
    assert {p.name for p in certs.ca_cert.parent.iterdir()} <= {
        "ca.pem",
        "ca.key",
        "server.pem",
        "server.key",
        ".lock",
    }


# --- J1, J2 --------------------------------------------------------------------------------------


def test_j1_j2_private_dir_and_keys_whatever_the_umask(data_dir: Path) -> None:
    old = os.umask(0)
    try:
        bundle = ensure_certs()  # in data_dir()/certs
    finally:
        os.umask(old)
    assert bundle.ca_cert.parent == data_dir / "certs"
    assert data_dir.stat().st_mode & 0o777 == 0o700
    assert (data_dir / "certs").stat().st_mode & 0o777 == 0o700
    for key in (bundle.ca_key, bundle.server_key):
        assert key.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("loose", ["server.key", "ca.key"])
def test_j2_loose_key_is_refused_and_regenerated(tmp_path: Path, loose: str) -> None:
    bundle = ensure_certs(tmp_path / "pki")
    before = {p: p.read_bytes() for p in (bundle.ca_key, bundle.server_key)}
    (tmp_path / "pki" / loose).chmod(0o644)
    with pytest.raises(PermissionError):
        load_key(tmp_path / "pki" / loose)
    bundle = ensure_certs(tmp_path / "pki")
    assert is_private(tmp_path / "pki" / loose)
    assert (tmp_path / "pki" / loose).read_bytes() != before[tmp_path / "pki" / loose]
    assert bundle.server_key.read_bytes() != before[bundle.server_key]  # a new CA means a new leaf
    leaf = load_cert(bundle.server_cert)
    leaf.verify_directly_issued_by(load_cert(bundle.ca_cert))
    assert load_key(bundle.server_key).public_key() == leaf.public_key()


# --- what the learner is shown ------------------------------------------------------------------


def test_summarize_shows_names_and_fingerprint(certs: CertBundle) -> None:
    leaf = load_cert(certs.server_cert)
    summary = summarize(leaf.public_bytes(Encoding.DER))
    assert "CN=sandbox.test" in summary.subject
    assert "sandbox CA" in summary.issuer
    assert summary.san == ("DNS:sandbox.test", "DNS:localhost", "IP:127.0.0.1", "IP:::1")
    assert len(summary.sha256.split(":")) == 32
    assert dt.datetime.fromisoformat(summary.not_after) == leaf.not_valid_after_utc


def test_summarize_escapes_control_characters() -> None:
    _, ca_cert = make_ca("evil\x1b[2J CA", permitted=None)
    summary = summarize(ca_cert)
    assert "\x1b" not in summary.subject
    assert "\\x1b" in summary.subject
