"""The live session's certificate chain, field by field, and why a client trusts it or not
(issue 12, lesson 5's certificate inspector).

`certificates_in(message)` reads the DER certificates out of a TLS Certificate handshake message
(the one the session sent: in TLS 1.3 decrypted with the session's own keys, RFC 8446 4.4.2; in
TLS 1.2 as a listener reads it, RFC 5246 7.4.2). `cert_fields` says each field a lesson names:
subject, issuer, validity, SAN, key usage, extended key usage, AKI/SKI, basic constraints and the
CA's name constraints. `trust_checks` says, one check at a time, why a client that trusts `ca`
and asked for `server_name` accepts the leaf or not; `cryptography`'s own verifier
(`x509.verification`, RFC 5280 path validation) gives the verdict the checks are held to.

Pure: no network, no UI. Never raises on bytes from the wire: a broken message or certificate
gives fewer certificates or a field that says it could not be read.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

MAX_CERTS = 10  # a chain longer than this is not the sandbox's


@dataclass(frozen=True, slots=True)
class CertField:
    name: str  # "subject", "key usage"...
    value: str
    critical: bool = False  # an extension marked critical


@dataclass(frozen=True, slots=True)
class CertInfo:
    role: str  # "leaf (sent by the server)", "CA (the client's trust anchor)"
    fields: tuple[CertField, ...]

    def value(self, name: str) -> str | None:
        return next((f.value for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class TrustCheck:
    name: str  # what is checked
    ok: bool
    detail: str


def certificates_in(message: bytes, *, tls13: bool) -> list[bytes]:
    """The DER certificates of a Certificate handshake message (header included)."""
    body = message[4:]
    at = 0
    if tls13:  # certificate_request_context<0..255>
        if not body:
            return []
        at = 1 + body[0]
    if len(body) < at + 3:
        return []
    end = min(len(body), at + 3 + int.from_bytes(body[at : at + 3], "big"))
    at += 3
    out: list[bytes] = []
    while at + 3 <= end and len(out) < MAX_CERTS:
        size = int.from_bytes(body[at : at + 3], "big")
        at += 3
        if at + size > end:
            break
        out.append(body[at : at + size])
        at += size
        if tls13:  # each entry's extensions<0..2^16-1>
            if at + 2 > end:
                break
            at += 2 + int.from_bytes(body[at : at + 2], "big")
    return out


def load(der: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def cert_fields(cert: x509.Certificate, role: str) -> CertInfo:
    fields = [
        CertField("subject", cert.subject.rfc4514_string()),
        CertField("issuer", cert.issuer.rfc4514_string()),
        CertField("valid from", cert.not_valid_before_utc.strftime("%Y-%m-%d %H:%M:%S UTC")),
        CertField("valid until", cert.not_valid_after_utc.strftime("%Y-%m-%d %H:%M:%S UTC")),
        CertField("public key", _key(cert)),
        CertField("signature", cert.signature_algorithm_oid._name),
        CertField("serial number", f"{cert.serial_number:x}"),
    ]
    try:
        extensions = list(cert.extensions)
    except ValueError as exc:  # a malformed extension: said, not raised
        extensions = []
        fields.append(CertField("extensions", f"cannot be read: {exc}"))
    for ext in extensions:
        named = _extension(ext.value)
        if named is not None:
            fields.append(CertField(named[0], named[1], ext.critical))
    fields.append(CertField("SHA-256", cert.fingerprint(hashes.SHA256()).hex(":").upper()))
    return CertInfo(role, tuple(fields))


def _key(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name} ({key.key_size} bits)"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size} bits"
    return type(key).__name__


def _extension(value: x509.ExtensionType) -> tuple[str, str] | None:
    match value:
        case x509.SubjectAlternativeName():
            names = [str(n.value) for n in value]
            return "SAN", ", ".join(names)
        case x509.KeyUsage():
            return "key usage", ", ".join(_key_usages(value))
        case x509.ExtendedKeyUsage():
            return "extended key usage", ", ".join(o._name for o in value)
        case x509.BasicConstraints():
            path = "" if value.path_length is None else f", path length {value.path_length}"
            return "basic constraints", f"CA: {'yes' if value.ca else 'no'}{path}"
        case x509.SubjectKeyIdentifier():
            return "SKI", value.digest.hex(":").upper()
        case x509.AuthorityKeyIdentifier():
            kid = value.key_identifier
            return "AKI", kid.hex(":").upper() if kid else "(no key identifier)"
        case x509.NameConstraints():
            permitted = ", ".join(_general(n) for n in value.permitted_subtrees or ())
            excluded = ", ".join(_general(n) for n in value.excluded_subtrees or ())
            said = f"permitted: {permitted or '-'}"
            return "name constraints", said + (f"; excluded: {excluded}" if excluded else "")
        case _:
            return None


def _general(name: x509.GeneralName) -> str:
    if isinstance(name, x509.IPAddress):
        return f"IP {name.value}"
    if isinstance(name, x509.DNSName):
        return f"DNS {name.value}"
    return str(name.value)


def _key_usages(ku: x509.KeyUsage) -> list[str]:
    out = []
    for attr in (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
    ):
        if getattr(ku, attr):
            out.append(attr.replace("_", " "))
    return out


def trust_checks(
    leaf: x509.Certificate,
    ca: x509.Certificate | None,
    server_name: str,
    now: dt.datetime | None = None,
) -> tuple[bool, list[TrustCheck]]:
    """Whether a client that trusts `ca` and asked for `server_name` accepts `leaf`, and the
    checks that say why: the verdict is `cryptography`'s RFC 5280 path validation."""
    now = now or dt.datetime.now(dt.UTC)
    checks: list[TrustCheck] = []
    if ca is None:
        checks.append(TrustCheck("trust anchor", False, "no CA certificate to check against"))
        return False, checks
    signed = _signed_by(leaf, ca)
    checks.append(
        TrustCheck(
            "signed by the trusted CA",
            signed,
            f"the issuer is {leaf.issuer.rfc4514_string()}; the CA the client trusts is "
            f"{ca.subject.rfc4514_string()}"
            + ("; its signature checks with the CA's key" if signed else "; no valid signature"),
        )
    )
    aki, ski = _aki(leaf), _ski(ca)
    checks.append(
        TrustCheck(
            "AKI matches the CA's SKI",
            aki is not None and aki == ski,
            f"AKI {_hex(aki)} / SKI {_hex(ski)}",
        )
    )
    valid = leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc
    checks.append(
        TrustCheck(
            "valid now",
            valid,
            f"{leaf.not_valid_before_utc:%Y-%m-%d} to {leaf.not_valid_after_utc:%Y-%m-%d}, now "
            f"{now:%Y-%m-%d %H:%M} UTC",
        )
    )
    names = _san(leaf)
    checks.append(
        TrustCheck(
            "the name asked for is in the SAN",
            _matches(server_name, names),
            f"asked for {server_name}; SAN: {', '.join(names) or '-'}",
        )
    )
    eku = _eku(leaf)
    checks.append(
        TrustCheck(
            "meant for a TLS server (EKU serverAuth)",
            eku is None or ExtendedKeyUsageOID.SERVER_AUTH in eku,
            "no EKU: any use" if eku is None else ", ".join(o._name for o in eku),
        )
    )
    within, detail = _within_constraints(ca, names)
    checks.append(TrustCheck("within the CA's name constraints", within, detail))
    verdict, why = _verify(leaf, ca, server_name, now)
    checks.append(TrustCheck("path validation (RFC 5280)", verdict, why))
    return verdict, checks


