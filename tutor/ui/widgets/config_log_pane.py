"""The Log pane: the lab session as the configured server would have logged it.

Made from the session's events by the config lab's `make_lines` (`tutor.ui.config_systems`):
Postfix's `/var/log/mail.log` lines (`sandbox.config.postfix.log`, as `demo --postfix` prints
them), so the learner reads `NOQUEUE: reject: ... 530 5.7.0` or `warning: cannot get RSA private
key` where a real admin would, or Exchange's SMTP Receive protocol log
(`sandbox.config.exchange.protolog`, as `demo --exchange` prints it). Each new session starts the
log again; the lines are protocol text, the same in every language.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence

from rich.text import Text

from sandbox.events import SandboxEvent, SessionStarted
from tutor.ui.config_link import log_lines
from tutor.ui.widgets.log_pane import LogPane

Render = Callable[[Sequence[SandboxEvent], dt.datetime], list[str]]
"""A session's events and the wall-clock time of the first -> its log lines."""
MAX_EVENTS = 20_000  # a 1 MiB message is a few events (its body is folded); a cap all the same


class ConfigLogPane(LogPane):
    """Keeps the current session's events and shows the log lines they make, new ones added."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.make_lines: Render = log_lines  # the config lab's, set for each session
        self._events: list[SandboxEvent] = []
        self._started = dt.datetime.now()
        self._shown: list[str] = []

    def add_events(self, batch: Sequence[SandboxEvent]) -> None:
        for event in batch:
            if isinstance(event, SessionStarted):
                self._new_session(event)
            if len(self._events) < MAX_EVENTS:
                self._events.append(event)
        self.show_log()

    def show_log(self) -> None:
        """Show the log lines the session's events make now (again when the context changed)."""
        lines = self.make_lines(self._events, self._started)
        if lines[: len(self._shown)] != self._shown:  # the log said an earlier line otherwise
            super().reset()
            self._shown = []
        new = lines[len(self._shown) :]
        if new:
            self._shown.extend(new)
            self.add_lines([Text(line) for line in new])

    def _new_session(self, event: SessionStarted) -> None:
        self._events = []
        self._shown = []
        # the wall-clock time of the session's first event (events carry monotonic times)
        ago = time.monotonic() - event.ts
        self._started = (dt.datetime.now() - dt.timedelta(seconds=ago)).replace(microsecond=0)
        if self.total_lines:
            self.add_lines([Text("")])  # a blank line between sessions, as tail -f shows them

    def reset(self) -> None:
        super().reset()
        self._events = []
        self._shown = []

    @property
    def log_text(self) -> list[str]:
        """The log lines of the current session (for tests and the plain view)."""
        return list(self._shown)
