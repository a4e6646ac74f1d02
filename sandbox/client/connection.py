"""The client's connection: lines and replies in and out, the TLS upgrade, and the events.

`sandbox.client.smtp.SmtpClient` decides *what* to say; this class says it. It owns the asyncio
streams,
frames replies with `ReplyParser`, reports every line as a `ConversationLine`, upgrades to TLS
(refusing plaintext that follows the 220 to STARTTLS, properties.md F3) and turns every failure
into one clean exception, a `Notice(ERROR)` and a `SessionClosed`.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from sandbox.asyncio_private import unread_bytes
from sandbox.client.framing import (
    ConnectError,
    ConnectionClosedError,
    NotConnectedError,
    SmtpClientError,
    SmtpProtocolError,
    SmtpReplyError,
    SmtpTimeoutError,
    StartTlsInjectionError,
    TlsHandshakeError,
    verb_of,
)
from sandbox.client.replies import Reply, ReplyError, ReplyParser
from sandbox.client.tlsfailure import tls_failure, tls_reason
from sandbox.events import (
    CertSummary,
    ConversationLine,
    Level,
    Notice,
    SandboxEvent,
    SessionClosed,
    Side,
    TlsEstablished,
    TlsFailed,
    TlsFailure,
)
from sandbox.notices import notice
from sandbox.pki.certs import summarize
from sandbox.safety.text import escape_bytes, escape_text

log = logging.getLogger("sandbox.client.smtp")

READ_SIZE = 65536
CLOSE_TIMEOUT = 2.0  # how long a polite TLS close may wait for the server's close_notify
FOLD_LINES = 20  # a message body longer than this is one ConversationLine (E13)
WRITE_SLICE = 256 * 1024  # the DATA payload goes out in slices this big (see send_message)

E = TypeVar("E", bound=SmtpClientError)
CertCheck = Callable[[bytes], "bool | tuple[TlsFailure, str]"]


class SmtpConnection:
    """One connection to an SMTP server, spoken to one line at a time."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        server_hostname: str,
        tls_context: Callable[[], ssl.SSLContext],
        emit: Callable[[SandboxEvent], None],
        timeout: float,
    ) -> None:
        self.host = host
        self.port = port
        self.server_hostname = server_hostname
        self.tls_context = tls_context
        self.emit = emit
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._parser = ReplyParser()
        self._replies: deque[Reply] = deque()  # parsed, not yet asked for
        self._tls: tuple[str, str] | None = None  # (version, cipher) once TLS is up
        self.peer_cert: CertSummary | None = None
        self.every_line = False  # one ConversationLine per line of a long body too (E13)
        # The lab world's own look at the server's certificate after the handshake (a DANE TLSA
        # match, an MTA-STS testing report: sandbox/labdns/world.py). It answers with the DER:
        # True (authenticated by it), False (not, but go on), or (cause, reason) to refuse.
        self.cert_check: CertCheck | None = None

    @property
    def connected(self) -> bool:
        return self._writer is not None

    @property
    def local_address(self) -> tuple[str, int] | None:
        """(host, port) of this end, while connected: how the server tells this connection from
        others (a lab's probe goes unwatched, properties.md X5)."""
        if self._writer is None:
            return None
        sockname = self._writer.get_extra_info("sockname")
        if not isinstance(sockname, tuple) or len(sockname) < 2:
            return None
        return (str(sockname[0]), int(sockname[1]))

    @property
    def tls_active(self) -> bool:
        return self._tls is not None

    @property
    def tls_version(self) -> str | None:
        return self._tls[0] if self._tls else None

    @property
    def cipher(self) -> str | None:
        return self._tls[1] if self._tls else None

    # --- opening and closing ------------------------------------------------------------------

    async def open(self, *, implicit_tls: bool) -> Reply:
        """Connect (with TLS from the first byte if `implicit_tls`, F8); return the banner."""
        if self._writer is not None:
            raise self.fail(SmtpClientError("already connected"))
        where = f"{self.host}:{self.port}"
        self._parser, self._tls, self.peer_cert = ReplyParser(), None, None
        self._replies.clear()
        self.notice(Level.INFO, "client.trying", where=where)
        context = self.tls_context() if implicit_tls else None
        try:
            async with asyncio.timeout(self.timeout):
                self._reader, self._writer = await asyncio.open_connection(
                    self.host,
                    self.port,
                    ssl=context,
                    server_hostname=self.server_hostname if context else None,
                    ssl_handshake_timeout=self.timeout if context else None,
                )
        except TimeoutError:
            message = f"no connection to {where} within {self.timeout:g} s"
            raise self.fail(SmtpTimeoutError(message)) from None
        except ssl.SSLError as exc:
            raise self._tls_failed(exc) from None
        except OSError as exc:
            message = f"could not connect to {where}: {exc.strerror or exc}"
            raise self.fail(ConnectError(message)) from None
        self.notice(Level.INFO, "client.connected", where=where)
        if context is not None:
            checked = self._peer_check()
            self._tls_started(context, checked)
        return await self.read_reply()

    async def close(self, reason: str = "closed by the client") -> None:
        """Close politely (TLS close_notify when in TLS). Safe to repeat."""
        writer = self._writer
        if writer is None:
            return
        self._closed(clean=True, reason=reason)
        writer.close()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await writer.wait_closed()
        except TimeoutError:
            writer.transport.abort()
        except OSError:
            pass  # F9: a server gone without TLS close_notify has nothing more to tell us

    def abort(self, reason: str) -> None:
        """Drop the connection at once: after an error, nothing more is said."""
        writer = self._writer
        if writer is not None:
            self._closed(clean=False, reason=reason)
            writer.transport.abort()

    # --- lines out, replies in ----------------------------------------------------------------

    async def command(self, line: str, *, secret: bool = False, response: bool = False) -> Reply:
        """Send `line` (already checked by the caller) and return the reply to it.

        `response`: the line answers the server (an AUTH credential), so it has no verb.
        """
        await self.send_line(line, secret=secret, response=response)
        return await self.read_reply()

    async def send_line(self, line: str, *, secret: bool = False, response: bool = False) -> None:
        verb = "" if response else verb_of(line)
        self.emit(
            ConversationLine(
                sender=Side.CLIENT, text=escape_text(line), tls=self.tls_active, verb=verb
            )
        )
        # C4: credentials never reach a log record; the conversation shows them on purpose.
        log.debug("C: %s", f"{verb_of(line)} <hidden>" if secret else line)
        await self._write(line.encode("utf-8") + b"\r\n")

    async def send_message(self, payload: bytes) -> None:
        """The DATA payload, already dot-stuffed and ended with CRLF.CRLF.

        A body of more than FOLD_LINES lines is one event with its first and last lines and a
        count (E13), unless `every_line`: one event and one escaping per line of a 1 MiB
        message was a quarter of the client's time, and no pane shows 13,000 lines.
        """
        tls = self.tls_active
        count = payload.count(b"\r\n") - 1  # the body's lines; then "."
        if count > FOLD_LINES and not self.every_line:
            end = len(payload) - 5  # where "\r\n.\r\n" starts
            first = escape_bytes(payload[: payload.find(b"\r\n")])
            last = escape_bytes(payload[payload.rfind(b"\r\n", 0, end) + 2 : end])
            self.emit(
                ConversationLine(sender=Side.CLIENT, text=first, tls=tls, more=count - 1, last=last)
            )
        else:
            for line in payload.split(b"\r\n")[:-2]:
                self.emit(ConversationLine(sender=Side.CLIENT, text=escape_bytes(line), tls=tls))
        self.emit(ConversationLine(sender=Side.CLIENT, text=".", tls=tls))
        log.debug("C: <message, %d bytes>", len(payload))
        # In slices, each drained before the next: a whole 8 MB payload handed to the TLS
        # transport at once sat there a second time as ciphertext (bench/speed.py, memory).
        view = memoryview(payload)
        for start in range(0, len(view), WRITE_SLICE):
            await self._write(view[start : start + WRITE_SLICE])

    async def _write(self, data: bytes | memoryview) -> None:
        writer = self._writer
        if writer is None:
            raise self.fail(NotConnectedError("not connected"))
        writer.write(data)
        try:
            async with asyncio.timeout(self.timeout):
                await writer.drain()
        except TimeoutError:
            message = f"could not send within {self.timeout:g} s"
            raise self._broken(SmtpTimeoutError(message)) from None
        except OSError as exc:
            raise self._lost(f"the connection broke while sending ({exc})") from None

    async def read_reply(self) -> Reply:
        """The next reply: already parsed, or read until one is complete."""
        reader = self._reader
        if reader is None:
            raise self.fail(NotConnectedError("not connected"))
        try:
            async with asyncio.timeout(self.timeout):
                while not self._replies:
                    data = await reader.read(READ_SIZE)
                    if not data:
                        midway = "_midway" if self._parser.has_partial else ""
                        raise self._broken(
                            ConnectionClosedError.said(f"client.server_closed{midway}")
                        )
                    for reply in self._parser.feed(data):
                        self._received(reply)
        except TimeoutError:
            raise self._broken(SmtpTimeoutError(f"no reply within {self.timeout:g} s")) from None
        except ReplyError as exc:
            raise self._broken(SmtpProtocolError(f"bad reply from the server: {exc}")) from None
        except OSError as exc:
            raise self._lost(f"the connection broke ({exc})") from None
        reply = self._replies.popleft()
        if reply.code == 421:  # RFC 5321 §3.8: the server is closing the channel
            self.abort(f"the server closed the session: {reply.lines[0]}")
        return reply

    def _received(self, reply: Reply) -> None:
        tls = self.tls_active
        lines = reply.wire_lines()
        for i, text in enumerate(lines, start=1):
            line = ConversationLine(
                sender=Side.SERVER, text=text, tls=tls, code=reply.code, final=i == len(lines)
            )
            self.emit(line)
        log.debug("S: %d", reply.code)
        self._replies.append(reply)

    # --- TLS ----------------------------------------------------------------------------------

    async def start_tls(self) -> None:
        """Upgrade to TLS right after the server's 220 to STARTTLS."""
        reader, writer = self._reader, self._writer
        if reader is None or writer is None:
            raise self.fail(NotConnectedError("not connected"))
        # F3: nothing may have come after the 220. Check, and hand over to start_tls() with no
        # await in between, so that no byte can slip into the reader unseen.
        if self._replies or self._parser.has_partial or unread_bytes(reader):
            raise self._broken(StartTlsInjectionError.said("client.injected_after_220"))
        context = self.tls_context()
        try:
            async with asyncio.timeout(self.timeout):
                await writer.start_tls(
                    context,
                    server_hostname=self.server_hostname,
                    ssl_handshake_timeout=self.timeout,
                )
        except TimeoutError:
            message = "the TLS handshake did not finish in time"
            self.emit(TlsFailed(reason=message, cause=TlsFailure.TIMEOUT))
            raise self._broken(SmtpTimeoutError(message)) from None
        except OSError as exc:  # ssl.SSLError included
            failed = self._tls_failed(exc)
            self.abort(str(failed))
            raise failed from None
        checked = self._peer_check()
        self._tls_started(context, checked)

    def _peer_check(self) -> bool:
        """`cert_check` on the server's certificate: whether it authenticated the server; a
        refusal ends the connection as a failed handshake does (TlsFailed, then abort)."""
        if self.cert_check is None or self._writer is None:
            return False
        tls: ssl.SSLObject = self._writer.get_extra_info("ssl_object")
        verdict = self.cert_check(tls.getpeercert(binary_form=True) or b"")
        if isinstance(verdict, bool):
            return verdict
        cause, reason = verdict
        self.emit(TlsFailed(reason=reason, cause=cause))
        error = self.fail(TlsHandshakeError.said("client.tls_failed", reason=reason))
        self.abort(str(error))
        raise error

    def _tls_started(self, context: ssl.SSLContext, checked: bool = False) -> None:
        assert self._writer is not None
        tls: ssl.SSLObject = self._writer.get_extra_info("ssl_object")
        version = tls.version() or "?"
        cipher, _, bits = tls.cipher() or ("?", "", 0)
        self._tls = (version, cipher)
        der = tls.getpeercert(binary_form=True)
        self.peer_cert = summarize(der) if der else None
        verified = checked or (context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname)
        self.emit(
            TlsEstablished(
                version=version,
                cipher=cipher,
                peer_cert=self.peer_cert,
                verified=verified,
                server_hostname=self.server_hostname,
            )
        )
        log.info("TLS started: %s %s, verified=%s", version, cipher, verified)
        self.notice(Level.INFO, "client.tls_started", version=version, cipher=cipher, bits=bits)
        if self.peer_cert is not None:
            self.notice(Level.INFO, "client.peer_subject", subject=self.peer_cert.subject)
        if verified:
            self.notice(Level.INFO, "client.verified", host=self.server_hostname)
        else:
            self.notice(Level.WARNING, "client.not_verified")

    def _tls_failed(self, exc: BaseException) -> TlsHandshakeError:
        reason = tls_reason(exc)
        self.emit(TlsFailed(reason=reason, cause=tls_failure(exc)))
        return self.fail(TlsHandshakeError.said("client.tls_failed", reason=reason))

    # --- endings and messages -----------------------------------------------------------------

    def _lost(self, reason: str) -> ConnectionClosedError:
        return self._broken(ConnectionClosedError(reason))

    def _broken(self, error: E) -> E:
        """Report `error`, then drop the connection; return the error, for `raise`."""
        self.fail(error)
        self.abort(str(error))
        return error

    def _closed(self, *, clean: bool, reason: str) -> None:
        self._reader = self._writer = None
        self._tls = None
        self.notice(Level.INFO, "client.closed")
        self.emit(SessionClosed(clean=clean, reason=reason))

    def notice(self, level: Level, key: str, **params: object) -> None:
        self.emit(notice(level, key, **params))

    def fail(self, error: E) -> E:
        """Show `error` to the learner and return it, for `raise`."""
        # A reply's text comes from the server and could echo anything: log only its code (C4).
        detail = f"{error.step}: {error.reply.code}" if isinstance(error, SmtpReplyError) else error
        log.info("client error: %s", detail)
        self.emit(Notice(level=Level.ERROR, text=str(error), key=error.key, params=error.params))
        return error
