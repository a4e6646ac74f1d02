"""A quiz whose answer is the learner's own lab session (`tutor.model.session_quiz`).

The answer is read when the learner answers, from the last lab session of this run
(`tutor.ui.session_memory`): the cipher suite it negotiated, the SNI it sent... Without a
session that got that far, the quiz says to run the lab first and counts nothing. Otherwise as
a typed quiz: a hint and a second try, then the session's own answer and the explanation.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Input, Label, Markdown, Static

from tutor.model.cjk import join_cjk_lines
from tutor.model.progress import Answer
from tutor.model.session_quiz import SessionQuiz
from tutor.ui.lang import words
from tutor.ui.session_memory import recall
from tutor.ui.widgets.blocks import InteractiveBlock, lesson_markdown

MAX_TRIES = 2


class SessionQuizBlock(InteractiveBlock):
    help_topic = "quiz"

    def __init__(self, quiz: SessionQuiz, index: int) -> None:
        super().__init__(index, classes="quiz session-quiz")
        self.quiz = quiz
        self.tries = 0
        self.correct = False
        self.feedback_text = ""

    @property
    def settled(self) -> bool:
        return self.correct or self.tries >= MAX_TRIES

    def compose(self) -> ComposeResult:
        yield Label(f"◆ {words(self, 'sq.label')}", classes="block-label")
        yield lesson_markdown(self.quiz.question, "quiz-question")
        yield Static(words(self, "sq.how"), classes="how", markup=False)
        yield Input(
            placeholder=words(self, "quiz.answer_placeholder"), classes="answer", compact=True
        )
        feedback = lesson_markdown("", "feedback")
        feedback.display = False
        yield feedback

    def answer_box(self) -> Widget | None:
        return self.query_one(".answer", Input)

    @on(Input.Submitted, ".answer")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.answer(event.value.strip())

    def answer(self, typed: str) -> bool | None:
        """Check `typed` against the session; None when there is no session to ask yet."""
        session = recall(self)
        right = session.is_right(self.quiz.fact, typed)
        if right is None:
            self._show_feedback(words(self, "sq.no_session"), False)
            return None
        truth = session.value(self.quiz.fact) or ""
        if not self.settled:
            self.tries += 1
            self.correct = right
            self.answered(typed)
        parts = [words(self, "sq.right" if right else "quiz.wrong", answer=truth)]
        if not self.settled:
            parts.append(words(self, "quiz.hint", hint=self.quiz.hint))
            parts.append(words(self, "quiz.try_again"))
        else:
            if not right:
                parts.append(words(self, "sq.answer_was", answer=truth))
            parts.append(words(self, "quiz.explain", text=self.quiz.explain))
        self._show_feedback("\n\n".join(parts), right)
        if self.settled:
            self.complete()
        return right

    def restore(self, answers: list[Answer], done: bool) -> None:
        """An earlier visit: the session it was asked about may be gone, so the answers given
        are not checked again; a finished quiz shows its explanation."""
        if done:
            self.tries = MAX_TRIES
            self._show_feedback(words(self, "quiz.explain", text=self.quiz.explain), True)
            self.complete()

    def _show_feedback(self, text: str, right: bool) -> None:
        self.feedback_text = text
        feedback = self.query_one(".feedback", Markdown)
        feedback.display = True
        feedback.set_class(right, "-right")
        feedback.set_class(not right, "-wrong")
        feedback.update(join_cjk_lines(text))
