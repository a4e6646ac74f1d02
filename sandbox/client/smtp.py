"""The tutor's own SMTP client: one method per SMTP command, on asyncio streams.

A lesson drives it one command at a time (`connect`, `ehlo`, `starttls`, `auth_plain`, `mail`...,
or `raw` for what a learner types); a scenario script calls `send_mail`. Every line sent and
received is reported as a `ConversationLine` event, milestones as `Notice`s (see
`sandbox.client.connection`, which carries the bytes).

It holds the security properties F1-F9 of properties.md: it verifies certificates unless its policy
says otherwise (F1), never sends AUTH, MAIL, RCPT or DATA without TLS when its policy requires TLS
(F2), refuses plaintext that follows the 220 to STARTTLS (F3), forgets everything after the
handshake and asks EHLO again (F4), never sends AUTH in cleartext unless told to (F5), never lets
an argument carry a second command (F6), dot-stuffs the message (F7), speaks implicit TLS (F8),
and takes a server that hangs up without close_notify after 221 in its stride (F9).
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, NoReturn

from sandbox.client.connection import CertCheck, SmtpConnection
from sandbox.client.framing import (
    CleartextAuthError,
    NotConnectedError,
    SmtpClientError,
    SmtpProtocolError,
    SmtpReplyError,
    TlsHandshakeError,
    TlsRequiredError,
    auth_plain_token,
    b64,
    check_line,
    encode_data,
    parse_capabilities,
    verb_of,
)
from sandbox.client.policy import DEFAULT_POLICY, TlsPolicy, as_policy, tls_context_for
from sandbox.client.replies import Reply
from sandbox.events import CertSummary, Level, NoTls, SandboxEvent, TlsMissing

NEEDS_TLS = frozenset({"AUTH", "MAIL", "RCPT", "DATA", "BDAT"})  # F2: never sent in the clear


def _discard(event: SandboxEvent) -> None:
    pass


class SmtpClient:
    """A step-by-step SMTP client for the sandbox (see the module docstring)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        server_hostname: str = "sandbox.test",
        policy: TlsPolicy | str = DEFAULT_POLICY,
        ca_file: Path | None = None,
        implicit_tls: bool = False,
        emit: Callable[[SandboxEvent], None] = _discard,
        allow_cleartext_auth: bool = False,
        timeout: float = 30.0,
        helo_name: str = "client.test",
        keylog_file: Path | None = None,
        every_body_line: bool = False,
        cert_check: CertCheck | None = None,  # the lab world's DANE/MTA-STS check (connection.py)
        tls_versions: tuple[ssl.TLSVersion, ssl.TLSVersion | None] | None = None,  # floor, cap
    ) -> None:
        self.policy = as_policy(policy)
        if implicit_tls and self.policy is TlsPolicy.NONE:
            raise ValueError("implicit TLS needs a TLS policy other than 'none'")
        self.ca_file = ca_file
        self.implicit_tls = implicit_tls
        self.allow_cleartext_auth = allow_cleartext_auth
        self.helo_name = helo_name
        self.keylog_file = keylog_file
        self.tls_versions = tls_versions  # the lab's floor and ceiling; None: TLS 1.2 and up
        self._context: ssl.SSLContext | None = None
        self._conn = SmtpConnection(
            host,
            port,
            server_hostname=server_hostname,
            tls_context=self._tls_context,
            emit=emit,
            timeout=timeout,
        )
        # A long message body is one ConversationLine with its first and last lines; True: one
        # per line, for `--json` readers that want them all (E13).
        self._conn.every_line = every_body_line
        self._conn.cert_check = cert_check
        self._capabilities: dict[str, str] = {}
        self._ehlo_reply: Reply | None = None  # the current EHLO's reply, None once forgotten
        self._in_data = False  # `raw("DATA")` got 354: lines are message lines until "."
        self._in_auth = False  # an AUTH got 334: the next `raw` line is a credential

    # --- what a lesson can look at ------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._conn.connected

    @property
    def capabilities(self) -> dict[str, str]:
        """Extensions from the *current* EHLO reply (F4): empty before EHLO, after STARTTLS."""
        return dict(self._capabilities)

    @property
    def in_data(self) -> bool:
        """The server said 354 to a typed DATA: lines are the message's until "."."""
        return self._in_data

    @property
    def tls_active(self) -> bool:
        return self._conn.tls_active

    @property
    def tls_version(self) -> str | None:
        return self._conn.tls_version

    @property
    def cipher(self) -> str | None:
        return self._conn.cipher

    @property
    def peer_cert(self) -> CertSummary | None:
        return self._conn.peer_cert

    @property
    def server_hostname(self) -> str:
        return self._conn.server_hostname

    @property
    def local_address(self) -> tuple[str, int] | None:
        """(host, port) this end of the connection has, while connected."""
        return self._conn.local_address

    # --- connection ---------------------------------------------------------------------------

    async def connect(self) -> Reply:
        """Open the connection and return the server's banner (TLS first if `implicit_tls`, F8)."""
        self._forget()
        self._in_data = self._in_auth = False
        return await self._conn.open(implicit_tls=self.implicit_tls)

    async def close(self) -> None:
        """Close the connection without QUIT (`quit()` says goodbye first). Safe to repeat."""
        await self._conn.close()

    async def __aenter__(self) -> SmtpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- the SMTP commands --------------------------------------------------------------------

    async def ehlo(self, name: str | None = None) -> Reply:
        """EHLO: introduce ourselves, learn the server's extensions (a fresh list each time, F4)."""
        return await self._hello(f"EHLO {name or self.helo_name}")

    async def helo(self, name: str | None = None) -> Reply:
        """HELO: the pre-ESMTP greeting; the server lists no extensions."""
        return await self._hello(f"HELO {name or self.helo_name}")

    async def starttls(self) -> Reply:
        """STARTTLS (RFC 3207): on `220`, upgrade the connection to TLS right here.

        Afterwards nothing learned before counts (RFC 3207 §4.2): send EHLO again (F4).
        """
        if not self.tls_active:
            self._tls_context()  # a CA file problem shows now, before STARTTLS is sent
        reply = await self._command("STARTTLS")
        if reply.code == 220 and self.tls_active:
            self._conn.abort("STARTTLS accepted inside TLS")
            raise self._conn.fail(SmtpProtocolError.said("client.starttls_inside_tls"))
        if reply.code == 220:
            self._forget()
            await self._conn.start_tls()
        elif not self.tls_active:
            await self._without_tls(NoTls.STARTTLS_REFUSED, code=reply.code)
            self._conn.notice(Level.WARNING, "client.starttls_refused", code=reply.code)
        return reply

    async def auth_plain(self, user: str, password: str) -> Reply:
        """AUTH PLAIN with the credentials in the same line, base64-encoded (RFC 4616, 4954)."""
        try:
            token = auth_plain_token(user, password)
        except SmtpClientError as exc:
            raise self._conn.fail(exc) from None
        reply = await self._command(f"AUTH PLAIN {token}", secret=True)
        if reply.code == 334:  # a server that wants the response on a line of its own
            reply = await self._auth_response(token)
        return reply

    async def auth_login(self, user: str, password: str) -> Reply:
        """AUTH LOGIN: the server asks `334 VXNlcm5hbWU6` ("Username:"), then the password."""
        reply = await self._command("AUTH LOGIN", secret=True)
        for secret in (user, password):
            if reply.code != 334:
                break
            reply = await self._auth_response(b64(secret))
        return reply

    async def mail(self, sender: str, *options: str) -> Reply:
        """MAIL FROM:<sender> [options such as SIZE=1000]: start a message."""
        return await self._command(" ".join((f"MAIL FROM:<{sender}>", *options)))

    async def rcpt(self, recipient: str) -> Reply:
        """RCPT TO:<recipient>: add one recipient."""
        return await self._command(f"RCPT TO:<{recipient}>")

    async def data(self, message: bytes | str) -> Reply:
        """DATA, then the message (dot-stuffed, CRLF line ends, F7); returns the final reply."""
        payload = encode_data(message)
        reply = await self._command("DATA")
        if reply.code != 354:
            return reply
        await self._conn.send_message(payload)
        del payload  # not kept while the server takes the message in: one copy less at the peak
        return await self._conn.read_reply()

    async def rset(self) -> Reply:
        """RSET: forget the message begun so far."""
        return await self._command("RSET")

    async def noop(self) -> Reply:
        """NOOP: do nothing; the server answers 250 (a harmless "are you there?")."""
        return await self._command("NOOP")

    async def quit(self) -> Reply:
        """QUIT, then close. A server that hangs up without TLS close_notify is fine (F9)."""
        reply = await self._command("QUIT")
        await self._conn.close(f"QUIT answered {reply.code}")
        return reply

    async def raw(self, line: str) -> Reply | None:
        """Send one line exactly as a learner typed it, and return the server's reply.

        EHLO, HELO, STARTTLS, AUTH, DATA and QUIT keep their bookkeeping (STARTTLS really starts
        TLS). After `DATA` got 354, each line is a line of the message and returns None, until
        a line holding only "." ends the message and returns the server's reply.
        """
        if self._in_data:
            return await self._message_line(line)
        if self._in_auth:
            return await self._auth_response(line)
        verb, _, argument = line.partition(" ")
        match verb.upper():
            case "EHLO" | "HELO":
                return await self._hello(line)
            case "STARTTLS" if not argument:
                return await self.starttls()
            case "QUIT" if not argument:
                return await self.quit()
            case "AUTH":
                reply = await self._command(line, secret=True)
                self._in_auth = reply.code == 334
                return reply
            case "DATA" if not argument:
                reply = await self._command(line)
                self._in_data = reply.code == 354
                return reply
        return await self._command(line)

    # --- the policy, for scenario scripts -------------------------------------------------------

    async def hello(self) -> Reply:
        """EHLO, falling back to HELO for an old server, unless the policy requires TLS (F2)."""
        reply = await self.ehlo()
        if reply.is_permanent and not self.policy.requires_tls and self.connected:
            return await self.helo()
        return reply

    async def negotiate_tls(self) -> bool:
        """Apply the TLS policy after EHLO, as an MTA does; return whether TLS is now on.

        `none`: no STARTTLS. `may`: STARTTLS if offered, otherwise carry on in plaintext.
        `encrypt`/`verify`/`secure`: STARTTLS, or QUIT and raise `TlsRequiredError` (F2).
        After the handshake EHLO is sent again and only its list counts (F4).
        """
        if self.tls_active or not self.policy.starts_tls:
            return self.tls_active
        if self._ehlo_reply is None or not self._ehlo_reply.is_success:
            code = self._ehlo_reply.code if self._ehlo_reply is not None else None
            await self._without_tls(NoTls.EHLO_REFUSED, code=code)
            return False
        if "STARTTLS" not in self._capabilities:
            await self._without_tls(NoTls.NOT_OFFERED)
            self._conn.notice(Level.WARNING, "client.starttls_missing")
            return False
        await self.starttls()
        if self.tls_active:
            await self.ehlo()
        return self.tls_active

    async def send_mail(
        self,
        sender: str,
        recipients: str | Sequence[str],
        message: bytes | str,
        *,
        user: str | None = None,
        password: str | None = None,
        mechanism: Literal["PLAIN", "LOGIN"] = "PLAIN",
    ) -> Reply:
        """One whole submission: connect, EHLO, TLS by the policy, AUTH, MAIL, RCPT, DATA, QUIT.

        Returns the server's reply to the message. A refused step raises `SmtpReplyError` after
        a polite QUIT; policy and protocol errors raise as the single steps do.
        """
        if not self.connected:
            await self._expect("the connection", await self.connect(), 220)
        greeting = await self.hello()
        if not self.policy.requires_tls:  # when TLS is required, negotiate_tls() refuses (F2)
            await self._expect("EHLO", greeting, 250)
        await self.negotiate_tls()
        if user is not None:
            login = self.auth_login if mechanism == "LOGIN" else self.auth_plain
            await self._expect("AUTH", await login(user, password or ""), 235)
        await self._expect("MAIL", await self.mail(sender), 250)
        for recipient in [recipients] if isinstance(recipients, str) else recipients:
            await self._expect("RCPT", await self.rcpt(recipient), 250, 251)
        reply = await self._expect("DATA", await self.data(message), 250)
        await self.quit()
        return reply

    # --- inside -------------------------------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        if self._context is None:
            try:
                self._context = tls_context_for(
                    self.policy, self.ca_file, self.keylog_file, self.tls_versions
                )
            except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
                error = TlsHandshakeError(f"cannot use the CA file {self.ca_file}: {exc}")
                raise self._conn.fail(error) from None
        return self._context

    def _forget(self) -> None:
        self._capabilities, self._ehlo_reply = {}, None

    def _check(self, line: str, *, response: bool = False) -> None:
        """Everything that must hold before a byte of `line` is written (F6, F2, F5).

        `response` marks a line that answers the server (an AUTH credential, a message line):
        its command was checked already.
        """
        try:
            check_line(line)
            if not self.connected:
                raise NotConnectedError("not connected: connect() first")
            if self._in_data and not response:
                raise SmtpClientError.said("client.in_data")
            verb = verb_of(line)
            if response or verb not in NEEDS_TLS or self.tls_active:
                return
            if self.policy.requires_tls:
                self._conn.emit(TlsMissing(why=NoTls.NOT_STARTED, refused=True, verb=verb))
                raise TlsRequiredError.said("client.needs_tls", policy=self.policy, verb=verb)
            if verb == "AUTH" and not self.allow_cleartext_auth:
                raise CleartextAuthError.said("client.cleartext_auth_refused")
        except SmtpClientError as exc:
            raise self._conn.fail(exc) from None
        if verb == "AUTH":
            self._conn.notice(Level.WARNING, "client.cleartext_auth")

    async def _command(self, line: str, *, secret: bool = False) -> Reply:
        self._check(line)
        return await self._conn.command(line, secret=secret)

    async def _hello(self, line: str) -> Reply:
        self._check(line)
        self._forget()  # whatever an earlier EHLO said no longer counts (F4)
        reply = await self._conn.command(line)
        if verb_of(line) == "EHLO":
            self._ehlo_reply = reply
            if reply.is_success:
                self._capabilities = parse_capabilities(reply)
        return reply

    async def _auth_response(self, line: str) -> Reply:
        self._check(line, response=True)
        reply = await self._conn.command(line, secret=True, response=True)
        self._in_auth = reply.code == 334
        return reply

    async def _message_line(self, line: str) -> Reply | None:
        self._check(line, response=True)
        await self._conn.send_line(line, response=True)
        if line != ".":
            return None
        self._in_data = False
        return await self._conn.read_reply()

    async def _expect(self, step: str, reply: Reply, *codes: int) -> Reply:
        """`reply` if its code is one of `codes`; otherwise QUIT and raise `SmtpReplyError`."""
        if reply.code not in codes:
            error = self._conn.fail(SmtpReplyError(step, reply))
            await self._quit_quietly()
            raise error
        return reply

    async def _without_tls(self, cause: NoTls, *, code: int | None = None) -> None:
        """No TLS to be had: say so as a fact; under a policy that requires TLS, refuse (F2)."""
        refused = self.policy.requires_tls
        self._conn.emit(TlsMissing(why=cause, refused=refused, code=code))
        if refused:
            await self._refuse(cause, code)

    async def _refuse(self, cause: NoTls, code: int | None) -> NoReturn:
        """F2: say why, QUIT, and raise; nothing else is sent."""
        key = f"client.requires_tls.{cause.value}"
        error = TlsRequiredError.said(key, policy=self.policy, code=code)
        self._conn.fail(error)
        await self._quit_quietly()
        raise error

    async def _quit_quietly(self) -> None:
        if self.connected and not self._in_data:
            with contextlib.suppress(SmtpClientError):
                await self.quit()
        await self._conn.close()
