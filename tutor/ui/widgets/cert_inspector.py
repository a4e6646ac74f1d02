"""Lesson 5's certificate inspector: the live session's chain field by field, and why the client
trusted it or not (`sandbox.pki.inspect`). Shown by the Connection pane on `c`.

The leaf is the one the session's own Certificate message carried (opened with the session's
keys in TLS 1.3, as the Eavesdropper pane's handshake view shows it); the CA is the trust anchor
the lab's client was given. Values from the wire go into `Text` as plain strings (I5).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from sandbox.pki.inspect import (
    CertInfo,
    TrustCheck,
    cert_fields,
    certificates_in,
    load,
    trust_checks,
)
from sandbox.safety.text import escape_text
from tutor.ui.tls_live import ShownHandshake
from tutor.ui.words import tr


@dataclass(frozen=True, slots=True)
class CertReport:
    chain: tuple[CertInfo, ...]
    trusted: bool
    checks: tuple[TrustCheck, ...]
    server_name: str


def chain_report(
    shown: ShownHandshake | None, ca_file: Path | None, server_name: str
) -> CertReport | None:
    """The chain the session's server sent, with the client's CA, and the checks; None before
    the server's Certificate message was seen (or opened)."""
    if shown is None:
        return None
    message = next(
        (m for m in shown.messages if m.message.name == "Certificate" and m.message.msg_type == 11),
        None,
    )
    if message is None:
        return None
    tls13 = shown.handshake.version == "TLS 1.3"
    certs = [c for der in certificates_in(message.raw, tls13=tls13) if (c := load(der))]
    if not certs:
        return None
    ca = None
    if ca_file is not None:
        try:
            from cryptography import x509

            ca = x509.load_pem_x509_certificate(ca_file.read_bytes())
        except (OSError, ValueError):
            ca = None
    infos = [cert_fields(certs[0], "leaf")]
    infos += [cert_fields(c, "intermediate") for c in certs[1:]]
    if ca is not None:
        infos.append(cert_fields(ca, "ca"))
    trusted, checks = trust_checks(certs[0], ca, server_name)
    return CertReport(tuple(infos), trusted, tuple(checks), server_name)


def render_report(
    report: CertReport | None, client_verified: bool | None, lang: str, none: str = "ci.none"
) -> RenderableType:
    """The chain, field by field; `none` is the words for no certificate yet (the lab's say to
    step it, the watch screen's to connect a client)."""
    if report is None:
        return Text(tr(lang, none), style="dim")
    parts: list[RenderableType] = []
    verdict = tr(
        lang, "ci.trusted" if report.trusted else "ci.not_trusted", name=report.server_name
    )
    parts.append(Text(verdict, style="bold #87d75f" if report.trusted else "bold #ff5f5f"))
    if client_verified is not None:
        said = tr(lang, "ci.client_yes" if client_verified else "ci.client_no")
        parts.append(Text(said, style="dim"))
    checks = Table.grid(padding=(0, 1))
    checks.add_column(no_wrap=True)
    checks.add_column(style="bold", no_wrap=False)
    checks.add_column(overflow="fold")
    for check in report.checks:
        mark = Text("✔", style="#87d75f") if check.ok else Text("✘", style="bold #ff5f5f")
        checks.add_row(
            mark, tr(lang, f"ci.check.{check.name}"), Text(escape_text(check.detail), style="dim")
        )
    parts.append(checks)
    for info in report.chain:
        parts.append(Text(""))
        parts.append(Text(tr(lang, f"ci.role.{info.role}"), style="bold underline"))
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for field in info.fields:
            name = tr(lang, f"ci.field.{field.name}")
            if field.critical:
                name += " " + tr(lang, "ci.critical")
            table.add_row(name, Text(escape_text(field.value)))
        parts.append(table)
    return Group(*parts)
