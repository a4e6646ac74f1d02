"""The certificate chain a server sent, judged with `cryptography` (N4).

The probes accept any certificate (they must see what the server shows); here the chain is
checked afterwards: the order (each certificate signed by the next), a missing intermediate
(the leaf's issuer neither sent nor a trusted root), whether it verifies to a root
of the trust store (--ca-file, else the system's), days to expiry, the names against the host or
--name, the key and the signature algorithm.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import ssl
import warnings
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

MAX_STORE_BYTES = 4 * 1024 * 1024  # a system bundle is about 200 KiB


@dataclass(frozen=True, slots=True)
class ChainFacts:
    subject: str
    issuer: str
    count: int  # certificates sent
    in_order: bool  # each certificate issued by the next one sent
    missing_intermediate: bool  # the leaf's issuer neither sent nor a trusted root
    verified: bool | None  # None: no trust store, or no time when every certificate was valid
    verify_error: str | None
    days_left: int  # negative: expired that many days ago
    not_after: str
    names: tuple[str, ...]  # SAN DNS names and addresses (the CN when there is no SAN)
    name: str  # the name it should cover
    name_ok: bool
    key_type: str  # RSA, EC, Ed25519...
    key_bits: int
    signature: str  # e.g. ecdsa-with-SHA256
    weak_signature: bool  # SHA-1 or MD5


def load_store(ca_file: Path | None) -> tuple[list[x509.Certificate], str]:
    """The trusted roots: `ca_file`, else the system bundle; and where they came from."""
    if ca_file is not None and not ca_file.is_file():
        raise ValueError(f"{ca_file}: not a readable file of certificates")
    path = ca_file
    if path is None:
        default = ssl.get_default_verify_paths().cafile
        path = Path(default) if default else None
    if path is None or not path.is_file():
        return [], ""
    with path.open("rb") as f:
        data = f.read(MAX_STORE_BYTES + 1)
    if len(data) > MAX_STORE_BYTES:
        raise ValueError(f"{path}: more than {MAX_STORE_BYTES // 1024} KiB: not a CA file")
    try:
        with warnings.catch_warnings():  # system bundles hold a few pre-RFC 5280 roots
            warnings.simplefilter("ignore")
            return x509.load_pem_x509_certificates(data), str(path)
    except ValueError as exc:
        raise ValueError(f"{path}: no PEM certificates in it") from exc


def _names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return tuple(str(a.value) for a in cns)
    dns = san.get_values_for_type(x509.DNSName)
    ips = [str(a) for a in san.get_values_for_type(x509.IPAddress)]
    return tuple(dns) + tuple(ips)


def name_matches(name: str, names: tuple[str, ...]) -> bool:
    """RFC 6125: exact (case-insensitive), or a `*.` wildcard standing for one label."""
    try:
        address = ipaddress.ip_address(name)
        return any(n == str(address) for n in names)
    except ValueError:
        pass
    name = name.lower().rstrip(".")
    for pattern in (n.lower() for n in names):
        if pattern == name:
            return True
        if pattern.startswith("*.") and "." in name and name.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def _key(cert: x509.Certificate) -> tuple[str, int]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 448
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    return type(key).__name__, 0


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, Exception):  # InvalidSignature, unsupported algorithms
        return False
    return True


def _self_signed(cert: x509.Certificate) -> bool:
    return _issued_by(cert, cert)


def _verify(
    certs: list[x509.Certificate], roots: list[x509.Certificate], now: dt.datetime
) -> tuple[bool | None, str | None]:
    """(verified, why not): does the chain lead to a root of `roots`? Names and expiry are
    judged apart: for a name the leaf has, and when the leaf is not valid now, at the other
    times it was (its middle, its last second). (None, why) when it fails only for time: the
    expiry finding says that already."""
    leaf = certs[0]
    start, end = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    times = [now] if start <= now <= end else [start + (end - start) / 2, end]
    names = _names(leaf)
    try:
        subject: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(names[0]))
    except (ValueError, IndexError):
        subject = x509.DNSName(names[0] if names else "invalid")
    errors = []
    for when in times:
        try:
            builder = PolicyBuilder().store(Store(roots)).time(when)
            verifier = builder.build_server_verifier(subject)  # type: ignore[arg-type]
            verifier.verify(leaf, certs[1:])
        except VerificationError as exc:
            errors.append(str(exc).splitlines()[0][:200])
            continue
        except ValueError as exc:
            return False, str(exc)[:200]
        return True, None
    if all("validation time" in e for e in errors):
        return None, errors[0]
    return False, next(e for e in errors if "validation time" not in e)


def judge_chain(
    chain: tuple[bytes, ...],
    name: str,
    roots: list[x509.Certificate],
    *,
    now: dt.datetime | None = None,
) -> ChainFacts | None:
    """What the chain shows, or None when no certificate came."""
    if not chain:
        return None
    now = now or dt.datetime.now(dt.UTC)
    certs = [x509.load_der_x509_certificate(der) for der in chain]
    leaf = certs[0]
    in_order = all(_issued_by(a, b) for a, b in itertools.pairwise(certs))
    issuer_sent = any(_issued_by(leaf, c) for c in certs[1:])
    issuer_trusted = any(_issued_by(leaf, r) for r in roots)
    # the client must find the leaf's issuer somewhere: in what was sent, or among its roots
    missing = not _self_signed(leaf) and not issuer_sent and not issuer_trusted
    verified, verify_error = _verify(certs, roots, now) if roots else (None, None)
    names = _names(leaf)
    key_type, key_bits = _key(leaf)
    algorithm = leaf.signature_hash_algorithm
    sig_oid = leaf.signature_algorithm_oid
    signature = getattr(sig_oid, "_name", None) or sig_oid.dotted_string
    weak = algorithm is not None and algorithm.name in ("sha1", "md5")
    days = (leaf.not_valid_after_utc - now).total_seconds() / 86400
    return ChainFacts(
        subject=leaf.subject.rfc4514_string(),
        issuer=leaf.issuer.rfc4514_string(),
        count=len(certs),
        in_order=in_order,
        missing_intermediate=missing,
        verified=verified,
        verify_error=verify_error,
        days_left=int(days // 1),
        not_after=leaf.not_valid_after_utc.strftime("%Y-%m-%d %H:%M UTC"),
        names=names,
        name=name,
        name_ok=name_matches(name, names),
        key_type=key_type,
        key_bits=key_bits,
        signature=signature,
        weak_signature=weak,
    )
