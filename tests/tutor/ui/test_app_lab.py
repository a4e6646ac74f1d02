"""The Lab screen with a scripted session: controls, typed commands, layout, attack banner,
a start failure, and bounded panes under a flood of events."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Tab
from tutor_ui_fakes import factory, make_app, wait_for

from sandbox.events import ConversationLine, Side, WireChunk
from tutor.ui.screens.course import CourseScreen
from tutor.ui.screens.dialogs import HelpScreen
from tutor.ui.screens.lab import LabScreen
from tutor.ui.widgets.lab_panes import ConversationPane, EavesdropperPane


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def conversation(screen: LabScreen) -> list[str]:
    return screen.query_one(ConversationPane).plain_lines


async def test_step_typed_commands_and_leaving_the_lab(data: Path) -> None:
    make = factory()
    app = make_app(data, session_factory=make)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lab("starttls")
        await pilot.pause()
        lab = app.screen
        assert isinstance(lab, LabScreen)
        assert conversation(lab) == ["<- 220 sandbox.test ESMTP"]
        status = lab.query_one("#status")
        assert "Next scripted command: EHLO client.test (1/7)" in str(status.render())
        await pilot.press("s")
        await pilot.pause()
        assert conversation(lab)[1] == "-> EHLO client.test"
        assert "STARTTLS (2/7)" in str(status.render())
        # lines that arrived while the Eavesdropper tab was hidden are wrapped when it shows
        await pilot.press("2")
        eaves = lab.query_one(EavesdropperPane)
        await wait_for(
            pilot,
            lambda: (
                [s.text.rstrip() for s in eaves.lines][:2]
                == ["S→C @0      220 sandbox.test ESMTP", "C→S @0      EHLO client.test"]
            ),
        )
        await pilot.press("1")
        await pilot.press("i", *"NOOP [x]", "enter")
        await pilot.pause()
        session = make.made[0]  # type: ignore[attr-defined]
        assert session.sent == ["NOOP [x]"]
        assert "-> NOOP [x]" in conversation(lab)
        assert lab.query_one("#command", Input).value == ""
        await pilot.press("escape")  # first Esc leaves the command line only
        await pilot.pause()
        assert app.screen is lab
        assert not lab.query_one("#command", Input).has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        assert session.stopped


async def test_wide_panes_play_restart_then_narrow_tabs_and_help(data: Path) -> None:
    make = factory()
    app = make_app(data, session_factory=make)
    async with app.run_test(size=(160, 50)) as pilot:
        app.open_lab("starttls")
        await pilot.pause()
        lab = app.screen
        assert isinstance(lab, LabScreen)
        panes = [lab.query_one(f"#{p}") for p in ("conversation", "eavesdropper", "connection")]
        assert all(p.display for p in panes)
        assert not lab.query_one("#pane-tabs").display
        xs = [p.region.x for p in panes]
        assert xs == sorted(xs)
        assert len(set(xs)) == 3
        assert not lab.query_one("#attack").display  # no attack in this scenario
        await pilot.click("#btn-play")
        await wait_for(pilot, lambda: conversation(lab)[-1:] == ["<~ 221 2.0.0 Bye"])
        assert "The script is done" in str(lab.query_one("#status").render())
        await pilot.press("r")
        await wait_for(pilot, lambda: conversation(lab) == ["<- 220 sandbox.test ESMTP"])
        assert make.made[0].started == 2  # type: ignore[attr-defined]
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert lab.query_one("#pane-tabs").display
        # the tab of the hidden Connection pane still tells plaintext from TLS
        assert str(lab.query_one("#tab-connection", Tab).label) == "Connection · plaintext"
        assert [p.display for p in panes] == [True, False, False]
        await pilot.press("2")
        await pilot.pause()
        assert [p.display for p in panes] == [False, True, False]
        await pilot.press("3")
        await pilot.pause()
        assert [p.display for p in panes] == [False, False, True]
        # F1 explains the pane that is shown and focused
        panes[2].focus()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.topic == "connection"


async def test_i7_attack_mode_is_announced_on_screen(data: Path) -> None:
    make = factory(attack="Stripping STARTTLS from the EHLO reply")
    app = make_app(data, session_factory=make)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lab("strip")
        await pilot.pause()
        lab = app.screen
        assert isinstance(lab, LabScreen)
        banner = lab.query_one("#attack")
        assert banner.display
        summary = "A man in the middle deletes STARTTLS from the server's EHLO reply."
        assert str(banner.render()) == f"⚠ ATTACK MODE (a lab on purpose): {summary}"
        assert "*** Stripping STARTTLS from the EHLO reply" in conversation(lab)


async def test_a_sandbox_that_cannot_start_says_what_to_do(data: Path) -> None:
    make = factory(fail_start="[Errno 98] Address already in use")
    app = make_app(data, session_factory=make, lang="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lab("starttls")
        await pilot.pause()
        lab = app.screen
        assert isinstance(lab, LabScreen)
        lines = conversation(lab)
        assert lines[0] == (
            "*** サンドボックスを起動できませんでした: OSError: [Errno 98] Address already in use"
        )
        assert lines[1].startswith("=== 対処:")
        assert "[Errno 98]" in str(lab.query_one("#status").render())
        await pilot.press("s")  # nothing to step: a bell, not a crash
        await pilot.pause()
        assert app.screen is lab
        assert lab.start_error is not None


async def test_a_flood_of_events_stays_bounded_and_says_what_it_left_out(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lab("starttls")
        await pilot.pause()
        lab = app.screen
        assert isinstance(lab, LabScreen)
        line = "x" * 70
        for i in range(16_000):  # about 1 MiB of DATA lines, emitted between two frames
            lab.emit(ConversationLine(sender=Side.CLIENT, text=f"{i} {line}", tls=True))
            lab.emit(WireChunk(sender=Side.CLIENT, offset=i * 72, data=b"\x17" * 72))
        pane = lab.query_one(ConversationPane)
        await wait_for(pilot, lambda: pane.total_lines == 16_001)  # the next flush
        assert pane.total_lines == 16_001
        assert len(pane.kept) <= pane.per_batch + 2
        assert any("lines not shown" in text for text in pane.plain_lines)
        assert pane.plain_lines[-1].startswith("~> 15999 ")
        eaves = lab.query_one(EavesdropperPane)
        assert eaves.bytes_seen[Side.CLIENT] == 16_000 * 72
