"""The sandbox's own little PKI: a local CA and a server certificate, cached in the data dir.

properties.md H1-H4 and J2: ECDSA P-256 with SHA-256, short lifetimes, strict-verification-ready
extensions, a CA that NameConstraints confine to `localhost`, `.test` and loopback addresses (so a
leaked CA key cannot mint a certificate for a real domain), private keys created 0600 from the first
byte, and never anything installed in a system trust store: clients trust `ca.pem` explicitly.

`make_ca` and `make_leaf` are building blocks for labs that need other certificates (an impostor CA,
a certificate for the wrong name); `ensure_certs` is what the server uses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sandbox.events import CertSummary
from sandbox.safety.files import (
    atomic_write,
    create_private,
    data_dir,
    ensure_private_dir,
    locked,
    read_user_file,
)
from sandbox.safety.text import escape_text

SERVER_NAMES: tuple[str, ...] = ("sandbox.test", "localhost", "127.0.0.1", "::1")
CA_NAME = "smtp-tutor sandbox CA (loopback and .test only)"
CA_DAYS = 90
LEAF_DAYS = 30
# Renew well before the end so a long lab session never meets an expired certificate.
CA_RENEW_BEFORE = dt.timedelta(days=30)
LEAF_RENEW_BEFORE = dt.timedelta(days=10)
_BACKDATE = dt.timedelta(minutes=5)  # tolerate a little clock skew between processes
PEM_MAX_BYTES = 64 * 1024  # a key or a certificate in PEM is 1-2 KiB

# H2: what the CA may ever vouch for. The DNS constraint "test" matches "test" and every name under
# it (RFC 5280 4.2.1.10). The leading-dot form ".test" is deliberately absent: RFC 5280 verifiers
# (cryptography's, rustls) reject it as a malformed constraint and would then refuse every leaf.
PERMITTED_SUBTREES: tuple[x509.GeneralName, ...] = (
    x509.DNSName("localhost"),
    x509.DNSName("test"),
    x509.IPAddress(ipaddress.ip_network("127.0.0.0/8")),
    x509.IPAddress(ipaddress.ip_network("::1/128")),
)

PrivateKey = ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class CertBundle:
    """Paths of the sandbox's PKI files. Clients trust `ca_cert`; the server uses the other two.

    `ca_key` is there for labs that sign extra certificates with the sandbox CA (e.g. a valid
    certificate for the wrong name); nothing else should read it.
    """

    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smtp-tutor sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def make_ca(
    common_name: str = CA_NAME,
    *,
    days: int = CA_DAYS,
    permitted: Sequence[x509.GeneralName] | None = PERMITTED_SUBTREES,
    now: dt.datetime | None = None,
) -> tuple[PrivateKey, x509.Certificate]:
    """A fresh CA (H1, H2): critical BasicConstraints(ca, pathlen 0), critical KeyUsage, SKI.

    `permitted=None` leaves NameConstraints out: only for labs that show an unconstrained impostor.
    """
    start = (now or _now()) - _BACKDATE
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if permitted is not None:
        # RFC 5280: conforming CAs mark NameConstraints critical.
        builder = builder.add_extension(
            x509.NameConstraints(permitted_subtrees=list(permitted), excluded_subtrees=None),
            critical=True,
        )
    return key, builder.sign(key, hashes.SHA256())


def make_leaf(
    ca_key: PrivateKey,
    ca_cert: x509.Certificate,
    names: Sequence[str] = SERVER_NAMES,
    *,
    days: int = LEAF_DAYS,
    now: dt.datetime | None = None,
) -> tuple[PrivateKey, x509.Certificate]:
    """A server certificate for `names` (DNS names or IP addresses) signed by the CA (H1).

    Nothing stops a caller from asking for a name outside the CA's constraints: that is how the H2
    test shows verifiers refusing it.
    """
    if not names:
        raise ValueError("a server certificate needs at least one name")
    start = (now or _now()) - _BACKDATE
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(min(start + dt.timedelta(days=days), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        # Python 3.13's default VERIFY_X509_STRICT refuses a leaf without AKI.
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


# --- files --------------------------------------------------------------------------------------


def write_key(path: Path, key: PrivateKey) -> None:
    """Write `key` as PKCS#8 PEM, 0600 from its first byte (J2); replaces an old file atomically."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    create_private(tmp, pem)
    os.replace(tmp, path)


def write_cert(path: Path, cert: x509.Certificate) -> None:
    """Write a certificate as PEM (public: 0644, inside the 0700 data dir)."""
    atomic_write(path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)


