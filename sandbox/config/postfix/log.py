"""A session as Postfix would log it: smtpd's lines for the server, smtp's for the client
(properties.md L25-L27).

    for line in postfix_log(events, LogContext(sender="a@x.test", recipients=("b@y.test",))):
        print(line.render(started, first_ts))  # Dec  5 13:12:23 sandbox postfix/smtpd[4711]: ...

Everything comes from the session's typed events: a command's `verb`, a reply's `code` and `final`,
`TlsEstablished`'s version, cipher and `verified`, `TlsFailed.cause`, `TlsMissing.why` and
`refused`, `MessageDelivered`'s size, and what the caller knows about the session (`LogContext`:
the envelope, the names, a key the server could not load). No line is found by reading the text of
another; a reply's text is only quoted where Postfix quotes it.

Where Postfix 3.7 writes nothing, neither does this: the `530 5.7.0 Must issue a STARTTLS command
first` of `smtpd_tls_security_level = encrypt` is a reply only (Postfix logs `NOQUEUE: reject:
... 530` only for `reject_plaintext_session`), and the TLS line needs `smtpd_tls_loglevel >= 1`.
The shapes are checked against the real Postfix's own log (test_postfix_real_log.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import assert_never

from sandbox.events import (
    AttackerInTls,
    AttackerRead,
    ConversationLine,
    InjectionDiscarded,
    MessageDelivered,
    Notice,
    NoTls,
    SandboxEvent,
    SessionClosed,
    SessionStarted,
    Side,
    TlsEstablished,
    TlsFailed,
    TlsFailure,
    TlsMissing,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)

COMMAND_ORDER = (
    "HELO",
    "EHLO",
    "XCLIENT",
    "XFORWARD",
    "STARTTLS",
    "AUTH",
    "MAIL",
    "RCPT",
    "DATA",
    "BDAT",
    "RSET",
    "NOOP",
    "VRFY",
    "ETRN",
    "QUIT",
)
"""The order of smtpd's command table: `disconnect from ... ehlo=1 starttls=1 ...` counts in it."""
_ENHANCED = re.compile(r"\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b")
PIDS = {"smtpd": 4711, "smtp": 4712, "qmgr": 4700, "cleanup": 4713, "local": 4714}
# What OpenSSL says on the server's side when the server itself ends a handshake; a client that
# refuses the certificate just goes (Postfix 3.7 logs `lost connection`, the differential saw it).
_ACCEPT_PROBLEM: dict[TlsFailure, str] = {
    TlsFailure.PROTOCOL_VERSION: "error:0A000102:SSL routines::unsupported protocol",
    TlsFailure.OTHER: "error:0A000126:SSL routines::unexpected eof while reading",
}
# What OpenSSL says when a key cannot be loaded, by whether it is missing or does not match.
_KEY_PROBLEM = {
    (False, True): "error:80000002:system library::No such file or directory",
    (False, False): "error:05800074:x509 certificate routines::key values mismatch",
    (True, True): "error:80000002:system library::No such file or directory",
    (True, False): "error:0A000120:SSL routines::private key mismatch",
}
# What Postfix's smtp client says of a certificate it could not verify (X509 error numbers).
_VERIFY_ERROR: dict[TlsFailure, str] = {
    TlsFailure.UNTRUSTED: "num=20:unable to get local issuer certificate",
    TlsFailure.EXPIRED: "num=10:certificate has expired",
    TlsFailure.WRONG_NAME: "num=62:hostname mismatch",
    TlsFailure.BAD_CERTIFICATE: "num=7:certificate signature failure",
}


@dataclass(frozen=True, slots=True)
class KeyProblem:
    """The server could not load its key and certificate (the sandbox's `tls_problem`)."""

    files: tuple[str, ...]  # as the configuration names them, the key's file first
    chain_files: bool  # smtpd_tls_chain_files (True) or smtpd_tls_cert_file/key_file
    missing: bool  # a file cannot be read (True) or the key does not match its certificate


