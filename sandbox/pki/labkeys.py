"""A lab's own folder of keys and certificates: root, intermediate and leaf, so chains are real.

A Postfix lab's `smtpd_tls_chain_files` or `smtpd_tls_cert_file`/`smtpd_tls_key_file` name files
here, and only here (`resolve` refuses any other path). Besides the right files, the folder holds
the broken ones a break/fix lab needs:

| file | what it is |
|---|---|
| `root.pem` | the lab's root CA (name-constrained like the sandbox CA, H2): what a client trusts |
| `intermediate.pem` | the intermediate CA that signs the leaves |
| `server.key`, `server.pem` | the server's key and its leaf alone (a leaf-only chain) |
| `chain.pem` | leaf then intermediate: the right chain |
| `server-chain.pem` | key, leaf, intermediate in one file (Postfix's single-file form) |
| `wrong-order.pem` | intermediate then leaf: the chain in the wrong order |
| `other.key` | a key that matches no certificate here |
| `expired.key`, `expired.pem` | an expired leaf, then the intermediate |
| `othername.key`, `othername.pem` | a leaf for `other.test`, then the intermediate |

Keys are 0600 from their first byte and every file is replaced atomically (J2, J3). The CA keys
are never written: when anything is missing, unfit or for other names, everything is made again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sandbox.pki.certs import (
    LEAF_RENEW_BEFORE,
    PERMITTED_SUBTREES,
    PrivateKey,
    _general_name,
    _name,
    _now,
    load_cert,
    make_leaf,
    write_key,
)
from sandbox.safety.files import atomic_write, locked, make_private_dirs, read_user_file

LAB_DAYS = 30
OTHER_NAME = "other.test"
DEFAULT_NAMES: tuple[str, ...] = ("mail.sandbox.test", "sandbox.test", "localhost", "127.0.0.1")
FILES = (
    "root.pem", "intermediate.pem", "server.key", "server.pem", "chain.pem", "server-chain.pem",
    "wrong-order.pem", "other.key", "expired.key", "expired.pem", "othername.key",
    "othername.pem",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LabKeys:
    folder: Path
    names: tuple[str, ...]

    def __getitem__(self, name: str) -> Path:
        if name not in FILES:
            raise KeyError(f"no {name!r} in a lab folder (it has {', '.join(FILES)})")
        return self.folder / name


def ensure_lab_keys(
    folder: Path, names: Sequence[str] = DEFAULT_NAMES, *, now: dt.datetime | None = None
) -> LabKeys:
    """The lab folder's files for a server called `names` (first: the leaf's subject), made now
    if any is missing, near expiry or for other names."""
    make_private_dirs(folder)  # a learner's existing folder keeps its mode: keys are 0600
    keys = LabKeys(folder, tuple(names))
    now = now or _now()
    with locked(folder, ".labkeys.lock"):
        if not _usable(keys, now):
            _make(keys, now)
    return keys


def _ca(
    name: str,
    issuer: tuple[PrivateKey, x509.Certificate] | None,
    path_length: int,
    now: dt.datetime,
) -> tuple[PrivateKey, x509.Certificate]:
    start = now - dt.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    signer_key, signer_cert = issuer if issuer else (key, None)
    usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(signer_cert.subject if signer_cert else _name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=LAB_DAYS + 30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.NameConstraints(
                permitted_subtrees=list(PERMITTED_SUBTREES), excluded_subtrees=None
            ),
            critical=True,
        )
    )
    if signer_cert is not None:
        ski = signer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    return key, builder.sign(signer_key, hashes.SHA256())


def _pem(*items: x509.Certificate | PrivateKey) -> bytes:
    out = []
    for item in items:
        if isinstance(item, x509.Certificate):
            out.append(item.public_bytes(serialization.Encoding.PEM))
        else:
            out.append(
                item.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
    return b"".join(out)


def _make(keys: LabKeys, now: dt.datetime) -> None:
    root = _ca("smtp-tutor lab root CA", None, 1, now)
    inter_key, inter = _ca("smtp-tutor lab intermediate CA", root, 0, now)
    key, leaf = make_leaf(inter_key, inter, keys.names, days=LAB_DAYS, now=now)
    expired_key, expired = make_leaf(
        inter_key, inter, keys.names, days=1, now=now - dt.timedelta(days=10)
    )
    other_key, other = make_leaf(inter_key, inter, (OTHER_NAME,), days=LAB_DAYS, now=now)
    public = {
        "root.pem": _pem(root[1]),
        "intermediate.pem": _pem(inter),
        "server.pem": _pem(leaf),
        "chain.pem": _pem(leaf, inter),
        "wrong-order.pem": _pem(inter, leaf),
        "expired.pem": _pem(expired, inter),
        "othername.pem": _pem(other, inter),
    }
    private: dict[str, PrivateKey] = {
        "server.key": key,
        "other.key": ec.generate_private_key(ec.SECP256R1()),
        "expired.key": expired_key,
        "othername.key": other_key,
    }
    for name, private_key in private.items():
        write_key(keys[name], private_key)
    atomic_write(keys["server-chain.pem"], _pem(key, leaf, inter), mode=0o600)
    for name, data in public.items():
        atomic_write(keys[name], data, mode=0o644)


def _usable(keys: LabKeys, now: dt.datetime) -> bool:
    try:
        if not all(keys[name].is_file() and not keys[name].is_symlink() for name in FILES):
            return False
        leaf, inter = load_cert(keys["server.pem"]), load_cert(keys["intermediate.pem"])
        leaf.verify_directly_issued_by(inter)
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        pem = read_user_file(keys["server.key"], 64 * 1024, private=True)
        key = serialization.load_pem_private_key(pem, password=None)
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    fresh = leaf.not_valid_before_utc <= now and now + LEAF_RENEW_BEFORE < leaf.not_valid_after_utc
    wanted = [_general_name(n) for n in keys.names]
    return fresh and list(san) == wanted and key.public_key() == leaf.public_key()


class OutsideLabFolder(ValueError):
    """A certificate or key path that is not inside the lab's folder."""


def resolve(folder: Path, name: str) -> Path:
    """`name` (relative to the lab folder, or absolute inside it) as a path in `folder`; a path
    that leaves the folder, by `..` or by a link, is `OutsideLabFolder`."""
    base = folder.resolve()
    path = (base / name).resolve() if name else base
    if path == base or base not in path.parents:
        raise OutsideLabFolder(f"{name!r} is outside the lab's folder {base}")
    return path
