"""What a lesson's quiz and a session quiz share: a question with a hint and a second try, then
the answer and the explanation, said in the feedback box under the answer.

`QuizBlock` (tutor/ui/widgets/quiz.py) checks against the lesson's answer, `SessionQuizBlock`
(tutor/ui/widgets/session_quiz.py) against the learner's own lab session; each says how to answer
and what the right answer was. Both subclass `TwoTryQuiz`, never each other, so a query for one
kind never finds the other.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Input, Label, Markdown, Static

from tutor.model.cjk import join_cjk_lines
from tutor.ui.lang import words
from tutor.ui.widgets.blocks import InteractiveBlock, lesson_markdown

MAX_TRIES = 2


class TwoTryQuiz(InteractiveBlock):
    """A quiz's tries and feedback; a subclass gives the question, the answer widgets and the
    check (`answer`)."""

    help_topic = "quiz"
    label_key = "quiz.label"

    def __init__(self, index: int, *, classes: str, question: str, hint: str, explain: str) -> None:
        super().__init__(index, classes=classes)
        self.question = question
        self.hint = hint
        self.explain = explain
        self.tries = 0
        self.correct = False
        self.feedback_text = ""

    @property
    def settled(self) -> bool:
        return self.correct or self.tries >= MAX_TRIES

    def how(self) -> str:
        """How to answer, in words (shown under the question)."""
        raise NotImplementedError

    def answer_widgets(self) -> Iterable[Widget]:
        """Where the learner answers; by default a text box (answered with Enter)."""
        placeholder = words(self, "quiz.answer_placeholder")
        yield Input(placeholder=placeholder, classes="answer", compact=True)

    def answer_text(self, typed: str) -> object:
        """A text answer (Enter in the text box, never empty)."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Label(f"◆ {words(self, self.label_key)}", classes="block-label")
        yield lesson_markdown(self.question, "quiz-question")
        yield Static(self.how(), classes="how", markup=False)
        yield from self.answer_widgets()
        feedback = lesson_markdown("", "feedback")
        feedback.display = False
        yield feedback

    @on(Input.Submitted, ".answer")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.answer_text(event.value)

    def count_try(self, right: bool) -> bool:
        """Count an answer given before the quiz was settled; False (not counted) after."""
        if self.settled:
            return False
        self.tries += 1
        self.correct = right
        return True

    def what_next(self, answer_was: str | None) -> list[str]:
        """After the verdict: the hint and "try again" while unsettled; once settled, the right
        answer (`answer_was`; None: not said) and the explanation."""
        if not self.settled:
            return [words(self, "quiz.hint", hint=self.hint), words(self, "quiz.try_again")]
        parts = [] if answer_was is None else [answer_was]
        return [*parts, words(self, "quiz.explain", text=self.explain)]

    def show_feedback(self, text: str, right: bool, *, scroll: bool = False) -> None:
        self.feedback_text = text
        feedback = self.query_one(".feedback", Markdown)
        feedback.display = True
        feedback.set_class(right, "-right")
        feedback.set_class(not right, "-wrong")
        updated = feedback.update(join_cjk_lines(text))
        if scroll:  # once the new text is laid out (its height is known), bring it into view

            async def reveal() -> None:
                await updated
                self.call_after_refresh(feedback.scroll_visible, animate=False)

            self.call_later(reveal)
