"""The real server driven by random command sequences (properties.md E9), with hypothesis's
`RuleBasedStateMachine`: EHLO, HELO, MAIL, RCPT, DATA with a body, RSET, NOOP, VRFY, HELP, junk,
empty lines, STARTTLS, QUIT and reconnecting, in any order, over a real socket (and inside TLS).

A small model of the session (greeting, transaction, TLS, call limits, junk and error budgets)
says which reply code each command must get. The invariants: exactly one reply per command (a HELP
sent as a marker gets its own reply next, never one left over), nothing stored unless DATA ended in
250, nothing at all after QUIT (even to a command pipelined behind it), and a normal client served
after every example. The server runs in a thread of its own, so the machine's rules are plain
blocking socket calls.

`./check` runs a few examples; `scripts/fuzz` runs many more and prints the counts in `COUNTS`.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sandbox.pki import tlsconfig
from sandbox.pki.certs import CertBundle
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.protocol import CALL_LIMITS, JUNK_LIMIT
from sandbox.smtpd.server import SandboxServer

WAIT = 15.0
COUNTS: collections.Counter[str] = collections.Counter()
"""examples run, commands sent, invariants checked (read by scripts/fuzz)."""


class Lab:
    """A sandbox server on its own loop in a thread, and the client context that trusts it."""

    def __init__(self, certs: CertBundle) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.policy = ServerPolicy(idle_timeout=WAIT, data_timeout=WAIT)
        self.server = SandboxServer(self.policy, certs=certs, accounts={})
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(WAIT)
        self.ctx = tlsconfig.client_context(certs.ca_cert)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(WAIT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)
        self.loop.close()


class Conn:
    """A blocking SMTP connection that reads whole replies."""

    def __init__(self, lab: Lab) -> None:
        address = (lab.server.host, lab.server.port)
        self.sock: socket.socket = socket.create_connection(address, WAIT)
        self.buf = bytearray()

    def send(self, data: bytes) -> None:
        COUNTS["commands sent"] += 1
        self.sock.sendall(data)

    def line(self) -> bytes:
        while (end := self.buf.find(b"\r\n")) < 0:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError(f"closed, {bytes(self.buf)!r} unread")
            self.buf += data
        line = bytes(self.buf[: end + 2])
        del self.buf[: end + 2]
        return line

    def reply(self) -> str:
        lines = []
        while True:
            text = self.line().decode("ascii")[:-2]
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return "\n".join(lines)

    def rest(self) -> bytes:
        """Everything up to the end of the connection (a reset ends it too)."""
        data = bytes(self.buf)
        try:
            while chunk := self.sock.recv(65536):
                data += chunk
        except (ConnectionResetError, ssl.SSLError):  # a reset, or TLS ended without close_notify
            pass
        return data

    def starttls(self, ctx: ssl.SSLContext) -> None:
        assert not self.buf, "bytes after 220 Ready to start TLS"
        self.sock = ctx.wrap_socket(self.sock, server_hostname="sandbox.test")

    def close(self) -> None:
        self.sock.close()


@dataclass
class Model:
    """What the server should think of the session so far."""

    greeted: bool = False
    tls: bool = False
    in_mail: bool = False
    rcpts: int = 0
    errors: int = 0
    junk: int = 0
    calls: collections.Counter[str] = field(default_factory=collections.Counter)

    def over_limit(self, verb: str) -> bool:
        self.calls[verb] += 1
        return self.calls[verb] > CALL_LIMITS.get(verb, CALL_LIMITS["*"])

    def reset(self) -> None:
        self.in_mail, self.rcpts = False, 0

    def final(self, code: str, max_errors: int) -> tuple[str, bool]:
        """The code really sent for `code` once errors are counted, and whether it closes."""
        if code[0] not in "45":
            return code, False
        self.errors += 1
        if code in ("500", "502"):
            self.junk += 1
            if self.junk >= JUNK_LIMIT:
                return "502", True
        if self.errors >= max_errors:
            return "421", True
        return code, code == "421"


BODY_LINES = st.lists(
    st.one_of(
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60),
        st.sampled_from([".", "..", ". ", "\n.\n", "\r.\r", "a\nb", "MAIL FROM:<x@y>", "\x00"]),
    ),
    max_size=8,
)
JUNK = st.one_of(
    st.from_regex(r"X[A-Z0-9]{0,8}( [!-~]{0,20})?", fullmatch=True),
    st.sampled_from(["", "\xff\xfe", "GET / HTTP/1.1"]),
)


class SmtpMachine(RuleBasedStateMachine):
    lab: Lab  # set by the test before the machine runs

    def __init__(self) -> None:
        super().__init__()
        self.conn: Conn | None = None
        self.model = Model()
        self.stored = self.lab.server.mailbox.delivered

    @initialize()
    def connect(self) -> None:
        COUNTS["examples run"] += 1
        self.lab.server.mailbox.clear()  # room for every example (D11); `delivered` still counts
        self.open()

    def open(self) -> None:
        self.conn = Conn(self.lab)
        self.model = Model()
        assert self.conn.reply().startswith("220 ")

    def command(self, verb: str, line: bytes, ok: str) -> str:
        """Send `line`; check its one reply against the model (`ok`: the code the model expects
        before the budgets). Returns the code."""
        assert self.conn is not None
        self.conn.send(line + b"\r\n")
        expected, closes = ("421", True) if verb and self.model.over_limit(verb) else (ok, False)
        if not closes:
            expected, closes = self.model.final(expected, self.lab.policy.max_errors)
        reply = self.conn.reply()
        assert reply[:3] == expected, f"{line!r}: expected {expected}, got {reply!r}"
        if closes:
            assert self.conn.rest() == b"", "something after the reply that ended the session"
            self.conn.close()
            self.conn = None
        return expected

    def is_open(self) -> bool:
        return self.conn is not None

    @precondition(lambda self: self.conn is None)
    @rule()
    def reconnect(self) -> None:
        self.open()

    @precondition(is_open)
    @rule(verb=st.sampled_from(["EHLO", "HELO"]))
    def greet(self, verb: str) -> None:
        if self.command(verb, f"{verb} client.test".encode(), "250") == "250":
            self.model.greeted = True
            self.model.reset()

    @precondition(is_open)
    @rule()
    def mail(self) -> None:
        ok = "503" if not self.model.greeted or self.model.in_mail else "250"
        if self.command("MAIL", b"MAIL FROM:<a@sandbox.test>", ok) == "250":
            self.model.in_mail = True

    @precondition(is_open)
    @rule()
    def rcpt(self) -> None:
        m = self.model
        ok = "503" if not (m.greeted and m.in_mail) else "452" if m.rcpts >= 100 else "250"
        if self.command("RCPT", b"RCPT TO:<b@sandbox.test>", ok) == "250":
            m.rcpts += 1

    @precondition(is_open)
    @rule(lines=BODY_LINES)
    def data(self, lines: list[str]) -> None:
        ok = "354" if self.model.greeted and self.model.rcpts else "503"
        if self.command("DATA", b"DATA", ok) != "354":
            return
        assert self.conn is not None
        body = b"".join(b"." * line.startswith(".") + line.encode() + b"\r\n" for line in lines)
        self.conn.send(body + b".\r\n")
        reply = self.conn.reply()
        assert reply.startswith("250 2.0.0 Ok: queued"), reply
        self.stored += 1
        self.model.reset()

    @precondition(is_open)
    @rule(verb=st.sampled_from(["RSET", "NOOP", "VRFY", "HELP"]))
    def simple(self, verb: str) -> None:
        line = {"VRFY": b"VRFY learner"}.get(verb, verb.encode())
        code = self.command(verb, line, {"VRFY": "252"}.get(verb, "250"))
        if verb == "RSET" and code == "250":
            self.model.reset()

    @precondition(is_open)
    @rule(junk=JUNK)
    def junk(self, junk: str) -> None:
        raw = junk.encode("latin-1")
        verb = raw.split(b" ")[0].upper().decode("latin-1") if raw.isascii() and raw else ""
        self.command(verb, raw, "500")

    @precondition(is_open)
    @rule()
    def starttls(self) -> None:
        code = self.command("STARTTLS", b"STARTTLS", "554" if self.model.tls else "220")
        if code == "220":
            assert self.conn is not None
            self.conn.starttls(self.lab.ctx)
            self.model.tls, self.model.greeted = True, False
            self.model.reset()

    @precondition(is_open)
    @rule()
    def quit(self) -> None:
        assert self.conn is not None
        self.conn.send(b"QUIT\r\nNOOP\r\n")  # the NOOP must never be answered
        assert self.conn.reply().startswith("221")
        assert self.conn.rest() == b"", "a reply after QUIT"
        self.conn.close()
        self.conn = None

    @invariant()
    def nothing_stored_without_250(self) -> None:
        COUNTS["invariants checked"] += 1
        assert self.lab.server.mailbox.delivered == self.stored

    def teardown(self) -> None:
        try:
            if self.conn is not None:
                # One reply per command: the marker's reply is the next one, nothing left over.
                self.command("HELP", b"HELP", "250")
                if self.conn is not None:
                    self.conn.close()
            served(self.lab)
            self.stored += 1
            COUNTS["invariants checked"] += 1
            assert self.lab.server.mailbox.delivered == self.stored
        finally:
            if self.conn is not None:
                self.conn.close()


def served(lab: Lab) -> None:
    """A normal client: a whole transaction, stored."""
    conn = Conn(lab)
    try:
        conn.send(
            b"EHLO normal.test\r\nMAIL FROM:<a@sandbox.test>\r\nRCPT TO:<b@sandbox.test>\r\n"
            b"DATA\r\nSubject: normal\r\n\r\nhello\r\n.\r\nQUIT\r\n"
        )
        codes = [conn.reply()[:3] for _ in range(7)]
        assert codes == ["220", "250", "250", "250", "354", "250", "221"], codes
    finally:
        conn.close()


@pytest.fixture(scope="module")
def lab(certs: CertBundle) -> Iterator[Lab]:
    the_lab = Lab(certs)
    yield the_lab
    the_lab.close()


def run_machine(the_lab: Lab, examples: int, steps: int) -> None:
    SmtpMachine.lab = the_lab
    run_state_machine_as_test(
        SmtpMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )


def test_e9_random_command_sequences_keep_the_invariants(lab: Lab) -> None:
    COUNTS.clear()
    run_machine(lab, examples=12, steps=30)
    assert COUNTS["examples run"] >= 12 and COUNTS["invariants checked"] > COUNTS["examples run"]


def test_e9_the_model_notices_a_reply_it_did_not_expect(lab: Lab) -> None:
    """The machine can fail: a server that answers MAIL before EHLO with 250 would be caught."""
    SmtpMachine.lab = lab
    machine = SmtpMachine()
    machine.connect()
    machine.model.greeted = True  # the model now wrongly believes the client said EHLO
    with pytest.raises(AssertionError, match="expected 250, got '503"):
        machine.mail()
    machine.teardown()
