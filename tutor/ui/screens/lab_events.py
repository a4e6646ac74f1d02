"""Events from the lab's session: buffered, handed to the panes in batches, folded into the
session's facts (the goal, an attack's outcome) and followed for what the learner types next.

Events are buffered and handed to the panes on a short timer, so a 1 MiB message (thousands of
events) costs a few bounded batches, not one repaint per line.
"""

from __future__ import annotations

from textual import work
from textual.widgets import Static

from sandbox.events import (
    ConversationLine,
    Level,
    Notice,
    NoTls,
    SandboxEvent,
    SessionClosed,
    SessionStarted,
    Side,
    TlsMissing,
    TlsReported,
)
from sandbox.facts import FactsFolder
from sandbox.threats.outcome import outcome_of
from tutor.ui.lang import words
from tutor.ui.screens.lab_chrome import LabChrome
from tutor.ui.screens.lab_task import LabTask

FLUSH_INTERVAL = 0.05  # seconds: 20 batches a second is smooth and cheap


class LabEvents(LabChrome):
    """Queues the session's events and hands them on, one batch per flush."""

    def _goal_reached(self, task: LabTask) -> None:
        """The task's goal was just met (LabScreen posts its GoalMet message)."""

    def emit(self, event: SandboxEvent) -> None:
        """The session's callback: queue the event for the next flush (same thread as the UI)."""
        self._pending.append(event)
        self._capture.add(event)

    def flush(self) -> None:
        """Hand the queued events to the panes as one batch, and check the goal."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self.events_seen += len(batch)
        for pane in self._panes():
            pane.add_events(batch)
        self._follow_data(batch)
        if any(isinstance(e, TlsReported | SessionStarted) for e in batch):
            self.refresh_bindings()  # a lab world's report came (t), or a new session began
        self._update_tabs()
        self._fold(batch)
        task = self.lab_task
        if task is not None and not self.goal_met and task.check(self._facts.facts):
            self.goal_met = True
            self.query_one("#task", Static).update(self._task_text())
            self.query_one("#task").add_class("-met")  # said there: a toast would cover a pane
            self._goal_reached(task)
        self._update_status()

    def _fold(self, batch: list[SandboxEvent]) -> None:
        """The session's facts (a new session, after a restart or a command typed after QUIT,
        starts its own), and what they end in: an attack lab's outcome, a refused command's
        answer from the server."""
        starts = [i for i, e in enumerate(batch) if isinstance(e, SessionStarted)]
        if starts:
            self._facts = FactsFolder()
            batch = batch[starts[-1] :]
            if self._outcome is not None:
                self._show_outcome(None)
        if self._is_attack or (self.lab_task is not None and not self.goal_met):
            self._facts.add_all(batch)  # only a goal or an outcome needs the facts
        for event in batch:
            if isinstance(event, TlsMissing) and event.why is NoTls.NOT_STARTED and event.refused:
                self._ask_server(event.verb)
            elif isinstance(event, SessionClosed) and self._is_attack:
                self._show_outcome(outcome_of(self._facts.facts, client_policy=self._policy_name))

    @work(group="probe")
    async def _ask_server(self, verb: str) -> None:
        """The client's policy held `verb` back: what would the server have answered?"""
        session = self.session
        typed = self._last_typed
        line = typed if typed.split()[:1] == [verb] or typed.upper().startswith(verb) else verb
        if session is None:
            return
        try:
            answer = await session.server_answer(line)
        except Exception as exc:  # a hint that cannot be had is no error of the learner's
            self.log.warning(f"server_answer failed: {exc!r}")
            return
        if answer:
            reply = " / ".join(answer.splitlines())
            said = words(self, "lab.would_answer", policy=self._policy_name, verb=verb, reply=reply)
            self._say(Level.INFO, said)
            self.flush()

    def _follow_data(self, batch: list[SandboxEvent]) -> None:
        """Whether the server is reading a message: from its 354 until the client's "." line
        or the end of the connection (typed facts: a reply's code, a line's sender)."""
        for event in batch:
            if isinstance(event, ConversationLine):
                if event.sender is Side.SERVER and event.final:
                    self._in_data = event.code == 354
                elif event.sender is Side.CLIENT and event.text == ".":
                    self._in_data = False
            elif isinstance(event, SessionClosed):
                self._in_data = False

    def _say(self, level: Level, text: str) -> None:
        self.emit(Notice(level=level, text=text))
