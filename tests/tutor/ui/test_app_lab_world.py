"""P20-P21: lesson 8's lab-world labs in the tutor, each on a real loopback session (the lab
world's DNS, its HTTPS policy host, the sandbox, the tap and the attack): what the client
decided in the Conversation pane, the outcome, the goal met and saved, and the TLS-RPT report
the lab wrote, opened with t and saved 0600."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from textual.widgets import Button, Static
from tutor_ui_fakes import at_step, make_app, wait_for

from sandbox.notices import DECIDED
from tutor.ui.lab_link import real_session
from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lab_report import TlsReportScreen
from tutor.ui.widgets.lab_block import LabBlock
from tutor.ui.widgets.lab_panes import ConversationPane
from tutor.ui.world_words import DECIDED_JA

LESSON = "starttls-attacks"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


# (step, lab block in the step, world, what the client decided, report's result types, sent)
LABS = {
    "dane signed": (10, 0, "dane-signed", "dane.signed", ["validation-failure"], False),
    "dane unsigned": (10, 1, "dane-unsigned", "dane.unsigned", [], True),
    "sts testing strip": (
        11,
        0,
        "mta-sts-testing",
        "sts.testing",
        ["starttls-not-supported"],
        True,
    ),
    "sts testing impostor": (
        12,
        0,
        "mta-sts-testing",
        "sts.testing",
        ["certificate-not-trusted"],
        True,
    ),
}


@pytest.mark.parametrize(("lang"), ["en", "ja"])
@pytest.mark.parametrize(
    ("step", "index", "world", "decided", "kinds", "sent"), list(LABS.values()), ids=list(LABS)
)
async def test_p20_lesson_8s_world_labs_reach_their_goals_on_a_real_session(
    data: Path,
    lang: str,
    step: int,
    index: int,
    world: str,
    decided: str,
    kinds: list[str],
    sent: bool,
) -> None:
    at_step(data, LESSON, step, builtin=True)
    app = make_app(
        data, lessons_dir=None, session_factory=real_session, start_lesson=LESSON, lang=lang
    )
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        blocks = list(app.screen.query(LabBlock))
        assert blocks[index].lab.world == world
        blocks[index].query_one(".open-lab", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, LabScreen))
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        assert lab.tls_report is None  # nothing to read before the session is over
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.goal_met)
        await wait_for(pilot, lambda: bool(lab.session and lab.session.finished))
        await wait_for(pilot, lambda: lab.query_one("#outcome").display)
        said = (DECIDED_JA if lang == "ja" else DECIDED)[decided]
        lines = lab.query_one(ConversationPane).plain_lines
        assert any(said in line for line in lines), lines
        outcome = str(lab.query_one("#outcome", Static).render())
        went = ("メッセージは送られませんでした", "the message was not sent")
        assert (not any(w in outcome for w in went)) is sent, outcome
        block = blocks[index].index
        await wait_for(pilot, lambda: "goal-met" in app.progress.answers(LESSON, step, block))
        reports = sorted((data / "tlsrpt").glob("*.json")) if kinds else []
        if not kinds:
            assert lab.tls_report is None
            assert not (data / "tlsrpt").exists()
            await pilot.press("t")  # no report: nothing opens
            await pilot.pause()
            assert app.screen is lab
            return
        assert len(reports) == 1
        assert stat.S_IMODE(reports[0].stat().st_mode) == 0o600
        saved = json.loads(reports[0].read_text())
        details = saved["policies"][0]["failure-details"]
        assert [d["result-type"] for d in details] == kinds
        assert any(kinds[0] in line and str(reports[0]) in line for line in lines), lines
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TlsReportScreen))
        dialog = app.screen
        shown = str(dialog.query_one("#report-json", Static).render())
        assert json.loads(shown) == saved  # the report as written, every field of it
        meaning = str(dialog.query_one("#report-meaning", Static).render())
        assert kinds[0] in meaning
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is lab)


async def test_p21_the_report_is_readable_at_80x24_and_named_in_the_footer(data: Path) -> None:
    at_step(data, LESSON, 11, builtin=True)
    app = make_app(data, lessons_dir=None, session_factory=real_session, start_lesson=LESSON)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query(LabBlock).first().query_one(".open-lab", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, LabScreen))
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        footer = lab.query_one("Footer")
        assert "TLS-RPT" not in " ".join(str(w.render()) for w in footer.query("FooterKey"))
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.tls_report is not None)
        await wait_for(
            pilot,
            lambda: "TLS-RPT" in " ".join(str(w.render()) for w in footer.query("FooterKey")),
        )
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TlsReportScreen))
        dialog = app.screen
        await pilot.pause()
        box = dialog.query_one("#report-box").region
        assert box.right <= 80 and box.bottom <= 24
        meaning = dialog.query_one("#report-meaning").region
        assert meaning.height >= 2 and box.contains_region(meaning)  # where, and what failed
        text = str(dialog.query_one("#report-meaning", Static).render())
        assert "starttls-not-supported: the MX did not offer STARTTLS" in text
        # the JSON scrolls inside the box: its end is reachable with End
        scroll = dialog.query_one("#report-scroll")
        await pilot.press("end")
        await wait_for(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y)
        assert scroll.max_scroll_y > 0
