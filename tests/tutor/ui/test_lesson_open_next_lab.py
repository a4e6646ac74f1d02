"""`o` on a step with two labs opens the first whose goal is not met yet (lesson 10 step 5:
the opportunistic connector, then the one that requires TLS). It always opened the first, so
a learner who had done it could not reach the second from the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, Static
from tutor_ui_fakes import at_step, make_app, wait_for

from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.lab_block import LabBlock


def open_items(screen: LessonScreen) -> str:
    return str(screen.query_one("#open-items").render())


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


async def test_o_opens_the_first_lab_whose_goal_is_not_met(data: Path) -> None:
    at_step(data, "exchange", 5, builtin=True)
    app = make_app(data, lessons_dir=None, start_lesson="exchange")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.screen.query(LabBlock)) == 2)
        lesson = app.screen
        assert isinstance(lesson, LessonScreen)
        first, second = lesson.query(LabBlock)
        assert (first.lab.client_policy, second.lab.client_policy) == ("may", "encrypt")
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, LabScreen))
        assert app.screen.client_policy == "may"  # nothing done yet: the first
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is lesson)
        first.goal_met()
        # the first lab's goal is met, the step is not: the block must not say it is
        said = str(first.query_one(".lab-goal", Static).render())
        assert said.startswith("✔ Goal met: ") and "Step complete" not in said
        await wait_for(pilot, lambda: "the lab" in open_items(lesson))
        assert "Step complete" not in open_items(lesson)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, LabScreen))
        assert app.screen.client_policy == "encrypt"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is lesson)
        second.goal_met()
        await pilot.press("o")  # both done: the first again, as before
        await wait_for(pilot, lambda: isinstance(app.screen, LabScreen))
        assert app.screen.client_policy == "may"


async def test_t_on_a_wide_screen_goes_to_the_shown_step_list_before_hiding_it(data: Path) -> None:
    """At 120x35 the step list is shown from the start; t hid it, so a newcomer's arrows and
    Enter then answered the step's quiz (lesson 8 step 1, in a walk) instead of picking a step."""
    app = make_app(data, lessons_dir=None, start_lesson="starttls-attacks", lang="ja")
    async with app.run_test(size=(120, 35)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        lesson = app.screen
        assert isinstance(lesson, LessonScreen)
        steps = lesson.query_one("#steps", OptionList)
        await wait_for(pilot, lambda: steps.display and lesson.focused is not steps)
        await pilot.press("t")
        await wait_for(pilot, lambda: lesson.focused is steps)
        assert steps.display
        await pilot.press(*["down"] * 10, "enter")
        await wait_for(pilot, lambda: lesson.step == 11)
        assert lesson.lesson.id == "starttls-attacks"
        steps.focus()
        await pilot.press("t")  # in the list: t hides it, and the step has the keys
        await wait_for(pilot, lambda: not steps.display)
        assert lesson.focused is not steps
