"""The language is the app's reactive `lang`: switching it (the `l` key, the palette's command)
re-renders every screen in place, in the new words, without closing anything; the words tables
hold one table per language of `tutor.model.langs.LANGS`, with the same keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.table import Table
from textual.widgets import Button, Input, OptionList, Tab
from tutor_ui_fakes import make_app, palette_found, wait_for

from sandbox.lab.catalog import SCENARIOS
from tutor.model.goals import GOALS
from tutor.model.langs import LANGS
from tutor.ui import help_text
from tutor.ui.screens.course import CourseScreen
from tutor.ui.screens.dialogs import ConfirmScreen, HelpScreen
from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.lab_panes import ConnectionPane, EavesdropperPane
from tutor.ui.words import TABLES


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def footer_words(screen: object) -> set[str]:
    """The descriptions the screen's bindings give the Footer."""
    assert isinstance(screen, CourseScreen | LessonScreen | LabScreen)
    return {b.description for _, b in screen._bindings if b.show}


def test_each_language_has_a_words_table_with_the_same_keys() -> None:
    assert tuple(TABLES) == LANGS
    english = set(TABLES[LANGS[0]])
    for lang in LANGS[1:]:
        table = set(TABLES[lang])
        # the English goal and scenario words are the summaries in tutor.model.goals and
        # sandbox.lab.catalog; every other language names each of them, and only those
        assert {k for k in table if k.startswith("goal.")} == {f"goal.{g}" for g in GOALS}
        assert {k for k in table if k.startswith("scenario.")} == {
            f"scenario.{s}" for s in SCENARIOS
        }
        chrome = {k for k in table if not k.startswith(("goal.", "scenario."))}
        assert chrome == english, (lang, sorted(chrome ^ english))
    assert tuple(help_text._TABLES) == LANGS
    assert all(set(t) == set(help_text.TOPICS) for t in help_text._TABLES.values())


async def test_switching_language_re_renders_course_and_lesson_in_place(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(100, 30)) as pilot:
        course = app.screen
        assert isinstance(course, CourseScreen)
        assert "Continue" in footer_words(course)
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "ja" and app.screen is course  # the same screen, re-rendered
        title = str(course.query_one("#course-title").render())
        assert title.startswith("smtp-tutor: SMTP・TLS・STARTTLS 入門   ")
        assert title.endswith("Enter か番号（1-2）でレッスンを開く")  # and how to open one (W1)
        assert "English" in footer_words(course)  # the key that switches back
        assert "言語: 日本語" in app.notices
        await pilot.press("enter")
        await pilot.pause()
        lesson = app.screen
        assert isinstance(lesson, LessonScreen)
        assert lesson.lesson.lang == "ja"
        assert str(lesson.query_one("#next", Button).label) == "次へ ▶"
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("ctrl+p", *"English")  # the palette's command, this time
        await wait_for(pilot, lambda: palette_found(app))
        await pilot.press("enter")
        await pilot.pause()
        assert app.lang == "en"
        assert app.screen is lesson and app.screen_stack[-2] is course
        assert (lesson.lesson.lang, lesson.lesson.id, lesson.step) == ("en", "first-words", 2)
        assert "Step 2/3" in str(lesson.query_one(".step-title").render())
        assert str(lesson.query_one("#next", Button).label) == "Next ▶"
        assert lesson.query_one("#steps").border_title == "Steps"
        assert {"Next", "Previous", "Back"} <= footer_words(lesson)
        await pilot.press("escape")
        await pilot.pause()
        first = course.query_one("#lessons", OptionList).get_option_at_index(0).prompt
        assert isinstance(first, Table)
        assert "◐ in progress" in " ".join(str(c) for col in first.columns for c in col.cells)
    assert json.loads((data / "progress.json").read_text())["language"] == "en"


async def test_switching_language_in_a_lab_keeps_the_session_and_re_says_the_chrome(
    data: Path,
) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lab("starttls")
        await pilot.pause()
        lab = app.screen
        assert isinstance(lab, LabScreen)
        session = lab.session
        assert session is not None
        for position in (1, 2):  # a key pressed while the lab is busy is dropped: one at a time
            await pilot.press("s")
            await wait_for(pilot, lambda position=position: session.position == position)
        await wait_for(pilot, lambda: "TLS ✔" in str(lab.query_one("#tab-connection", Tab).label))
        assert str(lab.query_one("#tab-connection", Tab).label) == "Connection · TLS ✔"
        await app.run_action("switch_language")
        await pilot.pause()
        assert app.screen is lab and lab.session is session  # nothing restarted
        assert str(lab.query_one("#btn-step", Button).label) == "1手進む"
        assert str(lab.query_one("#tab-conversation", Tab).label) == "会話"
        assert str(lab.query_one("#tab-connection", Tab).label) == "接続 · TLS ✔"
        assert lab.query_one(EavesdropperPane).border_title == "盗聴者の視点"
        assert "TLS: 暗号化" in lab.query_one(ConnectionPane).text
        assert lab.query_one("#command", Input).placeholder.startswith("SMTP コマンドを入力")
        assert "次のコマンド: EHLO client.test(3/7)" in str(lab.query_one("#status").render())
        assert str(lab.query_one("#lab-title").render()).startswith("ラボ · starttls")
        assert "1手" in footer_words(lab)
        await pilot.press("3")  # the pane keys survive the switch
        await pilot.pause()
        assert lab.current_pane == "connection"
        await pilot.press("f1")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert help_screen.query_one("#help-box").border_title == "ヘルプ"
        await app.run_action("switch_language")
        await pilot.pause()
        assert help_screen.query_one("#help-box").border_title == "Help"
        assert str(lab.query_one("#btn-step", Button).label) == "Step"


async def test_a_confirmation_follows_the_language_too(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.question == "Forget your progress in every lesson?"
        await app.run_action("switch_language")
        await pilot.pause()
        assert str(confirm.query_one("#confirm-question").render()) == (
            "すべてのレッスンの進捗を消去しますか?"
        )
        assert str(confirm.query_one("#no", Button).label) == "いいえ"
        await pilot.press("y")
        await pilot.pause()
        assert "すべての進捗を消去しました。" in app.notices  # the app speaks the new language
