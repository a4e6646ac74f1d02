"""The Lab: one live sandbox session seen through its panes (`LAB_PANES`), with step / play /
restart and a command line where the learner types SMTP commands.

The screen is built in layers, each in its own module: `lab_chrome` (state and the words around
the panes), `lab_events` (the session's events in batches, the goal), `lab_driver` (the
session's commands); this module lays the screen out and binds its keys, buttons and tabs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Footer, Input, Static, Tab, Tabs

from sandbox.lab.catalog import SCENARIOS
from tutor.ui.lab_capture import export_capture, keylog_bytes
from tutor.ui.lab_link import LabSessionLike, SessionFactory
from tutor.ui.lang import on_lang_change, words
from tutor.ui.screens.lab_driver import LabDriver, refreeze_gc
from tutor.ui.screens.lab_events import FLUSH_INTERVAL
from tutor.ui.screens.lab_policy import PolicyEditorScreen
from tutor.ui.screens.lab_report import TlsReportScreen
from tutor.ui.screens.lab_task import GoalCheck, LabTask
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.widgets.lab_panes import LabPane

__all__ = ["FLUSH_INTERVAL", "GoalCheck", "LabScreen", "LabTask", "refreeze_gc"]


class LabScreen(LabDriver):
    """Returns True when dismissed after the task's goal was met."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (Textual API)
    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("s", "step", "key.step"),
        Binding("p", "play", "key.play"),
        Binding("r", "restart", "key.restart"),
        Binding("i", "focus_input", "key.type"),
        # w: off the footer (the lesson step that uses it names the key; the README lists it)
        Binding("w", "export_capture", "key.capture", show=False),
        # t: a lab world's TLS-RPT report, in the footer only once there is one (check_action)
        Binding("t", "tls_report", "key.tls_report"),
        # e: a world lab whose policy or TLSA records the learner writes (edit: ...); off the
        # footer, which has no room for it at 80 columns beside t: the lab's task, F1 and a
        # start error on what was written name it
        Binding("e", "edit_policy", "key.edit_policy", show=False),
        # 1, 2, 3...: one number key per pane of PANES (see _localize)
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
        super().__init__(
            scenario,
            task=task,
            client_policy=client_policy,
            session_factory=session_factory,
            play_delay=play_delay,
            freeze_gc=freeze_gc,
        )
        self._localize()

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
        for number, pane in enumerate(self.PANES, start=1):
            self._bindings.bind(
                str(number), f"pane('{pane.name}')", words(self, "key.pane"), show=False
            )

    def _goal_reached(self, task: LabTask) -> None:
        self.post_message(self.GoalMet(task))

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
            *(Tab(words(self, f"lab.{p.name}"), id=f"tab-{p.name}") for p in self.PANES),
            id="pane-tabs",
        )
        with Horizontal(id="panes"):
            for n, pane in enumerate(self.PANES):
                yield pane.make(pane.name, "pane -current" if n == 0 else "pane")
        with Horizontal(id="controls"):
            yield Button(words(self, "lab.step"), id="btn-step", compact=True)
            yield Button(words(self, "lab.play"), id="btn-play", compact=True)
            yield Button(words(self, "lab.restart"), id="btn-restart", compact=True)
            yield Static(words(self, "lab.starting"), id="status", markup=False)
        yield Input(placeholder=words(self, "lab.input_placeholder"), id="command", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        for pane in self.PANES:
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
            self.query_one(f"#{self.PANES[0].name}").focus()

    def _lang_changed(self) -> None:
        """Say everything around the panes again in the new language (the panes follow on
        their own; what the lesson wrote for the task stays as written)."""
        self._localize()
        self.query_one("#lab-title", Static).update(self._title_text())
        self.query_one("#attack", Static).update(self._attack_text())
        self.query_one("#policies", Static).update(self._policies_text())
        self._show_outcome(self._outcome)
        self.query_one("#task", Static).update(self._task_text())
        for kind, pane in zip(self.PANES, self._panes(), strict=True):
            pane.titled(words(self, f"lab.{kind.name}"))
        self._update_tabs()
        for button, key in (("step", "lab.step"), ("play", "lab.play"), ("restart", "lab.restart")):
            self.query_one(f"#btn-{button}", Button).label = words(self, key)
        self.query_one("#command", Input).placeholder = words(self, "lab.input_placeholder")
        self._status = ""
        self._update_status()

    # --- the learner's keys, buttons and tabs ---------------------------------------------------

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

    @property
    def tls_report(self) -> tuple[Mapping[str, Any], str] | None:
        """The TLS-RPT report a lab world's session wrote, and where it saved it; None in
        other labs, and until the session is over with something to report."""
        report = getattr(self.session, "report", None)
        if not isinstance(report, Mapping):
            return None
        return report, str(getattr(self.session, "report_path", None) or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tls_report":  # hidden from the footer while there is no report
            return self.tls_report is not None
        if action == "edit_policy":  # only in a lab whose policy the learner writes
            return self._editable() is not None
        return True

    def _editable(self) -> LabSessionLike | None:
        """The session whose world the learner writes for: the running one, or the one whose
        start failed (perhaps on what they wrote)."""
        for session in (self.session, self.unstarted):
            if session is not None and getattr(session, "policy_editable", False):
                return session
        return None

    def action_tls_report(self) -> None:
        found = self.tls_report
        if found is None:
            self.app.bell()
            return
        self.app.push_screen(TlsReportScreen(*found))

    def action_edit_policy(self) -> None:
        session = self._editable()
        if session is None:
            self.app.bell()
            return
        kind = getattr(session, "policy_kind", "mta-sts")
        editor = PolicyEditorScreen(session.policy_text(), kind)  # type: ignore[attr-defined]
        self.app.push_screen(editor, self._publish)

    def _publish(self, text: str | None) -> None:
        """The learner's policy, saved (0600, atomically); the lab starts again serving it."""
        session = self._editable()
        if text is None or session is None:
            return
        try:
            path = session.save_policy(text)  # type: ignore[attr-defined]
        except OSError as exc:
            error = words(self, "lab.policy_save_failed", error=exc.strerror or str(exc))
            self.notify(error, severity="error", markup=False)
            return
        self.notify(words(self, "lab.policy_published", path=str(path)), markup=False)
        self.action_restart()

    def action_focus_input(self) -> None:
        self.query_one("#command", Input).focus()

    def action_pane(self, name: str) -> None:
        """A number key shows its pane and gives it the focus, from wherever the focus was (a
        lab opened on its Play button included), so Home, End and F1 act on that pane."""
        self.query_one("#pane-tabs", Tabs).active = f"tab-{name}"
        self.query_one(f"#{name}").focus()

    @on(Tabs.TabActivated, "#pane-tabs")
    def _tab(self, event: Tabs.TabActivated) -> None:
        name = (event.tab.id or f"tab-{self.PANES[0].name}").removeprefix("tab-")
        if name == self.current_pane:  # the first tab, active from the start: nothing moves
            return
        self.current_pane = name
        for pane in self.PANES:
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
