"""Talking to a server for `smtp-tutor check`: bounded connections, SMTP replies, TLS.

Blocking sockets, one connection at a time: `check` is a short, sequential inspection, and a
blocking `ssl.SSLSocket` gives the chain the server sent (`unverified_chain`) and the suite it
chose. Every read and connect has a timeout, a reply has a bounded size, and `Budget` caps how
many connections one check opens (properties.md N2). A server that trickles a byte at a time
never lets a read time out, so one connection also has a deadline (`SESSION_TIMEOUTS` reads'
worth) and so has the whole check (`CHECK_TIMEOUTS`), TLS handshakes included (X1). Failures
that end a check are `CheckError`, one line each: the name does not resolve, the port refuses,
nothing answers, it is not SMTP.
"""

from __future__ import annotations

import socket
import ssl
import time
import warnings
from dataclasses import dataclass, field
from typing import Literal

from sandbox.safety.text import escape_text

TIMEOUT = 10.0  # seconds for a connect, a read or a handshake: a slow MX still answers in this
MAX_CONNECTIONS = 10  # one check opens 8 at most (see sandbox/check/run.py)
MAX_LINE = 4096  # a reply line; RFC 5321 4.5.3.1.5 says 512
MAX_REPLY_LINES = 200  # an EHLO reply has a dozen
EHLO_NAME = "check.smtp-tutor.test"
SESSION_TIMEOUTS = 3  # one connection lasts at most 3 x --timeout (a slow MX needs about 1x)
CHECK_TIMEOUTS = 10  # the whole check at most 10 x --timeout (8 connections, most of them quick)

ErrorKind = Literal["dns", "refused", "timeout", "unreachable", "not_smtp", "closed", "budget"]


class CheckError(Exception):
    """A check that cannot go on: `kind` for code and tests, `detail` for the one line."""

    def __init__(self, kind: ErrorKind, target: str, detail: str) -> None:
        # both escaped: a target can come from a script's DNS answers, the detail from the server
        self.target, self.detail = escape_text(target), escape_text(detail)
        super().__init__(f"{self.target}: {self.detail}")
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Reply:
    code: int
    lines: tuple[str, ...]  # the text after the code and separator, one per line

    @property
    def text(self) -> str:
        return " / ".join(self.lines)


@dataclass(slots=True)
class Budget:
    """Connections one check may open (N2)."""

    limit: int = MAX_CONNECTIONS
    used: int = 0
    seconds: float = CHECK_TIMEOUTS * TIMEOUT
    started: float = field(default_factory=time.monotonic)

    @property
    def ends(self) -> float:
        return self.started + self.seconds

    def overtime(self, target: Target) -> CheckError:
        return CheckError("budget", str(target), f"the check took more than {self.seconds:g} s")

    def take(self, target: Target) -> None:
        if self.used >= self.limit:
            raise CheckError("budget", str(target), f"more than {self.limit} connections")
        if time.monotonic() >= self.ends:
            raise self.overtime(target)
        self.used += 1


@dataclass
class Conn:
    """One connection: plaintext until `start_tls`, then the `ssl.SSLSocket`."""

    sock: socket.socket
    target: Target
    timeout: float
    buffer: bytes = b""
    leftover: bytes = field(default=b"")  # bytes that came before TLS and were dropped
    budget: Budget | None = None
    ends: float = float("inf")  # time.monotonic() when this connection must be done

    def _arm(self) -> None:
        """The socket's timeout for the next wait: a read's worth, or what is left of the
        connection's deadline (a TLS handshake counts its own time against it, as one wait)."""
        left = self.ends - time.monotonic()
        if left <= 0:
            raise self._overtime()
        self.sock.settimeout(min(self.timeout, left))

    def _overtime(self) -> CheckError:
        if self.budget is not None and self.budget.ends <= self.ends:
            return self.budget.overtime(self.target)
        limit = SESSION_TIMEOUTS * self.timeout
        detail = f"one connection took more than {limit:g} s (the server trickles its replies)"
        return CheckError("timeout", str(self.target), detail)

    def _timed_out(self, exc: TimeoutError, doing: str) -> CheckError:
        if time.monotonic() >= self.ends:
            return self._overtime()
        return CheckError("timeout", str(self.target), doing)

    @property
    def tls(self) -> ssl.SSLSocket | None:
        return self.sock if isinstance(self.sock, ssl.SSLSocket) else None

    def send(self, line: str) -> None:
        self.send_raw(line.encode("ascii") + b"\r\n")

    def send_raw(self, data: bytes) -> None:
        self._arm()
        try:
            self.sock.sendall(data)
        except TimeoutError as exc:
            raise self._timed_out(exc, "timed out while sending") from exc
        except OSError as exc:
            raise CheckError("closed", str(self.target), f"connection lost ({exc})") from exc

    def _line(self) -> bytes:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise CheckError("not_smtp", str(self.target), "a reply line too long for SMTP")
            self._arm()
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError as exc:
                raise self._timed_out(exc, f"no reply within {self.timeout:g} s") from exc
            except OSError as exc:
                raise CheckError("closed", str(self.target), f"connection lost ({exc})") from exc
            if not chunk:
                raise CheckError("closed", str(self.target), "the server closed the connection")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r")

    def reply(self) -> Reply:
        """One whole reply (`250-...` lines up to `250 ...`); anything else is not SMTP."""
        code, texts = 0, []
        for _ in range(MAX_REPLY_LINES):
            raw = self._line()
            head = raw[:4]
            if len(raw) < 3 or not raw[:3].isdigit() or head[3:4] not in (b"", b" ", b"-"):
                shown = escape_text(raw[:40].decode("latin-1"))
                raise CheckError("not_smtp", str(self.target), f"not an SMTP reply: {shown!r}")
            if code and int(raw[:3]) != code:
                raise CheckError("not_smtp", str(self.target), "a reply whose lines disagree")
            code = int(raw[:3])
            texts.append(raw[4:].decode("utf-8", "replace"))
            if head[3:4] != b"-":
                return Reply(code, tuple(texts))
        raise CheckError("not_smtp", str(self.target), "a reply of too many lines")

    def command(self, line: str) -> Reply:
        self.send(line)
        return self.reply()

    def start_tls(self, ctx: ssl.SSLContext, server_hostname: str | None) -> ssl.SSLSocket:
        """The handshake on this socket. Bytes that arrived before it are kept in `leftover`
        and never read as coming from inside TLS (as the tutor's client does, F3)."""
        self.leftover, self.buffer = self.buffer, b""
        self._arm()
        try:
            tls = ctx.wrap_socket(self.sock, server_hostname=server_hostname)
        except BaseException as exc:
            _close_orphans(exc)
            if isinstance(exc, TimeoutError) and time.monotonic() >= self.ends:
                raise self._overtime() from exc
            raise
        self.sock = tls
        return tls

    def close(self) -> None:
        try:
            if self.tls is None:
                self.sock.sendall(b"QUIT\r\n")
        except OSError:
            pass
        self.sock.close()


