"""A quiz: immediate feedback, the reason for each choice, a hint and a second try.

A quiz is settled when answered right, or after a second wrong answer (then the right answer is
shown); the explanation comes once it is settled. After that, picking another choice still shows
why it is right or wrong, for the curious.

The quiz says how to answer (the number keys or the arrows and Enter; or type and Enter). The
feedback is shown in the quiz, under the choices. When the lesson gives a reason for the choice
picked, the reason speaks (it says "Right: ..." itself); the UI's own "Right."/"Not quite." is
only for a choice without one, so the two never double up.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Input, Label, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from tutor.model.cjk import join_cjk_lines
from tutor.model.lesson import Quiz
from tutor.model.progress import Answer
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
        yield Static(self._how(), classes="how", markup=False)
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

    def _how(self) -> str:
        if self.quiz.is_choice:
            return words(self, "quiz.how_choice", n=len(self.quiz.choices))
        return words(self, "quiz.how_text")

    def answer_box(self) -> Widget | None:
        if self.quiz.is_choice:
            return self.query_one(".choices", OptionList)
        return self.query_one(".answer", Input)

    def choose(self, number: int) -> bool:
        """Answer with choice `number` (a number key): False when there is no such choice."""
        if not self.quiz.is_choice or not 1 <= number <= len(self.quiz.choices):
            return False
        self.query_one(".choices", OptionList).highlighted = number - 1
        self.answer(number)
        return True

    @on(OptionList.OptionSelected, ".choices")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.answer(event.option_index + 1)

    @on(Input.Submitted, ".answer")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.answer(event.value)

    def answer(self, response: int | str, *, replay: bool = False) -> bool:
        """Check `response` (a 1-based choice or a text), show the feedback, return rightness
        (`replay`: an answer kept from an earlier visit, shown again, not recorded again)."""
        right = self.quiz.is_right(response)
        counted = not self.settled
        if counted:
            self.tries += 1
            self.correct = right
        if not replay:
            self.answered(response)
        why = self.quiz.why_for(response) if isinstance(response, int) else None
        if why:  # the lesson's reason says right or wrong in its own words
            parts = [f"{'✔' if right else '✘'} {why}"]
        else:
            parts = [words(self, "quiz.right" if right else "quiz.wrong")]
        if not self.settled:
            parts.append(words(self, "quiz.hint", hint=self.quiz.hint))
            parts.append(words(self, "quiz.try_again"))
        else:
            if not self.correct:
                parts.append(words(self, "quiz.answer_was", answer=self._right_answer()))
            parts.append(words(self, "quiz.explain", text=self.quiz.explain))
        self._show_feedback("\n\n".join(parts), right, scroll=not replay)
        if self.settled:
            self.complete()
        return right

    def restore(self, answers: list[Answer], done: bool) -> None:
        for given in answers:
            self.answer(given, replay=True)
        if done and not self.settled:  # finished before answers were kept: show the answer
            parts = [
                words(self, "quiz.answer_was", answer=self._right_answer()),
                words(self, "quiz.explain", text=self.quiz.explain),
            ]
            self._show_feedback("\n\n".join(parts), True)
            self.complete()

    def _right_answer(self) -> str:
        if self.quiz.is_choice and self.quiz.answer is not None:
            return f"{self.quiz.answer}. {self.quiz.choices[self.quiz.answer - 1]}"
        return self.quiz.accept[0] if self.quiz.accept else ""

    def _show_feedback(self, text: str, right: bool, *, scroll: bool = False) -> None:
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
