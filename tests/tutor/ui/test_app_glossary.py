"""The glossary, the palette's search over lesson text, and a lesson read as plain text, driven
with Pilot on the built-in course and on a new pack (properties.md T10-T12, T8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input, Markdown, OptionList, Static
from tutor_ui_fakes import make_app, wait_for

from tutor.cli.main import main
from tutor.ui.plain_lesson import plain_lesson
from tutor.ui.screens.course import CourseScreen
from tutor.ui.screens.glossary import GlossaryScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.reading import ReadingScreen


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def palette_first(app: object, wanted: str) -> bool:
    """The palette is open and its first (highlighted) hit says `wanted`: the search of what
    was typed has finished, not only a search of its first letters."""
    screen = getattr(app, "screen", None)
    if not isinstance(screen, CommandPalette):
        return False
    hits = screen.query_one(CommandList)
    if hits.option_count == 0:
        return False
    prompt = hits.get_option_at_index(hits.highlighted or 0).prompt
    plain = prompt.plain if hasattr(prompt, "plain") else str(prompt)
    return wanted in plain


def terms(screen: object) -> list[str]:
    assert isinstance(screen, GlossaryScreen)
    listed = screen.query_one("#glossary-terms", OptionList)
    return [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]


def explained(screen: object) -> str:
    assert isinstance(screen, GlossaryScreen)
    return screen.query_one("#glossary-entry", Markdown).source


async def test_t10_the_glossary_from_a_lesson_and_from_the_palette(data: Path) -> None:
    app = make_app(data, lessons_dir=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        app.open_lesson("starttls", 2)  # a lab step: no text box takes the keys
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        await pilot.press("g")
        # the screen is pushed before its list is filled: wait for the list, not the screen
        await wait_for(
            pilot, lambda: isinstance(app.screen, GlossaryScreen) and terms(app.screen) != []
        )
        screen = app.screen
        assert isinstance(screen, GlossaryScreen)
        await wait_for(pilot, lambda: explained(screen) != "")
        listed = terms(screen)
        assert listed[0] == "STARTTLS"  # the lesson's terms, in order of first mention
        assert {"plaintext", "TLS handshake", "MTA-STS", "DANE"} <= set(listed)
        assert "SMTP smuggling" not in listed  # not a word of this lesson
        assert explained(screen).startswith("## STARTTLS\n\nThe SMTP command that turns")
        assert "See also: implicit TLS, opportunistic TLS" in explained(screen)
        await pilot.press("down")
        await wait_for(pilot, lambda: explained(screen).startswith(f"## {listed[1]}\n"))
        await pilot.click("#glossary-search")
        await pilot.press(*"sni")
        await wait_for(pilot, lambda: terms(screen)[:1] == ["SNI"])
        assert "ClientHello" in explained(screen)
        screen.query_one("#glossary-search", Input).value = "zzz"
        await wait_for(pilot, lambda: terms(screen) == [])
        assert explained(screen) == "No term or definition says 'zzz'."
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        await pilot.press("ctrl+p", *"Glossary: MTA-")
        await wait_for(pilot, lambda: palette_first(app, "Glossary: MTA-STS"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GlossaryScreen))
        screen = app.screen
        assert isinstance(screen, GlossaryScreen)
        await wait_for(pilot, lambda: explained(screen).startswith("## MTA-STS\n"))
        assert len(terms(screen)) == 23  # the whole glossary, at the chosen term
        app.lang = "ja"  # the same entry, in Japanese
        await wait_for(pilot, lambda: "平文（ひらぶん）" in terms(screen))
        assert screen.query_one("#glossary-title", Static).content == "用語集"
        assert explained(screen).startswith("## MTA-STS\n\nSMTP MTA Strict")
        assert "HTTPS でポリシーを公開し" in explained(screen)


async def test_t11_the_palette_finds_words_in_the_lessons_text(data: Path) -> None:
    app = make_app(data, lessons_dir=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        await pilot.press("ctrl+p", *"Wietse Venema")  # said in a step, in no title
        await wait_for(pilot, lambda: palette_first(app, "Wietse Venema"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert (screen.lesson.id, screen.step) == ("starttls", 4)
        assert "Wietse Venema" in screen.lesson.step(4).markdown


async def test_t12_a_lesson_reads_as_plain_text_in_the_tui(data: Path) -> None:
    app = make_app(data, lessons_dir=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        app.open_lesson("6", 2)  # by its number, as the course list shows it
        await wait_for(pilot, lambda: getattr(app.screen, "step", 0) == 2)
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ReadingScreen)
                and str(app.screen.query_one("#reading-text", Static).content) != ""
            ),
        )
        screen = app.screen
        assert isinstance(screen, ReadingScreen)
        lesson = app.state.course.get("starttls")
        assert lesson is not None
        shown = str(screen.query_one("#reading-text", Static).content)
        assert shown == plain_lesson(lesson, "en", flow=True)  # paragraphs flow (W2)
        assert shown.count("\nStep ") == len(lesson.steps)
        scroll = screen.query_one("#reading-scroll")
        await wait_for(pilot, lambda: scroll.has_focus)  # focused once mounted, not at push
        await pilot.press("end")
        await wait_for(pilot, lambda: scroll.scroll_y > 0)
        app.lang = "ja"
        await wait_for(
            pilot,
            lambda: str(screen.query_one("#reading-text", Static).content).startswith("レッスン 6"),
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        assert getattr(app.screen, "step", 0) == 2  # back where the learner was


async def test_t8_a_new_pack_opens_in_the_tutor_with_its_glossary(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "class-pack"
    assert main(["lessons", "new", str(root)]) == 0
    capsys.readouterr()
    app = make_app(data, lessons_dir=root)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        assert app.state.course.pack_id == "class-pack"
        assert app.state.course.ids == ("first-lesson",)
        assert app.state.course.problems == ()
        await pilot.press("ctrl+p", *"Glossary: banner")
        await wait_for(pilot, lambda: palette_first(app, "Glossary: banner"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GlossaryScreen))
        screen = app.screen
        assert isinstance(screen, GlossaryScreen)
        await wait_for(pilot, lambda: explained(screen).startswith("## banner\n"))
        assert terms(screen) == ["banner"]
