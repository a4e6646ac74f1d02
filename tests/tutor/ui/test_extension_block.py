"""A lesson block kind is its model, its builder, its widget and one registration each side.

Proved with a kind that exists only in this file, `checklist`: registered, the validator accepts a
course that uses it and the tutor shows it in its step (Pilot); unregistered, the same course is
a `file:line` error. A fence naming no kind is an error, and a model without a widget raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Label, Static
from tutor_ui_fakes import make_app, saved_progress

from tutor.model.block_kinds import (
    BLOCK_KINDS,
    CODE_LANGUAGES,
    register_block_kind,
    unregister_block_kind,
)
from tutor.model.lesson import CustomBlock, FenceBody, LessonError
from tutor.model.validate import validate
from tutor.ui.lang import words
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.block_widgets import (
    BLOCK_WIDGETS,
    NoBlockWidget,
    block_widget,
    register_block_widget,
    unregister_block_widget,
)
from tutor.ui.widgets.blocks import InteractiveBlock

# --- the test-only kind: model, builder, widget ---------------------------------------------------


@dataclass(frozen=True)
class Checklist(CustomBlock):
    """Things to tick off, one `- item` a line."""

    items: tuple[str, ...]
    line: int


def build_checklist(body: FenceBody) -> tuple[Checklist | None, list[LessonError]]:
    items: list[str] = []
    errors: list[LessonError] = []
    for n, text in enumerate(body.lines, start=body.first_line):
        if text.strip():
            if not text.startswith("- "):
                errors.append(body.error(n, "checklist: write each item as '- item'"))
            items.append(text[2:].strip())
    if errors:
        return None, errors
    return Checklist(tuple(items), body.line), []


class ChecklistBlock(InteractiveBlock):
    """Shows the items; done when the learner ticks them all (one button here)."""

    def __init__(self, checklist: Checklist, index: int) -> None:
        super().__init__(index, classes="checklist")
        self.checklist = checklist

    def compose(self) -> ComposeResult:
        yield Label(f"☐ {len(self.checklist.items)}", classes="block-label")
        yield Static("\n".join(f"- {i}" for i in self.checklist.items), classes="items")
        yield Button(words(self, "lesson.next"), classes="tick", compact=True)

    @on(Button.Pressed, ".tick")
    def _ticked(self, event: Button.Pressed) -> None:
        event.stop()
        self.complete()


@pytest.fixture
def checklist_kind() -> Iterator[None]:
    register_block_kind("checklist", Checklist, build_checklist)
    register_block_widget(Checklist, ChecklistBlock)
    try:
        yield
    finally:
        unregister_block_kind("checklist")
        unregister_block_widget(Checklist)


# --- a course that uses it ------------------------------------------------------------------------

LESSON = """\
---
id: pre-flight
title: {title}
summary: Before the first session.
minutes: 2
scenario: none
---

## {step}

{prose}

```checklist
- {first}
- {second}
```
"""


def write_course(root: Path) -> Path:
    texts = {
        "en": ("Pre-flight", "Check", "Tick each item.", "a terminal", "this course"),
        "ja": ("準備", "確認", "項目を確認します。", "端末", "このコース"),
    }
    for lang, (title, step, prose, first, second) in texts.items():
        folder = root / lang
        folder.mkdir(parents=True)
        text = LESSON.format(title=title, step=step, prose=prose, first=first, second=second)
        (folder / "01-pre-flight.md").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def unknown(name: str, line: int, file: str) -> str:
    code = ", ".join(sorted(CODE_LANGUAGES - {""}))
    known = ", ".join(sorted(BLOCK_KINDS))
    return f"{file}:{line}: unknown block kind {name!r}; known: {known} (code samples: {code})"


# --- the proof ------------------------------------------------------------------------------------


def test_the_validator_accepts_a_registered_kind_and_refuses_it_once_unregistered(
    tmp_path: Path,
) -> None:
    course = write_course(tmp_path / "course")
    register_block_kind("checklist", Checklist, build_checklist)
    try:
        report = validate(course, shown_root="course")
        assert report.errors == ()
        assert report.summary() == "1 lesson in 2 languages: OK"
        bad = course / "en" / "01-pre-flight.md"
        bad.write_text(bad.read_text().replace("- a terminal", "a terminal"), encoding="utf-8")
        assert [str(e) for e in validate(course, shown_root="course").errors] == [
            "course/en/01-pre-flight.md:14: checklist: write each item as '- item'"
        ]
        bad.write_text(bad.read_text().replace("a terminal", "- a terminal"), encoding="utf-8")
    finally:
        unregister_block_kind("checklist")
    report = validate(course, shown_root="course")
    assert [str(e) for e in report.errors] == [
        unknown("checklist", 13, "course/en/01-pre-flight.md"),
        unknown("checklist", 13, "course/ja/01-pre-flight.md"),
    ]


async def test_the_tutor_shows_a_registered_kind_in_its_step(
    checklist_kind: None, tmp_path: Path, data: Path
) -> None:
    app = make_app(data, lessons_dir=write_course(tmp_path / "course"), start_lesson="pre-flight")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        body = screen.query_one("#step-body")
        block = body.query_one(ChecklistBlock)
        assert block.checklist.items == ("a terminal", "this course")
        assert block.index == 1  # after the step's prose
        assert block.region.height > 0 and screen.find_widget(block)  # laid out, on screen
        assert "- a terminal\n- this course" in str(block.query_one(".items").render())
        nav = str(screen.query_one("#open-items").render())
        assert nav == "Still open in this step: an exercise."
        await pilot.click(".tick")
        await pilot.pause()
        assert block.done
        assert str(screen.query_one("#open-items").render()) == "Step complete."
        await app.run_action("switch_language")  # the step is shown again, in Japanese
        await pilot.pause()
        again = screen.query_one(ChecklistBlock)
        assert again.checklist.items == ("端末", "このコース")
        assert str(again.query_one(".tick", Button).label) == "次へ ▶"
    saved = saved_progress(data)
    assert saved["lessons"]["pre-flight"]["done"] == [1]


def test_a_fence_that_names_no_kind_is_an_error(tmp_path: Path) -> None:
    course = write_course(tmp_path / "course")
    for lang in ("en", "ja"):
        f = course / lang / "01-pre-flight.md"
        f.write_text(f.read_text().replace("```checklist", "```checklst"), encoding="utf-8")
    assert [str(e) for e in validate(course, shown_root="c").errors] == [
        unknown("checklst", 13, "c/en/01-pre-flight.md"),
        unknown("checklst", 13, "c/ja/01-pre-flight.md"),
    ]


async def test_a_block_model_without_a_widget_raises_never_shows_another_block(
    tmp_path: Path, data: Path
) -> None:
    block = Checklist(("a terminal",), 13)
    with pytest.raises(NoBlockWidget, match=r"no widget for Checklist blocks: register one"):
        block_widget(block, 0)
    assert Checklist not in BLOCK_WIDGETS
    register_block_kind("checklist", Checklist, build_checklist)
    try:
        app = make_app(
            data, lessons_dir=write_course(tmp_path / "course"), start_lesson="pre-flight"
        )
        shown: list[InteractiveBlock] = []

        async def run() -> None:
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                shown.extend(app.screen.query(InteractiveBlock))

        with pytest.raises(NoBlockWidget):
            await run()
    finally:
        unregister_block_kind("checklist")
    assert shown == []  # nothing stood in for the checklist (it used to be a LabBlock)
