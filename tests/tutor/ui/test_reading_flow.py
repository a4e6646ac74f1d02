"""`r`, the lesson read as plain text (properties.md W2): it kept the Markdown source's line
breaks, so at 80 columns a paragraph came out ragged (one long line wrapped, one short line),
and wider it did not use the width. A paragraph now flows to the screen's width, in English
(words) and Japanese (per character, no space where a CJK line was broken); code, walk-through
lines, list items and table rows keep their lines; `lessons show` keeps the source's lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.widgets import Static
from tutor_ui_fakes import make_app, wait_for

from tutor.model.course import load_course
from tutor.ui.plain_lesson import plain_lesson, plain_markdown
from tutor.ui.screens.course import CourseScreen
from tutor.ui.screens.reading import ReadingScreen

FIRST = {
    "en": "Port 587 (submission) and port 25 (relay) start in plaintext. STARTTLS turns the same",
    "ja": "587番（サブミッション）と25番（中継）は平文で始まります。STARTTLS は、同じ接続を",
}


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def test_w2_flow_joins_a_paragraphs_lines_and_keeps_the_rest() -> None:
    source = (
        "One line\nand the next.\n\n- an item\n  that goes on\n- another\n\n"
        "| a | b |\n| c | d |\n\n```\ncode\nlines\n```\n## Head\ntext\n\n暗号化された\nレコード\n"
    )
    assert plain_markdown(source, flow=True).split("\n") == [
        "One line and the next.",
        "",
        "- an item that goes on",
        "- another",
        "",
        "| a | b |",
        "| c | d |",
        "",
        "    code",
        "    lines",
        "Head",
        "text",
        "",
        "暗号化されたレコード",
    ]
    assert plain_markdown(source).startswith("One line\nand the next.")  # lessons show


@pytest.mark.parametrize(("lang", "size"), [("en", (80, 24)), ("ja", (80, 24)), ("en", (120, 35))])
async def test_w2_reading_screen_paragraphs_flow_to_the_width(
    data: Path, lang: str, size: tuple[int, int]
) -> None:
    app = make_app(data, lessons_dir=None, lang=lang)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        lesson = app.state.course.get("starttls")
        assert lesson is not None
        await app.push_screen(ReadingScreen(lesson))
        text = app.screen.query_one("#reading-text", Static)
        await wait_for(pilot, lambda: text.size.width > 0)
        shown = str(text.content)
        # the intro paragraph is one line of the text, whatever the source's lines were
        (para,) = [line for line in shown.split("\n") if line.startswith(FIRST[lang])]
        assert "STARTTLS" in para and cell_len(para) > 150
        # as the screen shows it: every line of the paragraph but its last fills the width
        width = text.content_region.width
        assert width >= size[0] - 4
        lines = Text(para).wrap(Console(width=width), width)
        assert len(lines) >= 2
        for line in lines[:-1]:
            assert cell_len(line.plain.rstrip()) >= width - 14, (width, line.plain)


def test_w2_lessons_show_keeps_the_source_lines() -> None:
    lesson = load_course(None, "en").get("starttls")
    assert lesson is not None
    assert "Port 587 (submission) and port 25 (relay) start in plaintext. STARTTLS\n" in (
        plain_lesson(lesson, "en")
    )