def _close_orphans(exc: BaseException) -> None:
    """Close the `SSLSocket` a failed `wrap_socket` left behind. Python 3.11's
    `SSLSocket._create` re-raises a reset seen by its not-connected check without closing the
    socket that now owns the descriptor (a ResourceWarning, an fd held until collected)."""
    tb = exc.__traceback__
    while tb is not None:
        orphan = tb.tb_frame.f_locals.get("self")
        if isinstance(orphan, ssl.SSLSocket):
            orphan.close()
        tb = tb.tb_next


def connect(target: Target, budget: Budget, timeout: float = TIMEOUT) -> Conn:
    """A TCP connection, or a `CheckError` that says why not in one line."""
    budget.take(target)
    ends = min(time.monotonic() + SESSION_TIMEOUTS * timeout, budget.ends)
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CheckError("dns", str(target), f"the name does not resolve ({exc.strerror})") from exc
    last: OSError | None = None
    for family, kind, proto, _, address in infos[:4]:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(max(0.001, min(timeout, ends - time.monotonic())))
        try:
            sock.connect(address)
            return Conn(sock, target, timeout, budget=budget, ends=ends)
        except TimeoutError as exc:
            sock.close()
            last = exc
        except OSError as exc:
            sock.close()
            last = exc
    if isinstance(last, TimeoutError):
        raise CheckError("timeout", str(target), f"no answer within {timeout:g} s")
    if isinstance(last, ConnectionRefusedError):
        raise CheckError("refused", str(target), "connection refused (nothing listens there)")
    raise CheckError("unreachable", str(target), f"cannot connect ({last})")


def probe_context(
    version: ssl.TLSVersion | None = None, ciphers: str | None = None
) -> ssl.SSLContext:
    """A client context that accepts whatever the server shows (what it shows is judged later,
    by sandbox/check/chain.py), pinned to `version` when given; security level 0 so this
    machine's OpenSSL offers the old versions and suites it still has (N3)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.keylog_filename = None  # type: ignore[assignment]  # never SSLKEYLOGFILE (G5)
    ctx.set_ciphers(ciphers or "ALL:@SECLEVEL=0")
    if version is not None:
        with warnings.catch_warnings():  # TLSv1 and TLSv1_1 are deprecated: we probe them
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = version
            ctx.maximum_version = version
    return ctx


def unverified_chain(tls: ssl.SSLSocket) -> tuple[bytes, ...]:
    """The certificates the server sent, in the order it sent them (DER).

    Python 3.13 has `SSLSocket.get_unverified_chain()`; 3.10-3.12 have the same method on the
    `_ssl._SSLSocket` behind `_sslobj` (checked on 3.11 and 3.12). Without either: the leaf alone.
    """
    getter = getattr(tls, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(tls, "_sslobj", None), "get_unverified_chain", None)
    if getter is not None:
        chain = getter() or []
        return tuple(
            c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER)  # type: ignore[attr-defined]
            for c in chain
        )
    leaf = tls.getpeercert(binary_form=True)
    return (leaf,) if leaf else ()
