"""The Lab's panes over one live session: Conversation, Eavesdropper, Connection.

Each pane takes batches of sandbox events (`add_events`) and picks what it shows; the lab screen
coalesces events and hands each pane one batch per tick. A pane is its widget plus one entry in
`LAB_PANES`: the lab screen builds the panes, their tabs, titles (`lab.<name>` words) and number
keys from that table.
"""

from __future__ import annotations

import enum
import io
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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
    Side,
    TlsEstablished,
    TlsFailed,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)
from sandbox.tlsview.keylog import KeyLog
from sandbox.tlsview.view import EndpointRecord
from tutor.ui.lang import on_lang_change, ui_lang, words
from tutor.ui.session_memory import remember
from tutor.ui.tls_live import KeySource, LiveTls, ShownHandshake
from tutor.ui.widgets import lab_lines, tls_lines
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.widgets.log_pane import SCROLL_KEYS, LogPane
from tutor.ui.words import tr


class ConversationPane(LogPane):
    """What client and server say, with swaks markers (->, <-, ~>, <~, ===, ***)."""

    def add_events(self, batch: Sequence[SandboxEvent]) -> None:
        said = [e for e in batch if isinstance(e, lab_lines.CONVERSATION_KINDS)]
        shown, skipped = self.newest(said)
        lang = ui_lang(self)
        lines = [line for e in shown if (line := lab_lines.conversation(e, lang)) is not None]
        self.add_lines(lines, skipped)


class TlsView(enum.StrEnum):
    """What the Eavesdropper pane shows of TLS: the listener's view never changes its claims;
    the endpoints' view adds, under each record, what is inside it (issue 12)."""

    LISTENER = "listener"
    ENDPOINTS = "endpoints"
    HANDSHAKE = "handshake"


Seen = WireLine | WireSwitch | WireRecord | EndpointRecord


