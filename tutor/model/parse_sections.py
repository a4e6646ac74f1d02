"""The intro or one step of a lesson: its top-level Markdown tokens grouped into Prose and Q&A
blocks, sliced from the author's own source lines (tutor.model.parse walks the tokens)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from tutor.model.lesson import QA, Block, LessonError, Prose

_MARKER = re.compile(r"^[ \t]{0,3}\*\*([QA])[:：]\*\*[ \t\u3000]*")


def source_text(lines: list[str], start: int, end: int, strip_marker: bool = False) -> str:
    """Lines `start` to `end` (0-based, end excluded) as written, without the blank edges; with
    `strip_marker`, without the `**Q:**`/`**A:**` that opens them."""
    chunk = lines[start:end]
    if strip_marker and chunk:
        chunk = [_MARKER.sub("", chunk[0], count=1), *chunk[1:]]
    return "\n".join(chunk).strip("\n").rstrip()


@dataclass(slots=True)
class Section:
    """Groups the top-level Markdown tokens of the intro or of one step into blocks."""

    lines: list[str]
    file: str
    errors: list[LessonError]
    blocks: list[Block] = field(default_factory=list)
    mode: str = ""  # "", "prose", "question", "answer"
    start: int = 0  # prose or question start (0-based line)
    end: int = 0
    a_start: int = 0

    def flush(self) -> None:
        if self.mode == "prose":
            self.blocks.append(Prose(source_text(self.lines, self.start, self.end), self.start + 1))
        elif self.mode == "question":
            self.errors.append(
                LessonError(self.file, self.start + 1, "Q&A: this **Q:** has no **A:** after it")
            )
        elif self.mode == "answer":
            question = source_text(self.lines, self.start, self.a_start, strip_marker=True)
            answer = source_text(self.lines, self.a_start, self.end, strip_marker=True)
            for text, line, what in (
                (question, self.start, "question"),
                (answer, self.a_start, "answer"),
            ):
                if not text:
                    self.errors.append(
                        LessonError(self.file, line + 1, f"Q&A: the {what} is empty")
                    )
            self.blocks.append(QA(question, answer, self.start + 1, self.a_start + 1))
        self.mode = ""

    def add(self, token: Token, start: int, end: int) -> None:
        if token.type != "paragraph_open":
            self._piece(None, start, end, heading=token.type == "heading_open")
            return
        # A marker line inside a paragraph (`**Q:** ...` then `**A:** ...` with no blank line
        # between) starts a new piece, as the author meant.
        cuts: list[tuple[int, str | None]] = []
        for i in range(start, end):
            m = _MARKER.match(self.lines[i])
            if m:
                cuts.append((i, m.group(1)))
        if not cuts or cuts[0][0] != start:
            cuts.insert(0, (start, None))
        for (first, marker), (stop, _) in zip(cuts, [*cuts[1:], (end, None)], strict=True):
            self._piece(marker, first, stop)

    def _piece(self, marker: str | None, start: int, end: int, heading: bool = False) -> None:
        if marker == "Q":
            self.flush()
            self.mode, self.start = "question", start
        elif marker == "A" and self.mode == "question":
            self.mode, self.a_start = "answer", start
        elif marker == "A":
            self.flush()
            self.errors.append(
                LessonError(self.file, start + 1, "Q&A: this **A:** has no **Q:** before it")
            )
            self.mode, self.start = "prose", start
        elif heading:
            self.flush()  # a heading ends an answer and starts prose
            self.mode, self.start = "prose", start
        elif not self.mode:
            self.mode, self.start = "prose", start
        self.end = end
