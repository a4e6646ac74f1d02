"""Probes: are a learner's Exchange connectors right? Asked of real sessions, never of the script.

    results = await probe_exchange(script, ("partner-requires-tls", ...), domain="fabrikam.com")

Receive connectors are probed as `sandbox --exchange` runs them (`ExchangeSandbox`: every enabled
connector on loopback, each client routed by -RemoteIPRanges); a send connector is probed as the
client's policy for the partner's domain (`send_choice`), in a real session through the STARTTLS
stripping attack. Verdicts come from replies, EHLO keywords, the TLS state and what crossed the
wire (typed facts), so two scripts that behave the same pass the same probes (properties.md L58).
The shared pieces (results, notes, delivery, the guard around a probe) are the Postfix probes'.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sandbox.client.framing import TlsRequiredError
from sandbox.client.policy import TlsPolicy
from sandbox.client.smtp import SmtpClient
from sandbox.config.exchange.enact import ExchangeSandbox, send_choice
from sandbox.config.exchange.model import ExchangeConfig
from sandbox.config.exchange.probe_names import PARTNER_DOMAIN, PROBE_WORDS
from sandbox.config.exchange.reader import read_text
from sandbox.config.postfix.probes import (
    MESSAGE,
    RECIPIENT,
    SENDER,
    TIMEOUT,
    ProbeResult,
    Verdict,
    guarded,
    note,
    plaintext_delivery,
    reply_note,
)
from sandbox.events import SandboxEvent
from sandbox.facts import session_facts
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.threats.strip import Strip
from sandbox.wire.tap import WireTap

SCRIPT = "connectors.ps1"  # the file name an Exchange config lab's script has


@dataclass(frozen=True, slots=True)
class Target:
    """One script, running: its connectors on loopback, and the partner's domain."""

    config: ExchangeConfig
    exchange: ExchangeSandbox
    domain: str

    def client(self, port: int, policy: TlsPolicy) -> SmtpClient | None:
        """A client of the connector bound to `port` (None: no enabled connector binds it)."""
        local = self.exchange.ports.get(port)
        certs = self.exchange.certs
        if local is None or certs is None:
            return None
        return SmtpClient(
            self.exchange.host, local, server_hostname="sandbox.test", ca_file=certs.ca_cert,
            policy=policy, timeout=TIMEOUT,
        )  # fmt: skip


async def partner_requires_tls(t: Target) -> Verdict:
    """The STARTTLS-stripping attack (lesson 8's `strip`) against the partner's send connector,
    on a real session through the wire tap: no MAIL may cross, no message may arrive."""
    choice = send_choice(t.config, t.domain)
    if choice is None:
        return False, [note("probe.no_send_connector", domain=t.domain)]
    notes = [note("probe.send_connector", name=choice.connector.name, policy=choice.policy.value)]
    events: list[SandboxEvent] = []
    server = SandboxServer(ServerPolicy(tls_level="may"), emit=events.append)
    await server.start()
    tap = WireTap(server.host, server.port, emit=events.append, tamper=Strip)
    try:
        await tap.start()
        c = SmtpClient(
            tap.host, tap.port, server_hostname=choice.server_hostname, policy=choice.policy,
            ca_file=server.certs.ca_cert if server.certs else None, timeout=TIMEOUT,
        )  # fmt: skip
        try:
            await c.send_mail(SENDER, RECIPIENT, MESSAGE)
        except TlsRequiredError:
            pass  # the connector's policy refused to go on without TLS: what the probe wants
        finally:
            await c.close()
    finally:
        await tap.stop()
        delivered = server.mailbox.delivered
        await server.stop()
    if session_facts(events).mail_sent or delivered:
        return False, [*notes, note("probe.strip_sent")]
    return True, [*notes, note("probe.strip_withheld")]


async def internet_accepts_plaintext(t: Target) -> Verdict:
    """Port 25 takes mail from a sender that cannot do TLS (RFC 3207: a public MX must)."""
    c = t.client(25, TlsPolicy.NONE)
    if c is None:
        return False, [note("probe.no_connector", port=25)]
    return await plaintext_delivery(c)


async def client_auth_in_tls(t: Target) -> Verdict:
    """Port 587: no AUTH in the plaintext EHLO reply, AUTH in the one after STARTTLS."""
    c = t.client(587, TlsPolicy.ENCRYPT)
    if c is None:
        return False, [note("probe.no_connector", port=587)]
    try:
        await c.connect()
        await c.ehlo()
        in_clear = "AUTH" in c.capabilities
        notes = [note("probe.auth_in_clear" if in_clear else "probe.no_auth_in_clear")]
        notes.append(reply_note("STARTTLS", await c.starttls()))
        if not c.tls_active:
            return False, notes
        await c.ehlo()
        in_tls = "AUTH" in c.capabilities
        notes.append(note("probe.auth_in_tls" if in_tls else "probe.no_auth_in_tls"))
        return in_tls and not in_clear, notes
    finally:
        await c.close()


ProbeRun = Callable[[Target], Awaitable[Verdict]]
PROBES: dict[str, ProbeRun] = {
    "partner-requires-tls": partner_requires_tls,
    "internet-accepts-plaintext": internet_accepts_plaintext,
    "client-auth-in-tls": client_auth_in_tls,
}
"""Probe name -> probe: the names an Exchange config lab block lists under `probes:`."""
assert set(PROBES) == set(PROBE_WORDS)


async def probe_exchange(
    script: str, names: Sequence[str], *, domain: str = PARTNER_DOMAIN
) -> list[ProbeResult]:
    """Run the probes `names` against the script; ConfigError if Exchange would refuse it."""
    unknown = [n for n in names if n not in PROBES]
    if unknown:
        raise KeyError(f"unknown probe {unknown[0]!r} (there are {', '.join(PROBES)})")
    config = read_text(script, SCRIPT)
    async with ExchangeSandbox(config) as exchange:
        target = Target(config, exchange, domain)
        return [await guarded(name, PROBES[name](target)) for name in names]
