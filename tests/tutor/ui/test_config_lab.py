"""The config lab against the real sandbox (properties.md L52-L54): the learner's Postfix files
in an editor beside a live lab; check marks findings on their lines, run restarts the session
with the edit and probes it with real sessions; the edit is saved, survives a restart, resets."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Tab
from tutor_ui_fakes import make_app, wait_for

from tutor.model.config_edits import load_edit
from tutor.model.config_lab import ConfigLab
from tutor.model.lessons import parse_text
from tutor.ui.app import TutorApp
from tutor.ui.screens.lab_config import ConfigLabScreen
from tutor.ui.widgets.config_editor import ConfigEditor
from tutor.ui.widgets.config_log_pane import ConfigLogPane
from tutor.ui.widgets.lab_panes import ConversationPane

FRONT = "---\nid: t\ntitle: T\nsummary: S\nminutes: 1\nscenario: starttls\n---\n\n## Step\n\n"
LAB = """\
```config-lab
name: test-submission
system: postfix
service: submission
client-policy: none
do: Make submission require TLS and offer AUTH only inside TLS.
hint: smtpd_tls_auth_only, and smtpd_tls_security_level as a -o override on submission.
probes:
  - mx-plaintext
  - submission-requires-tls
  - submission-no-auth-in-clear
  - submission-auth-in-tls
=== main.cf
myhostname = mail.sandbox.test
mydestination = $myhostname, sandbox.test, localhost
smtpd_tls_chain_files = server.key, chain.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
=== master.cf
smtp      inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd
  -o smtpd_sasl_auth_enable=yes
```
"""
AUTH_ONLY_LINE = 5  # main.cf's line of `smtpd_tls_auth_only = no`


def config_lab() -> ConfigLab:
    parsed = parse_text(FRONT + LAB, "t.md")
    assert parsed.errors == () and parsed.lesson is not None
    (block,) = parsed.lesson.steps[0].blocks
    assert isinstance(block, ConfigLab)
    return block


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


async def open_lab(app: TutorApp, pilot: Pilot[None], data: Path) -> ConfigLabScreen:
    screen = ConfigLabScreen(config_lab(), data=data, play_delay=0.0)
    await app.push_screen(screen)
    await wait_for(pilot, lambda: screen.session is not None or screen.start_error is not None)
    assert screen.start_error is None
    return screen


def fix(screen: ConfigLabScreen) -> None:
    """The learner's edit, through TextArea's own editing API (what typing does)."""
    main = screen.editor("main.cf")
    row = main.text.splitlines().index("smtpd_tls_auth_only = no")
    main.replace("yes", (row, len("smtpd_tls_auth_only = ")), (row, len(main.document[row])))
    master = screen.editor("master.cf")
    master.insert("  -o smtpd_tls_security_level=encrypt\n", master.document.end)


async def test_l52_check_marks_the_finding_on_its_line_and_run_meets_the_goal_by_probing(
    data: Path,
) -> None:
    app = make_app(data)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_lab(app, pilot, data)
        assert screen.has_class("-split")  # editor and lab side by side
        # typing goes into the editor, not to the lab's keys (s would step the session)
        main = screen.editor("main.cf")
        assert main.has_focus
        await pilot.press("#", "s")
        assert main.text.startswith("#smyhostname") and screen.session.position == 0  # type: ignore[union-attr]
        main.replace("", (0, 0), (0, 2))
        await pilot.press("f4")
        await wait_for(pilot, lambda: screen.checked is not None)
        assert main.marks.get(AUTH_ONLY_LINE) in ("warning", "error")
        report = str(screen.query_one("#config-report").render())
        assert f"main.cf:{AUTH_ONLY_LINE}: " in report
        # the starting config fails its probes: the goal is not met by running it as it is
        await pilot.press("f5")
        await wait_for(pilot, lambda: bool(screen.probes) and not screen.probing)
        assert not screen.goal_met
        failed = {r.name for r in screen.probes if not r.ok}
        assert failed == {"submission-requires-tls", "submission-no-auth-in-clear"}
        # the lab session (plaintext client on submission) shows what the learner caused
        conversation = screen.query_one(ConversationPane)
        await wait_for(pilot, lambda: screen.session is not None)
        fix(screen)
        await pilot.press("f4")
        await wait_for(pilot, lambda: not main.marks)
        before = time.perf_counter()
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.goal_met)
        assert all(r.ok for r in screen.probes)
        assert screen.run_seconds is not None and screen.run_seconds < time.perf_counter() - before
        # the new session runs the edited server: a plaintext MAIL on submission gets 530
        await pilot.press("escape")  # out of the editor: the lab's keys work again
        assert not main.has_focus
        await pilot.press("p")
        await wait_for(pilot, lambda: any("530" in t for t in conversation.plain_lines))
        log = screen.query_one(ConfigLogPane)
        await wait_for(pilot, lambda: any("530 5.7.0" in t for t in log.log_text))
        assert any("postfix/smtpd[" in t and "NOQUEUE: reject" in t for t in log.log_text)
        print(f"config lab run: {screen.run_seconds * 1000:.0f} ms")  # the report's figure


async def test_l53_the_edit_is_saved_survives_a_restart_and_reset_forgets_it(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_lab(app, pilot, data)
        fix(screen)
        await pilot.press("f4")
        path = data / "config-labs" / "test-submission" / "main.cf"
        await wait_for(pilot, path.exists)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        await pilot.press("escape", "escape")  # leave the editor, then the lab
        await wait_for(pilot, lambda: app.screen is not screen)
    app = make_app(data)  # the tutor started again
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_lab(app, pilot, data)
        assert "smtpd_tls_auth_only = yes" in screen.text("main.cf")
        assert "smtpd_tls_security_level=encrypt" in screen.text("master.cf")
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen is not screen)
        await pilot.press("y")
        await wait_for(pilot, lambda: "smtpd_tls_auth_only = no" in screen.text("main.cf"))
        assert load_edit("test-submission", "main.cf", data) is None
        assert screen.text("master.cf") == config_lab().master_cf


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_l54_usable_at_80x24_and_large(size: tuple[int, int], data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=size) as pilot:
        screen = await open_lab(app, pilot, data)
        editor = screen.query_one(ConfigEditor)
        panes = screen.query_one("#panes")
        if size[0] < 120:  # one side at a time: F2 switches
            assert editor.region.height >= 5 and panes.region.height == 0
            await pilot.press("f2")
            await pilot.pause()
            assert editor.region.height == 0 and panes.region.height >= 5
            assert screen.query_one("#btn-step").region.width > 0
            await pilot.press("f2")
            await pilot.pause()
            assert editor.has_focus and editor.region.height >= 5
        else:
            assert editor.region.height >= 20 and panes.region.height >= 20
        for button in ("#btn-check", "#btn-run", "#btn-reset"):
            if size[0] >= 120:
                region = screen.query_one(button).region
                assert region.width > 0 and region.y < size[1]


async def test_l52_the_config_lab_follows_a_language_switch(data: Path) -> None:
    app = make_app(data)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_lab(app, pilot, data)
        await pilot.press("f4")
        await wait_for(pilot, lambda: screen.checked is not None)
        app.action_switch_language()
        await wait_for(
            pilot, lambda: str(screen.query_one("#btn-check", Button).label) == "チェック(F4)"
        )
        assert str(screen.query_one("#btn-run", Button).label) == "実行(F5)"
        assert "設定ラボ" in str(screen.query_one("#config-title").render())
        assert str(screen.query_one("#tab-log", Tab).label).startswith("ログ")
