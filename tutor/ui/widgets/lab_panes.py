"""The Lab's panes over one live session: Conversation, Eavesdropper, Connection.

Each pane takes batches of sandbox events (`add_events`) and picks what it shows; the lab screen
coalesces events and hands each pane one batch per tick. A pane is its widget plus one entry in
`LAB_PANES`: the lab screen builds the panes, their tabs, titles (`lab.<name>` words) and number
keys from that table.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from sandbox.events import (
    CertSummary,
    MessageDelivered,
    SandboxEvent,
    SessionClosed,
    SessionStarted,
    TlsEstablished,
    TlsFailed,
    WireRecord,
)
from tutor.ui.lang import on_lang_change, ui_lang
from tutor.ui.widgets import lab_lines
from tutor.ui.widgets.cert_inspector import CertReport, chain_report, render_report
from tutor.ui.widgets.eavesdropper import EavesdropperPane
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.widgets.log_pane import PANE_KEYS, LogPane
from tutor.ui.words import tr


class ConversationPane(LogPane):
    """What client and server say, with swaks markers (->, <-, ~>, <~, ===, ***)."""

    def add_events(self, batch: Sequence[SandboxEvent]) -> None:
        said = [e for e in batch if isinstance(e, lab_lines.CONVERSATION_KINDS)]
        shown, skipped = self.newest(said)
        lang = ui_lang(self)
        lines = [line for e in shown if (line := lab_lines.conversation(e, lang)) is not None]
        self.add_lines(lines, skipped)


@dataclass(frozen=True)
class ConnectionState:
    """What is known about the session's connection, folded from events."""

    started: bool = False
    server: str = ""
    via_tap: str | None = None
    tls: TlsEstablished | None = None
    failed: str | None = None
    closed: bool = False
    delivered: int = 0
    last_delivery: MessageDelivered | None = None
    # the version a ServerHello on the wire chose: the watch's outside client says nothing of
    # its own TLS (no TlsEstablished), yet its session is encrypted all the same
    tls_on_wire: str = ""

    @property
    def encrypted(self) -> bool:
        return self.tls is not None or (bool(self.tls_on_wire) and self.failed is None)

    def apply(self, event: SandboxEvent) -> ConnectionState:
        if isinstance(event, SessionStarted):
            return ConnectionState(started=True, server=event.server, via_tap=event.via_tap)
        if isinstance(event, WireRecord) and not self.tls_on_wire:
            for shake in event.handshake:
                if shake.name == "ServerHello":
                    return replace(self, tls_on_wire=(shake.versions or ("TLS",))[0])
            return self
        if isinstance(event, TlsEstablished):
            return replace(self, tls=event, failed=None)
        if isinstance(event, TlsFailed):
            return replace(self, failed=event.reason)
        if isinstance(event, SessionClosed):
            return replace(self, closed=True)
        if isinstance(event, MessageDelivered):
            return replace(self, delivered=self.delivered + 1, last_delivery=event)
        return self


def short_state(state: ConnectionState, lang: str) -> str:
    """A word or two for the tab label: plaintext, TLS (verified or not)."""
    if not state.started:
        return ""
    if state.tls is None:
        return "TLS" if state.encrypted else tr(lang, "conn.short_plain")
    return "TLS ✔" if state.tls.verified else "TLS ✘"


def _dn(name: str) -> str:
    """A distinguished name with a space after each separating comma, so it wraps between its
    parts (`CN=sandbox.test, O=smtp-tutor`) and never inside one; escaped commas stay."""
    return re.sub(r"(?<!\\),(?! )", ", ", name)


def _when(iso: str) -> str:
    """An ISO 8601 UTC time as two tokens that wrap apart: `2026-12-05 07:04:15 UTC`."""
    day, sep, rest = iso.partition("T")
    if not sep:
        return iso
    for utc in ("+00:00", "Z"):
        if rest.endswith(utc):
            return f"{day} {rest.removesuffix(utc)} UTC"
    return f"{day} {rest}"


