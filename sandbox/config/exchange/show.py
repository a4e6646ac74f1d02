"""Connectors as the Exchange Management Shell prints them (properties.md L46).

`Get-ReceiveConnector` and `Get-SendConnector` print a table (Identity, Bindings or AddressSpaces,
Enabled); piped to `Format-List`, one `Name : value` line per property, the names padded to the
longest, multi-valued properties in braces (`{[::]:25, 0.0.0.0:25}`) and flags joined by commas.
"""

from __future__ import annotations

from collections.abc import Sequence

from sandbox.config.exchange.model import ReceiveConnector, SendConnector


def _multi(values: Sequence[object]) -> str:
    return "{" + ", ".join(str(v) for v in values) + "}" if values else "{}"


def _flags(values: Sequence[str]) -> str:
    return ", ".join(values) if values else "None"


def _bool(value: bool) -> str:
    return "True" if value else "False"


def receive_properties(c: ReceiveConnector) -> list[tuple[str, str]]:
    return [
        ("AuthMechanism", _flags(c.auth_mechanism)),
        ("Bindings", _multi(c.bindings)),
        ("Enabled", _bool(c.enabled)),
        ("Fqdn", c.fqdn),
        ("PermissionGroups", _flags(c.permission_groups)),
        ("RemoteIPRanges", _multi([r.text for r in c.remote_ranges])),
        ("RequireTLS", _bool(c.require_tls)),
        ("TlsCertificateName", c.tls_certificate_name),
        ("TransportRole", c.role),
        ("Identity", c.identity),
        ("Name", c.name),
    ]


def send_properties(c: SendConnector) -> list[tuple[str, str]]:
    return [
        ("AddressSpaces", _multi(c.address_spaces)),
        ("DNSRoutingEnabled", _bool(c.dns_routing)),
        ("Enabled", _bool(c.enabled)),
        ("Fqdn", c.fqdn),
        ("IgnoreSTARTTLS", _bool(c.ignore_starttls)),
        ("RequireTLS", _bool(c.require_tls)),
        ("SmartHosts", _multi(c.smart_hosts)),
        ("TlsAuthLevel", c.tls_auth_level or ""),
        ("TlsCertificateName", c.tls_certificate_name),
        ("TlsDomain", c.tls_domain),
        ("Identity", c.identity),
        ("Name", c.name),
    ]


def format_list(properties: list[tuple[str, str]]) -> list[str]:
    """`| Format-List`: `Name<pad> : value`, right-trimmed."""
    width = max(len(name) for name, _ in properties)
    return [f"{name.ljust(width)} : {value}".rstrip() for name, value in properties]


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """PowerShell's default table: each column as wide as its widest cell, dashes under names."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return " ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(header), line(["-" * len(h) for h in header]), *(line(r) for r in rows)]


def receive_table(connectors: Sequence[ReceiveConnector]) -> list[str]:
    """`Get-ReceiveConnector`: Identity, Bindings, Enabled."""
    rows = [(c.identity, _multi(c.bindings), _bool(c.enabled)) for c in connectors]
    return format_table(("Identity", "Bindings", "Enabled"), rows)


def send_table(connectors: Sequence[SendConnector]) -> list[str]:
    """`Get-SendConnector`: Identity, AddressSpaces, Enabled."""
    rows = [(c.identity, _multi(c.address_spaces), _bool(c.enabled)) for c in connectors]
    return format_table(("Identity", "AddressSpaces", "Enabled"), rows)
