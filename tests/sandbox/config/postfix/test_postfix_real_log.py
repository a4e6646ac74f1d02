"""The log lines made from a session's events have the shape of real Postfix's (L26).

The tutor's own client talks to the installed Postfix (on loopback, its own config and log); the
events of that very session go through `postfix_log`, and its smtpd lines are compared with
Postfix's: the same kinds of line in the same order, each of ours of the shape Postfix writes, and
the `disconnect from` command counts equal.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from realpostfix import may_start_postfix, running_postfix

from sandbox.client.framing import SmtpClientError
from sandbox.client.smtp import SmtpClient
from sandbox.config.postfix.log import KeyProblem, LogContext, postfix_log
from sandbox.events import SandboxEvent, SessionClosed
from sandbox.pki.labkeys import ensure_lab_keys

pytestmark = [pytest.mark.interop, pytest.mark.timeout(300)]

CLIENT = r"\S+\[[\d.]+\]"
SHAPES = {
    "connect": rf"connect from {CLIENT}",
    "tls": rf"Anonymous TLS connection established from {CLIENT}: TLSv1\.[23] with cipher "
    r"[\w-]+ \(\d+/\d+ bits\)",
    "client": rf"[0-9A-F]{{10,12}}: client={CLIENT}(, sasl_method=\w+, sasl_username=\S+)?",
    "reject": rf"(NOQUEUE|[0-9A-F]{{10,12}}): reject: RCPT from {CLIENT}: \d{{3}} \d\.\d\.\d+ "
    r".*; from=<[^>]*> to=<[^>]*> proto=E?SMTP helo=<[^>]*>",
    "ssl_accept": rf"SSL_accept error from {CLIENT}: (-1|lost connection)",
    "library": r"warning: TLS library problem: error:[0-9A-F]{8}:[\w ]+::[\w ]+:",
    "key_index": r"warning: key at index \d+ in \S+ does not match next certificate",
    "lost": rf"lost connection after \w+ from {CLIENT}",
    "disconnect": rf"disconnect from {CLIENT}( \w+=\d+(/\d+)?)+",
    "rsa_key": r'warning: cannot get RSA private key from file "[^"]+": disabling TLS support',
    "chain": r"warning: error loading private keys and certificates from: .+: disabling TLS "
    "support",
}
# Postfix says more at the end of some lines than the events know (the key exchange group, the
# library's source file): the shape is the part both say.
PREFIX_ONLY = {"tls", "library"}


def kind(line: str) -> str | None:
    for name, shape in SHAPES.items():
        if (re.match if name in PREFIX_ONLY else re.fullmatch)(shape, line):
            return name
    return None


@dataclass(frozen=True)
class LogCase:
    name: str
    main: str
    policy: str = "may"
    recipient: str = "learner@sandbox.test"
    trust_lab: bool = False  # the client trusts the lab's root (else the sandbox's own CA)
    key_problem: bool = False
    chain: bool = False  # smtpd_tls_chain_files, else smtpd_tls_cert_file/key_file
    missing: bool = True

    def key_files(self, keys: Path) -> tuple[str, ...]:
        names = re.findall(r"\{keys\}/([\w.-]+)", self.main)
        return tuple(f"{keys}/{n}" for n in (names if self.chain else names[-1:]))


BASE = "compatibility_level = 3.6\nmyhostname = sandbox.test\nsmtpd_tls_loglevel = 1\n"
CHAIN = "smtpd_tls_chain_files = {keys}/server.key, {keys}/chain.pem\n"
CASES = [
    LogCase("TLS and a delivery", "smtpd_tls_security_level = may\n" + CHAIN),
    LogCase(
        "relay refused before any recipient",
        "smtpd_tls_security_level = may\nmynetworks = 192.0.2.0/24\n" + CHAIN,
        recipient="someone@elsewhere.test",
    ),
    LogCase("a verifying client refuses the chain", "smtpd_tls_security_level = may\n" + CHAIN,
            policy="verify"),
    LogCase(
        "a key that cannot be read",
        "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = {keys}/chain.pem\n"
        "smtpd_tls_key_file = {keys}/missing.key\n",
        key_problem=True,
    ),
    LogCase(
        "a key of another certificate",
        "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = {keys}/chain.pem\n"
        "smtpd_tls_key_file = {keys}/other.key\n",
        key_problem=True,
        missing=False,
    ),
    LogCase(
        "the chain in the wrong order",
        "smtpd_tls_security_level = may\n"
        "smtpd_tls_chain_files = {keys}/server.key, {keys}/wrong-order.pem\n",
        key_problem=True,
        chain=True,
        missing=False,
    ),
    LogCase("an encrypt client and no TLS", "smtpd_tls_security_level = none\n", policy="encrypt"),
]  # fmt: skip


@pytest.fixture
def postfix(tool: Callable[[str], str]) -> str:
    return may_start_postfix(tool("postfix"), "the log test")


async def _session(port: int, case: LogCase, ca: Path) -> list[SandboxEvent]:
    events: list[SandboxEvent] = []
    client = SmtpClient("127.0.0.1", port, policy=case.policy, ca_file=ca, emit=events.append)
    try:
        await client.send_mail("sender@client.test", case.recipient, "Subject: log\r\n\r\nhi\r\n")
    except SmtpClientError:
        pass  # a refused step is part of what the log shows
    finally:
        await client.close()
    events.append(SessionClosed(clean=True))
    return events


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_l26_log_lines_have_the_shape_of_postfixs_own(
    postfix: str, case: LogCase, tmp_path: Path, certs
) -> None:
    keys = ensure_lab_keys(tmp_path / "keys").folder
    main = BASE + case.main.format(keys=keys)
    master = "smtp inet n - n - - smtpd\n"
    with running_postfix(main, master) as pf:
        ca = keys / "root.pem" if case.trust_lab else certs.ca_cert
        events = await _session(pf.ports["smtp"], case, ca)
        for _ in range(600):  # smtpd's last line, not a sleep of a guessed length
            if any(t.startswith("disconnect from") for t in pf.smtpd_log()):
                break
            await asyncio.sleep(0.05)
        real = pf.smtpd_log()
    problem = case.key_problem and KeyProblem(case.key_files(keys), case.chain, case.missing)
    ctx = LogContext(
        sender="sender@client.test", recipients=(case.recipient,), key_problem=problem or None
    )
    ours = [line.text for line in postfix_log(events, ctx) if line.program == "smtpd"]
    assert [kind(line) for line in ours if kind(line) is None] == [], ours
    real_kinds = _squeeze([kind(line) for line in real if kind(line)])
    assert _squeeze([kind(line) for line in ours]) == real_kinds, (ours, real)
    (ours_end,) = [line.split("] ", 1)[1] for line in ours if line.startswith("disconnect")]
    (real_end,) = [line.split("] ", 1)[1] for line in real if line.startswith("disconnect")]
    assert ours_end == real_end, (ours, real)


def _squeeze(kinds: list[str | None]) -> list[str | None]:
    """Runs of one kind as one (Postfix writes a library problem as several lines)."""
    return [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