def _fingerprint(sha256: str) -> str:
    """The colon-separated fingerprint in groups of four bytes, which wrap apart."""
    parts = sha256.split(":")
    return " ".join(":".join(parts[i : i + 4]) for i in range(0, len(parts), 4))


def _cert_rows(table: Table, cert: CertSummary, lang: str) -> None:
    table.add_row(tr(lang, "conn.cert"), "")
    table.add_row(f"  {tr(lang, 'conn.subject')}", Text(_dn(cert.subject)))
    table.add_row(f"  {tr(lang, 'conn.issuer')}", Text(_dn(cert.issuer)))
    valid = f"{_when(cert.not_before)} → {_when(cert.not_after)}"
    table.add_row(f"  {tr(lang, 'conn.valid')}", Text(valid))
    table.add_row(f"  {tr(lang, 'conn.san')}", Text(", ".join(cert.san)))
    table.add_row(f"  {tr(lang, 'conn.fingerprint')}", Text(_fingerprint(cert.sha256), style="dim"))


def watched_at(state: ConnectionState, lang: str) -> str:
    """Where the eavesdropper sits (W9): under the sandbox server's own socket, or in the relay
    an attack lab (or a server the learner named) puts between client and server."""
    if state.via_tap:
        return tr(lang, "conn.watched_relay", relay=state.via_tap)
    return tr(lang, "conn.watched_socket")


def render_connection(state: ConnectionState, lang: str) -> RenderableType:
    """The Connection pane's content: plaintext or TLS, and what TLS proved.

    What the session came to (delivered? verified?) comes first and the certificate's details
    after, so a short pane shows the outcome without scrolling; values wrap at their spaces, so
    a name, an address or a date is never cut in two (issue 10, item 14)."""
    if not state.started:
        return Text(tr(lang, "conn.none"), style="dim")
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    if state.encrypted:
        state_text = Text(tr(lang, "conn.tls"), style="bold #87d75f")
    else:
        state_text = Text(tr(lang, "conn.plaintext"), style="bold #ffaf00")
    if state.closed:
        state_text.append(f" ({tr(lang, 'conn.closed')})", style="dim")
    table.add_row(tr(lang, "conn.state"), state_text)
    table.add_row(tr(lang, "conn.server"), Text(state.server))
    table.add_row(tr(lang, "conn.watched"), Text(watched_at(state, lang)))
    if state.last_delivery is not None:
        how = tr(lang, "conn.over_tls" if state.last_delivery.tls else "conn.in_clear")
        msg = tr(lang, "conn.message", n=state.delivered, size=state.last_delivery.size, how=how)
        table.add_row(tr(lang, "conn.messages"), Text(msg))
    if state.tls is not None:
        tls = state.tls
        verified = tr(lang, "conn.verified_yes" if tls.verified else "conn.verified_no")
        style = "bold #87d75f" if tls.verified else "bold reverse #ff5f5f"
        table.add_row(tr(lang, "conn.verified"), Text(verified, style=style))
        table.add_row(tr(lang, "conn.version"), Text(tls.version))
        table.add_row(tr(lang, "conn.cipher"), Text(tls.cipher))
        if tls.peer_cert is not None:
            _cert_rows(table, tls.peer_cert, lang)
    elif state.encrypted:  # seen on the wire only: whether the client checked is its own secret
        table.add_row(tr(lang, "conn.verified"), Text(tr(lang, "conn.verified_unknown")))
        table.add_row(tr(lang, "conn.version"), Text(state.tls_on_wire))
    parts: list[RenderableType] = [table]
    if state.failed:
        parts.append(Text(tr(lang, "conn.failed", reason=state.failed), style="bold #ff5f5f"))
    return Group(*parts)


