"""The tls-versions block at 80 columns (properties.md W3): side by side, a cipher suite and a
certificate's name were folded into 16-column cells ("TLS_ECDHE_ECDSA" / "_WITH_AES_128_G").
Where the table does not fit without folding, each row's words come on a line of their own and
each version's value under them, whole; wide, the table stays side by side. Real runs."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import ComposeResult
from textual.geometry import Region
from textual.widgets import Static

from tutor.model.versions_lab import VersionsLab
from tutor.ui.lang import LangApp
from tutor.ui.widgets.versions_lab import VersionsLabBlock

pytestmark = pytest.mark.timeout(120)
BLOCK = VersionsLab(scenario="starttls", do="Run both and compare.", line=1)


class OneBlockApp(LangApp):
    def __init__(self, lang: str) -> None:
        super().__init__()
        self.set_reactive(LangApp.lang, lang)

    def compose(self) -> ComposeResult:
        yield VersionsLabBlock(BLOCK, 0)


def on_screen(static: Static) -> list[str]:
    """The lines the result shows, as drawn at its width."""
    strips = static.render_lines(Region(0, 0, static.size.width, static.size.height))
    return [strip.text.rstrip() for strip in strips]


@pytest.mark.parametrize(
    ("lang", "size", "stacked"),
    [("en", (80, 24), True), ("ja", (80, 24), True), ("en", (160, 40), False)],
)
async def test_w3_versions_table_whole_at_80_columns(
    lang: str, size: tuple[int, int], stacked: bool
) -> None:
    app = OneBlockApp(lang)
    async with app.run_test(size=size) as pilot:
        block = app.query_one(VersionsLabBlock)
        await pilot.click(".run")
        async with asyncio.timeout(60):
            while not block.done and not block.error:
                await pilot.pause(0.05)
        assert block.error == ""
        result = block.query_one(".versions-result", Static)
        await pilot.pause()
        lines = on_screen(result)
        ciphers = [r.learns.cipher or "" for r in block.runs]
        assert all(ciphers)
        for cipher in ciphers:  # each suite's name whole on one line
            assert any(cipher in line for line in lines), (cipher, lines)
        version_lines = [line for line in lines if line.strip().startswith("TLS 1.2 ")]
        if stacked:  # a line per version under each row's words
            assert len(version_lines) == 6, lines
        else:  # one column per version
            assert not version_lines and any("TLS 1.2" in ln and "TLS 1.3" in ln for ln in lines)
