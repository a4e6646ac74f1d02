"""`postfix check` on the files a service's TLS names: chain order, key match, expiry, names
(properties.md L23). The files are read from the lab's folder only, as the sandbox reads them."""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from sandbox.config.findings import Finding
from sandbox.config.postfix.lint_words import finding
from sandbox.config.postfix.reader import PostfixConfig, Service
from sandbox.config.postfix.values import words
from sandbox.pki.labkeys import OutsideLabFolder, resolve
from sandbox.safety.files import read_user_file

PEM_MAX = 256 * 1024
_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----", re.S)
Item = x509.Certificate | PrivateKeyTypes


class Unreadable(Exception):
    def __init__(self, file: str, error: str) -> None:
        super().__init__(f"{file}: {error}")
        self.file, self.error = file, error


def _items(lab: Path, name: str) -> list[Item]:
    """The keys and certificates of one file, in file order."""
    try:
        data = read_user_file(resolve(lab, name), PEM_MAX)
    except OutsideLabFolder:
        raise Unreadable(name, "outside the lab's folder") from None
    except OSError as error:
        raise Unreadable(name, error.strerror or type(error).__name__) from None
    items: list[Item] = []
    for block in _PEM.finditer(data):
        try:
            if block.group(1).endswith(b"CERTIFICATE"):
                items.append(x509.load_pem_x509_certificate(block.group(0)))
            elif block.group(1).endswith(b"PRIVATE KEY"):
                items.append(serialization.load_pem_private_key(block.group(0), None))
        except (ValueError, TypeError) as error:
            raise Unreadable(name, f"not a PEM key or certificate ({error})") from None
    if not items:
        raise Unreadable(name, "no PEM key or certificate in it")
    return items


def _matches(key: Item, cert: Item) -> bool:
    return (
        isinstance(cert, x509.Certificate)
        and not isinstance(key, x509.Certificate)
        and key.public_key() == cert.public_key()
    )


def _names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return [*san.get_values_for_type(x509.DNSName), *ips]


def _covers(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower(), host.lower()
    if pattern.startswith("*."):
        return host.count(".") >= 2 and host.split(".", 1)[1] == pattern[2:]
    return pattern == host


def cert_findings(config: PostfixConfig, service: Service, lab: Path) -> Iterator[Finding]:
    """What is wrong with the chain one smtpd service loads."""
    chain_files = words(config.value("smtpd_tls_chain_files", service))
    try:
        if chain_files:
            path, line = config.where("smtpd_tls_chain_files", service)
            items = [item for name in chain_files for item in _items(lab, name)]
            yield from _order("smtpd_tls_chain_files", ", ".join(chain_files), items, path, line)
            leaf_file = chain_files[-1] if len(chain_files) > 1 else chain_files[0]
        else:
            cert_name = config.value("smtpd_tls_cert_file", service)
            if not cert_name:
                return
            key_name = config.value("smtpd_tls_key_file", service) or cert_name
            path, line = config.where("smtpd_tls_key_file", service)
            if line == 0:
                path, line = config.where("smtpd_tls_cert_file", service)
            certs = [i for i in _items(lab, cert_name) if isinstance(i, x509.Certificate)]
            keys = [i for i in _items(lab, key_name) if not isinstance(i, x509.Certificate)]
            if not certs or not keys:
                what = "no certificate" if not certs else "no private key"
                raise Unreadable(cert_name if not certs else key_name, what)
            if not _matches(keys[0], certs[0]):
                if any(_matches(keys[0], c) for c in certs[1:]):
                    yield finding("chain_order", path, line, name="smtpd_tls_cert_file",
                                  file=cert_name, expected="leaf, then its issuers")  # fmt: skip
                else:
                    yield finding("key_mismatch", path, line, keyfile=key_name, cert=cert_name)
                return
            yield from _leaf_only(certs, cert_name, path, line)
            items, leaf_file = [keys[0], *certs], cert_name
    except Unreadable as bad:
        name = "smtpd_tls_chain_files" if chain_files else "smtpd_tls_key_file"
        yield finding("cert_unreadable", path, line, name=name, file=bad.file, error=bad.error)
        return
    leaf = next((i for i in items if isinstance(i, x509.Certificate)), None)
    if leaf is None or not _matches(items[0], leaf):
        return
    now = dt.datetime.now(dt.UTC)
    if leaf.not_valid_after_utc < now:
        date = leaf.not_valid_after_utc.strftime("%Y-%m-%d %H:%M UTC")
        yield finding("cert_expired", path, line, file=leaf_file, date=date)
    host = config.value("myhostname", service)
    names = _names(leaf)
    if host and not any(_covers(n, host) for n in names) and not _is_ip(host):
        yield finding("cert_name", path, line, file=leaf_file, host=host,
                      names=", ".join(names) or "no name")  # fmt: skip


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _order(name: str, files: str, items: list[Item], path: str, line: int) -> Iterator[Finding]:
    """Key first, then the certificate that matches it, then each one's issuer."""
    expected = "key, leaf certificate, then its issuers"
    key = items[0]
    if isinstance(key, x509.Certificate):
        keys = [i for i in items if not isinstance(i, x509.Certificate)]
        if keys and any(_matches(keys[0], c) for c in items):
            yield finding("chain_order", path, line, name=name, file=files, expected=expected)
        else:
            yield finding("cert_unreadable", path, line, name=name, file=files,
                          error="no private key before the certificates")  # fmt: skip
        return
    certs = [i for i in items[1:] if isinstance(i, x509.Certificate)]
    if not certs:
        yield finding("cert_unreadable", path, line, name=name, file=files,
                      error="no certificate after the key")  # fmt: skip
        return
    if not _matches(key, certs[0]):
        if any(_matches(key, c) for c in certs[1:]):
            yield finding("chain_order", path, line, name=name, file=files, expected=expected)
        else:
            yield finding("key_mismatch", path, line, keyfile=files, cert=files)
        return
    for lower, upper in itertools.pairwise(certs):
        if lower.issuer != upper.subject:
            yield finding("chain_order", path, line, name=name, file=files, expected=expected)
            return
    yield from _leaf_only(certs, files, path, line)


def _leaf_only(
    certs: list[x509.Certificate], files: str, path: str, line: int
) -> Iterator[Finding]:
    """A leaf sent without the intermediate that signed it (a root signs itself)."""
    if len(certs) == 1 and certs[0].issuer != certs[0].subject:
        yield finding("leaf_only", path, line, file=files)
