"""The attacker's certificates for the impersonation labs, cached in the data dir.

Two identities a man in the middle can present when he answers the client's TLS handshake:

- `IMPOSTOR`: a certificate for `sandbox.test`, the right name, from the attacker's own CA that
  no client trusts (anyone can make one in a second; only an unverifying client accepts it).
- `WRONG_NAME`: a genuine certificate from the sandbox CA, but for the attacker's own host
  `mx.attacker.test` (as anyone can get from a public CA for a domain they own): the chain
  verifies, the name does not.

Files live in `<data dir>/threatlab/` with the same care as the sandbox's own (keys 0600 from the
first byte, J2) and are remade when missing, unfit, near expiry, or (for `WRONG_NAME`) no longer
signed by the current sandbox CA.

`cryptography` (through `sandbox.pki.certs`) is imported inside the functions that make or check
a certificate: the lab catalogue imports this module to list the impersonation labs, and the
lesson validator reads that list, so importing it must stay cheap.
"""

from __future__ import annotations

import datetime as dt
import enum
import ssl
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox.pki import tlsconfig

if TYPE_CHECKING:
    from cryptography import x509

    from sandbox.pki.certs import CertBundle

IMPOSTOR_CA_NAME = "Attacker CA (trusted by nobody)"
WRONG_NAME = "mx.attacker.test"


class Identity(enum.Enum):
    IMPOSTOR = "impostor"  # the right name, an untrusted CA
    WRONG_NAME = "wrong-name"  # the trusted CA, another name

    @property
    def names(self) -> tuple[str, ...]:
        from sandbox.pki.certs import SERVER_NAMES

        return SERVER_NAMES if self is Identity.IMPOSTOR else (WRONG_NAME,)


def threatlab_dir() -> Path:
    from sandbox.safety.files import data_dir

    return data_dir() / "threatlab"


def attacker_context(identity: Identity, *, bundle: CertBundle | None = None) -> ssl.SSLContext:
    """A TLS server context presenting `identity` (see the module docstring)."""
    cert, key = attacker_files(identity, bundle=bundle)
    return tlsconfig.server_context(cert, key)


def attacker_files(
    identity: Identity,
    *,
    bundle: CertBundle | None = None,
    directory: Path | None = None,
    now: dt.datetime | None = None,
) -> tuple[Path, Path]:
    """(certificate, key) paths for `identity`, made or remade as needed.

    `bundle` is the sandbox PKI (`ensure_certs()` by default): `WRONG_NAME` is signed by its CA.
    """
    from sandbox.pki.certs import ensure_certs, load_ca, load_cert, make_ca, make_leaf, write_pair
    from sandbox.safety.files import ensure_private_dir, locked

    directory = ensure_private_dir(directory or threatlab_dir())
    now = now or dt.datetime.now(dt.UTC)
    stem = identity.value
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
    sandbox_ca: x509.Certificate | None = None
    if identity is Identity.WRONG_NAME:
        bundle = bundle or ensure_certs()
        sandbox_ca = load_cert(bundle.ca_cert)
    with locked(directory):
        if not _usable(cert_path, key_path, identity, sandbox_ca, now):
            if identity is Identity.WRONG_NAME:
                assert bundle is not None
                issuer = load_ca(bundle)
            else:
                # The attacker's CA is thrown away once it has signed: only the leaf is needed.
                issuer = make_ca(IMPOSTOR_CA_NAME, now=now)
            write_pair(directory, stem, *make_leaf(*issuer, identity.names, now=now))
    return cert_path, key_path


def _usable(
    cert_path: Path,
    key_path: Path,
    identity: Identity,
    sandbox_ca: x509.Certificate | None,
    now: dt.datetime,
) -> bool:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    from sandbox.pki.certs import LEAF_RENEW_BEFORE, load_cert, load_key

    try:
        key, cert = load_key(key_path), load_cert(cert_path)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        if sandbox_ca is not None:
            cert.verify_directly_issued_by(sandbox_ca)
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False  # missing, loose permissions (J2), garbage, or from an older sandbox CA
    names = [str(n.value) for n in san]
    return (
        key.public_key() == cert.public_key()
        and names == list(identity.names)
        and cert.not_valid_before_utc <= now
        and now + LEAF_RENEW_BEFORE < cert.not_valid_after_utc
    )
