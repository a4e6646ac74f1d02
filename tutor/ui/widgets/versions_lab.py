"""The `tls-versions` block on screen: run one session at TLS 1.2 and at TLS 1.3 and show,
side by side, what a listener learns of each (`tutor.model.versions_lab`).

The runs are real sandbox sessions on loopback, in the app's own loop (as the Lab screen runs
its session), started by the learner with the button; a failure is said in words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Button, Label, Static

from sandbox.lab.versions import VersionRun
from tutor.model.progress import Answer
from tutor.model.versions_lab import VersionsLab
from tutor.ui.lang import ui_lang, words
from tutor.ui.widgets.blocks import InteractiveBlock, lesson_markdown
from tutor.ui.words import tr

Runner = Callable[[str], Awaitable[list[VersionRun]]]
RAN = "ran"  # the answer kept in the progress once both runs are shown


async def real_runs(scenario: str) -> list[VersionRun]:
    from sandbox.lab.versions import run_versions

    return await run_versions(scenario)


def versions_table(runs: Sequence[VersionRun], lang: str) -> Table:
    """What a listener learns, one column per version."""
    table = Table(show_edge=False, pad_edge=False, expand=False)
    table.add_column(tr(lang, "vl.what"), style="bold", no_wrap=True)
    for run in runs:
        table.add_column(run.name, overflow="fold")
    rows: list[tuple[str, list[Text]]] = []
    rows.append(("vl.sni", [Text(r.learns.sni or "-") for r in runs]))
    rows.append(("vl.version", [Text(r.learns.version or "-") for r in runs]))
    rows.append(("vl.cipher", [Text(r.learns.cipher or "-") for r in runs]))
    rows.append(("vl.certificate", [_certificate(r, lang) for r in runs]))
    rows.append(
        (
            "vl.round_trips",
            [
                Text(str(r.learns.round_trips) if r.learns.round_trips is not None else "-")
                for r in runs
            ],
        )
    )
    rows.append(("vl.handshake_bytes", [Text(f"{r.learns.handshake_bytes:,} B") for r in runs]))
    for key, cells in rows:
        table.add_row(tr(lang, key), *cells)
    return table


def _certificate(run: VersionRun, lang: str) -> Text:
    learns = run.learns
    if learns.certificate_seen:
        subjects = ", ".join(learns.certificate) or "?"
        return Text(tr(lang, "vl.cert_read", subjects=subjects), style="bold #ffaf00")
    if learns.certificate_hidden:
        return Text(tr(lang, "vl.cert_hidden"), style="#87d75f")
    return Text("-")


class VersionsLabBlock(InteractiveBlock):
    help_topic = "lab"

    def __init__(self, block: VersionsLab, index: int, *, runner: Runner = real_runs) -> None:
        super().__init__(index, classes="lab versions-lab")
        self.block = block
        self.runner = runner
        self.runs: list[VersionRun] = []
        self.error = ""
        self.result: Text | Table | None = None  # what the block shows under its button

    def compose(self) -> ComposeResult:
        yield Label(f"◆ {words(self, 'vl.label')}", classes="block-label")
        yield lesson_markdown(words(self, "lab.do", text=self.block.do), "lab-do")
        yield Button(words(self, "vl.run", scenario=self.block.scenario), classes="run")
        result = Static("", classes="versions-result")
        result.display = False
        yield result

    def answer_box(self) -> Widget | None:
        return self.query_one(".run", Button)

    @on(Button.Pressed, ".run")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.run_both()

    @work(exclusive=True, group="versions")
    async def run_both(self) -> None:
        button = self.query_one(".run", Button)
        button.disabled = True
        self._show(Text(words(self, "vl.running")))
        try:
            runs = await self.runner(self.block.scenario)
        except Exception as exc:  # the learner gets words, never a traceback
            self.error = f"{type(exc).__name__}: {exc}"
            self._show(Text(words(self, "vl.failed", error=self.error), style="bold #ff5f5f"))
            button.disabled = False
            return
        self.runs = runs
        self._show(versions_table(runs, ui_lang(self)))
        button.disabled = False
        if not self.done:
            self.answered(RAN)
            self.complete()

    def restore(self, answers: list[Answer], done: bool) -> None:
        if done or RAN in answers:
            self.complete()

    def _show(self, what: Text | Table) -> None:
        self.result = what
        result = self.query_one(".versions-result", Static)
        result.display = True
        result.update(what)
