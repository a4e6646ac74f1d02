"""What a newcomer's walk through the shipped course stumbled on (a walk in tmux, 80x24): the
step list that `t` shows takes the keys, so Enter there picks a step instead of answering the
step's quiz; `o` opens a config lab step's lab as it opens a lab step's; the config lab's goal
says "Goal:" once, in English and in Japanese."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, Static
from tutor_ui_fakes import at_step, make_app, wait_for

from tutor.ui.screens.lab_config import ConfigLabScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.config_lab_block import ConfigLabBlock


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


async def test_t_gives_the_step_list_the_keys_and_enter_picks_a_step(data: Path) -> None:
    app = make_app(data, lessons_dir=None, start_lesson="tls-basics")  # step 1 holds a quiz
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        steps = screen.query_one("#steps", OptionList)
        assert not steps.display
        await pilot.press("t")
        await wait_for(pilot, lambda: steps.display and steps.has_focus)
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: screen.step == 3)
        # the quiz of step 1 was not answered
        assert all(app.progress.answers("tls-basics", 1, i) == [] for i in range(10))
        await pilot.press("t")  # hidden again: the step has the keys, not a hidden list
        await wait_for(pilot, lambda: not steps.display)
        assert screen.focused is not None and screen.focused is not steps


@pytest.mark.parametrize(("lang", "goal"), [("en", "Goal: "), ("ja", "目標: ")])
async def test_o_opens_a_config_lab_step_and_its_goal_is_said_once(
    data: Path, lang: str, goal: str
) -> None:
    at_step(data, "postfix", 3, builtin=True)  # lesson 9, step 3: a config lab
    app = make_app(data, lessons_dir=None, start_lesson="postfix", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query(ConfigLabBlock)))
        block = app.screen.query_one(ConfigLabBlock)
        said = str(block.query_one(".lab-goal", Static).render())
        assert said.startswith(goal) and said.count(goal.strip()) == 1, said
        assert app.screen.check_action("open_lab", ()) is True  # and so the footer offers o
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfigLabScreen))
        lab = app.screen
        assert isinstance(lab, ConfigLabScreen)
        await wait_for(pilot, lambda: lab.session is not None or lab.start_error is not None)
        assert lab.block.name == block.lab.name


async def test_c_in_the_watch_judges_the_chain_by_the_ca_the_intro_names(
    data: Path,
) -> None:
    """The watch's Connection pane said 'refuses ... no CA certificate to check against' of a
    session its own CA verified (the pane had no trust anchor outside a lab), and PLAINTEXT of
    a session encrypted after STARTTLS."""
    import asyncio
    import smtplib

    from sandbox.pki import tlsconfig
    from tutor.ui.screens.watch import WatchScreen
    from tutor.ui.widgets.lab_panes import ConnectionPane

    def send(port: int, ca: Path) -> None:
        with smtplib.SMTP("127.0.0.1", port, local_hostname="pc.test", timeout=30) as smtp:
            smtp.starttls(context=tlsconfig.client_context(ca))
            smtp.sendmail("a@pc.test", ["friend@sandbox.test"], b"Subject: w\r\n\r\nx\r\n")

    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = WatchScreen(ports=(0, 0))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.watched is not None)
        watched = screen.watched
        assert watched is not None and watched.ca_cert is not None
        port = int(watched.listeners[0].where.rsplit(":", 1)[1])
        await asyncio.to_thread(send, port, watched.ca_cert)
        pane = screen.query_one(ConnectionPane)
        await wait_for(pilot, lambda: pane.state.delivered >= 1)
        # the outside client says nothing of its TLS: the pane said PLAINTEXT, anyone can read
        # it, of a session encrypted after STARTTLS; the ServerHello on the wire says otherwise
        assert "TLS: encrypted" in pane.text and "PLAINTEXT" not in pane.text, pane.text
        assert "only the client knows" in pane.text and pane.tab_note() == "TLS"
        pane.focus()
        await pilot.press("c")
        await wait_for(pilot, lambda: pane.report is not None)
        assert pane.report is not None and pane.report.trusted, pane.text
        assert "accepts this certificate" in pane.text


async def test_the_footers_palette_key_is_said_in_the_learners_language(data: Path) -> None:
    """Every footer ended in Textual's English '^p palette', the Japanese ones too."""
    from textual.widgets._footer import FooterKey

    def palette_word() -> str:
        keys = app.screen.query(FooterKey).filter(".-command-palette")
        return keys.first().description if keys else ""

    app = make_app(data, lang="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: palette_word() == "パレット")
        await pilot.press("l")
        await wait_for(pilot, lambda: palette_word() == "palette")
        await pilot.press("ctrl+p")  # and the key still opens the palette
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")


@pytest.mark.parametrize(("lang", "said"), [("en", "2 of 3 probes pass"), ("ja", "3 件中 2 件")])
async def test_f5_on_the_editor_side_says_how_the_probes_went(
    data: Path, lang: str, said: str
) -> None:
    """At 80x24 F5 ran the probes with no word on the editor side: the verdicts were on the
    lab side, out of sight, so the learner could not tell that anything had run."""
    at_step(data, "postfix", 3, builtin=True)  # l9-encrypt-submission: 1 of 3 fails
    app = make_app(data, lessons_dir=None, start_lesson="postfix", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query(ConfigLabBlock)))
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfigLabScreen))
        lab = app.screen
        assert isinstance(lab, ConfigLabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        await pilot.press("f5")
        await wait_for(pilot, lambda: bool(lab.probes) and not lab.probing)
        await wait_for(pilot, lambda: any(said in n for n in app.notices))
        assert any("F2" in n for n in app.notices)


async def test_c_in_the_leaf_only_lab_checks_against_the_ca_the_client_trusts(
    data: Path,
) -> None:
    """Lesson 12's first ticket (postfix-leaf-only): c said 'no CA certificate to check
    against', when the lab's client trusts a CA and the lesson's point is the missing
    intermediate (the server runs the configuration's own chain, not the sandbox certs)."""
    from tutor.ui.lab_link import real_session
    from tutor.ui.screens.lab import LabScreen
    from tutor.ui.widgets.lab_panes import ConnectionPane, ConversationPane

    at_step(data, "on-call", 2, builtin=True)
    app = make_app(data, lessons_dir=None, start_lesson="on-call", session_factory=real_session)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.check_action("open_lab", ()) is True)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, LabScreen))
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        await pilot.press("p")
        pane = lab.query_one(ConnectionPane)
        await wait_for(pilot, lambda: pane.state.failed is not None)
        assert "TLS: encrypted" not in pane.text  # a ServerHello went by, yet TLS failed
        await pilot.press("3", "c")
        await wait_for(pilot, lambda: pane.report is not None)
        assert pane.report is not None and not pane.report.trusted
        assert "no CA certificate" not in pane.text, pane.text
        assert "ca" in {info.role for info in pane.report.chain}, pane.text
        # the server's side of the failure is said in words, not as a Python exception name
        conversation = lab.query_one(ConversationPane)
        await wait_for(pilot, lambda: "the client hung up" in "\n".join(conversation.plain_lines))
        said = "\n".join(conversation.plain_lines)
        assert "ConnectionResetError" not in said and "BrokenPipeError" not in said, said


async def test_the_config_editor_takes_the_room_the_findings_do_not_use(data: Path) -> None:
    """At 80x24 the editor showed six lines over eight empty ones: the findings' box took
    half of the side whatever it held."""
    from tutor.ui.widgets.config_editor import ConfigEditor

    at_step(data, "best-practices", 7, builtin=True)  # lesson 11's challenge
    app = make_app(data, lessons_dir=None, start_lesson="best-practices")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query(ConfigLabBlock)))
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfigLabScreen))
        lab = app.screen
        assert isinstance(lab, ConfigLabScreen)
        await wait_for(pilot, lambda: lab.session is not None or lab.start_error is not None)
        editor = lab.query(ConfigEditor).filter(".-current").first()
        box = lab.query_one("#config-report-box")
        await wait_for(pilot, lambda: editor.region.height >= 10)
        assert box.region.height <= 3  # the two lines of 'Edit the files, then ...'
        await pilot.press("f4")  # many findings: the box grows to its cap, the editor stays
        await wait_for(pilot, lambda: lab.checked is not None)
        await pilot.pause()
        assert 3 < box.region.height <= 8 and editor.region.height >= 5
