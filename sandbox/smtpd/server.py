"""The sandbox mail server: aiosmtpd's protocol on the caller's own asyncio loop, never relaying.

    server = SandboxServer(ServerPolicy(tls_level="encrypt"), emit=print)
    await server.start()              # 127.0.0.1, a free port
    ...                               # server.port, server.mailbox, server.certs.ca_cert
    await server.stop()

It runs in the loop it is started from (`loop.create_server` with `SandboxSMTP` as the protocol),
so the TUI, the wire tap and the client share one loop; aiosmtpd's `Controller` and its thread are
not used. What the learner should know is emitted as `sandbox.events` (`MessageDelivered`,
`Notice`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session, TLSSetupException

from sandbox.events import Level, MessageDelivered, SandboxEvent
from sandbox.notices import notice
from sandbox.pki import tlsconfig
from sandbox.pki.certs import CertBundle, ensure_certs
from sandbox.safety.loopback import is_loopback
from sandbox.safety.text import escape_text
from sandbox.smtpd.accounts import check_password, demo_account
from sandbox.smtpd.aiosmtpd_private import handler_task
from sandbox.smtpd.mailbox import (
    INSUFFICIENT_STORAGE,
    Mailbox,
    Maildir,
    StorageFull,
    StorageLimits,
    StorageRefusal,
    StoredMessage,
    new_queue_id,
    room_for,
    store,
)
from sandbox.smtpd.policy import TLS_UNAVAILABLE, Replies, ServerPolicy
from sandbox.smtpd.protocol import SandboxEnvelope, SandboxSMTP
from sandbox.wire.observer import WireObserver

log = logging.getLogger("sandbox.smtpd.server")

Emit = Callable[[SandboxEvent], None]


@dataclass(frozen=True, slots=True)
class ChainFiles:
    """The server's certificate chain (leaf first) and its key, as a configuration names them
    (`smtpd_tls_chain_files`, `smtpd_tls_cert_file`/`smtpd_tls_key_file`); may be one file.
    `named` keeps the names as written, the key's first, and `chain_files` which parameter."""

    cert_file: Path
    key_file: Path
    named: tuple[str, ...] = ()
    chain_files: bool = True


@dataclass(frozen=True, slots=True)
class TlsLoadProblem:
    """A configured chain that could not be loaded: what Postfix logs as `cannot get ... private
    key from file` (`missing`: a file cannot be read) or `key values mismatch` (they do not fit)."""

    chain: ChainFiles
    missing: bool
    reason: str

    def __str__(self) -> str:
        files = f"certificate {self.chain.cert_file} and key {self.chain.key_file}"
        return f"cannot load {files}: {self.reason}"


LISTEN_BACKLOG = 1024


def _escape_log_args(record: logging.LogRecord) -> bool:
    # aiosmtpd logs unknown commands with %s, raw: an ESC sequence from the client would reach
    # whatever terminal shows the log (I5). Filters only run for records that pass the level.
    if isinstance(record.args, tuple):
        record.args = tuple(escape_text(a) if isinstance(a, str) else a for a in record.args)
    return True


def _protect_aiosmtpd_log() -> None:
    logger = logging.getLogger("mail.log")
    if _escape_log_args not in logger.filters:
        logger.addFilter(_escape_log_args)


def tls_details(session: Session) -> tuple[str | None, str | None]:
    """(protocol version, cipher name) of a session's TLS, or (None, None) in plaintext."""
    info = session.ssl
    ssl_object = info.get("ssl_object") if info else None
    if ssl_object is None:
        return None, None
    cipher = ssl_object.cipher()
    return ssl_object.version(), cipher[0] if cipher else None