def _signed_by(leaf: x509.Certificate, ca: x509.Certificate) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        leaf.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _hex(value: bytes | None) -> str:
    return value.hex(":").upper() if value else "-"


def _aki(cert: x509.Certificate) -> bytes | None:
    try:
        ext = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except (x509.ExtensionNotFound, ValueError):
        return None
    return ext.value.key_identifier


def _ski(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except (x509.ExtensionNotFound, ValueError):
        return None


def _san(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    return [str(n.value) for n in san]


def _eku(cert: x509.Certificate) -> Sequence[x509.ObjectIdentifier] | None:
    try:
        return list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except (x509.ExtensionNotFound, ValueError):
        return None


def _matches(name: str, names: Sequence[str]) -> bool:
    name = name.lower().rstrip(".")
    for n in names:
        n = n.lower()
        if n == name or (n.startswith("*.") and name.split(".", 1)[-1] == n[2:]):
            return True
    return False


def _within_constraints(ca: x509.Certificate, names: Sequence[str]) -> tuple[bool, str]:
    try:
        nc = ca.extensions.get_extension_for_class(x509.NameConstraints).value
    except (x509.ExtensionNotFound, ValueError):
        return True, "the CA has no name constraints: it may vouch for any name"
    permitted = list(nc.permitted_subtrees or ())
    outside = [n for n in names if not any(_permits(p, n) for p in permitted)] if permitted else []
    if outside:
        return False, f"outside what the CA may vouch for: {', '.join(outside)}"
    allowed = ", ".join(_general(p) for p in permitted) or "-"
    return True, f"every name is within the CA's permitted names ({allowed})"


def _permits(tree: x509.GeneralName, name: str) -> bool:
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if isinstance(tree, x509.IPAddress) and address is not None:
        network = tree.value
        return isinstance(network, ipaddress.IPv4Network | ipaddress.IPv6Network) and (
            address in network
        )
    if isinstance(tree, x509.DNSName) and address is None:
        base = tree.value.lower().lstrip(".")
        return name.lower() == base or name.lower().endswith("." + base)
    return False


def _verify(
    leaf: x509.Certificate, ca: x509.Certificate, server_name: str, now: dt.datetime
) -> tuple[bool, str]:
    from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

    try:
        subject: x509.DNSName | x509.IPAddress
        try:
            subject = x509.IPAddress(ipaddress.ip_address(server_name))
        except ValueError:
            subject = x509.DNSName(server_name)
        verifier = PolicyBuilder().store(Store([ca])).time(now).build_server_verifier(subject)
        verifier.verify(leaf, [])
    except VerificationError as exc:
        return False, f"refused: {exc}"
    except ValueError as exc:
        return False, f"refused: {exc}"
    return True, "a chain from the leaf to the trusted CA, for this name, valid now"
