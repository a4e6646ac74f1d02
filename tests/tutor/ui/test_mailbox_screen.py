"""The TUI's mailbox screen (properties.md Q8): the caught mail listed, the chosen message with
its Received line's TLS called out, hostile text shown escaped, new mail appearing live, in
English and Japanese, at 80x24 and a large size."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import OptionList, Static
from tutor_ui_fakes import wait_for

from sandbox.smtpd.mailbox import Maildir
from tutor.ui.lang import LangApp
from tutor.ui.mailbox_words import MAILBOX_WORDS
from tutor.ui.screens.mailbox import MailboxScreen, default_root

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TLS_MAIL = (
    b"Return-Path: <learner@sandbox.test>\r\n"
    b"Received: from pc.test (127.0.0.1:40000)\r\n"
    b"\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n"
    b"\tby sandbox.test (smtp-tutor sandbox) with ESMTPSA id AAA;\r\n"
    b"\tSat, 05 Dec 2026 23:00:00 -0000\r\n"
    b"Subject: over TLS\r\n\r\nhello\r\n"
)
HOSTILE = (
    b"Return-Path: <evil@sandbox.test>\r\nReceived: from x (127.0.0.1:1)\r\n"
    b"\tby sandbox.test (smtp-tutor sandbox) with ESMTP id BBB;\r\n"
    b"Subject: \x1b]0;pwned\x07 [bold]x[/bold]\r\n\r\nclear \x1b[2J now\r\n"
)


class MailApp(LangApp):
    def __init__(self, root: Path, lang: str = "en") -> None:
        super().__init__()
        self.set_reactive(LangApp.lang, lang)
        self.root = root

    def on_mount(self) -> None:
        self.push_screen(MailboxScreen(self.root))


def _deliver(root: Path, queue_id: str, data: bytes) -> None:
    Maildir(root).add(data, queue_id)


def _text(app: App[object], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_q8_the_list_and_the_message_with_its_tls(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    root = tmp_path / "Maildir"
    _deliver(root, "AAA", TLS_MAIL)
    _deliver(root, "BBB", HOSTILE)
    app = MailApp(root)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        assert isinstance(screen, MailboxScreen)
        await wait_for(pilot, lambda: screen.query_one(OptionList).option_count == 2)
        assert "(2 messages)" in _text(app, "#mailbox-title")
        box = screen.query_one(OptionList)
        box.highlighted = 0
        await wait_for(pilot, lambda: screen.shown is not None and screen.shown.file.id == "AAA")
        assert _text(app, "#mailbox-tls") == (
            "Received over TLSv1.3 with cipher TLS_AES_256_GCM_SHA384"
            " (the sandbox's Received: line)"
        )
        assert "Subject: over TLS" in _text(app, "#mailbox-message")
        box.highlighted = 1
        await wait_for(pilot, lambda: screen.shown is not None and screen.shown.file.id == "BBB")
        assert _text(app, "#mailbox-tls").startswith("Received in PLAINTEXT")
        shown = _text(app, "#mailbox-message")
        assert "Subject: \\x1b]0;pwned\\x07 [bold]x[/bold]" in shown  # escaped, not markup
        assert "clear \\x1b[2J now" in shown and not CONTROL.search(shown.replace("\n", ""))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, MailboxScreen))


async def test_q8_new_mail_appears_while_the_screen_is_open(tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    app = MailApp(root)
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, MailboxScreen)
        assert _text(app, "#mailbox-message").startswith("No mail here yet")
        _deliver(root, "AAA", TLS_MAIL)
        await wait_for(pilot, lambda: screen.query_one(OptionList).option_count == 1)
        await wait_for(pilot, lambda: screen.shown is not None)
        assert "TLSv1.3" in _text(app, "#mailbox-tls")


async def test_q8_in_japanese(tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    _deliver(root, "AAA", TLS_MAIL)
    app = MailApp(root, lang="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, MailboxScreen)
        await wait_for(pilot, lambda: screen.shown is not None)
        assert _text(app, "#mailbox-title").startswith("メールボックス: ")
        assert _text(app, "#mailbox-tls").startswith("TLSv1.3、暗号スイート TLS_AES_256_GCM_SHA384")
        app.lang = "en"
        await wait_for(pilot, lambda: _text(app, "#mailbox-title").startswith("Mailbox: "))


def test_q8_both_languages_have_every_word() -> None:
    en, ja = MAILBOX_WORDS["en"], MAILBOX_WORDS["ja"]
    assert en.keys() == ja.keys()
    for key in en:
        assert set(re.findall(r"\{(\w+)", en[key])) == set(re.findall(r"\{(\w+)", ja[key])), key


def test_q8_a_learner_reads_their_own_mailbox(data_dir_env: Path) -> None:
    assert default_root("learner07") == data_dir_env / "room" / "mail" / "learner07"
    assert default_root() == data_dir_env / "Maildir"
    with pytest.raises(ValueError, match="not a learner name"):
        default_root("../x")


@pytest.fixture
def data_dir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


async def test_q8_m_on_the_course_opens_the_mailbox(data_dir_env: Path) -> None:
    from tutor_ui_fakes import make_app

    from tutor.ui.screens.course import CourseScreen

    _deliver(data_dir_env / "Maildir", "AAA", TLS_MAIL)
    app = make_app(data_dir_env)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MailboxScreen))
        screen = app.screen
        assert isinstance(screen, MailboxScreen)
        await wait_for(pilot, lambda: screen.shown is not None)
        assert screen.root == data_dir_env / "Maildir"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))


async def test_q8_the_palette_opens_the_mailbox(data_dir_env: Path) -> None:
    from textual.command import CommandList, CommandPalette
    from tutor_ui_fakes import make_app

    from tutor.ui.screens.course import CourseScreen

    def first_hit() -> str:
        screen = app.screen
        if not isinstance(screen, CommandPalette):
            return ""
        hits = screen.query_one(CommandList)
        if hits.option_count == 0:
            return ""
        prompt = hits.get_option_at_index(hits.highlighted or 0).prompt
        return prompt.plain if hasattr(prompt, "plain") else str(prompt)

    app = make_app(data_dir_env)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CourseScreen))
        await pilot.press("ctrl+p", *"Mailbox: the")
        await wait_for(pilot, lambda: "Mailbox: the mail the sandbox caught" in first_hit())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MailboxScreen))
