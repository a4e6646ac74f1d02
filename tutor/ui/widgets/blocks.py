"""The read-only parts of a lesson step: prose and the beginner/expert conversation.

Q&A is shown as two labelled speech blocks. The label is a word ("Beginner:" / "初心者:") and a
different edge, not only a colour, so the two voices stay distinct on a monochrome terminal.
Markdown is rendered by Textual's own `Markdown` widget, used as is.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Markdown

from tutor.model.cjk import join_cjk_lines
from tutor.model.progress import Answer
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
    """Base of quizzes, walk-throughs and lab blocks: posts `Answered` for each answer the learner
    gives (the screen keeps them in the progress) and `Completed` once, when done.

    A step revisited is rebuilt from what was kept: `restore(answers, done)` replays the answers
    without posting them again, so the block looks as the learner left it.
    """

    class Completed(Message):
        """The learner finished this block (a quiz settled, a walk-through ended, a goal met)."""

        def __init__(self, block: InteractiveBlock) -> None:
            super().__init__()
            self.block = block

        @property
        def control(self) -> InteractiveBlock:
            return self.block

    class Answered(Message):
        """The learner answered: a choice number, or the text typed."""

        def __init__(self, block: InteractiveBlock, answer: Answer) -> None:
            super().__init__()
            self.block = block
            self.answer = answer

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

    def answered(self, answer: Answer) -> None:
        self.post_message(self.Answered(self, answer))

    def restore(self, answers: list[Answer], done: bool) -> None:
        """Show the answers kept from an earlier visit; `done`: the step was completed (a file
        from before answers were kept has none: the block is shown finished all the same)."""
        if done:
            self.complete()

    def answer_box(self) -> Widget | None:
        """Where the learner answers (focused when the block is next to do), if anywhere."""
        return None
