"""aiosmtpd's `SMTP` protocol, with what aiosmtpd 1.4.6 gets wrong fixed and sandbox policy added.

Each override is small and says which property of properties.md it keeps. aiosmtpd itself is left
alone; the sandbox only ever runs this subclass. Overridden commands repeat aiosmtpd's `@syntax`,
which HELP reads. aiosmtpd's private parts are reached only through aiosmtpd_private.py, which
lists them (and the private methods overridden here) and is checked against the installed aiosmtpd.
"""

from __future__ import annotations

import asyncio
import binascii
import collections
import functools
import logging
import ssl
from base64 import b64decode, b64encode
from typing import Any, AnyStr, Protocol

from aiosmtpd.smtp import (
    MISSING,
    SMTP,
    AuthenticatorType,
    AuthResult,
    Envelope,
    Session,
    TLSSetupException,
    syntax,
)

from sandbox.asyncio_private import settle_closed, unread_bytes
from sandbox.events import InjectionDiscarded, Level, SandboxEvent
from sandbox.safety.text import escape_text
from sandbox.smtpd import aiosmtpd_private as private
from sandbox.smtpd.aiosmtpd_private import Missing, SMTPMethod
from sandbox.smtpd.data import read_data
from sandbox.smtpd.policy import Replies, ServerPolicy

log = logging.getLogger("sandbox.smtpd.server")

# RFC 3207 4 lists EHLO, NOOP, STARTTLS, QUIT; Postfix at level `encrypt` also lets HELO through,
# not RSET (530 5.7.0 from Postfix 3.7, as the differential test shows: L20); so does the sandbox
# (B6).
ALLOWED_BEFORE_TLS = frozenset({"EHLO", "HELO", "NOOP", "STARTTLS", "QUIT"})
# Per-session call limits (D9): generous for a lab, tight against NOOP/RSET/EHLO loops.
CALL_LIMITS = {
    "*": 1000,
    "NOOP": 50,
    "RSET": 50,
    "EHLO": 20,
    "HELO": 20,
    "HELP": 20,
    "VRFY": 20,
    "AUTH": 10,
    "STARTTLS": 5,
}


# D9: this many replies to junk (500: unknown, unreadable, overlong or empty lines; 502) end the
# session with 502, as aiosmtpd does for unknown commands alone.
JUNK_LIMIT = 5
_JUNK_CODES = frozenset({b"500", b"502"})


class SessionHooks(Protocol):
    """What a session tells the server it belongs to."""

    def session_ended(self, proto: SandboxSMTP) -> None: ...
    def notice(self, level: Level, key: str, **params: object) -> None: ...
    def emit(self, event: SandboxEvent) -> None: ...
    def handshake_failed(self, error: BaseException) -> None: ...


class SandboxSession(Session):
    """aiosmtpd logs a deprecation warning each time smtp_AUTH sets `login_data`; this does not."""

    _legacy_login_data: Any = None  # ours, not aiosmtpd's private `_login_data`

    @property
    def login_data(self) -> Any:
        return self._legacy_login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._legacy_login_data = value


class SandboxEnvelope(Envelope):
    def __init__(self) -> None:
        super().__init__()
        self.outside_rcpts: list[str] = []  # kept in the sandbox, not relayed (K2)
        self.bare_newline = False  # D2