class EavesdropperPane(LogPane):
    """The bytes on the wire as a third party sees them: lines, the switch, then TLS records;
    `v` adds what the endpoints see in each record (opened with the lab's own keys), `h` shows
    the handshake field by field."""

    BINDINGS = [  # noqa: RUF012 (Textual API)
        *SCROLL_KEYS,
        Binding("v", "toggle_view", "key.tls_view"),
        Binding("h", "handshake", "key.handshake"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.bytes_seen = {Side.CLIENT: 0, Side.SERVER: 0}
        self.view = TlsView.LISTENER
        self._back_to = TlsView.LISTENER  # where h returns
        # the key log the endpoints' view opens records with: the lab session's own (M2),
        # unless set (tests, a lab of another shape)
        self.keys: KeySource | None = None
        self.tls = LiveTls(self._keys)
        self._history: deque[Seen] = deque(maxlen=self.cap)  # what a switch of view re-renders
        self._shown_handshake: ShownHandshake | None = None

    def on_mount(self) -> None:
        super().on_mount()
        localize_bindings(self)
        on_lang_change(self, self._lang_changed)

    def _lang_changed(self) -> None:
        localize_bindings(self)
        self._update_title()

    def _keys(self) -> KeyLog:
        if self.keys is not None:
            return self.keys()
        try:
            session = getattr(self.screen, "session", None)
        except Exception:  # not on a screen (yet): no keys
            return KeyLog()
        keylog = getattr(session, "keylog", None)
        return keylog if isinstance(keylog, KeyLog) else KeyLog()

    def add_events(self, batch: Sequence[SandboxEvent]) -> None:
        seen: list[Seen] = []
        at: dict[tuple[Side, int], int] = {}  # a record's place in `seen`
        for event in batch:
            if isinstance(event, WireChunk):
                self.bytes_seen[event.sender] += len(event.data)
            elif isinstance(event, WireLine | WireSwitch | WireRecord):
                if isinstance(event, WireRecord):
                    at[event.sender, event.offset] = len(seen)
                seen.append(event)
        # the batch at once (cheaper than event by event); each record opened is shown after
        # the record the listener saw, or last when that record came in an earlier batch
        opened = [r for r in self.tls.feed(batch) if r.encrypted]
        if opened:
            after: dict[int, list[EndpointRecord]] = {}
            late: list[EndpointRecord] = []
            for r in opened:
                i = at.get((r.sender, r.offset))
                (late if i is None else after.setdefault(i, [])).append(r)
            merged: list[Seen] = []
            for i, item in enumerate(seen):
                merged.append(item)
                merged.extend(after.get(i, ()))
            seen = [*merged, *late]
        self._history.extend(seen)
        remember(self, batch)  # what a session-quiz asks about: the cipher, the SNI...
        if self.view is TlsView.HANDSHAKE:
            self._show_handshake()
        else:
            self._show(seen)
        self._update_title()

    def _show(self, seen: Sequence[Seen]) -> None:
        if self.view is TlsView.LISTENER:
            seen = [e for e in seen if not isinstance(e, EndpointRecord)]
        if not seen:
            return
        # Format from the newest back until a batch's worth of lines; a switch is never
        # elided (it is the point of the pane).
        newest: list[Text] = []
        i = len(seen)
        while i > 0 and len(newest) < self.per_batch:
            i -= 1
            newest.extend(reversed(self._format(seen[i])))
        switches = [e for e in seen[:i] if isinstance(e, WireSwitch)]
        lines = [line for e in switches for line in self._format(e)]
        lines.extend(reversed(newest))
        self.add_lines(lines, i - len(switches), trim=False)

    def titled(self, title: str) -> None:
        self.title = title
        self._update_title()

    def _format(self, event: Seen) -> list[Text]:
        lang = ui_lang(self)
        if isinstance(event, WireLine):
            return [lab_lines.wire_line(event, lang)]
        if isinstance(event, WireSwitch):
            return [lab_lines.wire_switch(event, lang)]
        if isinstance(event, EndpointRecord):
            return tls_lines.endpoint_record(event, lang)
        return lab_lines.wire_record(event, lang)

    # --- the views ------------------------------------------------------------------------

    def action_toggle_view(self) -> None:
        """`v`: what a listener sees / what the endpoints see (from the handshake: back)."""
        if self.view is TlsView.ENDPOINTS:
            self.set_view(TlsView.LISTENER)
        else:
            self.set_view(TlsView.ENDPOINTS)

    def action_handshake(self) -> None:
        """`h`: the handshake field by field, and back to the view before it."""
        if self.view is TlsView.HANDSHAKE:
            self.set_view(self._back_to)
        else:
            self._back_to = self.view
            self.set_view(TlsView.HANDSHAKE)

    def set_view(self, view: TlsView) -> None:
        """Show the pane's history again in `view` (the same records, the same claims)."""
        self.view = view
        LogPane.reset(self)
        if view is TlsView.HANDSHAKE:
            self._shown_handshake = None
            self._show_handshake()
        else:
            self._show_history()
        self._update_title()

    def _show_history(self) -> None:
        items = list(self._history)
        if self.view is TlsView.LISTENER:
            items = [e for e in items if not isinstance(e, EndpointRecord)]
        lines: list[Text] = []
        i = len(items)
        while i > 0 and len(lines) < self.cap:
            i -= 1
            lines.extend(reversed(self._format(items[i])))
        lines.reverse()
        self.add_lines(lines, trim=False)

    def _show_handshake(self) -> None:
        shown = self.tls.handshake()
        if shown is self._shown_handshake and self.kept:
            return
        self._shown_handshake = shown
        LogPane.reset(self)
        self.add_lines(tls_lines.handshake(shown, ui_lang(self)), trim=False)
        self.scroll_home(animate=False, immediate=False)

    def _update_title(self) -> None:
        """The byte counts go under the pane, so the title above stays whole in a narrow pane;
        the title names the view when it is not the listener's."""
        title = self.title
        if self.view is not TlsView.LISTENER and title:
            title = f"{title} · {words(self, f'tls.view.{self.view.value}')}"
        if title != self.border_title:
            self.border_title = title
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        counts = words(
            self,
            "wire.bytes",
            c=f"{self.bytes_seen[Side.CLIENT]:,}",
            s=f"{self.bytes_seen[Side.SERVER]:,}",
        )
        dropped = self.total_lines - len(self.kept)
        kept = words(self, "lab.kept", n=f"{self.cap:,}") if dropped > 0 else ""
        subtitle = f"{counts} · {kept}" if kept else counts
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle

    def reset(self) -> None:
        super().reset()
        self.bytes_seen = {Side.CLIENT: 0, Side.SERVER: 0}
        self._history.clear()
        self.tls.reset()
        self._shown_handshake = None
        if self.view is TlsView.HANDSHAKE:
            self._show_handshake()
        self._update_title()


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

    def apply(self, event: SandboxEvent) -> ConnectionState:
        if isinstance(event, SessionStarted):
            return ConnectionState(started=True, server=event.server, via_tap=event.via_tap)
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
        return tr(lang, "conn.short_plain")
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
    if state.tls is not None:
        state_text = Text(tr(lang, "conn.tls"), style="bold #87d75f")
    else:
        state_text = Text(tr(lang, "conn.plaintext"), style="bold #ffaf00")
    if state.closed:
        state_text.append(f" ({tr(lang, 'conn.closed')})", style="dim")
    table.add_row(tr(lang, "conn.state"), state_text)
    server = state.server
    if state.via_tap:
        server += f" ({tr(lang, 'conn.via_tap')} {state.via_tap})"
    table.add_row(tr(lang, "conn.server"), Text(server))
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
    parts: list[RenderableType] = [table]
    if state.failed:
        parts.append(Text(tr(lang, "conn.failed", reason=state.failed), style="bold #ff5f5f"))
    return Group(*parts)


class ConnectionPane(VerticalScroll):
    """Plaintext or TLS, version, cipher, the server certificate, and whether it was verified."""

    BINDINGS = SCROLL_KEYS

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.state = ConnectionState()
        self._body = Static(classes="connection-body")

    def compose(self) -> ComposeResult:
        self._body.update(render_connection(self.state, ui_lang(self)))
        yield self._body

    def on_mount(self) -> None:
        on_lang_change(self, self._render_state)

    def _render_state(self) -> None:
        self._body.update(render_connection(self.state, ui_lang(self)))

    def add_events(self, batch: Sequence[SandboxEvent]) -> None:
        state = self.state
        for event in batch:
            state = state.apply(event)
        if state != self.state:
            self.state = state
            self._render_state()

    def reset(self) -> None:
        self.state = ConnectionState()
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
        rendered = render_connection(self.state, ui_lang(self))
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