def write_pair(
    directory: Path, stem: str, key: PrivateKey, cert: x509.Certificate
) -> tuple[Path, Path]:
    """Write `<stem>.pem` and `<stem>.key` into `directory` (created 0700); return (cert, key)."""
    ensure_private_dir(directory)
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
    write_key(key_path, key)
    write_cert(cert_path, cert)
    return cert_path, key_path


def load_key(path: Path) -> PrivateKey:
    """Load a private key written by `write_key`; refuses a key others can read (J2), a link, or
    anything but a small regular file (J5): `UnsafeFileError`, an OSError."""
    pem = read_user_file(path, PEM_MAX_BYTES, private=True)
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC private key")
    return key


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(read_user_file(path, PEM_MAX_BYTES))


def load_ca(bundle: CertBundle) -> tuple[PrivateKey, x509.Certificate]:
    """The sandbox CA's key and certificate, for labs that sign extra certificates with it."""
    return load_key(bundle.ca_key), load_cert(bundle.ca_cert)


# --- the cached bundle --------------------------------------------------------------------------


def default_cert_dir() -> Path:
    return data_dir() / "certs"


def _same_key(key: PrivateKey, cert: x509.Certificate) -> bool:
    return key.public_key() == cert.public_key()


def _fresh(cert: x509.Certificate, renew_before: dt.timedelta, now: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= now and now + renew_before < cert.not_valid_after_utc


def _usable_ca(bundle: CertBundle, now: dt.datetime) -> tuple[PrivateKey, x509.Certificate] | None:
    try:
        key, cert = load_ca(bundle)
    except (OSError, ValueError):  # missing, unreadable, loose permissions (J2), garbage
        return None
    if not _same_key(key, cert) or not _fresh(cert, CA_RENEW_BEFORE, now):
        return None
    try:
        constraints = cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return None  # an unconstrained CA must never be the sandbox's (H2)
    if tuple(constraints.permitted_subtrees or ()) != PERMITTED_SUBTREES:
        return None
    return key, cert


def _usable_leaf(bundle: CertBundle, ca_cert: x509.Certificate, now: dt.datetime) -> bool:
    try:
        key, cert = load_key(bundle.server_key), load_cert(bundle.server_cert)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        cert.verify_directly_issued_by(ca_cert)
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    wanted = [_general_name(n) for n in SERVER_NAMES]
    return _same_key(key, cert) and _fresh(cert, LEAF_RENEW_BEFORE, now) and list(san) == wanted


def ensure_certs(directory: Path | None = None, *, now: dt.datetime | None = None) -> CertBundle:
    """Return the sandbox's CA and server certificate, (re)generating what is missing or unfit.

    A CA or key that is missing, unreadable, not 0600, expired or near expiry is replaced, and the
    server certificate with it; a server certificate alone is renewed under the same CA, so a
    client that already trusts `ca.pem` keeps working.
    """
    directory = ensure_private_dir(directory or default_cert_dir())
    bundle = CertBundle(
        ca_cert=directory / "ca.pem",
        ca_key=directory / "ca.key",
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
    )
    now = now or _now()
    with locked(directory):
        ca = _usable_ca(bundle, now)
        if ca is None:
            ca = make_ca(now=now)
            write_pair(directory, "ca", *ca)
        elif _usable_leaf(bundle, ca[1], now):
            return bundle
        write_pair(directory, "server", *make_leaf(*ca, SERVER_NAMES, now=now))
    return bundle


# --- what a learner is shown --------------------------------------------------------------------


def summarize(cert: x509.Certificate | bytes) -> CertSummary:
    """A readable summary of a certificate (DER bytes as `SSLSocket.getpeercert(True)` gives)."""
    if isinstance(cert, bytes):
        return _summarize_der(cert)
    return _summary(cert)


@functools.lru_cache(maxsize=64)
def _summarize_der(der: bytes) -> CertSummary:
    # Every session with the lab's server shows the same certificate: parse it once (issue 15,
    # about 4% of a session). Keyed by the exact bytes, so a different certificate is parsed anew.
    return _summary(x509.load_der_x509_certificate(der))


def _summary(cert: x509.Certificate) -> CertSummary:
    try:
        san_ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        san = tuple(
            f"IP:{n.value}" if isinstance(n, x509.IPAddress) else f"DNS:{escape_text(n.value)}"
            for n in san_ext
            if isinstance(n, x509.DNSName | x509.IPAddress)
        )
    except x509.ExtensionNotFound:
        san = ()
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return CertSummary(
        # A peer's certificate is network data: names may hold control characters (I5).
        subject=escape_text(cert.subject.rfc4514_string()),
        issuer=escape_text(cert.issuer.rfc4514_string()),
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        san=san,
        sha256=":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
    )
