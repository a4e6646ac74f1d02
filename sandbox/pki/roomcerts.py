"""A certificate for a room's shared sandbox: the sandbox's names plus the host learners dial.

`smtp-tutor sandbox --learners N --hostname HOST` is reached from other machines by HOST, which
the sandbox CA may not vouch for: its NameConstraints allow only localhost, `.test` and loopback
(H2). So a room gets a CA of its own, constrained to those names and HOST alone (HOST and the
names under it, or that one address), and a leaf whose SANs are the sandbox's names and HOST. A
leaked room CA key can mint a certificate for HOST and nothing else on the Internet.

Kept under `room/certs/<HOST>/` and reused while fresh, so learners who trusted the exported CA
keep working across restarts; regenerated as the sandbox's own are (H3, J2).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from sandbox.pki.certs import (
    CA_RENEW_BEFORE,
    LEAF_RENEW_BEFORE,
    PERMITTED_SUBTREES,
    SERVER_NAMES,
    CertBundle,
    PrivateKey,
    load_ca,
    load_cert,
    load_key,
    make_ca,
    make_leaf,
    write_pair,
)
from sandbox.safety.files import data_dir, ensure_private_dir, locked

ROOM_CA_NAME = "smtp-tutor room CA ({host} and loopback only)"
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def check_hostname(text: str) -> str:
    """`text` as a certificate name (lower-case DNS name or IP address); else a one-line
    ValueError. No wildcards, no trailing dot, no URL: the name learners type."""
    host = text.strip().lower()
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    labels = host.split(".")
    if not host or len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(
            f"--hostname wants a DNS name or an IP address (e.g. mail.classroom.test), "
            f"not {text[:60]!r}"
        )
    return host


def room_names(host: str) -> tuple[str, ...]:
    """The leaf's SANs: HOST first (its subject), then the sandbox's own names."""
    return (host, *(name for name in SERVER_NAMES if name != host))


def _subtree(host: str) -> x509.GeneralName:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return x509.DNSName(host)
    return x509.IPAddress(ipaddress.ip_network(f"{address}/{address.max_prefixlen}"))


def permitted_for(host: str) -> tuple[x509.GeneralName, ...]:
    return (*PERMITTED_SUBTREES, _subtree(host))


def room_cert_dir(host: str) -> Path:
    return data_dir() / "room" / "certs" / host.replace(":", "_")


def ensure_room_certs(
    host: str, directory: Path | None = None, *, now: dt.datetime | None = None
) -> CertBundle:
    """The room's CA and server certificate for `host` (checked by `check_hostname`)."""
    host = check_hostname(host)
    directory = ensure_private_dir(directory or room_cert_dir(host))
    bundle = CertBundle(
        ca_cert=directory / "ca.pem",
        ca_key=directory / "ca.key",
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
    )
    now = now or dt.datetime.now(dt.UTC)
    with locked(directory):
        ca = _usable_ca(bundle, host, now)
        if ca is None:
            ca = make_ca(ROOM_CA_NAME.format(host=host), permitted=permitted_for(host), now=now)
            write_pair(directory, "ca", *ca)
        elif _usable_leaf(bundle, host, ca[1], now):
            return bundle
        write_pair(directory, "server", *make_leaf(*ca, room_names(host), now=now))
    return bundle


def _fresh(cert: x509.Certificate, renew_before: dt.timedelta, now: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= now and now + renew_before < cert.not_valid_after_utc


def _usable_ca(
    bundle: CertBundle, host: str, now: dt.datetime
) -> tuple[PrivateKey, x509.Certificate] | None:
    try:
        key, cert = load_ca(bundle)
        constraints = cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except (OSError, ValueError, x509.ExtensionNotFound):  # missing, loose, unconstrained...
        return None
    if key.public_key() != cert.public_key() or not _fresh(cert, CA_RENEW_BEFORE, now):
        return None
    if tuple(constraints.permitted_subtrees or ()) != permitted_for(host):
        return None
    return key, cert


def _usable_leaf(bundle: CertBundle, host: str, ca: x509.Certificate, now: dt.datetime) -> bool:
    try:
        key, cert = load_key(bundle.server_key), load_cert(bundle.server_cert)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        cert.verify_directly_issued_by(ca)
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    wanted = [_general(n) for n in room_names(host)]
    fresh = _fresh(cert, LEAF_RENEW_BEFORE, now)
    return key.public_key() == cert.public_key() and fresh and list(san) == wanted


def _general(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)
