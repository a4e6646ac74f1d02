"""A quiz: immediate feedback, the reason for each choice, a hint and a second try.

A quiz is settled when answered right, or after a second wrong answer (then the right answer is
shown); the explanation comes once it is settled. After that, picking another choice still shows
why it is right or wrong, for the curious.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Markdown, OptionList
from textual.widgets.option_list import Option

from tutor.model.cjk import join_cjk_lines
from tutor.model.lesson import Quiz
from tutor.ui.lang import words
from tutor.ui.widgets.blocks import InteractiveBlock, lesson_markdown

MAX_TRIES = 2


class QuizBlock(InteractiveBlock):
    help_topic = "quiz"

    def __init__(self, quiz: Quiz, index: int) -> None:
        super().__init__(index, classes="quiz")
        self.quiz = quiz
        self.tries = 0
        self.correct = False
        self.feedback_text = ""

    @property
    def settled(self) -> bool:
        return self.correct or self.tries >= MAX_TRIES

    def compose(self) -> ComposeResult:
        yield Label(f"◆ {words(self, 'quiz.label')}", classes="block-label")
        yield lesson_markdown(self.quiz.question, "quiz-question")
        if self.quiz.is_choice:
            yield OptionList(
                *(
                    Option(Text(f"{n}. {choice}"), id=f"choice-{n}")
                    for n, choice in enumerate(self.quiz.choices, start=1)
                ),
                classes="choices",
            )
        else:
            yield Input(
                placeholder=words(self, "quiz.answer_placeholder"), classes="answer", compact=True
            )
        feedback = lesson_markdown("", "feedback")
        feedback.display = False
        yield feedback

    @on(OptionList.OptionSelected, ".choices")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.answer(event.option_index + 1)

    @on(Input.Submitted, ".answer")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.answer(event.value)

    def answer(self, response: int | str) -> bool:
        """Check `response` (a 1-based choice or a text), show the feedback, return rightness."""
        right = self.quiz.is_right(response)
        counted = not self.settled
        if counted:
            self.tries += 1
            self.correct = right
        parts = [words(self, "quiz.right" if right else "quiz.wrong")]
        if isinstance(response, int) and (why := self.quiz.why_for(response)):
            parts[0] += f" {why}"
        if not self.settled:
            parts.append(words(self, "quiz.hint", hint=self.quiz.hint))
            parts.append(words(self, "quiz.try_again"))
        else:
            if not self.correct:
                parts.append(words(self, "quiz.answer_was", answer=self._right_answer()))
            parts.append(words(self, "quiz.explain", text=self.quiz.explain))
        self._show_feedback("\n\n".join(parts), right)
        if self.settled:
            self.complete()
        return right

    def _right_answer(self) -> str:
        if self.quiz.is_choice and self.quiz.answer is not None:
            return f"{self.quiz.answer}. {self.quiz.choices[self.quiz.answer - 1]}"
        return self.quiz.accept[0] if self.quiz.accept else ""

    def _show_feedback(self, text: str, right: bool) -> None:
        self.feedback_text = text
        feedback = self.query_one(".feedback", Markdown)
        feedback.display = True
        feedback.set_class(right, "-right")
        feedback.set_class(not right, "-wrong")
        feedback.update(join_cjk_lines(text))
        self.call_after_refresh(feedback.scroll_visible)
