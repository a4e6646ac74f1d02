"""The tls-versions block (M39): the learner runs one session at TLS 1.2 and at TLS 1.3 (real
loopback sessions) and sees, side by side, what a listener learns of each."""

from __future__ import annotations

import asyncio
import io

import pytest
from rich.console import Console
from textual.app import ComposeResult
from textual.widgets import Button, Static

from tutor.model.block_kinds import build_block
from tutor.model.lesson import FenceBody
from tutor.model.versions_lab import VersionsLab
from tutor.ui.lang import LangApp
from tutor.ui.widgets.blocks import InteractiveBlock
from tutor.ui.widgets.versions_lab import VersionsLabBlock

pytestmark = pytest.mark.timeout(120)
BLOCK = VersionsLab(scenario="starttls", do="Run both and compare.", line=1)


class BlockApp(LangApp):
    def __init__(self, lang: str = "en") -> None:
        super().__init__()
        self.set_reactive(LangApp.lang, lang)
        self.completed: list[InteractiveBlock] = []

    def compose(self) -> ComposeResult:
        yield VersionsLabBlock(BLOCK, 0)

    def on_interactive_block_completed(self, message: InteractiveBlock.Completed) -> None:
        self.completed.append(message.block)


def shown(block: VersionsLabBlock) -> str:
    out = io.StringIO()
    assert block.query_one(".versions-result", Static).display
    Console(file=out, width=160, no_color=True).print(block.result)
    return out.getvalue()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_m39_the_block_runs_both_versions_and_shows_them_side_by_side(
    size: tuple[int, int],
) -> None:
    app = BlockApp()
    async with app.run_test(size=size) as pilot:
        block = app.query_one(VersionsLabBlock)
        assert not block.done
        await pilot.click(".run")
        async with asyncio.timeout(60):
            while not block.done and not block.error:
                await pilot.pause(0.05)
            # Completed is a message: it reaches the app a moment after `done` is set
            while block.done and not app.completed:
                await pilot.pause(0.05)
        assert block.error == ""
        assert [r.name for r in block.runs] == ["TLS 1.2", "TLS 1.3"]
        assert app.completed == [block]
        text = shown(block)
        assert "What a listener learns" in text and "TLS 1.2" in text and "TLS 1.3" in text
        assert "readable: CN=sandbox.test" in text  # the TLS 1.2 certificate
        assert "sent encrypted: not seen" in text  # the TLS 1.3 one
        row = next(line for line in text.splitlines() if "Round trips" in line)
        assert [c for c in row.split() if c != "│"][-2:] == ["2", "1"]
        assert not app.query_one(".run", Button).disabled  # it may run again


async def test_m39_a_failed_run_is_said_in_words() -> None:
    async def broken(scenario: str) -> list:  # type: ignore[type-arg]
        raise OSError("no loopback today")

    app = BlockApp(lang="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        block = app.query_one(VersionsLabBlock)
        block.runner = broken
        await pilot.click(".run")
        async with asyncio.timeout(30):
            while not block.error:
                await pilot.pause(0.05)
        assert "セッションを実行できませんでした: OSError: no loopback today" in shown(block)
        assert not block.done


def test_m39_the_fence_and_its_errors() -> None:
    def body(*lines: str) -> FenceBody:
        return FenceBody(lines=lines, first_line=2, file="x.md", line=1)

    block, errors = build_block("tls-versions", body("scenario: starttls", "do: Compare."))
    assert errors == [] and block == VersionsLab("starttls", "Compare.", 1)
    _, errors = build_block("tls-versions", body("scenario: strip", "do: Compare."))
    assert [e.message for e in errors] == [
        "tls-versions: scenario 'strip': pick a lab whose client speaks TLS unhindered"
    ]
    _, errors = build_block("tls-versions", body("scenario: nope"))
    assert {e.message for e in errors} == {
        "tls-versions: unknown scenario 'nope'",
        "tls-versions: 'do' is missing",
    }
