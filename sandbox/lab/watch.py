"""Bring your own client: two watched sandbox servers, for outside clients.

    watched = Watched(emit, keep_secrets=True)
    await watched.start(submission_port=2587, implicit_port=2465)
    ...          # watched.listeners[i].where: the port a client points at
    await watched.stop()

A submission port with STARTTLS (default `encrypt`, as Postfix's submission service on 587) and
a port with implicit TLS (as 465, RFC 8314). Each connection a client makes is announced with a
`SessionStarted` (scenario `watch: ...`, its server) before any of its bytes, so a consumer
starts a new session view there. The eavesdropper watches each server's own socket
(`sandbox.wire.observer`): no relay, so a classroom's sessions cost no second TCP hop. With
`keep_secrets` the servers log their TLS secrets into a private folder
(`sandbox.tlsview.secrets`, removed at `stop`) and `keylog()` returns them, to open an outside
client's records (opt-in: G5). The client's conversation is read back off the wire
(`sandbox.lab.watchlines`) and emitted as `ConversationLine`s after the events that reveal it.
Used by `smtp-tutor watch` and the TUI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sandbox.events import SandboxEvent, SessionStarted
from sandbox.lab.watchlines import WireConversation
from sandbox.smtpd.policy import ServerPolicy, TlsLevel
from sandbox.smtpd.server import SandboxServer
from sandbox.tlsview.keylog import KeyLog
from sandbox.tlsview.secrets import Secrets
from sandbox.wire.observer import WireObserver

Emit = Callable[[SandboxEvent], None]
SUBMISSION = "watch: submission port, STARTTLS"
SMTPS = "watch: implicit TLS port"


@dataclass(slots=True)
class Listener:
    """One watched port: the sandbox server, watched by its observer."""

    name: str
    server: SandboxServer

    @property
    def where(self) -> str:
        """`host:port` of the server: where a client connects."""
        assert self.server.running
        return self.server.address


class Watched:
    """The two watched ports (see the module docstring)."""

    def __init__(
        self,
        emit: Emit,
        *,
        tls_level: TlsLevel = "encrypt",
        maildir: Path | None = None,
        keep_secrets: bool = False,
    ) -> None:
        self._emit = emit
        self.secrets = [Secrets(), Secrets()] if keep_secrets else []
        # the outside client's conversation, read off the wire (and out of its opened records)
        self.conversation = WireConversation(self.keylog if keep_secrets else None)
        self.listeners = [
            Listener(
                SUBMISSION,
                SandboxServer(
                    ServerPolicy(tls_level=tls_level),
                    emit=self.emit,
                    maildir=maildir,
                    keylog_file=self.secrets[0].path if self.secrets else None,
                ),
            ),
            Listener(
                SMTPS,
                SandboxServer(
                    ServerPolicy(tls_level="encrypt", implicit_tls=True),
                    emit=self.emit,
                    maildir=maildir,
                    keylog_file=self.secrets[1].path if self.secrets else None,
                ),
            ),
        ]

    def emit(self, event: SandboxEvent) -> None:
        """Every event of the servers and their observers, followed by the conversation lines
        it reveals."""
        self._emit(event)
        for line in self.conversation.feed(event):
            self._emit(line)

    async def start(self, submission_port: int = 0, implicit_port: int = 0) -> None:
        """Start both servers, watched, on the given loopback ports (0: a free one).

        `OSError` when a port is taken (what is started stays for `stop`)."""
        for listener, port in zip(self.listeners, (submission_port, implicit_port), strict=True):
            listener.server.observer = WireObserver(self.emit, connected=self._announcer(listener))
            await listener.server.start("127.0.0.1", port)

    def _announcer(self, listener: Listener) -> Callable[[], None]:
        """Said as each connection is accepted, before its first byte."""

        def connected() -> None:
            self.emit(SessionStarted(scenario=listener.name, server=listener.where, via_tap=None))

        return connected

    async def stop(self) -> None:
        """Stop the servers; the secrets go with them. Idempotent."""
        for listener in self.listeners:
            await listener.server.stop()
        for line in self.conversation.finish():
            self._emit(line)
        for secrets in self.secrets:
            secrets.close()  # the secrets open the sessions: gone with the watch

    def keylog(self) -> KeyLog:
        """The servers' TLS secrets so far (empty without `keep_secrets`)."""
        merged = KeyLog()
        for secrets in self.secrets:
            merged.update(secrets.keylog())
        return merged

    @property
    def delivered(self) -> int:
        return sum(listener.server.mailbox.delivered for listener in self.listeners)

    @property
    def ca_cert(self) -> Path | None:
        certs = self.listeners[1].server.certs  # the implicit TLS port always has TLS
        return certs.ca_cert if certs is not None else None
