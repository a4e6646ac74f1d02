"""The Lab: one live sandbox session seen through its panes (`LAB_PANES`), with step / play /
restart and a command line where the learner types SMTP commands.

Events from the session are buffered and handed to the panes on a short timer, so a 1 MiB message
(thousands of events) costs a few bounded batches, not one repaint per line.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Static, Tab, Tabs

from sandbox.client.policy import as_policy
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
)
from sandbox.facts import FactsFolder, SessionFacts
from sandbox.lab.catalog import SCENARIOS
from sandbox.threats.outcome import Outcome, outcome_of
from tutor.ui.lab_capture import CaptureRecorder, export_capture, keylog_bytes
from tutor.ui.lab_link import LabSessionLike, SessionFactory, is_start_error, real_session
from tutor.ui.lab_words import outcome_text, policies_text
from tutor.ui.lang import on_lang_change, ui_lang, words
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.widgets.lab_panes import LAB_PANES, LabPane
from tutor.ui.words import scenario_summary

FLUSH_INTERVAL = 0.05  # seconds: 20 batches a second is smooth and cheap

GoalCheck = Callable[[SessionFacts], bool]


@dataclass(frozen=True)
class LabTask:
    """What a lesson asks of this lab: the text, and how to know it is done."""

    do: str
    goal_label: str
    check: GoalCheck
    hint: str = ""
    mode: str = "step"
    lesson_id: str = ""
    step: int = 0
    block: int = 0  # index of the lab block in its step


class LabScreen(Screen[bool]):
    """Returns True when dismissed after the task's goal was met."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (Textual API)
    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("s", "step", "key.step"),
        Binding("p", "play", "key.play"),
        Binding("r", "restart", "key.restart"),
        Binding("i", "focus_input", "key.type"),
        # w: off the footer (the lesson step that uses it names the key; the README lists it)
        Binding("w", "export_capture", "key.capture", show=False),
        # 1, 2, 3...: one number key per pane of LAB_PANES (see _localize)
        Binding("escape", "back", "key.back"),
        Binding("f1", "app.help", "key.help"),
    ]

    class GoalMet(Message):
        """The lab task's goal was met by live events (the step it belongs to is done)."""

        def __init__(self, task: LabTask) -> None:
            super().__init__()
            self.lab_task = task

    def __init__(
        self,
        scenario: str,
        *,
        task: LabTask | None = None,
        client_policy: str | None = None,
        session_factory: SessionFactory | None = None,
        play_delay: float = 0.4,
        freeze_gc: bool = False,
    ) -> None:
        super().__init__()
        self._localize()
        self.scenario = scenario
        self.freeze_gc = freeze_gc  # the real app only: see _do_start
        self.lab_task = task
        self.client_policy = client_policy
        self.session_factory = session_factory or real_session
        self.play_delay = play_delay
        self.session: LabSessionLike | None = None
        self.start_error: str | None = None
        self.goal_met = False
        self._pending: list[SandboxEvent] = []
        self._capture = CaptureRecorder()  # what the w key writes for Wireshark
        self._facts = FactsFolder()  # the session's facts so far, folded once per event
        self.events_seen = 0
        self._busy = False
        self.current_pane = LAB_PANES[0].name
        self._status = ""
        self._outcome: Outcome | None = None  # an attack lab's, once its session ended
        self._last_typed = ""  # the learner's last command, for what the server would answer
        self._froze = False
        self._pane_widgets: list[LabPane] = []
        self._in_data = False  # the server said 354: typed lines are the message's, "" included

    @property
    def help_topic(self) -> str:
        """F1 on the lab's own controls explains the lab; on the tabs, the pane they show
        (a focused pane or the command line names its own topic: dialogs.help_topic)."""
        focused = self.focused
        if focused is not None and focused.id == "pane-tabs":
            return self.current_pane
        return "lab"

    def _localize(self) -> None:
        localize_bindings(self)
        for number, pane in enumerate(LAB_PANES, start=1):
            self._bindings.bind(
                str(number), f"pane('{pane.name}')", words(self, "key.pane"), show=False
            )

    # --- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        info = SCENARIOS.get(self.scenario)
        yield Static(self._title_text(), id="lab-title", markup=False)
        attack = Static(self._attack_text(), id="attack", markup=False)
        attack.display = bool(info and info.attack)
        yield attack
        yield Static(self._policies_text(), id="policies", markup=False)
        outcome = Static("", id="outcome", markup=False)
        outcome.display = False
        yield outcome
        task = Static(self._task_text(), id="task", markup=False)
        task.display = self.lab_task is not None
        yield task
        yield Tabs(
            *(Tab(words(self, f"lab.{p.name}"), id=f"tab-{p.name}") for p in LAB_PANES),
            id="pane-tabs",
        )
        with Horizontal(id="panes"):
            for n, pane in enumerate(LAB_PANES):
                yield pane.make(pane.name, "pane -current" if n == 0 else "pane")
        with Horizontal(id="controls"):
            yield Button(words(self, "lab.step"), id="btn-step", compact=True)
            yield Button(words(self, "lab.play"), id="btn-play", compact=True)
            yield Button(words(self, "lab.restart"), id="btn-restart", compact=True)
            yield Static(words(self, "lab.starting"), id="status", markup=False)
        yield Input(placeholder=words(self, "lab.input_placeholder"), id="command", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        for pane in LAB_PANES:
            widget = self.query_one(f"#{pane.name}")
            if not isinstance(widget, LabPane):
                raise TypeError(f"lab pane {pane.name!r} is a {type(widget).__name__}")
            self._pane_widgets.append(widget)
            widget.titled(words(self, f"lab.{pane.name}"))
        self.set_interval(FLUSH_INTERVAL, self.flush)
        self._first_focus()
        on_lang_change(self, self._lang_changed)
        self._start_session()

    def _first_focus(self) -> None:
        """Nothing plays by itself: the learner starts it (issue 10, item 12); the lesson's mode
        only says which control is ready under their fingers."""
        mode = self.lab_task.mode if self.lab_task is not None else ""
        if mode == "type":
            self.query_one("#command", Input).focus()
        elif mode in ("play", "step"):
            self.query_one(f"#btn-{mode}", Button).focus()
        else:
            self.query_one(f"#{LAB_PANES[0].name}").focus()

    def _panes(self) -> list[LabPane]:
        return self._pane_widgets

    def _lang_changed(self) -> None:
        """Say everything around the panes again in the new language (the panes follow on
        their own; what the lesson wrote for the task stays as written)."""
        self._localize()
        self.query_one("#lab-title", Static).update(self._title_text())
        self.query_one("#attack", Static).update(self._attack_text())
        self.query_one("#policies", Static).update(self._policies_text())
        self._show_outcome(self._outcome)
        self.query_one("#task", Static).update(self._task_text())
        for kind, pane in zip(LAB_PANES, self._panes(), strict=True):
            pane.titled(words(self, f"lab.{kind.name}"))
        self._update_tabs()
        for button, key in (("step", "lab.step"), ("play", "lab.play"), ("restart", "lab.restart")):
            self.query_one(f"#btn-{button}", Button).label = words(self, key)
        self.query_one("#command", Input).placeholder = words(self, "lab.input_placeholder")
        self._status = ""
        self._update_status()

    def _title_text(self) -> str:
        """The lab's name and what it shows; in an attack lab the banner says that, once."""
        summary = "" if self._is_attack else scenario_summary(ui_lang(self), self.scenario)
        return f"{words(self, 'lab.label')} · {self.scenario}" + (f": {summary}" if summary else "")

    def _attack_text(self) -> str:
        """Which attack is on, said once (the attacker's own notices are in the Conversation)."""
        info = SCENARIOS.get(self.scenario)
        if info is not None and info.attack:
            return words(self, "lab.attack", text=scenario_summary(ui_lang(self), self.scenario))
        return ""

    def _policies_text(self) -> str:
        info = SCENARIOS.get(self.scenario)
        if info is None:
            return ""
        client = as_policy(self.client_policy) if self.client_policy else info.client_policy
        return policies_text(ui_lang(self), client, info.server_policy)

    @property
    def _policy_name(self) -> str:
        info = SCENARIOS.get(self.scenario)
        if self.client_policy:
            return as_policy(self.client_policy).value
        return info.client_policy.value if info is not None else ""

    @property
    def _is_attack(self) -> bool:
        info = SCENARIOS.get(self.scenario)
        return bool(info and info.attack)

    def _show_outcome(self, result: Outcome | None) -> None:
        """An attack lab ends as the demo does: sent? encrypted? to whom? read? why?"""
        self._outcome = result
        box = self.query_one("#outcome", Static)
        box.display = result is not None
        if result is not None:
            box.update(outcome_text(result, ui_lang(self)))
            box.set_class(result.safe, "-safe")

    def _task_text(self) -> str:
        if self.lab_task is None:
            return ""
        goal = self.lab_task.goal_label
        status = words(self, "lab.goal_met" if self.goal_met else "lab.goal_open", goal=goal)
        return f"{words(self, 'lab.do', text=self.lab_task.do)}\n{status}"

    # --- events from the sandbox ----------------------------------------------------------------

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
        self._update_tabs()
        self._fold(batch)
        task = self.lab_task
        if task is not None and not self.goal_met and task.check(self._facts.facts):
            self.goal_met = True
            self.query_one("#task", Static).update(self._task_text())
            self.query_one("#task").add_class("-met")  # said there: a toast would cover a pane
            self.post_message(self.GoalMet(task))
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

    def _update_tabs(self) -> None:
        """Each tab: the pane's name, and what the pane adds to it (the Connection pane says
        plaintext or TLS, as only one pane shows on a narrow terminal)."""
        for kind, pane in zip(LAB_PANES, self._panes(), strict=True):
            note = pane.tab_note()
            label = words(self, f"lab.{kind.name}") + (f" · {note}" if note else "")
            tab = self.query_one(f"#tab-{kind.name}", Tab)
            if str(tab.label) != label:
                tab.label = label

    def _status_text(self) -> str | None:
        if self.start_error is not None:
            return words(self, "lab.start_failed", error=self.start_error)
        session = self.session
        if session is None:
            return None
        script = session.script
        if session.position < len(script) and not session.finished:
            label = script[session.position].label
            n, total = session.position + 1, len(script)
            return words(self, "lab.next_command", label=label, n=n, total=total)
        return words(self, "lab.script_done")

    def _update_status(self) -> None:
        text = self._status_text()
        if text is not None and text != self._status:  # an update costs a layout: only on change
            self._status = text
            self.query_one("#status", Static).update(text)

    # --- driving the session --------------------------------------------------------------------

    def _say(self, level: Level, text: str) -> None:
        self.emit(Notice(level=level, text=text))

    @work(group="lab", exclusive=True)
    async def _start_session(self) -> None:
        await self._do_start()

    async def _do_start(self) -> None:
        self.start_error = None
        try:
            session = self.session_factory(self.scenario, self.emit, self.client_policy)
            await session.start()
        except Exception as exc:  # whatever went wrong, the learner gets words, not a traceback
            self._start_failed(exc)
            return
        self.session = session
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
            self.session = None  # a later r starts from scratch
            self._start_failed(exc)
            return
        self.flush()

    @on(Input.Submitted, "#command")
    def _typed(self, event: Input.Submitted) -> None:
        event.input.clear()
        self._last_typed = "" if self._in_data else event.value.strip()
        if self._in_data:  # a message line as typed: "" is the header/body separator
            self.send_command(event.value)
            return
        line = event.value.strip()
        if line:
            self.send_command(line)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        actions = {"btn-step": self.action_step, "btn-play": self.action_play}
        if event.button.id == "btn-restart":
            self.action_restart()
        elif event.button.id in actions:
            actions[event.button.id]()

    async def action_export_capture(self) -> None:
        """Save the lab's sessions as a pcapng with their TLS secrets (issue 12, section 3)."""
        if not self._capture.has_traffic:
            self.notify(words(self, "lab.capture_empty"), markup=False)
            return
        events, keylog = self._capture.events, keylog_bytes(self.session)
        try:  # in a thread: the file is fsynced, the UI goes on meanwhile
            path = await asyncio.to_thread(export_capture, events, self.scenario, keylog)
        except OSError as exc:
            error = words(self, "lab.capture_failed", error=exc.strerror or str(exc))
            self.notify(error, severity="error", markup=False)
            return
        self.notify(words(self, "lab.capture_saved", path=str(path)), timeout=30, markup=False)

    def action_focus_input(self) -> None:
        self.query_one("#command", Input).focus()

    def action_pane(self, name: str) -> None:
        """A number key shows its pane and gives it the focus, from wherever the focus was (a
        lab opened on its Play button included), so Home, End and F1 act on that pane."""
        self.query_one("#pane-tabs", Tabs).active = f"tab-{name}"
        self.query_one(f"#{name}").focus()

    @on(Tabs.TabActivated, "#pane-tabs")
    def _tab(self, event: Tabs.TabActivated) -> None:
        name = (event.tab.id or f"tab-{LAB_PANES[0].name}").removeprefix("tab-")
        if name == self.current_pane:  # the first tab, active from the start: nothing moves
            return
        self.current_pane = name
        for pane in LAB_PANES:
            self.query_one(f"#{pane.name}").set_class(pane.name == name, "-current")
        focused = self.focused
        if focused is None or focused.has_class("pane") or focused.id == "pane-tabs":
            # the pane just chosen takes the focus from the one before: its border shows it,
            # F1 explains it (a button or the command line keeps the focus it has)
            self.query_one(f"#{name}").focus()

    async def action_back(self) -> None:
        command = self.query_one("#command", Input)
        if command.has_focus:  # Esc in the command line first leaves the command line
            self.query_one(f"#{self.current_pane}").focus()
            return
        await self.stop_session()
        self.dismiss(self.goal_met)

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
