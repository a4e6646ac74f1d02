"""The lab as a newcomer meets it (issue 10, "In the lab"): nothing plays by itself, F1 and the
focus follow the pane the learner chose, the goal line wraps whole at 80x24, and an empty line
typed inside DATA reaches the server (the real sandbox)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from textual.widgets import Static
from tutor_ui_fakes import at_step, factory, make_app, wait_for

from tutor.ui.lab_link import real_session
from tutor.ui.screens.dialogs import HelpScreen
from tutor.ui.screens.lab import LabScreen, LabTask
from tutor.ui.widgets.lab_panes import ConnectionPane, ConversationPane


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


async def test_a_play_mode_lab_opens_ready_and_plays_only_when_asked(data: Path) -> None:
    at_step(data, "upgrade", 2)  # step 2: mode play
    make = factory()
    app = make_app(data, session_factory=make, start_lesson="upgrade")
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        await pilot.click(".open-lab")
        # ready under a finger: wait for that state (a busy machine lays the lab out late)
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, LabScreen)
                and getattr(app.screen.focused, "id", None) == "btn-play"
            ),
        )
        session = make.made[0]  # type: ignore[attr-defined]
        assert session.position == 0  # nothing played by itself
        await pilot.press("p")
        await wait_for(pilot, lambda: session.finished)


async def test_f1_and_the_focus_follow_the_pane_shown(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lab("starttls")
        await pilot.pause()
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await pilot.press("3")  # narrow: the Connection pane is shown, and takes the focus
        await pilot.pause()
        connection = lab.query_one("#connection")
        assert connection.has_focus
        assert connection.styles.border.top[0] == "heavy"  # the focused pane is marked
        assert lab.query_one("#conversation").styles.border.top[0] == "round"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.topic == "connection"
        await pilot.press("escape")
        await pilot.pause()
        lab.query_one("#btn-step").focus()  # the lab's controls: the lab's help, not the course's
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.topic == "lab"


async def test_the_goal_line_wraps_whole_at_80x24(data: Path) -> None:
    task = LabTask(
        do="Step through the session and watch the Eavesdropper pane: AUTH PLAIN carries the "
        "password in base64, readable by anyone on the path. Then copy the base64 from the "
        "Conversation pane and decode it: the demo account's name and password come out.",
        goal_label="AUTH crossed the wire in plaintext (the danger, shown on purpose)",
        check=lambda facts: False,
    )
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(LabScreen("starttls", task=task, session_factory=factory()))
        await pilot.pause()
        box = app.screen.query_one("#task", Static)
        width = box.content_region.width
        console = Console(width=width)
        needed = sum(len(Text(line).wrap(console, width)) for line in str(box.render()).split("\n"))
        assert needed >= 5  # more than the four lines the box once had
        assert box.content_region.height >= needed  # every line of it on screen


async def test_an_empty_line_typed_in_data_separates_header_and_body(data: Path) -> None:
    app = make_app(data, session_factory=real_session)
    async with app.run_test(size=(120, 35)) as pilot:
        app.open_lab("starttls")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        pane = lab.query_one(ConversationPane)
        await pilot.press("i")

        async def typed(line: str, answer: str) -> None:
            before = len(pane.plain_lines)
            await pilot.press(*line, "enter")
            await wait_for(
                pilot, lambda: any(t.startswith(answer) for t in pane.plain_lines[before:])
            )

        await typed("EHLO client.test", "<- 250 ")
        await typed("STARTTLS", "<- 220")
        await wait_for(pilot, lambda: lab.query_one(ConnectionPane).state.tls is not None)
        await typed("EHLO client.test", "<~ 250 ")
        await typed("AUTH PLAIN", "<~ 235")
        await typed("MAIL FROM:<learner@sandbox.test>", "<~ 250")
        await typed("RCPT TO:<friend@sandbox.test>", "<~ 250")
        await typed("DATA", "<~ 354")
        for line in ("Subject: typed by hand", "", "Hello."):
            await pilot.press(*line, "enter")
        await typed(".", "<~ 250")
        lines = pane.plain_lines
        subject = lines.index("~> Subject: typed by hand")
        assert lines[subject + 1 : subject + 4] == ["~> ", "~> Hello.", "~> ."]
        await wait_for(pilot, lambda: lab.query_one(ConnectionPane).state.delivered == 1)


async def test_the_status_line_follows_the_commands_the_learner_typed(data: Path) -> None:
    app = make_app(data, session_factory=real_session)
    async with app.run_test(size=(120, 35)) as pilot:
        app.open_lab("starttls")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        pane = lab.query_one(ConversationPane)
        status = lab.query_one("#status", Static)
        await pilot.press("i", *"ehlo client.test", "enter")
        await wait_for(pilot, lambda: any(t.startswith("<- 250 ") for t in pane.plain_lines))
        await wait_for(pilot, lambda: "Next scripted command: STARTTLS (3/" in str(status.render()))
        await pilot.press("escape", "s")  # the script goes on from there
        await wait_for(pilot, lambda: "-> STARTTLS" in pane.plain_lines)
