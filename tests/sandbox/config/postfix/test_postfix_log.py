"""Postfix log lines made from typed events (properties.md L25, L27): a table of sessions and the
lines each must give, and proof that no line is found by reading another's text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from sandbox.config.postfix.log import KeyProblem, LogContext, postfix_log
from sandbox.events import (
    ConversationLine,
    MessageDelivered,
    NoTls,
    SandboxEvent,
    SessionClosed,
    Side,
    TlsEstablished,
    TlsFailed,
    TlsFailure,
    TlsMissing,
)

CTX = LogContext(
    client="localhost[127.0.0.1]",
    server="sandbox.test[127.0.0.1]:25",
    sender="a@client.test",
    recipients=("b@sandbox.test",),
)


def c(verb: str, text: str | None = None) -> ConversationLine:
    return ConversationLine(sender=Side.CLIENT, text=text or verb, tls=False, verb=verb)


def s(code: int, text: str) -> ConversationLine:
    return ConversationLine(
        sender=Side.SERVER, text=f"{code} {text}", tls=False, code=code, final=True
    )


def tls(verified: bool) -> TlsEstablished:
    return TlsEstablished(
        version="TLSv1.3", cipher="TLS_AES_256_GCM_SHA384", peer_cert=None, verified=verified,
        server_hostname="sandbox.test",
    )  # fmt: skip


BANNER = [s(220, "sandbox.test ESMTP")]
EHLO = [c("EHLO", "EHLO client.test"), s(250, "sandbox.test")]
STARTTLS = [c("STARTTLS"), s(220, "2.0.0 Ready to start TLS")]
MAIL = [c("MAIL", "MAIL FROM:<a@client.test>"), s(250, "2.1.0 Ok")]
RCPT = [c("RCPT", "RCPT TO:<b@sandbox.test>"), s(250, "2.1.5 Ok")]
DATA = [c("DATA"), s(354, "End data"), s(250, "2.0.0 Ok: queued as 4711")]
DELIVERED = MessageDelivered(
    mail_from="a@client.test", rcpt_tos=("b@sandbox.test",), size=321, tls=True,
    authenticated_as=None,
)  # fmt: skip
QUIT = [c("QUIT"), s(221, "2.0.0 Bye")]
END = [SessionClosed(clean=True)]

SESSIONS: list[tuple[str, list[SandboxEvent], LogContext, list[tuple[str, str]]]] = [
    (
        "delivered over verified TLS",
        [*BANNER, *EHLO, *STARTTLS, tls(True), *EHLO, *MAIL, *RCPT, *DATA, DELIVERED, *QUIT, *END],
        CTX,
        [
            ("smtpd", "connect from localhost[127.0.0.1]"),
            ("smtpd", "Anonymous TLS connection established from localhost[127.0.0.1]: TLSv1.3 "
                      "with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"),
            ("smtp", "Verified TLS connection established to sandbox.test[127.0.0.1]:25: TLSv1.3 "
                     "with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"),
            ("smtpd", "QID: client=localhost[127.0.0.1]"),
            ("smtp", "CQID: to=<b@sandbox.test>, relay=sandbox.test[127.0.0.1]:25, delay=0.1, "
                     "delays=0/0/0.05/0.05, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4711)"),
            ("cleanup", "QID: message-id=<QID@sandbox.test>"),
            ("qmgr", "QID: from=<a@client.test>, size=321, nrcpt=1 (queue active)"),
            ("local", "QID: to=<b@sandbox.test>, relay=local, delay=0, delays=0/0/0/0, "
                      "dsn=2.0.0, status=sent (delivered to the sandbox's mailbox)"),
            ("qmgr", "QID: removed"),
            ("smtpd", "disconnect from localhost[127.0.0.1] ehlo=2 starttls=1 mail=1 rcpt=1 "
                      "data=1 quit=1 commands=7"),
        ],
    ),
    (
        "untrusted TLS, loglevel 0",
        [*BANNER, *EHLO, *STARTTLS, tls(False), *QUIT, *END],
        dataclasses.replace(CTX, tls_loglevel=0),
        [
            ("smtpd", "connect from localhost[127.0.0.1]"),
            ("smtp", "Untrusted TLS connection established to sandbox.test[127.0.0.1]:25: "
                     "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"),
            ("smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 starttls=1 quit=1 commands=3"),
        ],
    ),
    (
        "encrypt client, STARTTLS not offered",
        [*BANNER, *EHLO, TlsMissing(why=NoTls.NOT_OFFERED, refused=True), *QUIT, *END],
        CTX,
        [
            ("smtpd", "connect from localhost[127.0.0.1]"),
            ("smtp", "CQID: to=<b@sandbox.test>, relay=sandbox.test[127.0.0.1]:25, delay=0.1, "
                     "delays=0/0/0.05/0.05, dsn=4.7.4, status=deferred (TLS is required, but was "
                     "not offered by host sandbox.test[127.0.0.1])"),
            ("smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2"),
        ],
    ),
    (
        "a may client goes on in plaintext and Postfix says nothing of it",
        [*BANNER, *EHLO, TlsMissing(why=NoTls.NOT_OFFERED, refused=False), *QUIT, *END],
        CTX,
        [
            ("smtpd", "connect from localhost[127.0.0.1]"),
            ("smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2"),
        ],
    ),
    (
        "STARTTLS refused with 454 for a key problem",
        [*BANNER, *EHLO, c("STARTTLS"), s(454, "4.7.0 TLS not available due to local problem"),
         TlsMissing(why=NoTls.STARTTLS_REFUSED, refused=True, code=454), *QUIT, *END],
        dataclasses.replace(CTX, key_problem=KeyProblem(("/lab/server.key",), False, True)),
        [
            ("smtpd", 'warning: cannot get RSA private key from file "/lab/server.key": '
                      "disabling TLS support"),
            ("smtpd", "warning: TLS library problem: error:80000002:system library::No such "
                      "file or directory:"),
            ("smtpd", "connect from localhost[127.0.0.1]"),
            ("smtp", "CQID: to=<b@sandbox.test>, relay=sandbox.test[127.0.0.1]:25, delay=0.1, "
                     "delays=0/0/0.05/0.05, dsn=4.7.0, status=deferred (TLS is required, but host "
                     "sandbox.test[127.0.0.1] refused to start TLS: 454 4.7.0 TLS not available "
                     "due to local problem)"),
            ("smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 starttls=0/1 quit=1 "
                      "commands=2/3"),
        ],
    ),
    (
        "a verifying client refuses the chain",
        [*BANNER, *EHLO, *STARTTLS, TlsFailed(reason="x", cause=TlsFailure.UNTRUSTED), *END],
        CTX,
        [
            ("smtpd", "connect from localhost[127.0.0.1]"),
            ("smtpd", "SSL_accept error from localhost[127.0.0.1]: lost connection"),
            ("smtp", "server certificate verification failed for sandbox.test[127.0.0.1]:25: "
                     "num=20:unable to get local issuer certificate"),
            ("smtp", "CQID: to=<b@sandbox.test>, relay=sandbox.test[127.0.0.1]:25, delay=0.1, "
                     "delays=0/0/0.05/0.05, dsn=4.7.5, status=deferred (Server certificate not "
                     "trusted)"),
            ("smtpd", "lost connection after STARTTLS from localhost[127.0.0.1]"),
            ("smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 starttls=0/1 commands=1/2"),
        ],
    ),
    (
        "no TLS version in common",
        [*BANNER, *EHLO, *STARTTLS, TlsFailed(reason="x", cause=TlsFailure.PROTOCOL_VERSION),
         *END],
        CTX,
        [
            ("smtpd", "connect from localhost[127.0.0.1]"),
            ("smtpd", "SSL_accept error from localhost[127.0.0.1]: -1"),
            ("smtpd", "warning: TLS library problem: error:0A000102:SSL routines::unsupported "
                      "protocol:"),
            ("smtp", "SSL_connect error to sandbox.test[127.0.0.1]:25: -1"),
            ("smtp", "CQID: to=<b@sandbox.test>, relay=sandbox.test[127.0.0.1]:25, delay=0.1, "
                     "delays=0/0/0.05/0.05, dsn=4.7.5, status=deferred (Cannot start TLS: "
                     "handshake failure)"),
            ("smtpd", "lost connection after STARTTLS from localhost[127.0.0.1]"),
            ("smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 starttls=0/1 commands=1/2"),
        ],
    ),
    (
        "relay refused at the first recipient",
        [*BANNER, *EHLO, *MAIL, c("RCPT"), s(554, "5.7.1 <b@sandbox.test>: Relay access denied"),
         *QUIT, *END],
        CTX,
        [
            ("smtpd", "connect from localhost[127.0.0.1]"),
            ("smtpd", "NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.7.1 "
                      "<b@sandbox.test>: Relay access denied; from=<a@client.test> "
                      "to=<b@sandbox.test> proto=ESMTP helo=<client.test>"),
            ("smtp", "CQID: to=<b@sandbox.test>, relay=sandbox.test[127.0.0.1]:25, delay=0.1, "
                     "delays=0/0/0.05/0.05, dsn=5.7.1, status=bounced (host sandbox.test"
                     "[127.0.0.1] said: 554 5.7.1 <b@sandbox.test>: Relay access denied (in reply "
                     "to RCPT TO command))"),
            ("smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=0/1 quit=1 "
                      "commands=3/4"),
        ],
    ),
    (
        "encrypt server: 530 is a reply, not a log line",
        [*BANNER, *EHLO, c("MAIL"), s(530, "5.7.0 Must issue a STARTTLS command first"),
         SessionClosed(clean=False)],
        CTX,
        [
            ("smtpd", "connect from localhost[127.0.0.1]"),
            ("smtpd", "lost connection after MAIL from localhost[127.0.0.1]"),
            ("smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 mail=0/1 commands=1/2"),
        ],
    ),
]  # fmt: skip


def _normalised(events: list[SandboxEvent], ctx: LogContext) -> list[tuple[str, str]]:
    lines = postfix_log(events, ctx)
    out = []
    for line in lines:
        text = line.text
        for qid, name in _qids(line.text):
            text = text.replace(qid, name)
        out.append((line.program, text))
    return out


def _qids(text: str) -> list[tuple[str, str]]:
    return [(m.group(0), "QID") for m in re.finditer(r"\b[0-9A-F]{11}\b", text)]


@pytest.mark.parametrize(("events", "ctx", "expected"), [s[1:] for s in SESSIONS],
                         ids=[s[0] for s in SESSIONS])  # fmt: skip
def test_l25_each_session_gives_postfixs_lines(events, ctx, expected) -> None:
    got = _normalised(events, ctx)
    # the client's queue (smtp) and the server's (smtpd) are two queue files
    want = [(p, t.replace("CQID", "QID")) for p, t in expected]
    assert got == want


def test_l25_client_and_server_queue_ids_differ_and_stay_the_same_in_a_session() -> None:
    events = [*BANNER, *EHLO, *MAIL, *RCPT, *DATA, DELIVERED, *QUIT, *END]
    lines = postfix_log(events, CTX)
    server = {line.text.split(":")[0] for line in lines if line.program in ("qmgr", "cleanup")}
    client = {line.text.split(":")[0] for line in lines if line.program == "smtp"}
    assert len(server) == 1 and len(client) == 1 and server != client


def test_l27_lines_come_from_typed_fields_not_from_text() -> None:
    """Every client command and server reply text rewritten to nonsense (codes, verbs and the
    other typed fields kept): the same kinds of line, in the same order."""
    events, ctx, _ = SESSIONS[0][1:]
    nonsense = [
        dataclasses.replace(e, text="zz") if isinstance(e, ConversationLine) else e for e in events
    ]
    before = [(line.program, line.text.split(" ")[0]) for line in postfix_log(events, ctx)]
    after = [(line.program, line.text.split(" ")[0]) for line in postfix_log(nonsense, ctx)]
    assert before == after


def test_l25_render_has_syslogs_shape() -> None:
    (first, *_) = postfix_log([*BANNER, *END], CTX)
    started = dt.datetime(2026, 12, 5, 9, 3, 7)
    assert first.render(started, first.ts) == (
        "Dec  5 09:03:07 sandbox postfix/smtpd[4711]: connect from localhost[127.0.0.1]"
    )
