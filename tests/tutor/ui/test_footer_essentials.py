"""At 80x24 the keys a newcomer needs most, Esc (back) and F1 (help), are in the footer of every
screen, in English and Japanese; a lab's other keys are in its F1 help (properties.md W4). With
a pane focused, Esc and F1 lead the footer, before the pane's own keys and the screen's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static
from textual.widgets._footer import FooterKey
from tutor_ui_fakes import at_step, factory, make_app, wait_for
from watch_fakes import WatchApp

from tutor.ui.screens.dialogs import HelpScreen
from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lab_config import ConfigLabScreen
from tutor.ui.screens.watch import WatchScreen
from tutor.ui.widgets.config_lab_block import ConfigLabBlock


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def footer_keys(screen: Screen[Any]) -> dict[str, bool]:
    """Each key the footer shows -> whether all of it is inside the footer's visible width."""
    footer = screen.query_one(Footer)
    right = footer.region.right
    for key in footer.query(FooterKey).filter(".-command-palette"):
        right = min(right, key.region.x)  # docked on the right, over whatever runs under it
    shown = footer.query(FooterKey).exclude(".-command-palette")
    return {k.key: k.region.width > 0 and k.region.right <= right for k in shown}


async def shown_footer_keys(pilot: Pilot[Any], screen: Screen[Any]) -> dict[str, bool]:
    """`footer_keys` once the footer shows keys: Textual's Footer composes its keys only after
    the screen signals its bindings, a refresh later; on a busy machine one pause after the
    screen started was not enough, and the footer was still empty."""
    await wait_for(pilot, lambda: any(footer_keys(screen).values()))
    return footer_keys(screen)


def footer_order(screen: Screen[Any]) -> list[str]:
    """The keys the footer shows, left to right (the palette's key aside)."""
    footer = screen.query_one(Footer)
    shown = footer.query(FooterKey).exclude(".-command-palette")
    return [k.key for k in sorted(shown, key=lambda k: k.region.x)]


async def each_pane_leads_with_esc_and_f1(pilot: Any, screen: Screen[Any], panes: int) -> None:
    """Number key by number key, each pane shown and focused: its footer starts with Esc and
    F1, both whole (a pane's own keys come first in Textual's footer, and cut them off)."""
    for n in range(1, panes + 1):
        await pilot.press(str(n))
        # the footer is composed again for the focused pane, a refresh later (busy machine: wait)
        await wait_for(
            pilot,
            lambda: (
                footer_order(screen)[:2] == ["escape", "f1"] and any(footer_keys(screen).values())
            ),
        )
        pane = screen.focused
        assert pane is not None and pane.region.width > 0, n
        order, whole = footer_order(screen), footer_keys(screen)
        assert order[:2] == ["escape", "f1"], (pane.id, order)
        assert whole["escape"] and whole["f1"], (pane.id, whole)


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_w4_each_lab_pane_footer_starts_with_esc_and_f1(data: Path, lang: str) -> None:
    app = make_app(data, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = LabScreen("starttls", session_factory=factory(), play_delay=0.0)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.session is not None)
        await pilot.press("p")  # the panes have their content, the connection its certificate
        await pilot.pause()
        await each_pane_leads_with_esc_and_f1(pilot, screen, len(screen.PANES))
        await pilot.press("f1")  # F1 from a pane: that pane's help (the last, Connection)
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen) and help_screen.topic == "connection"
        await pilot.press("escape")  # closes the help
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("escape")  # from the pane: leaves the lab
        await wait_for(pilot, lambda: app.screen is not screen)


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_w4_each_watch_pane_footer_starts_with_esc_and_f1(data: Path, lang: str) -> None:
    app = WatchApp(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WatchScreen))
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await wait_for(pilot, lambda: screen.watched is not None)
        await each_pane_leads_with_esc_and_f1(pilot, screen, len(screen.panes))


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_w4_lab_footer_shows_esc_and_f1_at_80x24(data: Path, lang: str) -> None:
    app = make_app(data, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = LabScreen("starttls", session_factory=factory(), play_delay=0.0)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.session is not None)
        keys = await shown_footer_keys(pilot, screen)
        assert keys.get("escape") and keys.get("f1"), keys


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_w4_config_lab_footer_shows_esc_and_f1_at_80x24(data: Path, lang: str) -> None:
    at_step(data, "postfix", 3, builtin=True)  # lesson 9, step 3: a config lab
    app = make_app(data, lessons_dir=None, start_lesson="postfix", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query(ConfigLabBlock)))
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfigLabScreen))
        screen = app.screen
        assert isinstance(screen, ConfigLabScreen)
        await wait_for(pilot, lambda: screen.session is not None or screen.start_error is not None)
        keys = await shown_footer_keys(pilot, screen)  # the editor side
        assert keys.get("escape") and keys.get("f1") and keys.get("f2"), keys
        assert all(keys.values()), keys  # no key half cut off
        title = screen.query_one("#config-title", Static)
        assert title.region.height == title.virtual_size.height >= 5, "the task is cut"
        await pilot.press("f2")
        await wait_for(pilot, lambda: screen.has_class("-lab"))
        keys = await shown_footer_keys(pilot, screen)  # the lab side: F2 leads back to the files
        assert keys.get("escape") and keys.get("f1") and keys.get("f2"), keys
        assert all(keys.values()), keys
        await each_pane_leads_with_esc_and_f1(pilot, screen, len(screen.PANES))  # Log included
        await pilot.press("f2")  # back to the files; F1 there: the whole screen's keys
        await wait_for(pilot, lambda: screen.has_class("-editor"))
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_text = str(app.screen.query_one(Markdown).source)
        assert "F8" in help_text and "**s**" in help_text, help_text
