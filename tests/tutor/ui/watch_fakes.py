"""What the watch screen's tests share: the screen alone in an app, and an outside client
(stdlib smtplib over real STARTTLS and AUTH) that sends one message to a watched port."""

from __future__ import annotations

import smtplib
from pathlib import Path

from sandbox.pki import tlsconfig
from sandbox.smtpd.accounts import demo_account
from tutor.ui.lang import LangApp
from tutor.ui.screens.watch import WatchScreen


class WatchApp(LangApp):
    def __init__(self, lang: str = "en") -> None:
        super().__init__()
        self.set_reactive(LangApp.lang, lang)

    def on_mount(self) -> None:
        self.push_screen(WatchScreen(ports=(0, 0)))


def send_one(port: int, ca: Path) -> None:
    account = demo_account()
    ctx = tlsconfig.client_context(ca)
    with smtplib.SMTP("127.0.0.1", port, local_hostname="pc.test", timeout=30) as smtp:
        smtp.starttls(context=ctx)  # sandbox.test's leaf names 127.0.0.1 too
        smtp.login(account.username, account.password)
        smtp.sendmail("learner@sandbox.test", ["friend@sandbox.test"], b"Subject: w\r\n\r\nx\r\n")
