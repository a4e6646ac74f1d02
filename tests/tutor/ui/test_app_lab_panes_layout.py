"""The lab's panes as a newcomer reads them (issue 10, items 13 and 14; properties.md J9): the
Connection pane never cuts a name, an address or a date in two and shows what was delivered
without scrolling, at 120x35 and 80x24, in both languages; every pane goes back to its start
with Home (or g), which its help and the README say."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from textual.geometry import Region
from textual.widgets import Markdown
from tutor_ui_fakes import at_step, factory, make_app, wait_for

from tutor.ui.lab_link import real_session
from tutor.ui.screens.dialogs import HelpScreen
from tutor.ui.screens.lab import LabScreen
from tutor.ui.widgets.lab_panes import ConnectionPane, ConversationPane, render_connection
from tutor.ui.words import tr

README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def shown_lines(pane: ConnectionPane) -> list[str]:
    """The Connection pane's lines as the screen draws them, from the top of the pane."""
    body = pane.query_one(".connection-body")
    return [s.text for s in body.render_lines(Region(0, 0, body.size.width, body.size.height))]


def tokens(pane: ConnectionPane, lang: str) -> set[str]:
    """Every word of the pane's values, as a pane wide enough to never wrap would show them
    (CJK text wraps between characters, as Japanese does, so only ASCII words count)."""
    out = io.StringIO()
    Console(file=out, width=1000, color_system=None).print(render_connection(pane.state, lang))
    return {word for word in out.getvalue().split() if word.isascii() and len(word) > 1}


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("size", [(120, 35), (80, 24)])
async def test_j9_the_connection_pane_keeps_every_word_whole_and_the_delivery_in_view(
    data: Path, size: tuple[int, int], lang: str
) -> None:
    app = make_app(data, session_factory=real_session, lang=lang)
    async with app.run_test(size=size) as pilot:
        app.open_lab("starttls")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        pane = lab.query_one(ConnectionPane)
        await pilot.press("p")
        await wait_for(pilot, lambda: pane.state.closed and pane.state.delivered == 1)
        await pilot.press("3")  # on a narrow terminal the pane shows under its tab
        await wait_for(pilot, lambda: pane.display and pane.size.width > 0)
        await pilot.pause()
        lines = shown_lines(pane)
        words = tokens(pane, lang)
        assert {"CN=sandbox.test,", "TLS_AES_256_GCM_SHA384"} <= words
        split = [w for w in words if not any(w in line for line in lines)]
        assert split == [], f"cut in two at {size}: {split}\n" + "\n".join(lines)
        delivered = tr(lang, "conn.messages")
        row = next(i for i, line in enumerate(lines) if line.startswith(delivered))
        assert pane.scroll_y == 0 and row < pane.scrollable_content_region.height


async def test_j9_a_pane_goes_back_to_its_start_with_home_or_g(data: Path) -> None:
    app = make_app(data, session_factory=factory())
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lab("starttls")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        pane = lab.query_one(ConversationPane)
        await pilot.press("p")
        await wait_for(pilot, lambda: pane.max_scroll_y > 0 and pane.scroll_y == pane.max_scroll_y)
        await pilot.press("1")  # the pane takes the focus
        await wait_for(pilot, lambda: pane.has_focus)
        await pilot.press("home")
        await wait_for(pilot, lambda: pane.scroll_y == 0)
        await pilot.press("end")
        await wait_for(pilot, lambda: pane.scroll_y == pane.max_scroll_y)
        await pilot.press("g")
        await wait_for(pilot, lambda: pane.scroll_y == 0)
        await pilot.press("G")
        await wait_for(pilot, lambda: pane.scroll_y == pane.max_scroll_y)


@pytest.mark.parametrize(("lang", "said"), [("en", "**Home** (or **g**)"), ("ja", "**Home**")])
async def test_j9_the_help_of_a_focused_pane_says_how_to_go_back_to_its_start(
    data: Path, lang: str, said: str
) -> None:
    app = make_app(data, session_factory=factory(), lang=lang)
    async with app.run_test(size=(120, 35)) as pilot:
        app.open_lab("starttls")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        for key, topic in (("1", "conversation"), ("2", "eavesdropper"), ("3", "connection")):
            await pilot.press(key)
            await wait_for(pilot, lambda topic=topic: lab.focused is lab.query_one(f"#{topic}"))
            await pilot.press("f1")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            help_screen = app.screen
            assert isinstance(help_screen, HelpScreen) and help_screen.topic == topic
            assert said in help_screen.query_one("#help-text", Markdown).source
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is lab)


def test_j9_the_readme_lists_the_keys_that_scroll_a_pane() -> None:
    keys = README.read_text(encoding="utf-8").split("## Keys", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in keys.splitlines() if "`Home`" in line)
    assert set(re.findall(r"`([^`]+)`", row)) == {"Home", "End", "g", "G"}


async def test_j9_a_number_key_gives_its_pane_the_focus_from_the_play_button(data: Path) -> None:
    """Seen in the walk: a lesson's play-mode lab opens on Play; `1` showed the Conversation but
    left the focus on Play, so Home did nothing. The number key now moves the focus too."""
    at_step(data, "upgrade", 2)  # step 2: a lab in play mode
    app = make_app(data, session_factory=factory(), start_lesson="upgrade")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query(".open-lab")))
        await pilot.click(".open-lab")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, LabScreen)
                and getattr(app.screen.focused, "id", None) == "btn-play"
            ),
        )
        lab = app.screen
        assert isinstance(lab, LabScreen)
        pane = lab.query_one(ConversationPane)
        await pilot.press("p")
        await wait_for(pilot, lambda: pane.max_scroll_y > 0 and pane.scroll_y == pane.max_scroll_y)
        await pilot.press("1")
        await wait_for(pilot, lambda: pane.has_focus)
        await pilot.press("home")
        await wait_for(pilot, lambda: pane.scroll_y == 0)
