"""The `tls-versions` block on screen: run one session at TLS 1.2 and at TLS 1.3 and show,
side by side, what a listener learns of each (`tutor.model.versions_lab`).

The runs are real sandbox sessions on loopback, in the app's own loop (as the Lab screen runs
its session), started by the learner with the button; a failure is said in words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
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


def _rows(runs: Sequence[VersionRun], lang: str) -> list[tuple[str, list[Text]]]:
    """What a listener learns: (the row's words, one cell per version)."""
    return [
        (tr(lang, "vl.sni"), [Text(r.learns.sni or "-") for r in runs]),
        (tr(lang, "vl.version"), [Text(r.learns.version or "-") for r in runs]),
        (tr(lang, "vl.cipher"), [Text(r.learns.cipher or "-") for r in runs]),
        (tr(lang, "vl.certificate"), [_certificate(r, lang) for r in runs]),
        (
            tr(lang, "vl.round_trips"),
            [
                Text(str(r.learns.round_trips) if r.learns.round_trips is not None else "-")
                for r in runs
            ],
        ),
        (tr(lang, "vl.handshake_bytes"), [Text(f"{r.learns.handshake_bytes:,} B") for r in runs]),
    ]


def versions_table(runs: Sequence[VersionRun], lang: str) -> Table:
    """What a listener learns, one column per version."""
    table = Table(show_edge=False, pad_edge=False, expand=False)
    table.add_column(tr(lang, "vl.what"), style="bold", no_wrap=True)
    for run in runs:
        table.add_column(run.name, overflow="fold")
    for label, cells in _rows(runs, lang):
        table.add_row(label, *cells)
    return table


def versions_stacked(runs: Sequence[VersionRun], lang: str) -> Group:
    """The same, for a narrow screen: each row's words on a line, then one line per version
    under them (a cipher's or a certificate's name whole, not folded into a 20-column cell)."""
    parts: list[Text | Table] = [Text(tr(lang, "vl.what"), style="bold underline")]
    for label, cells in _rows(runs, lang):
        parts.append(Text(label, style="bold"))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, style="dim")
        grid.add_column(overflow="fold")
        for run, cell in zip(runs, cells, strict=True):
            grid.add_row(f"  {run.name}", cell)
        parts.append(grid)
    return Group(*parts)


class VersionsView:
    """Side by side when the table fits its width without folding a cell; stacked when it does
    not (80 columns: the lesson's block is about 70 wide). Decided at each render, so a resize
    picks again (properties.md W3)."""

    def __init__(self, runs: Sequence[VersionRun], lang: str) -> None:
        self.runs = list(runs)
        self.lang = lang

    def layout(self, console: Console, options: ConsoleOptions) -> Table | Group:
        table = versions_table(self.runs, self.lang)
        # unclamped (Measurement.get clamps to the width it is given): the width with no fold
        needed = Measurement.get(console, options.update_width(10_000), table).maximum
        return table if needed <= options.max_width else versions_stacked(self.runs, self.lang)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.layout(console, options)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.layout(console, options))


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
        self.result: Text | VersionsView | None = None  # what the block shows under its button

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
        self._show(VersionsView(runs, ui_lang(self)))
        button.disabled = False
        if not self.done:
            self.answered(RAN)
            self.complete()

    def restore(self, answers: list[Answer], done: bool) -> None:
        if done or RAN in answers:
            self.complete()

    def _show(self, what: Text | VersionsView) -> None:
        self.result = what
        result = self.query_one(".versions-result", Static)
        result.display = True
        result.update(what)
