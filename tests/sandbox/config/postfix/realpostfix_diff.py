"""The differential: one raw client script against real Postfix and against the sandbox enacting
the same main.cf/master.cf, step by step (issue 11; properties.md L20, L21).

A step's result is what a client can see: the reply code and enhanced status code (texts may
differ), which of STARTTLS, AUTH and SIZE an EHLO offers, and the TLS version a handshake reached.
`CASES` are the configurations; `run_case` runs one on both sides; `table` prints the result the
way the closing note shows it (`scripts/postfix-diff`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from realpostfix import PASSWORD, USER, running_postfix

WAIT = 30.0  # a busy machine: Postfix forks an smtpd per connection

UNEXPLAINED = "DIFFERS"
AIOSMTPD_2XX = "same code; aiosmtpd's own 2xx replies carry no enhanced status code"
"""The one difference every case shows: aiosmtpd answers MAIL, RSET, STARTTLS and QUIT with
`250 OK`, `220 Ready to start TLS`, `221 Bye`, where Postfix adds 2.1.0 or 2.0.0. A client
decides on the code (RFC 3463 2.x.x codes add nothing to a 2yz), so the sandbox leaves them."""

BASE_MAIN = """\
compatibility_level = 3.6
myhostname = sandbox.test
smtpd_banner = $myhostname ESMTP
"""
MX = "smtp      inet  n       -       y       -       -       smtpd\n"
SUBMISSION = "submission inet n       -       y       -       -       smtpd\n"


@dataclass(frozen=True)
class Case:
    """One configuration. `main` and `master` may say `{keys}`: the lab's key folder."""

    name: str
    main: str
    master: str = MX
    service: str = "smtp"  # the master.cf service the script talks to
    wrapper: bool = False  # TLS from the first byte (smtpd_tls_wrappermode)
    client_max_tls: ssl.TLSVersion | None = None  # what the script's client can speak
    body_size: int = 200
    differs: Mapping[str, str] = field(default_factory=dict)  # step -> why the sandbox differs


def _may(extra: str = "") -> str:
    return (
        "smtpd_tls_security_level = may\n"
        "smtpd_tls_chain_files = {keys}/server.key, {keys}/chain.pem\n" + extra
    )


def _sasl(extra: str = "") -> str:
    return _may("smtpd_sasl_auth_enable = yes\n" + extra)


CASES: tuple[Case, ...] = (
    Case(
        "level none",
        "smtpd_tls_security_level = none\n",
        differs={
            "STARTTLS": "both refuse: aiosmtpd answers a STARTTLS it does not offer 454 4.7.0,"
            " Postfix as an unknown command, 502 5.5.1",
        },
    ),
    Case("level may", _may()),
    Case(
        "level encrypt on submission",
        "smtpd_tls_chain_files = {keys}/server.key, {keys}/chain.pem\n",
        MX
        + SUBMISSION
        + "  -o smtpd_tls_security_level=encrypt\n  -o smtpd_sasl_auth_enable=yes\n",
        service="submission",
    ),
    Case(
        "auth_only yes",
        _sasl("smtpd_tls_auth_only = yes\n"),
        differs={
            "AUTH, wrong password": "both refuse AUTH before TLS: Postfix 503 5.5.1"
            " (authentication not enabled), aiosmtpd 538 5.7.11 (RFC 4954: encryption required)",
        },
    ),
    Case("auth_only no", _sasl("smtpd_tls_auth_only = no\n")),
    Case(
        "wrappermode on submissions",
        _sasl(),
        MX + "submissions inet n - y - - smtpd\n  -o smtpd_tls_wrappermode=yes\n",
        service="submissions",
        wrapper=True,
    ),
    Case(
        "floor >=TLSv1.3, client 1.2",
        _may("smtpd_tls_protocols = >=TLSv1.3\n"),
        client_max_tls=ssl.TLSVersion.TLSv1_2,
    ),
    Case(
        "floor !TLSv1.2 (old syntax), client 1.2",
        _may("smtpd_tls_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2\n"),
        client_max_tls=ssl.TLSVersion.TLSv1_2,
    ),
    Case(
        "encrypt, mandatory >=TLSv1.2, client 1.2",
        _may("smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = >=TLSv1.2\n"),
        client_max_tls=ssl.TLSVersion.TLSv1_2,
    ),
    Case(
        "missing key file",
        "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = {keys}/chain.pem\n"
        "smtpd_tls_key_file = {keys}/missing.key\n",
    ),
    Case(
        "key of another certificate",
        "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = {keys}/chain.pem\n"
        "smtpd_tls_key_file = {keys}/other.key\n",
    ),
    Case(
        "chain in the wrong order",
        "smtpd_tls_security_level = may\n"
        "smtpd_tls_chain_files = {keys}/server.key, {keys}/wrong-order.pem\n",
    ),
    Case("message over message_size_limit", _may("message_size_limit = 2000\n"), body_size=5000),
    Case("smtpd_helo_required", _may("smtpd_helo_required = yes\n")),
    Case("recipient limit 1", _may("smtpd_recipient_limit = 1\n")),
    Case("client outside mynetworks", _may("mynetworks = 192.0.2.0/24\n")),
    Case(
        "reject_unauth_destination, outside mynetworks",
        _may(
            "mynetworks = 192.0.2.0/24\n"
            "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,"
            " reject_unauth_destination\n"
        ),
    ),
)


