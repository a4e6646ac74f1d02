"""A quiz: immediate feedback, the reason for each choice, a hint and a second try.

A quiz is settled when answered right, or after a second wrong answer (then the right answer is
shown); the explanation comes once it is settled. After that, picking another choice still shows
why it is right or wrong, for the curious.

The quiz says how to answer (the number keys or the arrows and Enter; or type and Enter). The
feedback is shown in the quiz, under the choices. When the lesson gives a reason for the choice
picked, the reason speaks (it says "Right: ..." itself); the UI's own "Right."/"Not quite." is
only for a choice without one, so the two never double up.
The tries and the feedback box are a session quiz's too (tutor/ui/widgets/quiz_tries.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tutor.model.lesson import Quiz
from tutor.model.progress import Answer
from tutor.ui.lang import words
from tutor.ui.widgets.quiz_tries import TwoTryQuiz


class QuizBlock(TwoTryQuiz):
    def __init__(self, quiz: Quiz, index: int) -> None:
        super().__init__(
            index, classes="quiz", question=quiz.question, hint=quiz.hint, explain=quiz.explain
        )
        self.quiz = quiz

    def answer_widgets(self) -> Iterable[Widget]:
        if not self.quiz.is_choice:
            yield from super().answer_widgets()
            return
        yield OptionList(
            *(
                Option(Text(f"{n}. {choice}"), id=f"choice-{n}")
                for n, choice in enumerate(self.quiz.choices, start=1)
            ),
            classes="choices",
        )

    def how(self) -> str:
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

    def answer_text(self, typed: str) -> bool:
        return self.answer(typed)

    def answer(self, response: int | str, *, replay: bool = False) -> bool:
        """Check `response` (a 1-based choice or a text), show the feedback, return rightness
        (`replay`: an answer kept from an earlier visit, shown again, not recorded again)."""
        right = self.quiz.is_right(response)
        self.count_try(right)
        if not replay:
            self.answered(response)
        why = self.quiz.why_for(response) if isinstance(response, int) else None
        if why:  # the lesson's reason says right or wrong in its own words
            parts = [f"{'✔' if right else '✘'} {why}"]
        else:
            parts = [words(self, "quiz.right" if right else "quiz.wrong")]
        answer_was = None if self.correct else self._answer_was()
        parts += self.what_next(answer_was)
        self.show_feedback("\n\n".join(parts), right, scroll=not replay)
        if self.settled:
            self.complete()
        return right

    def restore(self, answers: list[Answer], done: bool) -> None:
        for given in answers:
            self.answer(given, replay=True)
        if done and not self.settled:  # finished before answers were kept: show the answer
            parts = [self._answer_was(), words(self, "quiz.explain", text=self.quiz.explain)]
            self.show_feedback("\n\n".join(parts), True)
            self.complete()

    def _answer_was(self) -> str:
        if self.quiz.is_choice and self.quiz.answer is not None:
            answer = f"{self.quiz.answer}. {self.quiz.choices[self.quiz.answer - 1]}"
        else:
            answer = self.quiz.accept[0] if self.quiz.accept else ""
        return words(self, "quiz.answer_was", answer=answer)
