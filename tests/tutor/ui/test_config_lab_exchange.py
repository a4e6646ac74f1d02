"""The config lab with an Exchange script (properties.md L61-L62): lesson 10's block in the
editor at 80x24, in English and Japanese; F4 runs `exchange check` and marks the finding on its
line, F5 runs the script and probes it on real sessions until the goal is met, the Log pane
shows Exchange's SMTP Receive protocol log, and F8 brings the lesson's script back."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from textual.widgets import Static
from tutor_ui_fakes import make_app, play_to_end, wait_for

from sandbox.events import ConversationLine, Side
from tutor.model.config_edits import load_edit, save_edit
from tutor.model.config_lab import ConfigLab
from tutor.model.course import packaged_lessons_dir
from tutor.model.lesson import Lab
from tutor.model.lessons import parse_text
from tutor.ui.config_link import lab_factory
from tutor.ui.screens.lab_config import ConfigLabScreen
from tutor.ui.widgets.config_log_pane import ConfigLogPane

SCRIPT = "connectors.ps1"
CLEAN = {"en": "exchange check: no findings.", "ja": "exchange check: 指摘はありません。"}
PASSED = {"en": "✔ the partner's send connector", "ja": "✔ パートナー宛ての送信コネクタ"}


def lesson_10_lab(lang: str) -> ConfigLab:
    path = packaged_lessons_dir() / lang / "10-exchange.md"
    parsed = parse_text(path.read_text(encoding="utf-8"), str(path))
    assert parsed.errors == () and parsed.lesson is not None
    (lab,) = [b for s in parsed.lesson.steps for b in s.blocks if isinstance(b, ConfigLab)]
    return lab


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def append_to_partner(screen: ConfigLabScreen, text: str) -> None:
    """Typed at the end of the "To fabrikam" command (TextArea's own editing API)."""
    editor = screen.editor(SCRIPT)
    row = len(editor.document.lines) - 1
    while not editor.document[row].strip():
        row -= 1
    editor.insert(text, (row, len(editor.document[row])))


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_l61_from_the_edit_to_the_goal_at_80x24(lang: str, data: Path) -> None:
    block = lesson_10_lab(lang)
    app = make_app(data, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ConfigLabScreen(block, data=data, play_delay=0.0)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.session is not None or screen.start_error is not None)
        assert screen.start_error is None
        editor = screen.editor(SCRIPT)
        assert screen.files == (SCRIPT,) and editor.has_focus and editor.region.height >= 5
        # the level without RequireTLS: the linter's warning, marked on the line that says it
        append_to_partner(
            screen, ' `\n    -TlsAuthLevel DomainValidation -TlsDomain "*.fabrikam.com"'
        )
        await pilot.press("f4")
        await wait_for(pilot, lambda: bool(editor.marks))
        level_line = 1 + editor.text.splitlines().index(
            '    -TlsAuthLevel DomainValidation -TlsDomain "*.fabrikam.com"'
        )
        assert editor.marks == {level_line: "warning"}
        report = str(screen.query_one("#config-report", Static).render())
        assert f"{SCRIPT}:{level_line}: " in report
        # run as it is: the connector is still opportunistic, the strip probe fails
        await pilot.press("f5")
        await wait_for(pilot, lambda: bool(screen.probes) and not screen.probing)
        assert {r.name for r in screen.probes if not r.ok} == {"partner-requires-tls"}
        assert not screen.goal_met
        # the fix: RequireTLS on the partner's connector
        append_to_partner(screen, " -RequireTLS $true")
        await pilot.press("f4")
        await wait_for(pilot, lambda: not editor.marks)
        report = str(screen.query_one("#config-report", Static).render())
        assert report == CLEAN[lang]
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.goal_met)
        assert all(r.ok for r in screen.probes)
        saved = data / "config-labs" / block.name / SCRIPT
        assert "-RequireTLS $true" in saved.read_text(encoding="utf-8")
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        # the lab side: the client is the edited send connector, the log Exchange's own
        await pilot.press("f2")
        task = str(screen.query_one("#task", Static).render())
        assert PASSED[lang] in task
        policies = str(screen.query_one("#policies", Static).render())
        assert "'To fabrikam'" in policies and "verify" in policies  # DomainValidation + TlsDomain
        await pilot.press("p")
        log = screen.query_one(ConfigLogPane)
        await wait_for(pilot, lambda: "#Log-type: SMTP Receive Protocol Log" in log.log_text)
        await wait_for(pilot, lambda: any(",EHLO " in t for t in log.log_text))
        assert not any("MAIL FROM" in t for t in log.log_text)  # stripped: nothing was sent


async def test_l62_f8_resets_the_script_and_forgets_the_saved_edit(data: Path) -> None:
    block = lesson_10_lab("en")
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ConfigLabScreen(block, data=data, play_delay=0.0)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.session is not None)
        append_to_partner(screen, " -RequireTLS $true")
        await pilot.press("f4")
        await wait_for(pilot, lambda: load_edit(block.name, SCRIPT, data) is not None)
        await pilot.press("escape", "escape")  # leave the editor, then the lab
        await wait_for(pilot, lambda: app.screen is not screen)
    app = make_app(data)  # the tutor started again: the edit is still there
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ConfigLabScreen(block, data=data, play_delay=0.0)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.session is not None)
        assert screen.text(SCRIPT).rstrip().endswith("-RequireTLS $true")
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen is not screen)
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.text(SCRIPT) == block.file(SCRIPT))
        assert load_edit(block.name, SCRIPT, data) is None
        report = str(screen.query_one("#config-report", Static).render())
        assert "forgotten" in report


def test_l63_a_lab_block_s_config_runs_the_saved_exchange_script(data: Path) -> None:
    """`config: l10-partner-tls` in a lab block: its client is the partner's send connector as
    the learner saved it (the lesson's opportunistic one before any edit)."""
    path = packaged_lessons_dir() / "en" / "10-exchange.md"
    parsed = parse_text(path.read_text(encoding="utf-8"), str(path))
    assert parsed.lesson is not None
    block = lesson_10_lab("en")
    lab = Lab(scenario="strip", mode="play", do="D", goal="session-complete", hint="H",
              line=1, config=block.name)  # fmt: skip

    def mail_sent() -> bool:
        factory = lab_factory(lab, [parsed.lesson] if parsed.lesson else [], data)
        assert factory is not None
        events = play_to_end(factory, "strip", None)
        said = [e for e in events if isinstance(e, ConversationLine)]
        return any(e.sender is Side.CLIENT and e.verb == "MAIL" for e in said)

    assert mail_sent()  # "To fabrikam" as shipped: may, the stripped session sends
    fixed = block.file(SCRIPT).rstrip("\n") + " -RequireTLS $true\n"
    save_edit(block.name, SCRIPT, fixed, data)
    assert not mail_sent()  # the saved edit: encrypt, nothing is sent