def _client_context(max_tls: ssl.TLSVersion | None) -> ssl.SSLContext:
    # The script checks what the server answers, not who it is: no verification here.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if max_tls is not None:
        ctx.maximum_version = max_tls
    return ctx


_CODE = re.compile(r"^(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?")


def _codes(reply: list[str]) -> str:
    m = _CODE.match(reply[-1]) if reply else None
    if not m:
        return "?"
    return f"{m.group(1)} {m.group(2)}" if m.group(2) else m.group(1)


def _ehlo(reply: list[str]) -> str:
    words = {line[4:].split()[0].upper() for line in reply[1:] if len(line) > 4 and line[4:]}
    offered = [w for w in ("STARTTLS", "AUTH") if w in words]
    size = next((line[4:].split() for line in reply if line[4:].upper().startswith("SIZE")), [])
    if len(size) > 1:
        offered.append(f"SIZE={size[1]}")
    return " ".join([_codes(reply), *offered])


class _Wire:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def reply(self) -> list[str]:
        lines: list[str] = []
        while True:
            raw = await asyncio.wait_for(self.reader.readline(), WAIT)
            if not raw:
                raise ConnectionError("closed")
            text = raw.decode("ascii", "replace").rstrip("\r\n")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return lines

    async def cmd(self, line: str | bytes) -> list[str]:
        self.writer.write((line.encode() if isinstance(line, str) else line) + b"\r\n")
        await self.writer.drain()
        return await self.reply()


def _plain(user: str, password: str) -> str:
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


async def client_script(port: int, case: Case) -> list[tuple[str, str]]:
    """The same raw script for both sides: each step and what came back; stops where the
    connection ends (a last step `closed`)."""
    steps: list[tuple[str, str]] = []
    ctx = _client_context(case.client_max_tls)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                "127.0.0.1", port, ssl=ctx if case.wrapper else None,
                server_hostname="sandbox.test" if case.wrapper else None,
            ),
            WAIT,
        )  # fmt: skip
    except (ssl.SSLError, OSError) as error:
        return [("connect", f"handshake failed ({type(error).__name__})")]
    wire = _Wire(reader, writer)
    try:
        await _script(wire, case, ctx, steps)
    except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
        steps.append(("closed", "closed"))
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 5)
    return steps


