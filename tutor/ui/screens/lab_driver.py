"""Driving the lab's session: start, step, play, a typed command, restart and stop; a failure
becomes words in the Conversation, never a traceback."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable

from textual import work
from textual.widgets import Static

from sandbox.events import Level
from sandbox.facts import FactsFolder
from tutor.ui.lab_link import LabSessionLike, is_start_error
from tutor.ui.lang import words
from tutor.ui.screens.lab_events import LabEvents


class LabDriver(LabEvents):
    """The session's commands, each run one at a time."""

    # a session whose start failed, kept so what the learner wrote for a lab world can still
    # be edited (the start error may be in it: a TLSA line that is no record)
    unstarted: LabSessionLike | None = None

    @work(group="lab", exclusive=True)
    async def _start_session(self) -> None:
        await self._do_start()

    async def _do_start(self) -> None:
        self.start_error = None
        made: LabSessionLike | None = None
        try:
            made = self.session_factory(self.scenario, self.emit, self.client_policy)
            await made.start()
        except Exception as exc:  # whatever went wrong, the learner gets words, not a traceback
            self.unstarted = made
            self._start_failed(exc)
            self.refresh_bindings()
            return
        self.unstarted = None
        session = made
        self.session = session
        for line in self.query("#policies").results(Static):
            line.update(self._policies_text())  # the block's own server, now it is known
        self.flush()
        if self.freeze_gc and not self._froze:
            # the lab's widgets and the sandbox live until Esc: out of the collector's sight,
            # full collections during a long session stay short (the app undoes it on leaving)
            gc.freeze()
            self._froze = True

    def _start_failed(self, exc: Exception) -> None:
        message = str(exc) or type(exc).__name__
        if is_start_error(exc):  # already a full sentence with what to do
            self.start_error = message
            self._say(Level.ERROR, message)
        else:
            self.start_error = f"{type(exc).__name__}: {message}"
            self._say(Level.ERROR, words(self, "lab.start_failed", error=self.start_error))
            self._say(Level.INFO, words(self, "lab.start_failed_todo"))
        self.flush()

    async def _run(self, job: Callable[[LabSessionLike], Awaitable[object]]) -> None:
        """Run one session command; a failure becomes a `***` line, never a traceback."""
        session = self.session
        if session is None or self._busy:
            self.app.bell()
            return
        self._busy = True
        try:
            await job(session)
        except Exception as exc:  # the learner sees the error; the app goes on
            self._say(Level.ERROR, f"{type(exc).__name__}: {exc}")
        finally:
            self._busy = False
            self.flush()

    @work(group="cmd")
    async def action_step(self) -> None:
        await self._run(lambda s: s.step())

    @work(group="cmd")
    async def action_play(self) -> None:
        await self._run(lambda s: s.play(delay=self.play_delay))

    @work(group="cmd")
    async def send_command(self, line: str) -> None:
        await self._run(lambda s: s.send(line))

    @work(group="lab", exclusive=True)
    async def action_restart(self) -> None:
        self.workers.cancel_group(self, "cmd")
        self._busy = False
        self._pending.clear()
        self._in_data = False
        self._facts = FactsFolder()
        for pane in self._panes():
            pane.reset()
        if self.session is None:
            await self._do_start()
            return
        try:
            await self.session.restart()
        except Exception as exc:
            self.unstarted, self.session = self.session, None  # a later r starts from scratch
            self._start_failed(exc)
            self.refresh_bindings()
            return
        self.flush()

    async def stop_session(self) -> None:
        self.workers.cancel_group(self, "cmd")
        session, self.session = self.session, None
        if session is not None:
            try:
                await session.stop()
            except Exception as exc:  # closing must never crash the app
                self.log.warning(f"lab stop failed: {exc!r}")

    async def on_unmount(self) -> None:
        await self.stop_session()
        if self._froze:  # let the collector see (and free) this screen once it is gone
            self.app.call_after_refresh(refreeze_gc)


def refreeze_gc() -> None:
    gc.unfreeze()
    gc.collect()
    gc.freeze()
