"""The TLS-RPT report a lab world's client wrote (RFC 8460 JSON), to read inside the tutor:
where it was saved, what each failure's result type means, then the JSON as it is, shown as
plain text (the policy strings come from the lab world, never read as markup). `t` in a world
lab opens it; Esc, `t` or `q` closes it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from sandbox.tlsrpt.report import report_json
from tutor.ui.lang import on_lang_change, ui_lang, words
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.words import tr
from tutor.ui.world_words import result_meaning


def failure_kinds(report: Mapping[str, Any]) -> list[str]:
    """The result types of the report's failures, in its order."""
    return [
        str(detail.get("result-type", ""))
        for policy in report.get("policies", ())
        for detail in policy.get("failure-details", ())
    ]


def report_text(report: Mapping[str, Any], path: str, lang: str) -> str:
    """What the dialog says above the JSON: where it is, and each result type in words."""
    lines = [tr(lang, "lab.report_saved", path=path) if path else ""]
    for kind in failure_kinds(report):
        lines.append(f"{kind}: {result_meaning(kind, lang)}")
    return "\n".join(line for line in lines if line)


class TlsReportScreen(ModalScreen[None]):
    """One TLS-RPT report: its meaning first, then its JSON, scrollable at 80x24."""

    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("escape,t,q", "close", "key.back"),
    ]
    DEFAULT_CSS = """
    TlsReportScreen { align: center middle; }
    #report-box {
        width: 96%; max-width: 100; height: 90%;
        border: thick $warning; border-title-color: $text; background: $surface; padding: 0 1;
    }
    #report-meaning { height: auto; margin: 0 0 1 0; }
    #report-scroll { height: 1fr; }
    #report-close { dock: bottom; width: auto; margin: 0 0 0 1; }
    """

    def __init__(self, report: Mapping[str, Any], path: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.report = report
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(id="report-box"):
            with VerticalScroll(id="report-scroll"):
                text = report_text(self.report, self.path, ui_lang(self))
                yield Static(text, id="report-meaning", markup=False)
                yield Static(report_json(self.report), id="report-json", markup=False)
            yield Button(words(self, "help.close"), id="report-close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#report-box").border_title = words(self, "lab.report_title")
        self.query_one("#report-scroll").focus()
        on_lang_change(self, self._lang_changed)

    def _lang_changed(self) -> None:
        localize_bindings(self)
        self.query_one("#report-box").border_title = words(self, "lab.report_title")
        self.query_one("#report-close", Button).label = words(self, "help.close")
        text = report_text(self.report, self.path, ui_lang(self))
        self.query_one("#report-meaning", Static).update(text)

    @on(Button.Pressed, "#report-close")
    def action_close(self) -> None:
        self.dismiss(None)
