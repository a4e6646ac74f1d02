"""P22: the learner writes the lab world's MTA-STS policy (lesson 8 step 11's second lab): the
editor checks it as `mta-sts check` does, F5 saves it 0600 and the lab starts again serving it,
and the same strip attack goes from "sent, reported" to "not sent, reported". Real loopback
sessions: the lab world's HTTPS policy host serves the learner's bytes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from textual.widgets import Button, Static, TextArea
from tutor_ui_fakes import at_step, make_app, wait_for

from sandbox.lab.world_session import WorldLabSession
from tutor.ui.config_link import POLICY_FOLDER
from tutor.ui.lab_link import real_session
from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lab_policy import PolicyEditorScreen, policy_findings
from tutor.ui.widgets.lab_block import LabBlock
from tutor.ui.widgets.lab_panes import ConversationPane

LESSON = "starttls-attacks"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


async def open_policy_lab(pilot, app) -> LabScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    blocks = list(app.screen.query(LabBlock))
    assert blocks[1].lab.edit == "mta-sts.txt"
    blocks[1].query_one(".open-lab", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, LabScreen))
    lab = app.screen
    assert isinstance(lab, LabScreen)
    await wait_for(pilot, lambda: isinstance(lab.session, WorldLabSession))
    return lab


def edit(area: TextArea, old: str, new: str) -> None:
    """Replace `old` with `new` as an edit (the editor hears of it, as of typing)."""
    text = area.text
    at = text.index(old)
    row = text[:at].count("\n")
    col = at - (text.rfind("\n", 0, at) + 1)
    area.replace(new, (row, col), (row, col + len(old)))


def reports(data: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in sorted((data / "tlsrpt").glob("*.json"))]


def kinds(report: dict[str, object]) -> list[str]:
    policy = report["policies"][0]  # type: ignore[index]
    return [d["result-type"] for d in policy["failure-details"]]


async def test_p22_moving_the_policy_to_enforce_stops_the_strip_attack(data: Path) -> None:
    at_step(data, LESSON, 11, builtin=True)
    app = make_app(data, lessons_dir=None, session_factory=real_session, start_lesson=LESSON)
    async with app.run_test(size=(80, 24)) as pilot:
        lab = await open_policy_lab(pilot, app)
        # the world's own policy first: testing, so the attack gets the message, and a report
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.tls_report is not None)
        assert not lab.goal_met
        assert lab.query_one("#outcome").display
        # the 80-column footer keeps t and F1 whole: e is named by the task and F1, not there
        keys = [str(k.render()) for k in lab.query_one("Footer").query("FooterKey")]
        assert any("TLS-RPT" in k for k in keys) and any("Help" in k for k in keys)
        assert not any("Policy" in k for k in keys)
        pane = lab.query_one(ConversationPane)
        assert any("testing: deliver anyway" in line for line in pane.plain_lines)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PolicyEditorScreen))
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen)
        area = editor.query_one("#policy-text", TextArea)
        assert "mode: testing" in area.text
        findings = editor.query_one("#policy-findings", Static)
        assert str(findings.render()).startswith("0 problem(s), 0 warning(s)")
        # at 80x24: the whole policy, the checker's first lines and the buttons, in the box
        box = editor.query_one("#policy-box").region
        assert box.right <= 80 and box.bottom <= 24
        assert area.region.height >= 6 and box.contains_region(area.region)
        assert findings.region.height >= 2 and box.contains_region(findings.region)
        assert box.contains_region(editor.query_one("#policy-publish").region)
        # a typo first: the checker says so at once, as `mta-sts check` would
        edit(area, "mode: testing", "mode: enforced")
        await wait_for(pilot, lambda: "'enforced'" in str(findings.render()))
        assert str(findings.render()).startswith("1 problem(s)")
        edit(area, "mode: enforced", "mode: enforce")
        await wait_for(pilot, lambda: str(findings.render()).startswith("0 problem(s)"))
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.screen is lab)
        saved = data / POLICY_FOLDER / "mta-sts-testing.txt"
        assert "mode: enforce\n" in saved.read_text()
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        # the lab started again, serving the learner's policy: enforce now
        await wait_for(pilot, lambda: any("enforce: TLS required" in x for x in pane.plain_lines))
        assert lab.tls_report is None
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.goal_met)
        index = next(b.index for b in app.screen_stack[-2].query(LabBlock) if b.lab.edit)
        await wait_for(pilot, lambda: "goal-met" in app.progress.answers(LESSON, 11, index))
        got = reports(data)
        assert [kinds(r) for r in got] == [["starttls-not-supported"]] * 2
        policies = [r["policies"][0]["policy"] for r in got]  # type: ignore[index]
        # the report quotes the policy each sender applied: the learner's, as published
        assert sorted("mode: enforce" in p["policy-string"] for p in policies) == [False, True]


async def test_p22_a_broken_policy_published_is_no_policy_and_is_reported(data: Path) -> None:
    at_step(data, LESSON, 11, builtin=True)
    app = make_app(
        data, lessons_dir=None, session_factory=real_session, start_lesson=LESSON, lang="ja"
    )
    async with app.run_test(size=(120, 35)) as pilot:
        lab = await open_policy_lab(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PolicyEditorScreen))
        editor = app.screen
        area = editor.query_one("#policy-text", TextArea)
        edit(area, "version: STSv1", "version: STSv2")
        findings = editor.query_one("#policy-findings", Static)
        await wait_for(pilot, lambda: str(findings.render()).startswith("問題 1 件"))
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.screen is lab)
        pane = lab.query_one(ConversationPane)
        await wait_for(
            pilot, lambda: any("ポリシーを取得できなかった" in x for x in pane.plain_lines)
        )
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.tls_report is not None)
        assert not lab.goal_met  # a policy senders ignore protects nothing
        [report] = reports(data)
        assert kinds(report) == ["sts-policy-invalid", "starttls-not-supported"]
        assert report["policies"][0]["policy"]["policy-type"] == "no-policy-found"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("version: STSv1\nmode: enforce\nmx: sandbox.test\nmax_age: 604800\n", "0 problem(s)"),
        ("x" * (65 * 1024), "problem: the policy is"),
        ("version: STSv1\x00\n", "problem: the policy contains a NUL byte"),
        ("version: STSv1\nmode: enforce\nmx: other.test\nmax_age: 604800\n", "1 problem(s)"),
        ("\udcff", "problem:"),  # a lone surrogate (a paste of broken bytes): no traceback
    ],
)
def test_p22_the_editor_says_hostile_text_in_one_line(text: str, said: str) -> None:
    shown, _ = policy_findings(text, "en")
    assert shown.startswith(said)
    if said.startswith("problem:"):
        assert "\n" not in shown


async def test_p23_the_learners_tlsa_record_decides_the_dane_lab(data: Path) -> None:
    """Lesson 8 step 9: no record published, then a wrong one, then the sandbox certificate's
    `3 1 1`: only the right record lets the DANE client send (inside TLS)."""
    from sandbox.dane.tlsa import tlsa_for
    from sandbox.pki.certs import ensure_certs, load_cert

    right = str(tlsa_for(load_cert(ensure_certs().server_cert)))
    wrong = "3 1 1 " + "00" * 32
    at_step(data, LESSON, 9, builtin=True)
    app = make_app(data, lessons_dir=None, session_factory=real_session, start_lesson=LESSON)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        [block] = [b for b in app.screen.query(LabBlock) if b.lab.edit == "tlsa"]
        block.query_one(".open-lab", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, LabScreen))
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: isinstance(lab.session, WorldLabSession))
        pane = lab.query_one(ConversationPane)
        # nothing published: a DANE client without usable records is opportunistic
        await wait_for(pilot, lambda: any("no usable TLSA" in x for x in pane.plain_lines))
        for record, said in ((wrong, "does not match"), (right, "matches the sandbox")):
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, PolicyEditorScreen))
            editor = app.screen
            area = editor.query_one("#policy-text", TextArea)
            area.insert(record)
            findings = editor.query_one("#policy-findings", Static)
            await wait_for(pilot, lambda: said in str(findings.render()))  # noqa: B023
            await pilot.press("f5")
            await wait_for(pilot, lambda: app.screen is lab)
            await wait_for(pilot, lambda: any("signed TLSA" in x for x in pane.plain_lines))
            await pilot.press("p")
            if record == wrong:
                await wait_for(pilot, lambda: lab.tls_report is not None)  # validation-failure
                report, _ = lab.tls_report
                assert report["policies"][0]["failure-details"][0]["result-type"] == (
                    "validation-failure"
                )
                assert not lab.goal_met
                await pilot.press("e")  # the record is corrected, not added to
                await wait_for(pilot, lambda: isinstance(app.screen, PolicyEditorScreen))
                app.screen.query_one("#policy-text", TextArea).clear()
                await pilot.press("escape")  # left unpublished: nothing changes
                await wait_for(pilot, lambda: app.screen is lab)
                saved = data / POLICY_FOLDER / "dane-signed.txt"
                assert saved.read_text() == wrong
                saved.unlink()  # as if the learner started again from nothing
        await wait_for(pilot, lambda: lab.goal_met)
        saved = data / POLICY_FOLDER / "dane-signed.txt"
        assert saved.read_text() == right
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_p23_tlsa_lines_are_checked_against_the_sandbox_certificate() -> None:
    from sandbox.dane.tlsa import tlsa_for
    from sandbox.pki.certs import ensure_certs, load_cert
    from tutor.ui.screens.lab_policy import tlsa_findings

    right = str(tlsa_for(load_cert(ensure_certs().server_cert)))
    shown, ok = tlsa_findings(f"# the sandbox\n{right}\n1 1 1 {'ab' * 32}\n3 1 1 zz\n", "en")
    assert ok
    assert shown.splitlines() == [
        "1 record(s) match the sandbox certificate, 2 problem(s)",
        "ok: line 2 matches the sandbox server's certificate",
        "problem: line 3: usage 1 is not used by SMTP senders (RFC 7672: only 2 and 3)",
        "problem: line 4: the certificate association data is not hexadecimal",
    ]
    assert tlsa_findings("", "ja")[0].startswith("まだレコードがありません")
    # why a line cannot be read is said in the learner's language too (W6)
    assert "16 進数ではありません" in tlsa_findings("3 1 1 zz\n", "ja")[0]
    assert tlsa_findings("3 1 1 " + "0" * 5000, "en")[0].count("\n") == 1  # one line, no trace


async def test_p23_a_record_that_stops_the_lab_can_still_be_corrected(data: Path) -> None:
    """A published line that is no TLSA record stops the lab's start, in words; e still opens
    what was written, and the corrected record starts the lab again."""
    from sandbox.dane.tlsa import tlsa_for
    from sandbox.pki.certs import ensure_certs, load_cert

    right = str(tlsa_for(load_cert(ensure_certs().server_cert)))
    at_step(data, LESSON, 9, builtin=True)
    app = make_app(data, lessons_dir=None, session_factory=real_session, start_lesson=LESSON)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        [block] = [b for b in app.screen.query(LabBlock) if b.lab.edit == "tlsa"]
        block.query_one(".open-lab", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, LabScreen))
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PolicyEditorScreen))
        app.screen.query_one("#policy-text", TextArea).insert("3 1 1 zz")
        await pilot.press("f5")
        await wait_for(pilot, lambda: lab.start_error is not None)
        assert "line 1: the certificate association data is not hexadecimal" in lab.start_error
        assert lab.session is None
        await pilot.press("e")  # still there: the learner fixes what stopped the lab
        await wait_for(pilot, lambda: isinstance(app.screen, PolicyEditorScreen))
        area = app.screen.query_one("#policy-text", TextArea)
        assert area.text == "3 1 1 zz"
        area.clear()
        area.insert(right)
        await pilot.press("f5")
        await wait_for(pilot, lambda: lab.session is not None and lab.start_error is None)
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.goal_met)
