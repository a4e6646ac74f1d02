"""The lab screen's state and the words around its panes: title, attack banner, policies,
an attack's outcome, the task box, the tabs' notes and the status line."""

from __future__ import annotations

from typing import ClassVar

from textual.screen import Screen
from textual.widgets import Static, Tab

from sandbox.client.policy import as_policy
from sandbox.events import SandboxEvent
from sandbox.facts import FactsFolder
from sandbox.lab.catalog import SCENARIOS
from sandbox.smtpd.policy import ServerPolicy
from sandbox.threats.outcome import Outcome
from tutor.ui.lab_capture import CaptureRecorder
from tutor.ui.lab_link import LabSessionLike, SessionFactory, real_session
from tutor.ui.lab_words import outcome_text, policies_text
from tutor.ui.lang import ui_lang, words
from tutor.ui.screens.lab_task import LabTask
from tutor.ui.widgets.lab_panes import LAB_PANES, LabPane, PaneKind
from tutor.ui.words import scenario_summary


class LabChrome(Screen[bool]):
    """Holds the lab's state; says what the lab is, what it asks and where it stands."""

    PANES: ClassVar[tuple[PaneKind, ...]] = LAB_PANES  # a lab with more panes says so (config)

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
        self.scenario = scenario
        self.freeze_gc = freeze_gc  # the real app only: see LabDriver._do_start
        self.lab_task = task
        self.client_policy = client_policy
        self.session_factory = session_factory or real_session
        if task is not None and task.session is not None and self.session_factory is real_session:
            self.session_factory = task.session  # the lab block's own server
        self.play_delay = play_delay
        self.session: LabSessionLike | None = None
        self.start_error: str | None = None
        self.goal_met = False
        self._pending: list[SandboxEvent] = []
        self._capture = CaptureRecorder()  # what the w key writes for Wireshark
        self._facts = FactsFolder()  # the session's facts so far, folded once per event
        self.events_seen = 0
        self._busy = False
        self.current_pane = self.PANES[0].name
        self._status = ""
        self._outcome: Outcome | None = None  # an attack lab's, once its session ended
        self._last_typed = ""  # the learner's last command, for what the server would answer
        self._froze = False
        self._pane_widgets: list[LabPane] = []
        self._in_data = False  # the server said 354: typed lines are the message's, "" included

    def _panes(self) -> list[LabPane]:
        return self._pane_widgets

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
        # a lab block's own server (server-policy, config) is the running session's, not the
        # scenario's: say the one the learner is talking to
        running = getattr(getattr(self.session, "scenario", None), "server_policy", None)
        server = running if isinstance(running, ServerPolicy) else info.server_policy
        return policies_text(ui_lang(self), client, server)

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

    def _update_tabs(self) -> None:
        """Each tab: the pane's name, and what the pane adds to it (the Connection pane says
        plaintext or TLS, as only one pane shows on a narrow terminal)."""
        for kind, pane in zip(self.PANES, self._panes(), strict=True):
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
