"""The config lab's editor: Textual's TextArea with `postfix check` findings marked on their lines.

A marked line keeps its text and gets a background by the finding's level (error, warning,
note) and a sign in the findings list below; TextArea's documented hook for this is `get_line`
("stylize the Text object returned here"), and `notify_style_update` drops its cached lines.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import TextArea

LEVEL_STYLES = {
    "error": Style(bgcolor="red", color="white", bold=True),
    "warning": Style(bgcolor="yellow", color="black"),
    "note": Style(underline=True),
}
"""A level is also said in words in the findings list: the colour is never the only sign."""


class ConfigEditor(TextArea):
    """One configuration file; `marks` maps a 1-based line to the worst finding's level there."""

    def __init__(self, text: str, file: str, *, id: str | None = None) -> None:
        super().__init__(
            text, id=id, classes="config-editor", show_line_numbers=True, soft_wrap=False
        )
        self.file = file
        self.marks: dict[int, str] = {}

    def mark(self, marks: dict[int, str]) -> None:
        """Mark these lines (and only these) from now on."""
        if marks != self.marks:
            self.marks = dict(marks)
            self.notify_style_update()
            self.refresh()

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        level = self.marks.get(line_index + 1)
        if level is not None:
            line.stylize(LEVEL_STYLES[level])
            if not line.plain:  # an empty line still shows its mark
                line.append(" ", LEVEL_STYLES[level])
        return line