async def _script(
    wire: _Wire, case: Case, ctx: ssl.SSLContext, steps: list[tuple[str, str]]
) -> None:
    def step(name: str, result: str) -> None:
        steps.append((name, result))

    step("banner", _codes(await wire.reply()))
    step("MAIL before EHLO", _codes(await wire.cmd("MAIL FROM:<sender@client.test>")))
    step("RSET", _codes(await wire.cmd("RSET")))
    ehlo = await wire.cmd("EHLO client.test")
    step("EHLO", _ehlo(ehlo))
    if not case.wrapper:
        step("AUTH, wrong password", _codes(await wire.cmd("AUTH PLAIN " + _plain(USER, "no"))))
        starttls = await wire.cmd("STARTTLS")
        step("STARTTLS", _codes(starttls))
        if starttls[-1].startswith("220"):
            try:
                await asyncio.wait_for(
                    wire.writer.start_tls(ctx, server_hostname="sandbox.test"), WAIT
                )
            except (ssl.SSLError, OSError, ConnectionError) as error:
                step("handshake", f"failed ({type(error).__name__})")
                return
            tls = wire.writer.get_extra_info("ssl_object")
            step("handshake", str(tls.version()) if tls else "?")
            step("EHLO in TLS", _ehlo(await wire.cmd("EHLO client.test")))
    step("AUTH", _codes(await wire.cmd("AUTH PLAIN " + _plain(USER, PASSWORD))))
    step("MAIL", _codes(await wire.cmd("MAIL FROM:<sender@client.test>")))
    step("RCPT local", _codes(await wire.cmd("RCPT TO:<learner@sandbox.test>")))
    step("RCPT other domain", _codes(await wire.cmd("RCPT TO:<someone@elsewhere.test>")))
    data = await wire.cmd("DATA")
    step("DATA", _codes(data))
    if data[-1].startswith("354"):
        line = b"x" * 76 + b"\r\n"
        body = b"Subject: differential\r\n\r\n" + line * (case.body_size // len(line) + 1)
        step("end of data", _codes(await wire.cmd(body + b".")))
    step("QUIT", _codes(await wire.cmd("QUIT")))


@dataclass
class Outcome:
    case: Case
    postfix: list[tuple[str, str]]
    sandbox: list[tuple[str, str]]
    postfix_log: list[str]

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(step, Postfix, sandbox, "=" or why they differ) for every step either side took."""
        names = [n for n, _ in self.postfix] + [n for n, _ in self.sandbox]
        pf, sb = dict(self.postfix), dict(self.sandbox)
        out = []
        for name in dict.fromkeys(names):
            p, s = pf.get(name, "-"), sb.get(name, "-")
            if p == s:
                mark = "="
            elif p.startswith("2") and p.split()[0] == s:
                mark = AIOSMTPD_2XX
            else:
                mark = self.case.differs.get(name, UNEXPLAINED)
            out.append((name, p, s, mark))
        return out

    def mismatches(self) -> list[str]:
        """Steps that differ without a reason, and reasons given for steps that no longer
        differ (so the table of known differences stays true)."""
        bad = [f"{n}: Postfix {p}, sandbox {s}" for n, p, s, m in self.rows() if m == UNEXPLAINED]
        same = {n for n, _, _, m in self.rows() if m == "="}
        bad += [
            f"{n}: listed as a difference, but both answer alike"
            for n in self.case.differs
            if n in same or n not in dict(self.rows_by_name())
        ]
        return bad

    def rows_by_name(self) -> list[tuple[str, str]]:
        return [(n, m) for n, _, _, m in self.rows()]


def write_case(case: Case, folder: Path) -> tuple[Path, Path, Path]:
    """The lab key folder and the case's main.cf and master.cf under `folder`."""
    from sandbox.pki.labkeys import ensure_lab_keys

    keys = ensure_lab_keys(folder / "keys").folder
    main, master = folder / "main.cf", folder / "master.cf"
    main.write_text(BASE_MAIN + case.main.format(keys=keys))
    master.write_text(case.master)
    return keys, main, master


async def run_sandbox(case: Case, keys: Path, main: Path, master: Path) -> list[tuple[str, str]]:
    from sandbox.config.postfix.enact import enact
    from sandbox.config.postfix.reader import read_postfix
    from sandbox.smtpd.server import SandboxServer

    plan = enact(read_postfix(str(main), str(master)), keys)
    listener = next(x for x in plan.listeners if x.service.name == case.service)
    server = SandboxServer(listener.policy, chain=listener.chain, accounts={USER: PASSWORD})
    await server.start()
    try:
        return await client_script(server.port, case)
    finally:
        await server.stop()


async def run_postfix(
    case: Case, main_cf: str, master_cf: str
) -> tuple[list[tuple[str, str]], list[str]]:
    with running_postfix(main_cf, master_cf) as pf:
        steps = await client_script(pf.ports[case.service], case)
        # the smtpd writes its disconnect line as the session ends: wait for it, not a time
        for _ in range(int(WAIT / 0.05)):
            if any(line.startswith("disconnect from") for line in pf.smtpd_log()):
                break
            await asyncio.sleep(0.05)
        return steps, pf.smtpd_log()


async def run_case(case: Case, folder: Path) -> Outcome:
    keys, main, master = write_case(case, folder)
    postfix, log = await run_postfix(case, main.read_text(), master.read_text())
    sandbox = await run_sandbox(case, keys, main, master)
    return Outcome(case, postfix, sandbox, log)


def table(outcomes: list[Outcome]) -> str:
    """Markdown: configuration, step, Postfix's codes, the sandbox's, and "=" or why not."""
    rows = ["| configuration | step | Postfix | sandbox | |", "|---|---|---|---|---|"]
    for o in outcomes:
        for name, p, s, mark in o.rows():
            rows.append(f"| {o.case.name} | {name} | {p} | {s} | {mark} |")
    return "\n".join(rows)
