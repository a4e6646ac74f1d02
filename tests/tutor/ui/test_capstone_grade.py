"""properties.md S11: the capstone "On call" in the tutor, from the first step to its result: a
pass with both break/fix labs run against the real sandbox, the configuration fixed until the
probes pass and every question right at the first try; a fail (in Japanese) with the labs and
the fix skipped and most questions right only at the second try. The result is what the export
says, and it is saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static
from tutor_ui_fakes import make_app, wait_for

from tutor.model import progress as pg
from tutor.model.course import load_course
from tutor.model.progress_export import build_export
from tutor.ui.app import TutorApp
from tutor.ui.lab_link import real_session
from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lab_config import ConfigLabScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.grade import GradeBlock
from tutor.ui.widgets.quiz import QuizBlock

# the right choice of each quiz, step by step (step 1 is the rules, 4 the fix, 7 the result)
ANSWERS = {2: [2, 3], 3: [3, 1], 5: [2, 3], 6: [2, 1, 3]}
LAB_STEPS = (2, 3)
FIX_STEP = 4
RESULT_STEP = 7


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def lesson_screen(app: TutorApp) -> LessonScreen:
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    return screen


async def run_lab(pilot: Pilot[None], app: TutorApp) -> None:
    """Open the step's lab, play it until its goal is met, and come back to the lesson."""
    await pilot.press("o")
    lab = app.screen
    assert isinstance(lab, LabScreen)
    await wait_for(pilot, lambda: lab.session is not None)
    await pilot.press("p")
    await wait_for(pilot, lambda: lab.goal_met)
    await back_to_lesson(pilot, app)


async def back_to_lesson(pilot: Pilot[None], app: TutorApp) -> None:
    for _ in range(3):
        if isinstance(app.screen, LessonScreen):
            break
        await pilot.press("escape")
        await pilot.pause()
    assert isinstance(app.screen, LessonScreen)


async def fix_config(pilot: Pilot[None], app: TutorApp) -> None:
    """Open the step's config lab, correct the two lines through TextArea's own editing API
    (what typing does), run until the probes pass, and come back."""
    await pilot.click(".open-config-lab")
    lab = app.screen
    assert isinstance(lab, ConfigLabScreen)
    await wait_for(pilot, lambda: lab.session is not None or lab.start_error is not None)
    main = lab.editor("main.cf")
    for wrong, right in (("server.pem", "chain.pem"), ("= encrypt", "= may")):
        row = next(i for i, line in enumerate(main.text.splitlines()) if line.endswith(wrong))
        end = len(main.document[row])
        main.replace(right, (row, end - len(wrong)), (row, end))
    await pilot.press("f5")
    await wait_for(pilot, lambda: lab.goal_met)
    assert all(r.ok for r in lab.probes)
    await back_to_lesson(pilot, app)


async def answer(pilot: Pilot[None], app: TutorApp, keys: list[int]) -> None:
    quizzes = list(lesson_screen(app).query(QuizBlock))
    for key in keys:
        await pilot.press(str(key))
        await pilot.pause()
    await wait_for(pilot, lambda: all(q.done for q in quizzes))


async def next_step(pilot: Pilot[None], app: TutorApp, number: int) -> None:
    """Next (n) until step `number`, leaving what the steps between have open."""
    while lesson_screen(app).step < number:
        at = lesson_screen(app).step
        await pilot.press("n")
        await wait_for(pilot, lambda at=at: lesson_screen(app).step == at + 1)  # type: ignore[misc]


def verdict(app: TutorApp) -> tuple[str, str]:
    block = lesson_screen(app).query_one(GradeBlock)
    return (
        str(block.query_one(".grade-verdict", Static).render()),
        str(block.query_one(".grade-detail", Static).render()),
    )


@pytest.mark.timeout(300)  # the whole lesson with three real labs: minutes on a loaded machine
async def test_s11_the_capstone_from_start_to_pass(data: Path) -> None:
    app = make_app(data, lessons_dir=None, session_factory=real_session, start_lesson="on-call")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert lesson_screen(app).lesson.id == "on-call"
        for step, keys in ANSWERS.items():
            await next_step(pilot, app, step)
            if step in LAB_STEPS:
                await run_lab(pilot, app)
            await answer(pilot, app, keys)
            if step + 1 == FIX_STEP:
                await next_step(pilot, app, FIX_STEP)
                await fix_config(pilot, app)
        await next_step(pilot, app, RESULT_STEP)
        await wait_for(pilot, lambda: lesson_screen(app).query_one(GradeBlock).done)
        said, detail = verdict(app)
        assert said == "Score: 100% (12 of 12). Pass mark: 70%. ✔ Passed."
        assert "Questions right at the first try: 9 of 9" in detail
        assert "Lab goals met: 2 of 2" in detail
        assert "Configurations fixed: 1 of 1" in detail
        entry = app.progress.lessons["on-call"]
        assert (entry.score, entry.passed) == (100, True)
    saved = pg.load(data / "progress.json").progress
    assert (saved.lessons["on-call"].score, saved.lessons["on-call"].passed) == (100, True)
    course = load_course(None, "en")
    export = build_export(saved, course, "alice", "2026-12-06T00:00:00Z")
    row = next(r for r in export["lessons"] if r["lesson"] == "on-call")
    assert (row["score"], row["pass_mark"], row["passed"]) == (100, 70, True)


async def test_s11_the_capstone_from_start_to_fail(data: Path) -> None:
    app = make_app(data, lessons_dir=None, lang="ja", start_lesson="on-call")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for step, keys in ANSWERS.items():
            await next_step(pilot, app, step)
            # the step's first question right; every other one wrong first, then right
            first, *rest = keys
            presses = [first]
            for right in rest:
                presses += [right % 3 + 1, right]  # a wrong choice, then the right one
            await answer(pilot, app, presses)
        await next_step(pilot, app, RESULT_STEP)
        await wait_for(pilot, lambda: lesson_screen(app).query_one(GradeBlock).done)
        said, detail = verdict(app)
        # 4 questions of 9 at the first try, no lab, no fix: 4 of 12
        assert said == "得点: 33%（12 問中 4）。合格点: 70%。 ✘ まだ合格点に届いていません。"
        assert "1 回目で正解した問題: 9 問中 4" in detail
        assert "達成したラボの目標: 2 件中 0" in detail
        assert "直した設定: 1 件中 0" in detail
        assert "未完了: 3 件" in detail
        entry = app.progress.lessons["on-call"]
        assert (entry.score, entry.passed) == (33, False)
    saved = pg.load(data / "progress.json").progress
    assert (saved.lessons["on-call"].score, saved.lessons["on-call"].passed) == (33, False)
