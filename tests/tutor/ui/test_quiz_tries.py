"""V2: a lesson's quiz and a session quiz share their tries and feedback (TwoTryQuiz), and stay
two kinds of block: an answer in one never counts in the other."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input

from sandbox.events import CertSummary, SessionStarted, TlsEstablished
from tutor.model.lesson import Quiz
from tutor.model.session_quiz import SessionQuiz
from tutor.ui.lang import LangApp
from tutor.ui.session_memory import remember
from tutor.ui.widgets.quiz import QuizBlock
from tutor.ui.widgets.quiz_tries import MAX_TRIES, TwoTryQuiz
from tutor.ui.widgets.session_quiz import SessionQuizBlock

TYPED = Quiz(
    question="Which command starts TLS?",
    hint="It is in the EHLO reply.",
    explain="STARTTLS upgrades the connection.",
    line=1,
    accept=("STARTTLS",),
)
SESSION = SessionQuiz(
    question="Which cipher suite did your session negotiate?",
    fact="cipher",
    hint="The Connection pane's Cipher row.",
    explain="The server chose it.",
    line=1,
)
CERT = CertSummary("CN=sandbox.test", "CN=smtp-tutor sandbox CA", "a", "b", ("sandbox.test",), "AB")
CIPHER = "TLS_AES_256_GCM_SHA384"


class TwoQuizzes(LangApp):
    def __init__(self, lang: str) -> None:
        super().__init__()
        self.set_reactive(LangApp.lang, lang)

    def compose(self) -> ComposeResult:
        yield QuizBlock(TYPED, 0)
        yield SessionQuizBlock(SESSION, 1)


async def submit(block: TwoTryQuiz, text: str) -> None:
    box = block.query_one(".answer", Input)
    box.value = text
    await box.action_submit()


async def test_v2_the_two_quizzes_count_their_own_answers_with_the_same_follow_up() -> None:
    for lang, hint_word, again in (("en", "Hint:", "Try again."), ("ja", "ヒント", "もう一度")):
        app = TwoQuizzes(lang)
        async with app.run_test(size=(80, 24)) as pilot:
            tls = TlsEstablished("TLSv1.3", CIPHER, CERT, True, "sandbox.test")
            remember(app, [SessionStarted(scenario="starttls", server="s", via_tap="t"), tls])
            typed, session = app.query_one(QuizBlock), app.query_one(SessionQuizBlock)
            assert list(app.query(QuizBlock)) == [typed]  # siblings: neither is the other
            await submit(typed, "HELO")
            await pilot.pause()
            assert (typed.tries, session.tries) == (1, 0)
            await submit(session, "RC4")
            await pilot.pause()
            assert (typed.tries, session.tries) == (1, 1)
            for block in (typed, session):  # the shared follow-up: hint, then try again
                assert hint_word in block.feedback_text and again in block.feedback_text
                assert not block.settled and not block.done
            await submit(session, CIPHER)
            await pilot.pause()
            assert session.correct and session.done and not typed.done
            assert SESSION.explain in session.feedback_text
            await submit(typed, "EHLO")
            await pilot.pause()
            assert typed.tries == MAX_TRIES and typed.settled and not typed.correct
            assert "STARTTLS" in typed.feedback_text and TYPED.explain in typed.feedback_text
