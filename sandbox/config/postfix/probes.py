"""Probes: is a learner's Postfix configuration right? Asked of real sessions, never of its text.

    results = await probe_postfix(main_text, master_text, lab_folder, ("mx-plaintext", ...))
    all(r.ok for r in results)

Each probe is one client doing what a real one does against one service of the configuration
(25, 587 or 465, as master.cf names them), every smtpd service a sandbox server on loopback for
the time of the probes. A probe's verdict comes from reply codes, the EHLO keywords and the TLS
state the client saw (typed facts), so two configurations that behave the same pass the same
probes however they are written (properties.md L49-L51). The config lab (`tutor`) checks its goal
with these; the break/fix labs (`scenarios_run.py`) use the same sandbox pieces.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sandbox.client.framing import SmtpClientError
from sandbox.client.policy import TlsPolicy
from sandbox.client.replies import Reply
from sandbox.client.smtp import SmtpClient
from sandbox.config.postfix.enact import Enactment, Listener, enact
from sandbox.config.postfix.probe_names import (
    PROBE_WORDS,
    ProbeWords,
    read_postfix_text,
)
from sandbox.events import Level, Notice
from sandbox.notices import notice
from sandbox.pki.labkeys import ensure_lab_keys
from sandbox.smtpd.server import SandboxServer

SENDER, RECIPIENT = "probe@client.test", "postmaster@sandbox.test"
USER, PASSWORD = "learner", "lab-Pa55word"
MESSAGE = "Subject: probe\r\n\r\nA probe of the configuration.\r\n"
TIMEOUT = 10.0  # seconds a probe's client waits for one reply


@dataclass(frozen=True, slots=True)
class ProbeResult:
    name: str
    ok: bool
    # what decided it, one notice a step (the replies, the TLS, why it could not run): keyed
    # words, so the config lab says them in the learner's language (properties.md W6)
    notes: tuple[Notice, ...]

    @property
    def said(self) -> str:
        """The notes in English, in one line."""
        return "; ".join(n.text for n in self.notes)


@dataclass(frozen=True, slots=True)
class Target:
    """The running services of one configuration: port in master.cf -> (listener, its server)."""

    services: Mapping[int, tuple[Listener, SandboxServer]]
    folder: Path

    def client(self, port: int, policy: TlsPolicy, **options: object) -> SmtpClient:
        listener, server = self.services[port]
        hostname = listener.policy.hostname
        name = hostname if hostname.endswith((".test", ".localhost")) else "mail.sandbox.test"
        implicit = listener.policy.implicit_tls
        return SmtpClient(
            "127.0.0.1", server.port, server_hostname=name, ca_file=self.folder / "root.pem",
            policy=TlsPolicy.ENCRYPT if implicit and policy is TlsPolicy.NONE else policy,
            implicit_tls=implicit, timeout=TIMEOUT, **options,  # type: ignore[arg-type]
        )  # fmt: skip


Verdict = tuple[bool, list[Notice]]
ProbeRun = Callable[[Target], Awaitable[Verdict]]


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    port: int  # the service it talks to, as master.cf names it
    run: ProbeRun
    words: ProbeWords


def note(key: str, **params: object) -> Notice:
    return notice(Level.INFO, key, **params)


def reply_note(step: str, reply: Reply, *, key: str = "probe.reply") -> Notice:
    """`STEP -> CODE text`: protocol text, said alike in every language (but for `key`'s words)."""
    return note(
        key, step=step, reply=f"{reply.code} {reply.lines[0] if reply.lines else ''}".rstrip()
    )


async def deliver(c: SmtpClient, said: list[Notice]) -> Verdict:
    """MAIL, RCPT and DATA on an open session: whether the message was accepted."""
    for step in ("MAIL FROM", "RCPT TO", "DATA"):
        if step == "MAIL FROM":
            reply = await c.mail(SENDER)
        elif step == "RCPT TO":
            reply = await c.rcpt(RECIPIENT)
        else:
            reply = await c.data(MESSAGE)
        said.append(reply_note(step, reply))
        if not reply.is_success:
            return False, said
    return True, said


async def mx_plaintext(t: Target) -> Verdict:
    """Port 25 takes mail from a sender that cannot do TLS (RFC 3207: a public MX must)."""
    return await plaintext_delivery(t.client(25, TlsPolicy.NONE))


async def plaintext_delivery(c: SmtpClient) -> Verdict:
    """EHLO and a message without TLS (the Postfix and the Exchange probes share it)."""
    said: list[Notice] = []
    try:
        await c.connect()
        said.append(reply_note("EHLO", await c.ehlo()))
        return await deliver(c, said)
    finally:
        await c.close()


async def mx_verified_tls(t: Target) -> Verdict:
    """Port 25 offers STARTTLS with a chain a verifying sender accepts for the server's name."""
    c = t.client(25, TlsPolicy.VERIFY)
    said: list[Notice] = []
    try:
        await c.connect()
        await c.ehlo()
        said.append(reply_note("STARTTLS", await c.starttls()))
        if not c.tls_active:
            return False, said
        said.append(note("probe.tls_verified", version=c.tls_version))
        await c.ehlo()
        return await deliver(c, said)
    finally:
        await c.close()


async def submission_requires_tls(t: Target) -> Verdict:
    """Port 587 refuses mail from a client that has not started TLS (530 5.7.0)."""
    c = t.client(587, TlsPolicy.NONE)
    try:
        await c.connect()
        await c.ehlo()
        if c.tls_active:  # wrapped: nothing can be said without TLS, which is not "required"
            return False, [note("probe.wrapped_587")]
        reply = await c.mail(SENDER)
        return reply.code == 530, [reply_note("MAIL FROM", reply, key="probe.reply_no_tls")]
    finally:
        await c.close()


async def submission_no_auth_in_clear(t: Target) -> Verdict:
    """Port 587's plaintext EHLO offers no AUTH: no password can cross the wire readable."""
    c = t.client(587, TlsPolicy.NONE)
    try:
        await c.connect()
        reply = await c.ehlo()
        if c.tls_active:
            return False, [note("probe.wrapped_587")]
        offered = "AUTH" in c.capabilities
        keywords = " ".join(line.split()[0] for line in reply.lines[1:] if line.split())
        if not keywords:
            return not offered, [note("probe.ehlo_no_tls_none")]
        return not offered, [note("probe.ehlo_no_tls", keywords=keywords)]
    finally:
        await c.close()


async def _auth_in_tls(t: Target, port: int) -> Verdict:
    c = t.client(port, TlsPolicy.VERIFY)
    said: list[Notice] = []
    try:
        await c.connect()
        await c.ehlo()
        if not c.tls_active:
            said.append(reply_note("STARTTLS", await c.starttls()))
            if not c.tls_active:
                return False, said
            await c.ehlo()
        said.append(note("probe.tls", version=c.tls_version))
        if "AUTH" not in c.capabilities:
            said.append(note("probe.no_auth_in_tls"))
            return False, said
        reply = await c.auth_plain(USER, PASSWORD)
        said.append(reply_note("AUTH PLAIN", reply))
        if reply.code != 235:
            return False, said
        return await deliver(c, said)
    finally:
        await c.close()


async def submission_auth_in_tls(t: Target) -> Verdict:
    """Port 587: after STARTTLS a mail client logs in with AUTH and sends."""
    return await _auth_in_tls(t, 587)


async def smtps_implicit_tls(t: Target) -> Verdict:
    """Port 465 speaks TLS from its first byte (RFC 8314), then AUTH and a message."""
    listener, _ = t.services[465]
    if not listener.policy.implicit_tls:
        return False, [note("probe.plain_465")]
    return await _auth_in_tls(t, 465)


PROBES: dict[str, Probe] = {
    p.name: p
    for p in (
        Probe("mx-plaintext", 25, mx_plaintext, PROBE_WORDS["mx-plaintext"]),
        Probe("mx-verified-tls", 25, mx_verified_tls, PROBE_WORDS["mx-verified-tls"]),
        Probe("submission-requires-tls", 587, submission_requires_tls,
              PROBE_WORDS["submission-requires-tls"]),
        Probe("submission-no-auth-in-clear", 587, submission_no_auth_in_clear,
              PROBE_WORDS["submission-no-auth-in-clear"]),
        Probe("submission-auth-in-tls", 587, submission_auth_in_tls,
              PROBE_WORDS["submission-auth-in-tls"]),
        Probe("smtps-implicit-tls", 465, smtps_implicit_tls, PROBE_WORDS["smtps-implicit-tls"]),
    )
}  # fmt: skip
"""Probe name -> probe: the names a config lab block lists under `probes:`."""


async def start_services(plan: Enactment, folder: Path) -> tuple[Target, contextlib.AsyncExitStack]:
    """Every smtpd service of `plan` as a sandbox server on loopback (stop with the stack)."""
    stack = contextlib.AsyncExitStack()
    services: dict[int, tuple[Listener, SandboxServer]] = {}
    try:
        for listener in plan.listeners:
            if listener.port in services:  # two services on one port: Postfix's first wins
                continue
            server = SandboxServer(listener.policy, chain=listener.chain, accounts={USER: PASSWORD})
            await server.start()
            stack.push_async_callback(server.stop)
            services[listener.port] = (listener, server)
    except BaseException:
        await stack.aclose()
        raise
    return Target(services, folder), stack


async def run_probe(target: Target, probe: Probe) -> ProbeResult:
    """One probe; a service that is missing or a session that breaks is a failed probe."""
    if probe.port not in target.services:
        return ProbeResult(probe.name, False, (note("probe.no_service", port=probe.port),))
    return await guarded(probe.name, probe.run(target))


async def guarded(name: str, run: Awaitable[Verdict]) -> ProbeResult:
    """A probe's verdict; a session that breaks or hangs is a failed probe, said in words
    (the Postfix and the Exchange probes share it)."""
    try:
        ok, notes = await asyncio.wait_for(run, TIMEOUT * 3)
    except SmtpClientError as exc:  # the client's own words, keyed (sandbox.notices)
        text = f"{type(exc).__name__}: {exc}"
        return ProbeResult(name, False, (Notice(Level.INFO, text, exc.key, exc.params),))
    except TimeoutError:
        return ProbeResult(name, False, (note("probe.timeout", seconds=int(TIMEOUT * 3)),))
    except (OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        return ProbeResult(name, False, (note("probe.broke", error=error),))
    return ProbeResult(name, ok, tuple(notes))


async def probe_postfix(
    main: str, master: str, folder: Path, names: Sequence[str]
) -> list[ProbeResult]:
    """Run the probes `names` against the configuration; ConfigError if it cannot run at all.

    `folder` is the lab's folder: its keys and certificates are made there if missing, and the
    configuration's key and certificate names are read from it only."""
    unknown = [n for n in names if n not in PROBES]
    if unknown:
        raise KeyError(f"unknown probe {unknown[0]!r} (there are {', '.join(PROBES)})")
    config = read_postfix_text(main, master)
    keys = ensure_lab_keys(folder).folder
    plan = enact(config, keys)
    target, stack = await start_services(plan, keys)
    async with stack:
        return [await run_probe(target, PROBES[name]) for name in names]
