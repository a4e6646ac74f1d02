"""The read-only parts of a lesson step: prose and the beginner/expert conversation.

Q&A is shown as two labelled speech blocks. The label is a word ("Beginner:" / "初心者:") and a
different edge, not only a colour, so the two voices stay distinct on a monochrome terminal.
Markdown is rendered by Textual's own `Markdown` widget, used as is.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, Markdown

from tutor.model.cjk import join_cjk_lines
from tutor.ui.lang import words


def lesson_markdown(text: str, classes: str) -> Markdown:
    """Lesson Markdown, Japanese soft breaks joined; links are handled by the lesson screen
    (another lesson opens in the tutor), not opened blindly."""
    return Markdown(join_cjk_lines(text), classes=classes, open_links=False)


class Speech(Vertical):
    """One turn of the conversation: who speaks, then what they say (Markdown)."""

    def __init__(self, who: str, markdown: str, *, classes: str) -> None:
        super().__init__(classes=f"speech {classes}")
        self.who = who
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        yield Label(f"{self.who}:", classes="speaker", markup=False)
        yield lesson_markdown(self.markdown, "said")


class QABlock(Vertical):
    """A beginner's question and the expert's answer."""

    def __init__(self, question: str, answer: str) -> None:
        super().__init__(classes="qa")
        self.question = question
        self.answer = answer

    def compose(self) -> ComposeResult:
        yield Speech(words(self, "lesson.beginner"), self.question, classes="beginner")
        yield Speech(words(self, "lesson.expert"), self.answer, classes="expert")


class InteractiveBlock(Vertical):
    """Base of quizzes, walk-throughs and lab blocks: posts `Completed` once, when done."""

    class Completed(Message):
        """The learner finished this block (a quiz settled, a walk-through ended, a goal met)."""

        def __init__(self, block: InteractiveBlock) -> None:
            super().__init__()
            self.block = block

        @property
        def control(self) -> InteractiveBlock:
            return self.block

    def __init__(self, index: int, *, classes: str = "") -> None:
        super().__init__(classes=f"interactive {classes}".strip())
        self.index = index  # position of the block in its step
        self.done = False

    def complete(self) -> None:
        if not self.done:
            self.done = True
            self.add_class("-done")
            self.post_message(self.Completed(self))
