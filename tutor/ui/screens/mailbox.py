"""The mailbox: the mail the sandbox caught, listed on the left, the chosen message on the right
with every header (the `Received:` line's TLS called out first) and its body.

The same reader as `smtp-tutor mailbox` (sandbox.mailstore.reader): everything the client sent
arrives escaped (I5) and is shown as plain text (`markup=False`), so a hostile message can
neither colour the screen nor hide a line. The list is read again every few seconds, so mail a
client sends to a running `smtp-tutor sandbox` or `watch` appears while the screen is open.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from sandbox.mailstore.reader import CaughtMail, MailboxError, MailFile, list_files, read_mail
from tutor.ui.lang import on_lang_change, ui_lang
from tutor.ui.mailbox_words import mailbox_word
from tutor.ui.widgets.keys import localize_bindings

REFRESH_SECONDS = 2.0
SHOWN_LINES = 500  # body lines shown; the command prints the rest


def default_root(learner: str | None = None) -> Path:
    """The sandbox's Maildir, or a learner's in a shared sandbox (`sandbox --learners`)."""
    from sandbox.safety.files import data_dir
    from sandbox.smtpd.learners import check_name, room_dir

    if learner is not None:
        return room_dir() / "mail" / check_name(learner)
    return data_dir() / "Maildir"


class MailboxScreen(Screen[None]):
    """Esc goes back; the list's highlighted message is shown."""

    help_topic = "course"
    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("escape", "back", "key.back"),
        Binding("f1", "app.help", "key.help"),
    ]
    DEFAULT_CSS = """
    MailboxScreen #mailbox-main { height: 1fr; }
    MailboxScreen #mailbox-list { width: 2fr; height: 1fr; }
    MailboxScreen #mailbox-body { width: 3fr; height: 1fr; padding: 0 1; }
    MailboxScreen #mailbox-title { padding: 0 1; text-style: bold; }
    MailboxScreen #mailbox-tls { text-style: bold; }
    """

    def __init__(self, root: Path | None = None, *, learner: str | None = None) -> None:
        super().__init__()
        localize_bindings(self)
        self.learner = learner
        self.root = root if root is not None else default_root(learner)
        self.files: list[MailFile] = []
        self._loaded = False
        self.problem = ""
        self.shown: CaughtMail | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="mailbox-title", markup=False)
        with Horizontal(id="mailbox-main"):
            yield OptionList(id="mailbox-list")
            with VerticalScroll(id="mailbox-body"):
                yield Static("", id="mailbox-tls", markup=False)
                yield Static("", id="mailbox-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#mailbox-list").focus()
        self.set_interval(REFRESH_SECONDS, self.reload)
        on_lang_change(self, self._lang_changed)

    def _lang_changed(self) -> None:
        localize_bindings(self)
        self.reload(force=True)

    def word(self, key: str, **values: object) -> str:
        return mailbox_word(ui_lang(self), key, **values)

    def reload(self, *, force: bool = False) -> None:
        """Read the Maildir again; the list changes only when the files did."""
        try:
            files, self.problem = list_files(self.root), ""
        except MailboxError as exc:
            files, self.problem = [], str(exc)
        key = "title_learner" if self.learner else "title"
        title = self.word(key, learner=self.learner, root=self.root, count=len(files))
        self.query_one("#mailbox-title", Static).update(
            f"{title}\n{self.problem}" if self.problem else title
        )
        if files == self.files and self._loaded and not force:
            return
        self.files, self._loaded = files, True
        box = self.query_one("#mailbox-list", OptionList)
        highlighted = box.highlighted
        box.clear_options()
        box.add_options(Option(self._summary(n, f), id=f.id) for n, f in enumerate(files, 1))
        if not files:
            self._show(None)
            self.query_one("#mailbox-message", Static).update(self.word("empty"))
            return
        box.highlighted = highlighted if highlighted is not None else len(files) - 1

    def _summary(self, number: int, file: MailFile) -> str:
        try:
            mail = read_mail(file)
        except MailboxError:
            return f"{number:>3}  {file.id}  ?"
        tls = mail.tls[0] if mail.tls else "PLAIN"
        subject = mail.header("Subject") or self.word("no_subject")
        return f"{number:>3}  {tls:8} {mail.header('Return-Path') or '?'}  {subject}"

    @on(OptionList.OptionHighlighted, "#mailbox-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = event.option_index
        self._show(self.files[index] if 0 <= index < len(self.files) else None)

    def _show(self, file: MailFile | None) -> None:
        tls_line = self.query_one("#mailbox-tls", Static)
        body = self.query_one("#mailbox-message", Static)
        self.shown = None
        if file is None:
            tls_line.update("")
            body.update("")
            return
        try:
            mail = read_mail(file)
        except MailboxError as exc:
            tls_line.update(self.word("unreadable", why=exc))
            body.update("")
            return
        self.shown = mail
        if mail.tls:
            tls_line.update(self.word("tls", version=mail.tls[0], cipher=mail.tls[1]))
        else:
            tls_line.update(self.word("plaintext"))
        lines = [line for header in mail.headers for line in header.lines]
        lines.append("")
        lines.extend(mail.body[:SHOWN_LINES])
        if len(mail.body) > SHOWN_LINES:
            more = len(mail.body) - SHOWN_LINES
            lines.append(self.word("more", count=more, id=file.id))
        body.update("\n".join(line.replace("\t", "    ") for line in lines))

    def action_back(self) -> None:
        self.dismiss()