@dataclass(frozen=True, slots=True)
class LogContext:
    """What the log needs beyond the events: names, the envelope, the server's state."""

    client: str = "localhost[127.0.0.1]"  # how smtpd names the client
    server: str = "sandbox.test[127.0.0.1]:25"  # how smtp names the server: host[addr]:port
    host: str = "sandbox"  # the syslog host field
    helo: str = "client.test"
    sender: str = ""
    recipients: tuple[str, ...] = ()
    user: str | None = None  # the SASL user name, when the client authenticates
    key_problem: KeyProblem | None = None
    tls_loglevel: int = 1  # smtpd_tls_loglevel: 0 logs no TLS line


@dataclass(frozen=True, slots=True)
class LogLine:
    ts: float
    program: str  # smtpd, smtp, qmgr, cleanup, local
    text: str

    def render(self, started: dt.datetime, first_ts: float) -> str:
        """`Dec  5 13:12:23 sandbox postfix/smtpd[4711]: text`."""
        moment = started + dt.timedelta(seconds=max(0.0, self.ts - first_ts))
        stamp = f"{moment:%b} {moment.day:2d} {moment:%H:%M:%S}"
        return f"{stamp} sandbox postfix/{self.program}[{PIDS[self.program]}]: {self.text}"


def cipher_bits(cipher: str) -> int:
    name = cipher.upper().replace("-", "_")
    return 128 if "AES_128" in name or "AES128" in name else 256


def queue_id(seed: str) -> str:
    """A Postfix-style short queue id (10 to 12 hex digits), stable for a seed."""
    return hashlib.sha256(seed.encode()).hexdigest()[:11].upper()


def postfix_log(events: Iterable[SandboxEvent], ctx: LogContext = LogContext()) -> list[LogLine]:
    log = _Log(ctx)
    for event in events:
        log.add(event)
    log.close()
    return log.lines