class _Handler:
    """aiosmtpd hooks: recipients (relay policy, D6, K2), delivery, and errors."""

    def __init__(self, server: SandboxServer) -> None:
        self._server = server
        self._policy = server.policy

    async def handle_MAIL(
        self,
        smtp: SandboxSMTP,
        session: Session,
        envelope: SandboxEnvelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # D11-D13: say 452 now rather than after the data, when the stores are full already.
        size = next((o[5:] for o in mail_options if o[:5].upper() == "SIZE="), "0")
        refusal = room_for(self._server.mailbox, self._server.maildir, int(size))
        if refusal is not None:  # aiosmtpd checked that SIZE is digits
            return self._server.storage_refused(refusal)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_EHLO(
        self,
        smtp: SandboxSMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname  # aiosmtpd leaves this to a handler that has the hook
        # aiosmtpd always offers AUTH; Postfix not with smtpd_sasl_auth_enable = no, and not
        # before TLS at level encrypt, whatever smtpd_tls_auth_only says (postconf(5))
        hidden = not self._policy.sasl_enabled or (
            self._policy.requires_starttls and session.ssl is None
        )
        return [r for r in responses if not (hidden and r[4:].startswith("AUTH"))]

    async def handle_RCPT(
        self,
        smtp: SandboxSMTP,
        session: Session,
        envelope: SandboxEnvelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in ("", "<>"):  # RCPT TO:<>, which aiosmtpd accepts: Postfix's 501 (E7)
            return "501 5.1.3 Bad recipient address syntax"
        if len(envelope.rcpt_tos) >= self._policy.max_recipients:
            return Replies.TOO_MANY_RECIPIENTS  # D6: aiosmtpd has no cap
        peer = session.peer[0] if isinstance(session.peer, tuple) else ""
        refusal = self._policy.relay_verdict(address, peer, bool(session.authenticated))
        if refusal is not None:
            self._server.notice(Level.WARNING, "server.relay_denied", address=escape_text(address))
            return refusal
        if not self._policy.is_local(address):
            envelope.outside_rcpts.append(address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return Replies.RCPT_OK

    async def handle_DATA(self, smtp: SandboxSMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope, SandboxEnvelope)
        try:
            msg = self._server.deliver(smtp, session, envelope)
        except StorageFull as full:  # D11-D13: nothing stored, in either store
            return self._server.storage_refused(full.refusal)
        return Replies.QUEUED.format(queue_id=msg.queue_id)

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, TLSSetupException):
            self._server.handshake_failed(error.__cause__ or error)
            return "454 4.7.0 TLS handshake failed"  # not sent: aiosmtpd closes the connection
        log.error("sandbox session error", exc_info=error)
        return Replies.INTERNAL_ERROR


class _Busy(asyncio.Protocol):
    """Answers a connection over the cap with 421 and closes it (E3; aiosmtpd has no cap)."""

    def __init__(self, server: SandboxServer) -> None:
        self._server = server
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._server._busy.add(self)
        if not self._server.policy.implicit_tls:  # a TLS client could not read plaintext
            reply = Replies.TOO_MANY_CONNECTIONS.format(host=self._server.policy.hostname)
            transport.write(reply.encode("ascii") + b"\r\n")
        transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._server._busy.discard(self)


class SandboxServer:
    """The sandbox SMTP server (see the module docstring).

    `certs` defaults to `ensure_certs()` when the policy offers TLS; `accounts` (user name ->
    password) defaults to the generated demo account; `maildir`, when given, also keeps every
    accepted message as a file there; `emit` receives `MessageDelivered` and `Notice` events.
    """

    def __init__(
        self,
        policy: ServerPolicy | None = None,
        *,
        certs: CertBundle | None = None,
        accounts: Mapping[str, str] | None = None,
        emit: Emit | None = None,
        maildir: Path | None = None,
        storage: StorageLimits | None = None,  # the mail kept, bounded (D11-D13)
        keylog_file: Path | None = None,  # the TLS secrets of every session, opt-in (M30)
        chain: ChainFiles | None = None,
        observer: WireObserver | None = None,  # shows every connection's bytes (the wire view)
    ) -> None:
        self.policy = policy or ServerPolicy()
        self.observer = observer
        self._chain = chain
        self.tls_problem: TlsLoadProblem | None = None  # a configured chain that did not load
        self._keylog_file = keylog_file
        self._certs = certs
        self._accounts = accounts
        self._emit = emit
        limits = storage or StorageLimits()
        self.maildir = (
            Maildir(maildir, max_files=limits.maildir_files, max_bytes=limits.maildir_bytes)
            if maildir is not None
            else None
        )
        self.mailbox = Mailbox(limits.messages, limits.memory_bytes)
        # which Maildir a message goes to, if not `maildir` (a room: each learner's own, Q4)
        self.route: Callable[[StoredMessage], Maildir | None] | None = None
        self._handler = _Handler(self)  # stateless: shared by every session
        self._server: asyncio.Server | None = None
        self._tls_context: ssl.SSLContext | object | None = None
        self._sessions: set[SandboxSMTP] = set()
        self._busy: set[_Busy] = set()
        self._idle: asyncio.Event | None = None
        self.host = ""
        self.port = 0

    # --- facts ------------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """`host:port`, as `SessionStarted.server` shows it."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def certs(self) -> CertBundle | None:
        """The CA and server certificate in use (None when the policy offers no TLS)."""
        return self._certs

    @property
    def session_count(self) -> int:
        """Connections being served right now."""
        return len(self._sessions)

    @property
    def running(self) -> bool:
        return self._server is not None

    # --- lifecycle --------------------------------------------------------------------------------

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, allow_non_loopback: bool = False
    ) -> None:
        """Listen on `host:port` (port 0: a free one; see `.port`).

        K1: only loopback unless `allow_non_loopback`, and then with a warning. Raises
        `RuntimeError` if already started, `ValueError` for a non-loopback host without the flag,
        `OSError` if the address is taken.
        """
        if self._server is not None:
            raise RuntimeError("the sandbox server is already running")
        if not is_loopback(host):
            if not allow_non_loopback:
                raise ValueError(
                    f"the sandbox listens on loopback only; {host!r} needs allow_non_loopback=True"
                )
            log.warning("the sandbox server listens on %s, reachable from other machines", host)
            self.notice(Level.WARNING, "server.not_loopback", host=host)
        _protect_aiosmtpd_log()
        if self._accounts is None:
            account = demo_account()
            self._accounts = {account.username: account.password}
        if self.policy.offers_tls:
            self._tls_context = self._make_tls_context()
        if not self.policy.auth_only_after_tls:
            self.notice(Level.WARNING, "server.auth_before_tls")
        loop = asyncio.get_running_loop()
        # No ssl= here even for implicit TLS: each session does its own handshake first
        # (SandboxSMTP._handshake), so that it can be counted, timed out and aborted.
        # A deep backlog: a burst of connects is answered (220 or 421) at once rather than its
        # overflow waiting out the kernel's 1 s SYN retries; the cap still holds (E3).
        self._server = await loop.create_server(
            self._protocol_factory, host, port, backlog=LISTEN_BACKLOG
        )
        sockname = self._server.sockets[0].getsockname()
        self.host, self.port = sockname[0], sockname[1]
        log.info("sandbox server listening on %s", self.address)

    def _make_tls_context(self) -> ssl.SSLContext | object:
        if self._chain is None:
            if self._certs is None:
                self._certs = ensure_certs()
            cert_file, key_file = self._certs.server_cert, self._certs.server_key
        else:
            cert_file, key_file = self._chain.cert_file, self._chain.key_file
        try:
            ctx = tlsconfig.server_context(
                cert_file,
                key_file,
                minimum=self.policy.min_tls_version,
                keylog_file=self._keylog_file,
            )
        except (ssl.SSLError, OSError, ValueError) as error:
            if self._chain is None:
                raise  # the sandbox's own certificates: a bug, not a lab
            # A configured key that cannot be read or does not match: Postfix keeps running,
            # offers STARTTLS and answers it 454 4.7.0 (B5); so does the sandbox.
            missing = isinstance(error, OSError) and not isinstance(error, ssl.SSLError)
            self.tls_problem = TlsLoadProblem(self._chain, missing, str(error))
            log.warning("%s", self.tls_problem)
            return TLS_UNAVAILABLE
        if self.policy.max_tls_version is not None:
            ctx.maximum_version = self.policy.max_tls_version
        return ctx

    async def stop(self) -> None:
        """Stop listening and drop every session, whatever its state (E4). Idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        sessions = list(self._sessions)
        for proto in sessions:
            proto.abort()
        for busy in list(self._busy):
            if busy.transport is not None:
                busy.transport.abort()
        tasks = [t for p in sessions if (t := handler_task(p)) is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        if self._sessions or self._busy:
            self._idle = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), 5)
            self._idle = None
        await server.wait_closed()
        log.info("sandbox server stopped")

    async def __aenter__(self) -> SandboxServer:
        if self._server is None:
            await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- sessions ---------------------------------------------------------------------------------

    def _protocol_factory(self) -> asyncio.BaseProtocol:
        proto = self._session_protocol()
        return proto if self.observer is None else self.observer.wrap(proto)

    def _session_protocol(self) -> asyncio.BaseProtocol:
        # A session counts from here, at accept: asyncio calls this factory for every connection
        # waiting in the backlog (up to 100) before any of them reaches connection_made (E3).
        if self.policy.implicit_tls and self._tls_context is TLS_UNAVAILABLE:
            return _Busy(self)  # wrapper mode without a usable key: closed at once, as Postfix
        if len(self._sessions) >= self.policy.max_connections:
            self.notice(Level.WARNING, "server.busy", max=self.policy.max_connections)
            return _Busy(self)
        smtp = SandboxSMTP(
            self._handler,
            policy=self.policy,
            hooks=self,
            tls_context=self._tls_context,
            authenticator=self._authenticate if self.policy.sasl_enabled else None,
            loop=asyncio.get_running_loop(),
        )
        self._sessions.add(smtp)
        return smtp

    def session_ended(self, proto: SandboxSMTP) -> None:
        self._sessions.discard(proto)
        if self._idle is not None and not self._sessions and not self._busy:
            self._idle.set()

    def _authenticate(
        self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        # Only the generated demo accounts exist (C5); never log what the client sent (C4).
        assert self._accounts is not None
        if isinstance(data, LoginPassword) and check_password(
            self._accounts, data.login, data.password
        ):
            user = data.login.decode("utf-8")
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    # --- delivery and events ----------------------------------------------------------------------

    def deliver(
        self, smtp: SandboxSMTP, session: Session, envelope: SandboxEnvelope
    ) -> StoredMessage:
        """Keep an accepted message (never relayed, K2) and announce it."""
        version, cipher = tls_details(session)
        raw = envelope.original_content or b""
        msg = StoredMessage(
            queue_id=new_queue_id(),
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=raw,
            tls=session.ssl is not None,
            tls_version=version,
            tls_cipher=cipher,
            authenticated_as=session.auth_data if session.authenticated else None,
            peer=smtp.peer_text,
            helo=session.host_name,
            outside_rcpts=tuple(envelope.outside_rcpts),
            bare_newline=envelope.bare_newline,
            received_at=time.time(),
        )
        in_header = self.policy.tls_received_header  # smtpd_tls_received_header
        maildir = self.route(msg) if self.route is not None else self.maildir
        msg = store(self.mailbox, maildir, msg, self.policy.hostname, tls_details=in_header)
        if msg.outside_rcpts:
            self.notice(Level.INFO, "server.kept", rcpts=escape_text(", ".join(msg.outside_rcpts)))
        self.emit(
            MessageDelivered(  # events carry terminal-safe text (I5)
                mail_from=escape_text(msg.mail_from),
                rcpt_tos=tuple(escape_text(r) for r in msg.rcpt_tos),
                size=msg.size,
                tls=msg.tls,
                authenticated_as=msg.authenticated_as,
                stored_at=str(msg.path) if msg.path is not None else None,
            )
        )
        return msg

    def storage_refused(self, refusal: StorageRefusal) -> str:
        """Log and announce a refusal for want of room; the reply to give (D11-D13)."""
        log.warning(
            "insufficient storage: %s %s %d of %d, message of %d bytes",
            refusal.store, refusal.bound, refusal.used, refusal.limit, refusal.size,
        )  # fmt: skip
        params = {f: getattr(refusal, f) for f in ("store", "bound", "used", "limit")}
        self.notice(Level.WARNING, "server.storage_full", **params)
        return INSUFFICIENT_STORAGE

    def notice(self, level: Level, key: str, **params: object) -> None:
        self.emit(notice(level, key, **params))

    def handshake_failed(self, error: BaseException) -> None:
        if isinstance(error, ConnectionError):  # reset, broken pipe: the client hung up, most
            # often because it refused the certificate (its own line says why), not a reason
            self.notice(Level.WARNING, "server.tls_client_left")
            log.info("TLS handshake failed: the client closed the connection (%r)", error)
            return
        reason = str(error) or type(error).__name__
        self.notice(Level.ERROR, "server.tls_failed", reason=escape_text(reason))
        log.info("TLS handshake failed: %s", reason)

    def emit(self, event: SandboxEvent) -> None:
        if self._emit is None:
            return
        try:
            self._emit(event)
        except Exception:  # a broken listener must not break a mail session
            log.exception("event listener failed")
