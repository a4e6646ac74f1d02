"""The lesson screen with Pilot: Q&A, quizzes right and wrong, walk-throughs with predictions,
"next" naming what is still open, a lab step completed by its goal, the step list, links.

Each test is one short journey (starting Textual is the costly part) that checks every state it
passes through.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, OptionList
from textual.widgets._toast import Toast
from tutor_ui_fakes import at_step, make_app, saved_progress, wait_for

from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.blocks import QABlock
from tutor.ui.widgets.lab_block import LabBlock
from tutor.ui.widgets.quiz import QuizBlock
from tutor.ui.widgets.transcript import TranscriptBlock


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def saved(data: Path) -> dict:  # type: ignore[type-arg]
    return saved_progress(data)


async def pick(pilot: Pilot[None], quiz: QuizBlock, choice: int) -> None:
    choices = quiz.query_one(OptionList)
    choices.focus()
    choices.highlighted = choice - 1
    await pilot.press("enter")
    await pilot.pause()


async def test_qa_is_a_labelled_conversation_in_both_languages_and_links_open_lessons(
    data: Path,
) -> None:
    for lang, beginner, expert in (("ja", "初心者:", "専門家:"), ("en", "Beginner:", "Expert:")):
        app = make_app(data, lang=lang, start_lesson="first-words")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert len(app.screen.query(QABlock)) == 3  # the intro's and step 1's two
            speakers = [str(label.render()) for label in app.screen.query(".speaker")]
            assert speakers[:2] == [beginner, expert]
            if lang == "en":  # a link to another lesson file opens it in the tutor
                app.open_lesson("upgrade")
                await pilot.pause()
                prose = app.screen.query_one(".prose", Markdown)
                assert "[First words](01-first-words.md)" in prose.source
                prose.post_message(Markdown.LinkClicked(prose, "01-first-words.md"))
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, LessonScreen)
                assert screen.lesson.id == "first-words"
                assert len(app.screen_stack) == 5  # course, first-words, upgrade, first-words


async def test_quiz_wrong_then_right_with_reasons_hint_and_explanation(data: Path) -> None:
    at_step(data, "first-words", 2)
    app = make_app(data, start_lesson="first-words")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        quiz = app.screen.query_one(QuizBlock)
        await pick(pilot, quiz, 1)
        assert quiz.tries == 1
        assert not quiz.done
        # the lesson's reason says right or wrong itself: no "Not quite." before it
        assert quiz.feedback_text.startswith("✘ No: the client waits for the greeting.\n")
        assert "Hint: Look at the first line of the transcript." in quiz.feedback_text
        assert "Try again." in quiz.feedback_text
        assert "Why:" not in quiz.feedback_text  # the explanation would give it away
        await pick(pilot, quiz, 2)
        assert quiz.done
        assert quiz.correct
        assert quiz.feedback_text.startswith("✔ Right: the server greets with 220.\n")
        assert "Why: The server speaks first, with a 220 greeting." in quiz.feedback_text
        # curious afterwards: another choice still says why, and changes nothing
        await pick(pilot, quiz, 1)
        assert quiz.correct
        assert "No: the client waits" in quiz.feedback_text


async def test_free_text_quiz_gives_a_second_try_then_the_answer(data: Path) -> None:
    app = make_app(data, start_lesson="upgrade", lang="ja")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        quiz = app.screen.query_one(QuizBlock)
        quiz.query_one(Input).focus()
        await pilot.press(*"start tls", "enter")
        await pilot.pause()
        assert not quiz.done
        assert "ヒント:" in quiz.feedback_text
        assert "もう一度どうぞ。" in quiz.feedback_text
        await pilot.press(*"tls", "enter")
        await pilot.pause()
        assert quiz.done
        assert not quiz.correct
        assert "正解: STARTTLS" in quiz.feedback_text
        assert "解説:" in quiz.feedback_text
        assert saved(data)["lessons"]["upgrade"]["done"] == [1]  # settled: the step is done
        assert "このステップは完了です。" in str(app.screen.query_one("#open-items").render())


async def test_walkthrough_predictions_next_and_a_lab_goal_complete_the_lesson(
    data: Path,
) -> None:
    at_step(data, "first-words", 2)
    app = make_app(data, start_lesson="first-words")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        open_items = str(screen.query_one("#open-items").render())
        assert "Still open in this step: a walk-through, a quiz." in open_items
        walk = screen.query_one(TranscriptBlock)
        assert walk.waiting is not None
        assert walk.waiting.text == "EHLO client.test"
        shown = str(walk.query_one(".lines").render())
        assert "S: 220 sandbox.test ESMTP" in shown
        assert "EHLO client.test" not in shown  # not revealed before the guess
        walk.query_one(Input).focus()
        await pilot.press(*"ehlo", "enter")
        await pilot.pause()
        assert walk.guesses == [("ehlo", True)]
        assert walk.waiting is not None
        assert walk.waiting.text == "221 2.0.0 Bye"
        await pilot.press(*"250", "enter")
        await pilot.pause()
        assert walk.guesses[-1] == ("250", False)
        assert walk.done
        shown = str(walk.query_one(".lines").render())
        assert "✘ (250) S: 221 2.0.0 Bye" in shown
        assert "End of the walk-through." in shown
        # the quiz is still open: moving on says so and does not mark the step done
        screen.query_one("#step-body").focus()
        await pilot.press("n")
        await pilot.pause()
        assert screen.step == 3
        notice = str(screen.query_one("#lesson-notice").render())
        assert notice == "Step 2 is not finished yet (still open: a quiz)."
        assert saved(data)["lessons"]["first-words"]["done"] == []
        # step 3: the lab, done when its goal is met by the live (scripted) session
        block = screen.query_one(LabBlock)
        assert block.lab.goal == "session-complete"
        await pilot.press("o")  # the keyboard way; test_app_lab_real clicks the button
        await pilot.pause()
        lab = app.screen
        assert isinstance(lab, LabScreen)
        task = str(lab.query_one("#task").render())
        assert "To do: Step through a whole plaintext session" in task
        await pilot.press("s")
        await pilot.pause()
        assert not lab.goal_met
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.goal_met)
        task = str(lab.query_one("#task").render())
        assert "✔ Goal met: the session ended cleanly" in task
        # said in the task box, in place: no toast over the panes or the status line
        assert not any(n.startswith("✔ Goal met") for n in app.notices)
        assert not [t for t in lab.query(Toast) if t.display]
        assert 3 in saved(data)["lessons"]["first-words"]["done"]  # saved at once
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert block.done
        assert "✔ Goal met" in str(block.query_one(".lab-goal").render())


async def test_step_list_beside_the_step_collapses_on_narrow_terminals(data: Path) -> None:
    app = make_app(data, start_lesson="first-words")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        steps = app.screen.query_one("#steps", OptionList)
        assert steps.display
        steps.focus()
        steps.highlighted = 2
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.step == 3
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not steps.display
        screen.query_one("#step-body").focus()
        await pilot.press("t")
        await pilot.pause()
        assert steps.display
        await pilot.press("p")
        await pilot.pause()
        assert screen.step == 2
