"""Watch your own client in the lab's three panes: `w` on the course.

The screen starts `sandbox.lab.watch.Watched` in the app's own loop (a submission port with
STARTTLS, as 587, and an implicit TLS port, as 465), says where to point a client and with
which account and CA, and shows every session of that client in the lab's panes (`LAB_PANES`:
Conversation, Eavesdropper, Connection), batched as the lab screen batches them. The servers
keep their TLS secrets in a private folder for as long as the screen is open (as a lab keeps its
client's, M2), so the Conversation shows the lines inside TLS and `v` in the Eavesdropper opens
each record; the folder goes when the screen does. Nothing here touches the lab screen.

Below 120 columns the panes are under tabs, one at a time (1, 2, 3), as in the lab; `v`, `h` and
`c` work from anywhere on the screen: they show their pane and act on it (properties.md W5).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static, Tab, Tabs

from sandbox.events import SandboxEvent
from sandbox.lab.watch import Watched
from tutor.ui.lang import on_lang_change, ui_lang, words
from tutor.ui.mailbox_words import mailbox_word
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.widgets.lab_panes import LAB_PANES, ConnectionPane, LabPane

PORTS = (2587, 2465)  # as the command's defaults; any free ports when these are taken
FLUSH_SECONDS = 0.1


class WatchScreen(Screen[None]):
    """Esc stops the watch and goes back."""

    help_topic = "watch"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (Textual API)
    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("escape", "back", "key.back"),
        Binding("f1", "app.help", "key.help"),
        # the panes' own keys, from wherever the focus is (W5): no Tab to the pane first
        Binding("v", "pane_key('eavesdropper', 'toggle_view')", "key.tls_view"),
        Binding("h", "pane_key('eavesdropper', 'handshake')", "key.handshake", show=False),
        Binding("c", "pane_key('connection', 'inspect')", "key.inspect"),
        *(
            Binding(str(n), f"pane('{kind.name}')", "key.pane", show=False)
            for n, kind in enumerate(LAB_PANES, start=1)
        ),
    ]
    DEFAULT_CSS = """
    WatchScreen #watch-intro { padding: 0 1; height: auto; }
    WatchScreen #watch-panes { height: 1fr; }
    WatchScreen .watch-pane { width: 1fr; height: 1fr; border: round $accent; }
    WatchScreen #watch-tabs { display: none; }
    WatchScreen.-narrow #watch-tabs { display: block; }
    WatchScreen.-narrow .watch-pane { display: none; }
    WatchScreen.-narrow .watch-pane.-current { display: block; }
    """

    def __init__(self, ports: tuple[int, int] = PORTS) -> None:
        super().__init__()
        localize_bindings(self)
        self.ports = ports
        self.watched: Watched | None = None
        self.pending: list[SandboxEvent] = []
        self.panes: list[Widget] = []
        self.problem = ""
        self.current_pane = LAB_PANES[0].name  # the one shown under the tabs when narrow

    def compose(self) -> ComposeResult:
        yield Static("", id="watch-intro", markup=False)
        yield Tabs(
            *(Tab(words(self, f"lab.{k.name}"), id=f"watch-tab-{k.name}") for k in LAB_PANES),
            id="watch-tabs",
        )
        with Horizontal(id="watch-panes"):
            for n, kind in enumerate(LAB_PANES):
                pane = kind.make(
                    f"watch-{kind.name}", "watch-pane -current" if n == 0 else "watch-pane"
                )
                self.panes.append(pane)
                yield pane
        yield Footer()

    def action_pane(self, name: str) -> None:
        """Show pane `name` (under the tabs when narrow) and give it the focus."""
        self.query_one("#watch-tabs", Tabs).active = f"watch-tab-{name}"
        self._show_pane(name)
        self.query_one(f"#watch-{name}").focus()

    def action_pane_key(self, name: str, action: str) -> None:
        """A pane's own key pressed anywhere on the screen: show that pane, and act."""
        self.action_pane(name)
        getattr(self.query_one(f"#watch-{name}"), f"action_{action}")()

    @on(Tabs.TabActivated, "#watch-tabs")
    def _tab(self, event: Tabs.TabActivated) -> None:
        self._show_pane((event.tab.id or "").removeprefix("watch-tab-") or self.current_pane)

    def _show_pane(self, name: str) -> None:
        self.current_pane = name
        for kind, pane in zip(LAB_PANES, self.panes, strict=True):
            pane.set_class(kind.name == name, "-current")

    async def on_mount(self) -> None:
        self._title_panes()
        await self._start()
        self._show_intro()
        self.set_interval(FLUSH_SECONDS, self._flush)
        on_lang_change(self, self._lang_changed)

    def _lang_changed(self) -> None:
        localize_bindings(self)
        self._title_panes()
        self._show_intro()

    def _title_panes(self) -> None:
        for kind, pane in zip(LAB_PANES, self.panes, strict=True):
            assert isinstance(pane, LabPane)
            pane.titled(words(self, f"lab.{kind.name}"))
        self._label_tabs()

    def _label_tabs(self) -> None:
        """Each tab: its pane's name and what the pane adds (plaintext or TLS), as in the lab."""
        for kind, pane in zip(LAB_PANES, self.panes, strict=True):
            assert isinstance(pane, LabPane)
            note = pane.tab_note()
            label = words(self, f"lab.{kind.name}") + (f" · {note}" if note else "")
            tab = self.query_one(f"#watch-tab-{kind.name}", Tab)
            if str(tab.label) != label:
                tab.label = label

    async def _start(self) -> None:
        from sandbox.safety.files import data_dir

        for ports in (self.ports, (0, 0)):
            watched = Watched(
                self.pending.append, maildir=data_dir() / "Maildir", keep_secrets=True
            )
            try:
                await watched.start(*ports)
            except OSError as exc:
                await watched.stop()
                self.problem = str(exc.strerror or exc)
                continue
            self.watched = watched
            for kind, pane in zip(LAB_PANES, self.panes, strict=True):
                if kind.name == "eavesdropper":  # `v` opens an outside client's records
                    setattr(pane, "keys", watched.keylog)  # noqa: B010 (the pane's KeySource)
                if isinstance(pane, ConnectionPane):  # `c` judges the chain by the CA the
                    pane.ca_file = watched.ca_cert  # intro tells the client to trust
                    pane.none_key = "ci.none_watch"  # no lab to step here: connect a client
            return

    def _show_intro(self) -> None:
        from sandbox.smtpd.accounts import demo_account

        lang = ui_lang(self)
        intro = self.query_one("#watch-intro", Static)
        if self.watched is None:
            intro.update(mailbox_word(lang, "watch_failed", why=self.problem))
            return
        sub, tls = (listener.where for listener in self.watched.listeners)
        account = demo_account()
        ca = self.watched.ca_cert
        intro.update(
            "\n".join(
                [
                    mailbox_word(lang, "watch_where", sub=sub, tls=tls),
                    mailbox_word(lang, "watch_account", user=account.username,
                                 password=account.password, ca=ca),
                    f"swaks --server {sub} --tls --tls-verify --tls-ca-path {ca} "
                    f"--tls-sni sandbox.test --auth-user {account.username} "
                    f"--auth-password '{account.password}' --to friend@sandbox.test",
                    f"openssl s_client -crlf -quiet -connect {tls} -servername sandbox.test "
                    f"-CAfile {ca}",
                ]
            )
        )  # fmt: skip

    def _flush(self) -> None:
        batch, self.pending[:] = list(self.pending), []
        if batch:
            self.add_events(batch)

    def add_events(self, batch: Sequence[SandboxEvent]) -> None:
        for pane in self.panes:
            assert isinstance(pane, LabPane)
            pane.add_events(batch)
        self._label_tabs()

    async def _stop(self) -> None:
        watched, self.watched = self.watched, None
        if watched is not None:
            await watched.stop()

    async def action_back(self) -> None:
        await self._stop()
        self.dismiss()

    async def on_unmount(self) -> None:
        await self._stop()  # the app quit with the screen open: the servers go too
