"""A quiz whose answer is the learner's own lab session (`tutor.model.session_quiz`).

The answer is read when the learner answers, from the last lab session of this run
(`tutor.ui.session_memory`): the cipher suite it negotiated, the SNI it sent... Without a
session that got that far, the quiz says to run the lab first and counts nothing. Otherwise as
a typed quiz (tutor/ui/widgets/quiz_tries.py): a hint and a second try, then the session's own
answer and the explanation.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Input

from tutor.model.progress import Answer
from tutor.model.session_quiz import SessionQuiz
from tutor.ui.lang import words
from tutor.ui.session_memory import recall
from tutor.ui.widgets.quiz_tries import MAX_TRIES, TwoTryQuiz


class SessionQuizBlock(TwoTryQuiz):
    label_key = "sq.label"

    def __init__(self, quiz: SessionQuiz, index: int) -> None:
        super().__init__(
            index,
            classes="quiz session-quiz",
            question=quiz.question,
            hint=quiz.hint,
            explain=quiz.explain,
        )
        self.quiz = quiz

    def how(self) -> str:
        return words(self, "sq.how")

    def answer_box(self) -> Widget | None:
        return self.query_one(".answer", Input)

    def answer_text(self, typed: str) -> bool | None:
        return self.answer(typed.strip())

    def answer(self, typed: str) -> bool | None:
        """Check `typed` against the session; None when there is no session to ask yet."""
        session = recall(self)
        right = session.is_right(self.quiz.fact, typed)
        if right is None:
            self.show_feedback(words(self, "sq.no_session"), False)
            return None
        truth = session.value(self.quiz.fact) or ""
        if self.count_try(right):
            self.answered(typed)
        parts = [words(self, "sq.right" if right else "quiz.wrong", answer=truth)]
        parts += self.what_next(None if right else words(self, "sq.answer_was", answer=truth))
        self.show_feedback("\n\n".join(parts), right)
        if self.settled:
            self.complete()
        return right

    def restore(self, answers: list[Answer], done: bool) -> None:
        """An earlier visit: the session it was asked about may be gone, so the answers given
        are not checked again; a finished quiz shows its explanation."""
        if done:
            self.tries = MAX_TRIES
            self.show_feedback(words(self, "quiz.explain", text=self.quiz.explain), True)
            self.complete()
