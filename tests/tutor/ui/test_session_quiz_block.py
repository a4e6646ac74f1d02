"""The session quiz on screen (M37): the answer is the learner's own session, kept by the lab."""

from __future__ import annotations

import pytest
from textual.app import ComposeResult
from textual.widgets import Input

from sandbox.events import (
    CertSummary,
    HandshakeInfo,
    SandboxEvent,
    SessionStarted,
    Side,
    TlsEstablished,
    WireRecord,
)
from tutor.model.session_quiz import SessionQuiz
from tutor.ui.lang import LangApp
from tutor.ui.session_memory import recall, remember
from tutor.ui.widgets.blocks import InteractiveBlock
from tutor.ui.widgets.session_quiz import SessionQuizBlock

QUIZ = SessionQuiz(
    question="Which cipher suite did **your** session negotiate?",
    fact="cipher",
    hint="The Connection pane's Cipher row.",
    explain="The server chose it from the ClientHello's list.",
    line=1,
)
CERT = CertSummary("CN=sandbox.test", "CN=smtp-tutor sandbox CA", "a", "b", ("sandbox.test",), "AB")


def events(cipher: str) -> list[SandboxEvent]:
    hello = HandshakeInfo(msg_type=1, name="ClientHello", sni="sandbox.test")
    return [
        SessionStarted(scenario="starttls", server="s", via_tap="t"),
        WireRecord(Side.CLIENT, 30, 22, "handshake", "TLS 1.0", 200, "", (hello,)),
        TlsEstablished("TLSv1.3", cipher, CERT, True, "sandbox.test"),
    ]


class QuizApp(LangApp):
    def __init__(self, lang: str = "en") -> None:
        super().__init__()
        self.set_reactive(LangApp.lang, lang)
        self.completed: list[InteractiveBlock] = []
        self.answers: list[object] = []

    def compose(self) -> ComposeResult:
        yield SessionQuizBlock(QUIZ, 0)

    def on_interactive_block_completed(self, message: InteractiveBlock.Completed) -> None:
        self.completed.append(message.block)

    def on_interactive_block_answered(self, message: InteractiveBlock.Answered) -> None:
        self.answers.append(message.answer)


async def type_answer(app: QuizApp, pilot: object, text: str) -> None:
    box = app.query_one(".answer", Input)
    box.value = text
    await box.action_submit()
    await pilot.pause()  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_m37_before_a_session_the_quiz_says_to_run_the_lab_and_counts_nothing(
    size: tuple[int, int],
) -> None:
    app = QuizApp()
    async with app.run_test(size=size) as pilot:
        quiz = app.query_one(SessionQuizBlock)
        await type_answer(app, pilot, "TLS_AES_256_GCM_SHA384")
        assert "No lab session has got that far yet" in quiz.feedback_text
        assert quiz.tries == 0 and not quiz.done and app.answers == []


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_m37_the_right_answer_is_what_the_session_negotiated(size: tuple[int, int]) -> None:
    app = QuizApp()
    async with app.run_test(size=size) as pilot:
        quiz = app.query_one(SessionQuizBlock)
        remember(quiz, events("TLS_CHACHA20_POLY1305_SHA256"))
        await type_answer(app, pilot, "TLS_AES_256_GCM_SHA384")  # a suite, not this session's
        assert quiz.feedback_text.startswith("✘ Not quite.")
        assert "Hint: The Connection pane's Cipher row." in quiz.feedback_text
        assert not quiz.done
        await type_answer(app, pilot, "tls_chacha20_poly1305_sha256")
        assert quiz.correct and quiz.done and app.completed == [quiz]
        assert "your session's answer is TLS_CHACHA20_POLY1305_SHA256" in quiz.feedback_text
        assert "Why: The server chose it" in quiz.feedback_text
        assert app.answers == ["TLS_AES_256_GCM_SHA384", "tls_chacha20_poly1305_sha256"]


async def test_m37_two_wrong_answers_show_the_sessions_own_answer_in_japanese() -> None:
    app = QuizApp(lang="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        quiz = app.query_one(SessionQuizBlock)
        remember(quiz, events("TLS_AES_128_GCM_SHA256"))
        await type_answer(app, pilot, "x")
        await type_answer(app, pilot, "y")
        assert quiz.done and not quiz.correct
        assert "あなたのセッションの答え: TLS_AES_128_GCM_SHA256" in quiz.feedback_text
        assert recall(quiz).sni == "sandbox.test"
