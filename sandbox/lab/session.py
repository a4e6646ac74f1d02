"""One live lab: the sandbox server, the wire tap and the tutor's client, in the caller's loop.

    session = LabSession("starttls", emit=on_event)
    await session.start()        # server up on 127.0.0.1, watched; nothing connected yet
    while await session.step():  # one scripted command at a time
        ...
    await session.send("NOOP")   # or what the learner typed
    await session.stop()

Everything the UI or the demo learns arrives through `emit` as `sandbox.events`. The eavesdropper
watches the sandbox server's own socket (`sandbox.wire.observer`); an attack lab, which changes
bytes in flight, and a server the learner names go through the relay (`sandbox.wire.tap`) instead.
Against a server the learner names (`upstream=`), no sandbox server starts and the script only
probes: EHLO, STARTTLS, EHLO, QUIT; it never sends mail anywhere (properties.md K2).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from sandbox.client.connection import CertCheck
from sandbox.client.framing import SmtpClientError
from sandbox.client.policy import TlsPolicy, as_policy
from sandbox.client.replies import Reply
from sandbox.client.smtp import SmtpClient
from sandbox.events import Level, SandboxEvent, SessionClosed, SessionStarted
from sandbox.lab import catalog, scenarios
from sandbox.lab.scenarios import Scenario, ScriptStep
from sandbox.notices import notice
from sandbox.smtpd.accounts import demo_account
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import ChainFiles, SandboxServer
from sandbox.tlsview.keylog import KeyLog
from sandbox.tlsview.secrets import Secrets
from sandbox.wire.observer import WireObserver
from sandbox.wire.tap import WireTap

log = logging.getLogger("sandbox.lab.session")
Emit = Callable[[SandboxEvent], None]
T = TypeVar("T")


class LabStartError(Exception):
    """The lab could not start; the message says why and what to do, in plain words."""


class LabSession:
    def __init__(
        self,
        scenario: str,
        *,
        emit: Emit,
        client_policy: TlsPolicy | str | None = None,
        server_policy: ServerPolicy | None = None,
        upstream: tuple[str, int] | None = None,
        server_hostname: str | None = None,
        ca_file: Path | None = None,
        maildir: Path | None = None,
        timeout: float = 30.0,
        keep_secrets: bool = False,
        server_chain: ChainFiles | None = None,  # a configuration's own chain; ca_file trusts it
        cert_check: CertCheck | None = None,  # the lab world's DANE/MTA-STS check (labdns)
        client_tls: tuple[ssl.TLSVersion, ssl.TLSVersion | None] | None = None,  # floor, cap
    ) -> None:
        base = catalog.get(scenario)  # KeyError naming the known labs
        if client_policy is not None:
            base = base.with_client_policy(as_policy(client_policy))
        if server_policy is not None:  # a lab's server variant (smtpd_tls_security_level...)
            base = replace(base, server_policy=server_policy)
        self.scenario: Scenario = base
        self._emit = emit
        self._upstream = upstream
        self._server_hostname = server_hostname or (
            "sandbox.test" if upstream is None else upstream[0]
        )
        self._ca_file = ca_file
        self._server_chain = server_chain
        self._ca_in_use: Path | None = None  # the CA the client trusts, once started
        self._upstream_in_use: tuple[str, int] = ("", 0)  # where the tap forwards, once started
        self._maildir = maildir
        self._timeout = timeout
        self.server: SandboxServer | None = None
        self.tap: WireTap | None = None
        self._client: SmtpClient | None = None
        self._account: tuple[str, str] = ("", "")
        self.script: tuple[ScriptStep, ...] = ()
        self.position = 0
        self._closed = False
        self._keep_secrets = keep_secrets  # M2: the client logs its TLS secrets, for us only
        self._secrets: Secrets | None = None
        self._cert_check = cert_check
        self._client_tls = client_tls  # the client's TLS version floor and ceiling (a lab setting)

    # --- what a step may use (scenarios.StepContext) ----------------------------------------------

    @property
    def client(self) -> SmtpClient:
        if self._client is None:
            raise RuntimeError("the lab is not started")
        return self._client

    @property
    def demo_account(self) -> tuple[str, str]:
        return self._account

    def emit(self, event: SandboxEvent) -> None:
        if isinstance(event, SessionClosed):
            self._closed = True
        self._emit(event)

    @property
    def client_ca(self) -> Path | None:
        """The CA file the lab's client trusts (the sandbox's, or a configuration's own chain's
        CA); None before the session started."""
        return self._ca_in_use

    @property
    def keylog(self) -> KeyLog:
        """The TLS secrets of this lab's sessions so far (empty unless `keep_secrets`, M2)."""
        return self._secrets.keylog() if self._secrets is not None else KeyLog()

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self._closed or self.position >= len(self.script)

    async def start(self) -> None:
        """Start the server (unless probing a named one), watched or behind the tap; raises
        `LabStartError`."""
        sc = self.scenario
        try:
            if self._keep_secrets and (self._secrets is None or self._secrets.closed):
                self._secrets = Secrets(carry=self.keylog)  # a restart keeps what came before
            if sc.configure is not None and self._server_chain is None and self._upstream is None:
                made = sc.configure()  # a lab whose server its own configuration makes (L28)
                sc = self.scenario = replace(sc, server_policy=made.policy)
                self._server_chain, self._ca_file = made.chain, made.ca_file
                self._server_hostname = made.server_hostname
            if self._upstream is None:
                account = demo_account()
                self._account = (account.username, account.password)
                self.server = SandboxServer(
                    sc.server_policy,
                    accounts={account.username: account.password},  # read once, here
                    emit=self.emit,
                    maildir=self._maildir,
                    chain=self._server_chain,
                    # Nothing to change in flight: the eavesdropper watches the server's own
                    # socket, no relay in between (sandbox.wire.observer, issue 15).
                    observer=WireObserver(self.emit) if sc.tamper is None else None,
                )
                await self.server.start()
                upstream = (self.server.host, self.server.port)
                certs = self.server.certs
                ca_file = certs.ca_cert if certs is not None else self._ca_file
            else:
                upstream, ca_file = self._upstream, self._ca_file
            if self.server is None or self.server.observer is None:
                # An attack changes bytes in flight, and a named server's socket is not ours:
                # both take the relay.
                self.tap = WireTap(*upstream, emit=self.emit, tamper=sc.tamper)
                await self.tap.start()
        except OSError as exc:
            await self.stop()
            where = f" ({exc.filename})" if exc.filename else ""
            raise LabStartError(
                f"The sandbox could not start: {exc.strerror or exc}{where}. Check that the "
                "smtp-tutor data folder is writable (SMTP_TUTOR_DATA_DIR moves it), and that "
                "no firewall blocks 127.0.0.1; then restart the lab."
            ) from exc
        except ValueError as exc:  # certificate or policy problems carry a plain message
            await self.stop()
            raise LabStartError(f"The sandbox could not start: {exc}") from exc
        self._ca_in_use = ca_file
        self._upstream_in_use = upstream
        if self._upstream is None:
            self.script = sc.script(sc)
        else:
            probe = replace(sc, authenticate=False)
            self.script = tuple(
                s
                for s in scenarios.submission_script(probe)
                if s not in (scenarios.MAIL, scenarios.RCPT, scenarios.DATA)
            )
        self._begin()

    def _begin(self) -> None:
        """A new client session (through the tap, if there is one): the script from its start."""
        sc, tap, upstream = self.scenario, self.tap, self._upstream_in_use
        host, port = (tap.host, tap.port) if tap is not None else upstream
        self._client = SmtpClient(
            host,
            port,
            server_hostname=self._server_hostname,
            policy=sc.client_policy,
            ca_file=self._ca_in_use,
            implicit_tls=sc.implicit_tls,
            emit=self.emit,
            allow_cleartext_auth=sc.allow_cleartext_auth,
            timeout=self._timeout,
            keylog_file=self._secrets.path if self._secrets is not None else None,
            cert_check=self._cert_check,
            tls_versions=self._client_tls,
        )
        self.position = 0
        self._closed = False
        self.emit(
            SessionStarted(
                scenario=sc.name,
                server=f"{upstream[0]}:{upstream[1]}",
                via_tap=f"{tap.host}:{tap.port}" if tap is not None else None,
            )
        )
        if sc.attack_notice:
            self.emit(notice(Level.ATTACK, "attack.on", attack=sc.name, what=sc.attack_notice))

    async def step(self) -> bool:
        """Run the next scripted command; False when there is nothing left to run."""
        if self.finished:
            return False
        step = self.script[self.position]
        self.position += 1
        await self._guarded(step.run(self))
        return not self.finished

    async def play(self, delay: float = 0.0) -> None:
        """Run the rest of the script, pausing `delay` seconds between commands."""
        while await self.step():
            if delay:
                await asyncio.sleep(delay)

    async def send(self, line: str) -> Reply | None:
        """A command the learner typed. Connects first if needed; bare `AUTH PLAIN`/`AUTH LOGIN`
        use the demo account, so the learner never types a password."""
        client = self.client
        if not client.connected:
            if self._closed:  # the learner types on: a new session, as a mail client would
                self.emit(notice(Level.INFO, "lab.new_session"))
                with contextlib.suppress(Exception):
                    await client.close()
                self._begin()
                client = self.client
            await self._guarded(client.connect())
            if self.position == 0 and self.script and self.script[0] is scenarios.CONNECT:
                self.position = 1
        words = line.split()
        if not client.in_data:  # a message line such as "QUIT now" is not the command QUIT
            self._follow_script(words[0] if words else "")
        if (
            len(words) == 2
            and words[0].upper() == "AUTH"
            and words[1].upper() in ("PLAIN", "LOGIN")
        ):
            user, password = self._account
            if not user:
                self.emit(notice(Level.ERROR, "lab.no_demo_account"))
                return None
            login = client.auth_login if words[1].upper() == "LOGIN" else client.auth_plain
            return await self._guarded(login(user, password))
        return await self._guarded(client.raw(line))

    def _follow_script(self, typed_verb: str) -> None:
        """The learner typed the command the script would send next: the script moves past it,
        so "next scripted command" follows what really happened (issue 10, item 10)."""
        if self.finished or not typed_verb:
            return
        label = self.script[self.position].label
        if label.split()[0].split(":")[0].upper() == typed_verb.split(":")[0].upper():
            self.position += 1

    async def server_answer(self, line: str) -> str | None:
        """What the sandbox server answers `line`, asked in plaintext on a connection of its own
        (not watched, not under the lab's client policy): what a client without the
        policy would have been told (issue 10, item 18). `AUTH` goes without its credential."""
        server = self.server
        if server is None:
            return None
        words = line.split()
        if words and words[0].upper() == "AUTH":
            line = " ".join(words[:2])  # the mechanism only: no password crosses the wire
        probe = SmtpClient(
            server.host,
            server.port,
            policy=TlsPolicy.NONE,
            allow_cleartext_auth=True,
            timeout=self._timeout,
        )
        unwatched = (
            server.observer.unwatched()
            if server.observer is not None
            else contextlib.nullcontext(lambda _: None)
        )
        try:
            # Only the probe's own connection goes unwatched: a learner's accepted meanwhile is
            # held and then shown whole (X5).
            with unwatched as probe_is:
                await probe.connect()
                probe_is(probe.local_address)
            await probe.ehlo()
            reply = await probe.raw(line)
            if reply is not None and reply.code == 334:
                await probe.raw("*")  # cancels the exchange (RFC 4954 4)
            return str(reply) if reply is not None else None
        except SmtpClientError:
            return None
        finally:
            with contextlib.suppress(Exception):
                await probe.close()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def stop(self) -> None:
        """Close everything; safe to call twice, and after a failed start (E4)."""
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()
        tap, self.tap = self.tap, None
        if tap is not None:
            await tap.stop()
        server, self.server = self.server, None
        if server is not None:
            await server.stop()
        if self._secrets is not None:
            self._secrets.close()  # read into memory, the file removed

    async def _guarded(self, work: Awaitable[T]) -> T | None:
        """Await a client call; a refusal or a broken connection becomes an on-screen error."""
        try:
            return await work
        except SmtpClientError as exc:
            # The client already emitted its own error line; mark the lab done if it hung up.
            if self._client is not None and not self._client.connected:
                self._closed = True
            log.debug("lab step ended: %s", type(exc).__name__)
            return None
