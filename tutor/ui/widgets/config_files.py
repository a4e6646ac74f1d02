"""The editor side of a config lab: the task, a tab and a TextArea per file, the Check, Run and
Reset buttons, and the linter's report. Postfix's two files and Exchange's script alike: the
screen (`tutor.ui.screens.lab_config`) says what is in them and handles the buttons."""

from __future__ import annotations

from collections.abc import Mapping

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static, Tab, Tabs

from tutor.ui.config_checked import Checked
from tutor.ui.lang import ui_lang, words
from tutor.ui.widgets.config_editor import ConfigEditor

BUTTONS = (("check", "config.check"), ("run", "config.run"), ("reset", "config.reset"))


class ConfigFiles(Vertical):
    """`texts`: each file's text to start the editor with, in the tabs' order."""

    def __init__(self, texts: Mapping[str, str], title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.files = tuple(texts)
        self._texts = dict(texts)
        self._title = title

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="config-title", markup=False)
        yield Tabs(*(Tab(f, id=f"file-{i}") for i, f in enumerate(self.files)), id="config-files")
        for i, file in enumerate(self.files):
            editor = ConfigEditor(self._texts[file], file, id=f"edit-{i}")
            editor.set_class(i == 0, "-current")
            yield editor
        with Horizontal(id="config-controls"):
            for button, key in BUTTONS:
                yield Button(words(self, key), id=f"btn-{button}", compact=True)
        with VerticalScroll(id="config-report-box"):
            yield Static(words(self, "config.ready"), id="config-report", markup=False)

    def editor(self, file: str) -> ConfigEditor:
        return self.query_one(f"#edit-{self.files.index(file)}", ConfigEditor)

    def texts(self) -> dict[str, str]:
        """What the editors hold now, file by file."""
        return {file: self.editor(file).text for file in self.files}

    def current_file(self) -> str:
        active = self.query_one("#config-files", Tabs).active or "file-0"
        return self.files[int(active.removeprefix("file-"))]

    @on(Tabs.TabActivated, "#config-files")
    def _file_tab(self, event: Tabs.TabActivated) -> None:
        event.stop()  # not the panes' tabs
        index = int((event.tab.id or "file-0").removeprefix("file-"))
        for i in range(len(self.files)):
            self.query_one(f"#edit-{i}").set_class(i == index, "-current")

    def relabel(self, title: str) -> None:
        """The words again, in the language now chosen."""
        self.query_one("#config-title", Static).update(title)
        for button, key in BUTTONS:
            self.query_one(f"#btn-{button}", Button).label = words(self, key)

    def show_checked(self, checked: Checked, clean_key: str) -> None:
        """The findings marked on their lines, and said below the editor."""
        marks = checked.lines
        for file in self.files:
            self.editor(file).mark(marks.get(file, {}))
        lang = ui_lang(self)
        said: list[str] = []
        if checked.error is not None:
            said.append(str(checked.error))
        said.extend(f.render(lang) for f in checked.findings)
        self.report("\n".join(said) if said else words(self, clean_key), clean=not said)

    def report(self, text: str, *, clean: bool = False) -> None:
        report = self.query_one("#config-report", Static)
        report.update(text)
        report.set_class(clean, "-clean")

    def load(self, texts: Mapping[str, str]) -> None:
        """Start again from these texts, nothing marked."""
        for file in self.files:
            self.editor(file).load_text(texts[file])
            self.editor(file).mark({})
