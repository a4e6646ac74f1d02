"""English that leaks into the Japanese UI (properties.md W6): the config lab said its probes'
verdicts as "MAIL FROM (no TLS) -> 250 ..." in Japanese. A scan of the Japanese screens' rendered
text looks for English sentences: an English function word standing alone ("the", "no", "with"),
outside SMTP lines and replies (protocol text is the same in every language), commands,
file names and addresses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static
from tutor_ui_fakes import at_step, factory, make_app, wait_for

from tutor.ui.help_text import TOPICS, help_for
from tutor.ui.screens.course import CourseScreen
from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lab_config import ConfigLabScreen
from tutor.ui.screens.watch import WatchScreen
from tutor.ui.widgets.config_lab_block import ConfigLabBlock

# words no command, name or protocol term is, and every English sentence has
ENGLISH = re.compile(
    r"(?<![\w./@:=<>'`-])(the|and|is|are|not|no|with|from|of|for|to|your|you|this|that|was|"
    r"has|there|yet|when|then|into|only|at once)(?![\w./@:=<>'`-])",
    re.IGNORECASE,
)
PROTOCOL = re.compile(r"(->|<-|~>|<~|\b[2-5]\d\d[ -]\d?)")  # SMTP lines and replies, as said


def english_in(text: str) -> list[str]:
    """The lines of `text` that hold English words (but SMTP, which is the same in Japanese)."""
    return [
        line.strip()
        for line in text.splitlines()
        if not PROTOCOL.search(line) and ENGLISH.search(line)
    ]


def test_w6_the_scan_finds_english_and_passes_protocol() -> None:
    assert english_in("MAIL FROM (no TLS) -> 250 2.1.0 Ok") == []  # a line of SMTP: as said
    assert english_in("✘ 送信: (no TLS) が…") == ["✘ 送信: (no TLS) が…"]
    assert english_in("No certificate yet.") == ["No certificate yet."]
    assert english_in("swaks --to friend@sandbox.test --tls") == []
    assert english_in("smtpd_tls_security_level = may、no_tls") == []


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("topic", TOPICS)
def test_w6_japanese_help_has_no_english(topic: str) -> None:
    assert english_in(help_for(topic, "ja")) == []


def _screen_text(screen: Any) -> str:
    """What the screen says: its Static texts and its panes' lines."""
    said = [str(w.render()) for w in screen.query(Static) if w.display]
    for pane in screen.query(".pane, .watch-pane"):
        said += [str(line) for line in getattr(pane, "plain_lines", ())]
    return "\n".join(said)


async def test_w6_the_scan_reads_the_screens(data: Path) -> None:
    """The control: the same scan over the English screens finds English."""
    app = make_app(data, lessons_dir=None, lang="en")
    async with app.run_test(size=(120, 35)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        assert english_in(_screen_text(app.screen))
        lab = LabScreen("starttls", session_factory=factory(), play_delay=0.0)
        await app.push_screen(lab)
        await wait_for(pilot, lambda: lab.session is not None)
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.session is not None and lab.session.finished)
        await pilot.pause()
        text = _screen_text(lab)
        assert "-> EHLO" in text or "~> EHLO" in text, text  # the panes are read too
        assert english_in(text)


@pytest.mark.parametrize(("lang", "said"), [("ja", "（TLS なし）"), ("en", "(no TLS)")])
async def test_w6_config_lab_probes_speak_the_learners_language(
    data: Path, lang: str, said: str
) -> None:
    at_step(data, "postfix", 3, builtin=True)  # lesson 9, step 3: a config lab
    app = make_app(data, lessons_dir=None, start_lesson="postfix", lang=lang)
    async with app.run_test(size=(120, 35)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query(ConfigLabBlock)))
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfigLabScreen))
        screen = app.screen
        assert isinstance(screen, ConfigLabScreen)
        await wait_for(pilot, lambda: screen.session is not None or screen.start_error is not None)
        await pilot.press("f5")  # the files as given: submission still takes plaintext mail
        await wait_for(pilot, lambda: bool(screen.probes) and not screen.probing)
        assert not all(r.ok for r in screen.probes)
        task = str(screen.query_one("#task", Static).render())
        assert said in task, task
        if lang == "ja":
            assert "(no TLS)" not in task
            assert english_in(_screen_text(screen)) == []


async def test_w6_japanese_course_lab_and_watch_have_no_english(data: Path) -> None:
    app = make_app(data, lessons_dir=None, lang="ja")
    async with app.run_test(size=(120, 35)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        assert english_in(_screen_text(app.screen)) == []
        lab = LabScreen("starttls", session_factory=factory(), play_delay=0.0)
        await app.push_screen(lab)
        await wait_for(pilot, lambda: lab.session is not None)
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.session is not None and lab.session.finished)
        await pilot.pause()
        assert english_in(_screen_text(lab)) == []
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, WatchScreen))
        watch = app.screen
        assert isinstance(watch, WatchScreen)
        await wait_for(pilot, lambda: watch.watched is not None)
        await pilot.press("c")  # the certificate inspector, before any client came
        await pilot.pause()
        assert english_in(_screen_text(watch)) == []