class SandboxSMTP(SMTP):
    """One SMTP session of the sandbox server."""

    # RFC 5321 4.5.3.1.4: a command line is at most 512 octets *including* CRLF; aiosmtpd compares
    # the line without its CRLF against this number, so 510 makes the limit exact (D3).
    command_size_limit = 510

    def __init__(
        self,
        handler: Any,
        *,
        policy: ServerPolicy,
        hooks: SessionHooks,
        tls_context: Any,
        authenticator: AuthenticatorType | None,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.policy = policy
        self._hooks = hooks
        self._lost = False
        self._auth_failures = 0
        self._junk = 0  # replies to junk lines (D9)
        self._errors = 0  # error replies of any kind (D10)
        self._lifetime: asyncio.TimerHandle | None = None  # E6
        self._auth_lockout_sent = False
        private.cache_auth_members(type(self), type(handler))  # once per class, not per session
        super().__init__(
            handler,
            data_size_limit=policy.max_message_size,
            hostname=policy.hostname,  # E5: never socket.getfqdn()
            ident="ESMTP smtp-tutor sandbox",
            tls_context=tls_context,
            require_starttls=False,  # enforced below, with HELO allowed (B6)
            timeout=policy.idle_timeout,
            auth_require_tls=policy.auth_only_after_tls,
            authenticator=authenticator,
            command_call_limit=CALL_LIMITS,
            loop=loop,  # aiosmtpd would otherwise look the loop up per connection
        )
        # Passed after the fact: aiosmtpd warns (Python warning, per connection) whenever
        # auth_required is on while auth_require_tls is off; the server warns the learner once.
        private.set_auth_required(self, policy.auth_required)
        # aiosmtpd keeps these limits in one dict shared by every session (a class attribute)
        # and grows MAIL's by 26 on each EHLO; each session gets its own, reset by EHLO.
        self.command_size_limits: collections.defaultdict[str, int] = collections.defaultdict(
            lambda: SandboxSMTP.command_size_limit
        )
        if policy.requires_starttls:
            methods = private.commands(self)
            for name in methods.keys() - ALLOWED_BEFORE_TLS:
                methods[name] = self._tls_required(methods[name])

    # --- state ------------------------------------------------------------------------------------

    @property
    def tls_active(self) -> bool:
        """True once a TLS handshake completed (STARTTLS or implicit)."""
        session = getattr(self, "session", None)
        return session is not None and session.ssl is not None

    @property
    def peer_text(self) -> str:
        peer = self.session.peer if self.session is not None else None
        if not isinstance(peer, tuple):
            return str(peer)
        return f"[{peer[0]}]:{peer[1]}" if ":" in peer[0] else f"{peer[0]}:{peer[1]}"

    def _create_session(self) -> Session:
        return SandboxSession(self.loop)

    def _create_envelope(self) -> Envelope:
        return SandboxEnvelope()

    # --- connection lifecycle ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        upgrading = private.upgrading(self)
        if upgrading:
            leftover = unread_bytes(private.reader(self))
            if leftover:
                # aiosmtpd clears these bytes (RFC 3207 4.2); tell the learner it happened (B1),
                # and record the fact for the session's outcome and goals.
                self._hooks.emit(InjectionDiscarded(size=leftover))
                self._hooks.notice(Level.WARNING, "server.injection_discarded", size=leftover)
        else:
            self._lifetime = self.loop.call_later(self.policy.max_session_time, self._too_long)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        # aiosmtpd calls this itself after a failed handshake, then the transport calls it again.
        if self._lost:
            return
        self._lost = True
        if self._lifetime is not None:
            self._lifetime.cancel()
        try:
            if self.session is not None:  # None: the connection failed before it was made
                super().connection_lost(error)
            settle_closed(self)  # a reset is no news once the session is over (E4)
        finally:
            self._hooks.session_ended(self)  # counted since the server's factory made it

    async def _handle_client(self) -> None:
        implicit = self.policy.implicit_tls and not private.tls_started(self)
        if implicit and not await self._handshake():
            return
        await super()._handle_client()

    async def _handshake(self) -> bool:
        """Implicit TLS (port 465): the handshake comes first, then the banner, inside TLS.

        Done the way aiosmtpd does STARTTLS, minus the `220 Ready`, rather than with `ssl=` on
        the listening socket: so a session exists from the first byte, counts against
        max_connections, is bounded by the idle timer, and stop() can abort it mid-handshake.
        """
        assert self.tls_context is not None
        waiter, raw = private.start_server_tls(self, self.tls_context)
        try:
            await waiter
        except Exception as error:  # the peer is no TLS client, or refused our certificate
            self._hooks.handshake_failed(error)
        if self.tls_active:
            return True
        raw.close()
        self.connection_lost(None)  # asyncio does not tell an app protocol before its handshake
        return False

    def abort(self) -> None:
        """Drop the connection now, whatever state it is in (server stop)."""
        for transport in (self.transport, private.raw_transport(self)):
            if isinstance(transport, asyncio.Transport):
                transport.abort()

    def _too_long(self) -> None:
        """The session reached max_session_time, however busy it kept (E6)."""
        self._say_and_close(Replies.SESSION_TOO_LONG.format(host=self.hostname))
        seconds = f"{self.policy.max_session_time:g}"
        self._hooks.notice(Level.INFO, "server.too_long", peer=self.peer_text, seconds=seconds)

    def _say_and_close(self, reply: str) -> None:
        """Write `reply` (unless TLS is still being negotiated: the client could not read it)
        and close the connection, whatever the session is waiting for."""
        handshaking = private.tls_started(self) and not self.tls_active
        transport = self.transport
        if not isinstance(transport, asyncio.Transport) or transport.is_closing():
            return
        if not handshaking:
            transport.write(reply.encode("ascii") + b"\r\n")
        transport.close()

    def _timeout_cb(self) -> None:
        if isinstance(self.transport, asyncio.Transport) and self.transport.is_closing():
            # Closed already, and still not gone: a client that reads nothing keeps the socket's
            # buffer from ever draining. The idle timer bounds that too (E3).
            self.abort()
            return
        # aiosmtpd closes silently; say why first, as Postfix does (E1, E2, B7).
        handshaking = private.tls_started(self) and not self.tls_active
        transport = self.transport
        if (
            isinstance(transport, asyncio.Transport)
            and not transport.is_closing()
            and not handshaking
        ):
            reply = Replies.TIMEOUT.format(host=self.hostname)
            transport.write(reply.encode("ascii") + b"\r\n")
        self._hooks.notice(Level.INFO, "server.timeout", peer=self.peer_text)
        super()._timeout_cb()  # type: ignore[no-untyped-call]

    async def push(self, status: AnyStr) -> None:
        if self._lost or self.transport is None or self.transport.is_closing():
            # The session is over (421, 502, QUIT, timeout): act on no more pipelined input.
            raise asyncio.CancelledError
        if isinstance(status, str) and not (status.isascii() and status.isprintable()):
            # D7: aiosmtpd echoes the client's bytes (`500 Error: command "FOO\rBAR"...`).
            status = escape_text(status).encode("ascii", "backslashreplace").decode("ascii")
        final = self._count_errors(status)
        if final is None:
            await super().push(status)
            return
        await super().push(final)
        self._hooks.notice(Level.WARNING, "server.too_many_errors", peer=self.peer_text)
        self._close_session()

    def _count_errors(self, status: AnyStr) -> str | None:
        """Count an error reply (D9, D10); the reply that ends the session instead, if it must.

        aiosmtpd counts only unknown commands; empty lines, bare LF, non-ASCII and overlong lines
        each got their 500 for ever (200,000 of them for `\n` * 200,000)."""
        first = status[:1]
        if first not in ("4", "5", b"4", b"5"):  # most replies: nothing to count, nothing encoded
            return None
        code = (status.encode("ascii", "replace") if isinstance(status, str) else status)[:3]
        self._errors += 1
        if code in _JUNK_CODES:
            self._junk += 1
            if self._junk >= JUNK_LIMIT:
                return Replies.TOO_MANY_UNRECOGNIZED
        if self._errors >= self.policy.max_errors:
            return Replies.TOO_MANY_ERRORS.format(host=self.hostname)
        return None

    def _close_session(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # --- commands ---------------------------------------------------------------------------------

    def _tls_required(self, method: SMTPMethod) -> SMTPMethod:
        async def gated(arg: str | None) -> None:
            if not self.tls_active:
                await self.push(Replies.MUST_STARTTLS)  # B6, and C1 for AUTH
                return
            await method(arg)

        return functools.update_wrapper(gated, method)  # keeps HELP's syntax texts

    async def check_helo_needed(self, helo: str = "HELO") -> bool:
        # Postfix wants HELO/EHLO before MAIL only with smtpd_helo_required, and says so in its
        # own words; AUTH, an extension, always needs EHLO.
        assert self.session is not None
        if self.session.host_name or (helo == "HELO" and not self.policy.helo_required):
            return False
        first = Replies.HELO_FIRST if helo == "HELO" else f"503 5.5.1 Error: send {helo} first"
        await self.push(first)
        return True

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname: str) -> None:
        self.command_size_limits.clear()
        await super().smtp_EHLO(hostname)

    @syntax("STARTTLS", when="tls_context")
    async def smtp_STARTTLS(self, arg: str) -> None:
        if self.tls_active:
            # B4: aiosmtpd answers 220 and starts a handshake inside the TLS session.
            await self.push(Replies.TLS_ALREADY_ACTIVE)
            return
        if arg:
            await self.push(Replies.STARTTLS_SYNTAX)
            return
        if not isinstance(self.tls_context, ssl.SSLContext):  # none, or its key did not load
            await self.push(Replies.TLS_NOT_AVAILABLE)
            return
        # aiosmtpd's own STARTTLS, on the sandbox's TLS layer: a refused handshake sends its
        # alert (G6) instead of a bare EOF.
        await self.push("220 Ready to start TLS")
        waiter, _ = private.start_server_tls(self, self.tls_context)
        try:
            await waiter
        except Exception as error:
            raise TLSSetupException() from error  # aiosmtpd ends the session (B8)
        if not self.tls_active:
            # The handshake ended without completing and without an error: the connection was
            # aborted (idle timeout, server stop). asyncio then never calls connection_lost on
            # this protocol, so end the session here or its task would wait forever (B7, E4).
            self.connection_lost(None)
            raise asyncio.CancelledError

    @syntax("AUTH <mechanism>")
    async def smtp_AUTH(self, arg: str) -> None:
        session = self.session
        assert session is not None
        if not self.policy.sasl_enabled:  # smtpd_sasl_auth_enable = no
            await self.push(Replies.AUTH_NOT_ENABLED)
            return
        if session.extended_smtp and private.auth_require_tls(self) and not self.tls_active:
            self._hooks.notice(Level.INFO, "server.auth_refused_before_tls")
        if arg:
            # SASL mechanism names are case-insensitive (RFC 4954 4); aiosmtpd wants upper case,
            # and learners type `auth login` by hand in openssl s_client.
            mechanism, sep, rest = arg.partition(" ")
            arg = mechanism.upper() + sep + rest
        await super().smtp_AUTH(arg)
        if self._auth_failures >= self.policy.max_auth_failures:
            # C3: no password guessing; the lock-out reply replaced the last 535, or follows it.
            if not self._auth_lockout_sent:
                await self.push(Replies.AUTH_TOO_MANY_FAILURES.format(host=self.hostname))
            self._hooks.notice(Level.WARNING, "server.auth_lockout")
            self._close_session()
        elif session.authenticated and not self.tls_active:
            self._hooks.notice(Level.WARNING, "server.auth_in_clear")

    async def auth_PLAIN(self, _: Any, args: list[str]) -> AuthResult:
        return self._count_auth(await super().auth_PLAIN(_, args))

    async def auth_LOGIN(self, _: Any, args: list[str]) -> AuthResult:
        return self._count_auth(await super().auth_LOGIN(_, args))

    def _count_auth(self, result: AuthResult) -> AuthResult:
        if result.success:
            return result
        self._auth_failures += 1
        if self._auth_failures >= self.policy.max_auth_failures and not result.handled:
            self._auth_lockout_sent = True
            reply = Replies.AUTH_TOO_MANY_FAILURES.format(host=self.hostname)
            return AuthResult(success=False, handled=False, message=reply)
        return result

    async def challenge_auth(
        self,
        challenge: str | bytes,
        encode_to_b64: bool = True,
        log_client_response: bool = False,
    ) -> Missing | bytes:
        # aiosmtpd's version logs an undecodable answer at DEBUG: that is a password a learner
        # typed in the clear at the 334 prompt (C4). Same protocol, no logging of the answer.
        raw = challenge.encode() if isinstance(challenge, str) else challenge
        await self.push(b"334 " + (b64encode(raw) if encode_to_b64 else raw))
        blob = (await private.reader(self).readline()).strip()
        if blob == b"*":
            await self.push("501 5.7.0 Auth aborted")
            return MISSING
        try:
            return b64decode(blob, validate=True)
        except binascii.Error:
            await self.push("501 5.5.2 Can't decode base64")
            return MISSING

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        # Rewritten rather than wrapped, for exact RFC 5321 line limits (D4), bare CR/LF
        # detection (D2) and one time budget for the whole DATA phase (E2). As in aiosmtpd,
        # only a line that is exactly ".\r\n" ends the data (D1).
        if await self.check_helo_needed():
            return
        if await self.check_auth_needed("DATA"):
            return
        envelope = self.envelope
        assert isinstance(envelope, SandboxEnvelope)
        if not envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        private.reset_timeout(self, self.policy.data_timeout)
        await self.push(Replies.DATA_START)
        result = await read_data(private.reader(self), self.data_size_limit or 0)
        private.reset_timeout(self)
        problem = result.problem
        if result.bare_newline:
            envelope.bare_newline = True
            strict = self.policy.strict_bare_newline
            outcome = "refused" if strict else "accepted"
            self._hooks.notice(Level.WARNING, f"server.bare_newline_{outcome}")
            if strict and problem is None:
                problem = Replies.BARE_NEWLINE
        if problem is not None:
            private.set_post_data_state(self)
            await self.push(problem)
            return
        envelope.content = envelope.original_content = result.content
        status = await private.call_handler_hook(self, "DATA")
        private.set_post_data_state(self)
        await self.push("250 OK" if status is MISSING else status)