class ConnectionPane(VerticalScroll):
    """Plaintext or TLS, version, cipher, the server certificate, and whether it was verified;
    `c` inspects the certificate chain field by field and says why it was trusted or not."""

    BINDINGS = [*PANE_KEYS, Binding("c", "inspect", "key.inspect")]  # noqa: RUF012

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.state = ConnectionState()
        self._body = Static(classes="connection-body")
        self.inspecting = False
        # the CA the lab's client trusts: the lab session's server's (unless set, as tests do)
        self.ca_file: Path | None = None
        self.report: CertReport | None = None
        self.none_key = "ci.none"  # the words for no certificate yet (the watch screen has its own)
        self._report_for: object = None  # the handshake the report was made from

    def compose(self) -> ComposeResult:
        self._body.update(render_connection(self.state, ui_lang(self)))
        yield self._body

    def on_mount(self) -> None:
        localize_bindings(self)
        on_lang_change(self, self._lang_changed)

    def _lang_changed(self) -> None:
        localize_bindings(self)
        self._render_state()

    def action_inspect(self) -> None:
        self.inspecting = not self.inspecting
        self._render_state()
        self.scroll_home(animate=False)

    def _render_state(self) -> None:
        lang = ui_lang(self)
        if not self.inspecting:
            self._body.update(render_connection(self.state, lang))
            return
        self._update_report()
        verified = self.state.tls.verified if self.state.tls is not None else None
        self._body.update(render_report(self.report, verified, lang, self.none_key))

    def _update_report(self) -> None:
        panes = self.screen.query(EavesdropperPane)
        shown = panes.first().tls.handshake() if panes else None
        if shown is self._report_for and self.report is not None:
            return
        tls = self.state.tls
        name = (tls.server_hostname if tls is not None else None) or "sandbox.test"
        self.report = chain_report(shown, self.ca_file or self._session_ca(), name)
        self._report_for = shown

    def _session_ca(self) -> Path | None:
        session = getattr(self.screen, "session", None)
        # the CA the lab's client trusts: with a configuration's own chain (postfix-leaf-only)
        # the server has no sandbox certs, and the client still trusts a CA
        ca = getattr(session, "client_ca", None)
        if not isinstance(ca, Path):
            server = getattr(session, "server", None)
            ca = getattr(getattr(server, "certs", None), "ca_cert", None)
        return ca if isinstance(ca, Path) else None

    def add_events(self, batch: Sequence[SandboxEvent]) -> None:
        state = self.state
        for event in batch:
            state = state.apply(event)
        if state != self.state or self.inspecting:
            self.state = state
            self._render_state()

    def reset(self) -> None:
        self.state = ConnectionState()
        self.report, self._report_for = None, None
        self._render_state()

    def tab_note(self) -> str:
        """On a narrow terminal only one pane shows: its tab still says plaintext or TLS."""
        return short_state(self.state, ui_lang(self))

    def titled(self, title: str) -> None:
        self.border_title = title

    @property
    def text(self) -> str:
        """The pane as plain text (what a screen reader or a test would read)."""
        out = io.StringIO()
        lang = ui_lang(self)
        rendered = render_connection(self.state, lang)
        if self.inspecting:
            verified = self.state.tls.verified if self.state.tls is not None else None
            rendered = render_report(self.report, verified, lang, self.none_key)
        Console(file=out, width=100, no_color=True).print(rendered)
        return out.getvalue()


@runtime_checkable
class LabPane(Protocol):
    """What the lab screen asks of a pane widget."""

    def add_events(self, batch: Sequence[SandboxEvent]) -> None: ...

    def reset(self) -> None: ...

    def titled(self, title: str) -> None:
        """Take the screen's name for the pane (again after a language switch)."""
        ...

    def tab_note(self) -> str:
        """A word or two after the pane's tab label ("" for none)."""
        ...


@dataclass(frozen=True, slots=True)
class PaneKind:
    name: str  # the widget's id, its tab's `tab-<name>`, its title's `lab.<name>` words
    make: Callable[[str, str], Widget]  # (id, classes) -> a widget that is a LabPane


LAB_PANES: tuple[PaneKind, ...] = (
    PaneKind("conversation", lambda id, classes: ConversationPane(id=id, classes=classes)),
    PaneKind("eavesdropper", lambda id, classes: EavesdropperPane(id=id, classes=classes)),
    PaneKind("connection", lambda id, classes: ConnectionPane(id=id, classes=classes)),
)
"""The lab's panes, in tab (and number key) order: one entry per pane."""