@dataclass
class _Log:
    ctx: LogContext
    lines: list[LogLine] = field(default_factory=list)
    pending: deque[str] = field(default_factory=deque)  # commands waiting for their reply
    counts: dict[str, list[int]] = field(default_factory=dict)  # verb -> [ok, total]
    last_verb: str = "CONNECT"
    last_reply: str = ""
    connected: bool = False
    closed: bool = False
    rcpt_index: int = 0
    accepted: list[str] = field(default_factory=list)
    authenticated: bool = False
    ehlo: bool = False
    ts: float = 0.0
    server_qid: str = ""
    client_qid: str = ""

    def say(self, program: str, text: str, ts: float | None = None) -> None:
        self.lines.append(LogLine(self.ts if ts is None else ts, program, text))

    def add(self, event: SandboxEvent) -> None:
        self.ts = event.ts
        if not self.server_qid:  # the session's first event names its queue files
            self.client_qid = queue_id(f"client {event.ts}")
            self.server_qid = queue_id(f"server {event.ts}")
        match event:
            case SessionStarted():
                pass  # the connection is logged when the server's banner arrives
            case ConversationLine():
                self.conversation(event)
            case TlsEstablished():
                self.tls(event)
            case TlsFailed():
                self.tls_failed(event)
            case TlsMissing():
                self.no_tls(event)
            case MessageDelivered():
                self.delivered(event)
            case SessionClosed():
                self.close()
            case (
                Notice()
                | WireChunk()
                | WireLine()
                | WireSwitch()
                | WireRecord()
                | InjectionDiscarded()
                | AttackerInTls()
                | AttackerRead()
            ):
                pass  # the learner's words and the tap's view: not in Postfix's log
            case _:
                assert_never(event)

    def connect(self) -> None:
        if self.connected:
            return
        self.connected = True
        problem = self.ctx.key_problem
        if problem is not None:  # smtpd loads its keys as it starts, before the connection
            self.key_problem(problem)
        self.say("smtpd", f"connect from {self.ctx.client}")

    def key_problem(self, problem: KeyProblem) -> None:
        library = (
            f"warning: TLS library problem: {_KEY_PROBLEM[problem.chain_files, problem.missing]}:"
        )
        if not problem.chain_files:
            key = problem.files[-1]
            self.say(
                "smtpd",
                f'warning: cannot get RSA private key from file "{key}": disabling TLS support',
            )
            self.say("smtpd", library)
            return
        if not problem.missing:
            self.say(
                "smtpd",
                f"warning: key at index 1 in {problem.files[0]} does not match next certificate",
            )
        self.say("smtpd", library)
        files = ", ".join(problem.files)
        self.say(
            "smtpd",
            "warning: error loading private keys and certificates from: "
            f"{files}: disabling TLS support",
        )

    def conversation(self, event: ConversationLine) -> None:
        if event.sender is Side.CLIENT:
            if event.verb:
                self.pending.append(event.verb)
                self.last_verb = event.verb
            return
        self.connect()
        if not event.final:
            return
        self.last_reply = event.text
        code = event.code or 0
        if not self.pending:
            return  # the banner, or a reply to message lines already counted
        verb = self.pending[0]
        if verb == "DATA" and code == 354:
            return  # the message follows; DATA's own result is the reply after it
        self.pending.popleft()
        self.count(verb, code < 400)
        if verb == "EHLO" and code == 250:
            self.ehlo = True
        elif verb == "AUTH" and code == 235:
            self.authenticated = True
        elif verb == "RCPT":
            self.rcpt(code, event.text)
        elif verb == "DATA" and code == 250:
            self.sent(event.text)

    def count(self, verb: str, ok: bool) -> None:
        name = verb if verb in COMMAND_ORDER else "UNKNOWN"
        ok_total = self.counts.setdefault(name, [0, 0])
        ok_total[0] += ok
        ok_total[1] += 1

    def rcpt(self, code: int, reply: str) -> None:
        recipients = self.ctx.recipients
        to = recipients[self.rcpt_index] if self.rcpt_index < len(recipients) else ""
        self.rcpt_index += 1
        if code < 400:
            if not self.accepted:
                sasl = ""
                if self.authenticated and self.ctx.user:
                    sasl = f", sasl_method=PLAIN, sasl_username={self.ctx.user}"
                self.say("smtpd", f"{self.server_qid}: client={self.ctx.client}{sasl}")
            self.accepted.append(to)
            return
        qid = self.server_qid if self.accepted else "NOQUEUE"
        proto = "ESMTP" if self.ehlo else "SMTP"
        envelope = f"from=<{self.ctx.sender}> to=<{to}> proto={proto} helo=<{self.ctx.helo}>"
        self.say("smtpd", f"{qid}: reject: RCPT from {self.ctx.client}: {reply}; {envelope}")
        status = "deferred" if code < 500 else "bounced"
        said = f"host {self._server_host()} said: {reply} (in reply to RCPT TO command)"
        self.client_status(to, _dsn(code, reply), status, said)

    def sent(self, reply: str) -> None:
        for to in self.accepted:
            self.client_status(to, _dsn(250, reply), "sent", reply)

    def delivered(self, event: MessageDelivered) -> None:
        qid = self.server_qid
        self.say("cleanup", f"{qid}: message-id=<{qid}@{self._server_name()}>")
        self.say(
            "qmgr",
            f"{qid}: from=<{event.mail_from}>, size={event.size}, "
            f"nrcpt={len(event.rcpt_tos)} (queue active)",
        )
        for to in event.rcpt_tos:
            self.say(
                "local",
                f"{qid}: to=<{to}>, relay=local, delay=0, delays=0/0/0/0, "
                "dsn=2.0.0, status=sent (delivered to the sandbox's mailbox)",
            )
        self.say("qmgr", f"{qid}: removed")

    def tls(self, event: TlsEstablished) -> None:
        bits = cipher_bits(event.cipher)
        what = f"{event.version} with cipher {event.cipher} ({bits}/{bits} bits)"
        if self.ctx.tls_loglevel >= 1:
            client = self.ctx.client
            self.say("smtpd", f"Anonymous TLS connection established from {client}: {what}")
        trust = "Verified" if event.verified else "Untrusted"
        self.say("smtp", f"{trust} TLS connection established to {self.ctx.server}: {what}")

    def tls_failed(self, event: TlsFailed) -> None:
        self.last_verb = "STARTTLS" if self.connected else "CONNECT"
        while self.pending and self.pending[0] == "STARTTLS":
            self.pending.popleft()
        if self.connected and "STARTTLS" in self.counts:  # smtpd counts it failed after all
            self.counts["STARTTLS"][0] = max(0, self.counts["STARTTLS"][0] - 1)
        cut = event.cause not in _ACCEPT_PROBLEM
        self.say(
            "smtpd",
            f"SSL_accept error from {self.ctx.client}: " + ("lost connection" if cut else "-1"),
        )
        if event.cause in _ACCEPT_PROBLEM:
            self.say("smtpd", f"warning: TLS library problem: {_ACCEPT_PROBLEM[event.cause]}:")
        if event.cause in _VERIFY_ERROR:
            self.say(
                "smtp",
                f"server certificate verification failed for {self.ctx.server}: "
                + _VERIFY_ERROR[event.cause],
            )
            # smtp_proto.c: a chain that does not verify (unknown issuer, expired) is "not
            # trusted"; "not verified" is a trusted certificate whose name does not match
            wrong_name = event.cause is TlsFailure.WRONG_NAME
            why = f"Server certificate not {'verified' if wrong_name else 'trusted'}"
        else:
            self.say("smtp", f"SSL_connect error to {self.ctx.server}: -1")
            why = "Cannot start TLS: handshake failure"
        for to in self.ctx.recipients:
            self.client_status(to, "4.7.5", "deferred", why)

    def no_tls(self, event: TlsMissing) -> None:
        if not event.refused:
            return  # `may`: Postfix goes on in plaintext and says nothing
        host = self._server_host()
        match event.why:
            case NoTls.NOT_OFFERED | NoTls.NOT_STARTED:
                why, dsn = f"TLS is required, but was not offered by host {host}", "4.7.4"
            case NoTls.STARTTLS_REFUSED | NoTls.EHLO_REFUSED:
                why = f"TLS is required, but host {host} refused to start TLS: {self.last_reply}"
                dsn = _dsn(event.code or 454, self.last_reply)
            case _:
                assert_never(event.why)
        for to in self.ctx.recipients:
            self.client_status(to, dsn, "deferred", why)

    def client_status(self, to: str, dsn: str, status: str, why: str) -> None:
        self.say(
            "smtp",
            f"{self.client_qid}: to=<{to}>, relay={self.ctx.server}, delay=0.1, "
            f"delays=0/0/0.05/0.05, dsn={dsn}, status={status} ({why})",
        )

    def close(self) -> None:
        if self.closed or not self.connected:
            return
        self.closed = True
        if self.last_verb != "QUIT":
            self.say("smtpd", f"lost connection after {self.last_verb} from {self.ctx.client}")
        counts = []
        for verb in (*COMMAND_ORDER, "UNKNOWN"):
            if verb in self.counts:
                ok, total = self.counts[verb]
                counts.append(f"{verb.lower()}={ok}" + ("" if ok == total else f"/{total}"))
        ok = sum(c[0] for c in self.counts.values())
        total = sum(c[1] for c in self.counts.values())
        counts.append(f"commands={ok}" + ("" if ok == total and total else f"/{total}"))
        self.say("smtpd", f"disconnect from {self.ctx.client} " + " ".join(counts))

    def _server_host(self) -> str:
        return self.ctx.server.rpartition(":")[0] if "]:" in self.ctx.server else self.ctx.server

    def _server_name(self) -> str:
        return self.ctx.server.partition("[")[0]


def _dsn(code: int, reply: str) -> str:
    """The DSN Postfix's smtp client reports: the reply's RFC 3463 code, else class.0.0."""
    m = _ENHANCED.match(reply)
    return m.group(1) if m else f"{str(code)[0]}.0.0"
