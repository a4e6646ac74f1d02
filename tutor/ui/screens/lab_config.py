"""The config lab: the learner's Postfix files or Exchange script in an editor beside a live lab
(issue 11, §4).

    Check (F4)  the linter (`postfix check`, `exchange check`), findings marked on their lines
    Run (F5)    the files saved, the lab session restarted with them (as `demo --postfix` or
                `demo --exchange`), then the block's probes on real loopback sessions; all
                pass: the goal is met
    Reset (F8)  the lesson's starting files again (the saved edit is forgotten)
    F2          editor or lab, on a terminal too narrow for both

The lab side is the Lab screen itself (`LabScreen`), with one more pane: the session's log in
the system's own format. What differs between the systems is in `tutor.ui.config_systems`; the
editor side is `ConfigFiles`. The goal is never read from the text: only the probes decide it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Footer, Static

from sandbox.config.findings import ConfigError
from sandbox.config.postfix.probes import ProbeResult
from tutor.model.config_edits import keys_dir, load_edit, reset_edits, save_edit
from tutor.model.config_lab import PROBES, ConfigLab
from tutor.ui.config_checked import Checked
from tutor.ui.config_systems import runner_for
from tutor.ui.lab_link import Emit, LabSessionLike
from tutor.ui.lang import ui_lang, words
from tutor.ui.notice_words import notice_text
from tutor.ui.screens.dialogs import ConfirmScreen
from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lab_task import LabTask
from tutor.ui.widgets.config_editor import ConfigEditor
from tutor.ui.widgets.config_files import ConfigFiles
from tutor.ui.widgets.config_log_pane import ConfigLogPane
from tutor.ui.widgets.lab_panes import LAB_PANES, PaneKind

SPLIT_WIDTH = 120  # columns from which the editor and the lab are side by side

CSS = """
ConfigLabScreen #config-lab { height: 1fr; }
ConfigLabScreen #config-side { width: 1fr; height: 1fr; }
ConfigLabScreen #lab-side { width: 1fr; height: 1fr; }
ConfigLabScreen.-split #config-side { width: 45%; }
ConfigLabScreen.-split #lab-side { width: 55%; }
ConfigLabScreen.-editor #lab-side { display: none; }
ConfigLabScreen.-lab #config-side { display: none; }
ConfigLabScreen #config-title {  /* the whole task (6 lines in Japanese at 80 columns): W4 */
    height: auto; max-height: 40%; padding: 0 1; background: $primary-background; color: $text;
}
ConfigLabScreen .config-editor { height: 1fr; min-height: 5; display: none; }
ConfigLabScreen .config-editor.-current { display: block; }
ConfigLabScreen #config-controls { height: 1; }
ConfigLabScreen #config-controls Button { margin-right: 1; }
ConfigLabScreen #config-report-box { height: auto; max-height: 8; }
ConfigLabScreen #config-report { height: auto; border-left: thick $warning; }
ConfigLabScreen #config-report.-clean { border-left: thick $success; }
ConfigLabScreen #config-files { height: 1; }
"""


def _log_pane(id: str, classes: str) -> Widget:
    return ConfigLogPane(id=id, classes=classes)


class ConfigLabScreen(LabScreen):
    """A `LabScreen` whose server is the learner's configuration; dismissed with goal_met."""

    DEFAULT_CSS = CSS
    PANES: ClassVar[tuple[PaneKind, ...]] = (*LAB_PANES, PaneKind("log", _log_pane))
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow")]  # noqa: RUF012 (Textual API): panes under tabs
    BINDINGS: ClassVar = [
        Binding("f5", "run_config", "key.run_config"),
        Binding("f4", "check_config", "key.check_config"),
        Binding("f2", "switch_side", "key.switch_side"),
        # W4: at 80 columns the footer keeps Esc, F1 and the keys of the files; these are in F1's
        # help (config_lab) and on the buttons
        Binding("f8", "reset_config", "key.reset_config", show=False),
        Binding("s", "step", "key.step", show=False),
        Binding("p", "play", "key.play", show=False),
        Binding("r", "restart", "key.restart", show=False),
        Binding("i", "focus_input", "key.type", show=False),
    ]

    def __init__(
        self,
        block: ConfigLab,
        *,
        task: LabTask | None = None,
        data: Path | None = None,
        play_delay: float = 0.4,
    ) -> None:
        self.block = block
        self.data = data  # the data folder (None: the learner's own, sandbox.safety.files)
        self.keys = keys_dir(data)
        self.runner = runner_for(block, self.keys)  # what is Postfix's or Exchange's
        self.files = self.runner.files
        self.checked: Checked | None = None
        self.probes: list[ProbeResult] = []
        self.probing = False
        self.run_seconds: float | None = None  # config -> new session ready, the last run
        self._side = "editor"
        self._prepare_error: ConfigError | None = None
        super().__init__(
            block.scenario,
            task=task,
            client_policy=block.client_policy,
            session_factory=self._make_session,
            play_delay=play_delay,
        )

    # --- the files ------------------------------------------------------------------------------

    def starting_text(self, file: str) -> str:
        return self.runner.starting_text(file)

    def text(self, file: str) -> str:
        """What the editor holds for `file` now."""
        return self.editor(file).text

    def editor(self, file: str) -> ConfigEditor:
        return self.query_one(ConfigFiles).editor(file)

    def _saved_or_starting(self, file: str) -> str:
        saved = load_edit(self.block.name, file, self.data)
        return saved if saved is not None else self.starting_text(file)

    # --- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="config-lab"):
            texts = {file: self._saved_or_starting(file) for file in self.files}
            yield ConfigFiles(texts, self._config_title(), id="config-side")
            with Vertical(id="lab-side"):
                yield from self._lab_parts(super().compose())
        yield Footer()

    def _lab_parts(self, parts: Iterable[Widget]) -> Iterable[Widget]:
        """The Lab screen's own widgets, its Footer left to this screen."""
        for widget in parts:
            if not isinstance(widget, Footer):
                yield widget

    def on_mount(self) -> None:
        # Textual calls LabScreen.on_mount too (each class's handler, base first): not again here
        self._layout(self.size.width)
        self.editor(self.files[0]).focus()

    def _lang_changed(self) -> None:
        """The lab's words again (LabScreen), and the editor side's."""
        super()._lang_changed()
        self.query_one(ConfigFiles).relabel(self._config_title())
        if self.checked is not None:
            self._show_checked(self.checked)

    def _first_focus(self) -> None:
        """The editor first: the learner came to change the configuration."""

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        split = width >= SPLIT_WIDTH
        self.set_class(split, "-split")
        self.set_class(not split and self._side == "editor", "-editor")
        self.set_class(not split and self._side == "lab", "-lab")

    def action_switch_side(self) -> None:
        """F2: the editor or the lab (both show side by side on a wide terminal)."""
        self._side = "lab" if self._side == "editor" else "editor"
        self._layout(self.size.width)
        if self._side == "editor":
            self.editor(self._current_file()).focus()
        else:
            self.query_one(f"#{self.current_pane}").focus()

    def _show(self, side: str) -> None:
        if self._side != side:
            self.action_switch_side()

    def _current_file(self) -> str:
        return self.query_one(ConfigFiles).current_file()

    def _config_title(self) -> str:
        return words(self, "config.title", name=self.block.name, do=self.block.do)

    def _task_text(self) -> str:
        """The task, then each probe's verdict once they ran."""
        text = super()._task_text()
        if self.probing:
            text += "\n" + words(self, "config.probing")
        for result in self.probes:
            said_as = PROBES[self.block.system][result.name]
            what = getattr(said_as, ui_lang(self), said_as.en)
            key = "config.probe_ok" if result.ok else "config.probe_bad"
            said = "; ".join(notice_text(n, ui_lang(self)) for n in result.notes)
            text += "\n" + words(self, key, what=what, said=said)
        return text

    # --- check, run, reset ------------------------------------------------------------------------

    def _save(self) -> None:
        for file in self.files:
            text = self.text(file)
            if text != self.starting_text(file) or load_edit(self.block.name, file, self.data):
                try:
                    save_edit(self.block.name, file, text, self.data)
                except OSError as exc:
                    self.notify(
                        words(self, "config.save_failed", error=exc.strerror or str(exc)),
                        severity="error",
                        markup=False,
                    )

    def _texts(self) -> dict[str, str]:
        return self.query_one(ConfigFiles).texts()

    def action_check_config(self) -> None:
        """F4: the linter on what the editor holds; findings on their lines and below."""
        self._save()
        self._show_checked(self.runner.check(self._texts()))

    def _show_checked(self, checked: Checked) -> None:
        self.checked = checked
        self.query_one(ConfigFiles).show_checked(checked, self.runner.clean_key)

    def action_run_config(self) -> None:
        self._run_config()

    @work(group="lab", exclusive=True)
    async def _run_config(self) -> None:
        """F5: save, restart the lab session with the files, then probe them."""
        self._save()
        started = time.perf_counter()
        texts = self._texts()
        try:
            self.runner.prepare(texts)
        except ConfigError as error:
            self._show_checked(Checked(error=error))
            self._show("editor")
            return
        self._show_checked(self.runner.check(texts))
        await self.stop_session()
        self.workers.cancel_group(self, "cmd")
        self._busy = False
        self._pending.clear()
        self._in_data = False
        for pane in self._panes():
            pane.reset()
        await self._do_start()
        if self.session is not None:
            self.run_seconds = time.perf_counter() - started
            self.query_one("#policies", Static).update(self._policies_text())
        self._probe(texts)

    def _policies_text(self) -> str:
        runner = getattr(self, "runner", None)  # LabScreen asks before this screen's __init__ ends
        service = runner.service() if runner is not None else None
        if service is None:
            return super()._policies_text()
        key, values = service
        return words(self, key, **values)

    @work(group="probe-config", exclusive=True)
    async def _probe(self, texts: dict[str, str]) -> None:
        self.probing = True
        self.probes = []
        self._refresh_task()
        try:
            self.probes = await self.runner.probe(texts)
        except ConfigError as error:
            self._show_checked(Checked(error=error))
        finally:
            self.probing = False
        if self.probes and all(r.ok for r in self.probes) and not self.goal_met:
            self.goal_met = True
            self.query_one("#task").add_class("-met")
            if self.lab_task is not None:
                self._goal_reached(self.lab_task)
        self._refresh_task()
        if self.probes and self._side == "editor" and self.size.width < SPLIT_WIDTH:
            # the verdicts are on the lab side, out of sight: say how it went and where to look
            ok = sum(r.ok for r in self.probes)
            self.notify(
                words(self, "config.probed", ok=ok, n=len(self.probes)),
                severity="information" if ok == len(self.probes) else "warning",
                markup=False,
            )

    def _refresh_task(self) -> None:
        task = self.query_one("#task", Static)
        task.display = True
        task.update(self._task_text())

    def _make_session(self, scenario: str, emit: Emit, policy: str | None) -> LabSessionLike:
        """The lab session: against the learner's configuration once it ran, else the lesson's."""
        if not self.runner.prepared:
            self.runner.prepare({file: self._saved_or_starting(file) for file in self.files})
        return self.runner.session(scenario, emit, policy)

    async def _do_start(self) -> None:
        await super()._do_start()
        self._log_context()

    def _log_context(self) -> None:
        """The Log pane's names and the server's key warning, for the session just started."""
        if not self.runner.prepared or self.session is None:
            return
        self.runner.attach(self.session)
        for pane in self._panes():
            if isinstance(pane, ConfigLogPane):
                pane.make_lines = self.runner.log
                pane.show_log()

    def action_reset_config(self) -> None:
        def done(yes: bool | None) -> None:
            if yes:
                reset_edits(self.block.name, self.files, self.data)
                files = self.query_one(ConfigFiles)
                files.load({file: self.starting_text(file) for file in self.files})
                files.report(words(self, "config.was_reset"))

        self.app.push_screen(ConfirmScreen("config.confirm_reset", name=self.block.name), done)

    @on(Button.Pressed, "#btn-check")
    def _check_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_check_config()

    @on(Button.Pressed, "#btn-run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run_config()

    @on(Button.Pressed, "#btn-reset")
    def _reset_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reset_config()

    async def action_back(self) -> None:
        """Esc in the editor leaves the editor first (for the lab's keys); then the lab."""
        focused = self.focused
        if isinstance(focused, ConfigEditor):
            self._save()
            self.query_one("#btn-run", Button).focus()
            return
        self._save()
        await super().action_back()

    @property
    def help_topic(self) -> str:
        return "config_lab"  # every key of the screen, the footer's and the others
