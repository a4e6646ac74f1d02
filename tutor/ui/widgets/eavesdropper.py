"""The Eavesdropper pane: the bytes on the wire as a third party sees them, and, with the lab's
own TLS secrets, what the endpoints see in each record (`v`) and the handshake field by field
(`h`) (issue 12). One of the lab's panes (`tutor.ui.widgets.lab_panes.LAB_PANES`)."""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding

from sandbox.events import (
    SandboxEvent,
    Side,
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
from tutor.ui.widgets.log_pane import PANE_KEYS, LogPane


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
        *PANE_KEYS,
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
        # LogPane's own on_mount runs too (Textual calls each class's handler): it localizes
        # the keys and follows the language
        on_lang_change(self, self._update_title)

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
