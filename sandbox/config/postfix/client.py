"""The client side of a Postfix configuration: `smtp_tls_security_level`, `smtp_tls_CAfile` and
`smtp_tls_policy_maps` (per-destination levels), as the sandbox's client enacts them.

A policy map is read from its source text in the lab folder (a `hash` table from the file that
`postmap` would build its `.db` from), or given inline (`inline:{ example.test=encrypt, ... }`).
Each line is `destination level [attribute=value...]`: a domain, `.domain` for its subdomains,
or `[host]:port` for a next hop. Attributes are noted, not simulated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox.client.policy import TlsPolicy
from sandbox.config.findings import ConfigError
from sandbox.config.postfix.lines import Note, decode, logical_lines
from sandbox.config.postfix.values import braced_words, choice
from sandbox.pki.labkeys import OutsideLabFolder, resolve
from sandbox.safety.errors import UnsafeFileError
from sandbox.safety.files import read_user_file

if TYPE_CHECKING:
    from sandbox.config.postfix.reader import PostfixConfig

LEVELS = tuple(p.value for p in TlsPolicy)
MAP_MAX_BYTES = 256 * 1024
_FILE_TYPES = ("hash", "texthash", "btree", "lmdb", "cdb", "dbm")


@dataclass(frozen=True, slots=True)
class PolicyEntry:
    level: TlsPolicy
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class ClientSide:
    """The sandbox client's TLS policy for each destination."""

    level: TlsPolicy
    ca_file: Path | None
    entries: dict[str, PolicyEntry] = field(default_factory=dict)

    def level_for(self, domain: str, next_hop: str | None = None) -> TlsPolicy:
        """The level for mail to `domain` (via `[next_hop]:25` if given): the policy map's
        next-hop entry, the domain's, then a parent's `.domain` entry, else the default."""
        entry = self.entry_for(domain, next_hop)
        return entry.level if entry is not None else self.level

    def entry_for(self, domain: str, next_hop: str | None = None) -> PolicyEntry | None:
        domain = domain.lower().rstrip(".")
        keys = [f"[{next_hop.lower()}]:25"] if next_hop else []
        keys.append(domain)
        labels = domain.split(".")
        keys += ["." + ".".join(labels[i:]) for i in range(1, len(labels))]
        return next((self.entries[k] for k in keys if k in self.entries), None)


def enact_client(config: PostfixConfig, lab: Path, notes: list[Note]) -> ClientSide:
    value = config.value("smtp_tls_security_level")
    where = config.where("smtp_tls_security_level")
    if not value:  # the obsolete pair, only when the level is empty (postconf(5))
        if config.value("smtp_enforce_tls") == "yes":
            value = "encrypt"
        elif config.value("smtp_use_tls") == "yes":
            value = "may"
        else:
            value = "none"
    level = TlsPolicy(_level(value, where, notes))
    ca = config.value("smtp_tls_CAfile")
    ca_file = _in_lab(lab, ca, config.where("smtp_tls_CAfile")) if ca else None
    entries: dict[str, PolicyEntry] = {}
    for table in braced_words(config.value("smtp_tls_policy_maps")):
        entries.update(_table(table, lab, config.where("smtp_tls_policy_maps"), notes))
    return ClientSide(level, ca_file, entries)


def _level(value: str, where: tuple[str, int], notes: list[Note]) -> str:
    if value in ("dane", "dane-only", "fingerprint"):
        raise ConfigError(*where, f"smtp_tls_security_level = {value} is not simulated here")
    return choice("smtp_tls_security_level", value, where, LEVELS)


def _in_lab(lab: Path, name: str, where: tuple[str, int]) -> Path:
    try:
        return resolve(lab, name)
    except OutsideLabFolder as error:
        raise ConfigError(*where, f"{error}; the sandbox reads files only from there") from None


def _table(
    table: str, lab: Path, where: tuple[str, int], notes: list[Note]
) -> dict[str, PolicyEntry]:
    kind, colon, name = table.partition(":")
    if not colon:
        raise ConfigError(*where, f"{table!r}: a table is type:name (hash:/etc/postfix/tls_policy)")
    if kind == "inline":
        body = name.strip()
        if not (body.startswith("{") and body.endswith("}")):
            raise ConfigError(*where, f"inline table needs {{ ... }}: {table!r}")
        lines = "\n".join(i.strip().replace("=", " ", 1) for i in body[1:-1].split(","))
        return _entries(lines, where[0], notes, first_line=where[1])
    if kind not in _FILE_TYPES:
        raise ConfigError(
            *where, f"table type {kind!r} is not simulated here ({', '.join(_FILE_TYPES)}, inline)"
        )
    path = _in_lab(lab, name, where)
    try:
        data = read_user_file(path, MAP_MAX_BYTES)
    except (UnsafeFileError, OSError) as error:
        raise ConfigError(*where, f"cannot read the policy map {name}: {error}") from None
    return _entries(decode(data, str(path)), str(path), notes)


def _entries(
    text: str, path: str, notes: list[Note], first_line: int = 0
) -> dict[str, PolicyEntry]:
    out: dict[str, PolicyEntry] = {}
    for logical in logical_lines(text, path, notes):
        line = first_line or logical.line
        key, *rest = logical.text.split()
        if not rest:
            raise ConfigError(path, line, f"{key}: a destination needs a TLS level after it")
        level = TlsPolicy(_level(rest[0], (path, line), notes))
        if rest[1:]:
            notes.append(Note(path, line, f"{' '.join(rest[1:])}: attributes not simulated"))
        out[key.lower()] = PolicyEntry(level, path, line)
    return out
