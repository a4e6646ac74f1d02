"""What the config lab does with the learner's Exchange script: check it, run the lab session with
it, probe it, and say its SMTP protocol log. Pure: no Textual; the sandbox is imported when used.

The lab session is `smtp-tutor demo SCENARIO --exchange SCRIPT`'s: the server is the receive
connector a client on 127.0.0.1 reaches on port 25 (587 for a lab that logs in), the client is the
send connector for the block's partner domain (its RequireTLS, TlsAuthLevel and IgnoreSTARTTLS
as a client policy), so the learner's edit of that connector shows in the lab beside the editor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sandbox.config.exchange.enact import SendChoice, certificate_name, receive_policy, route
from sandbox.config.exchange.enact import send_choice as choose_sender
from sandbox.config.exchange.model import ExchangeConfig, ReceiveConnector
from sandbox.config.exchange.probes import probe_exchange
from sandbox.config.exchange.reader import read_text
from sandbox.config.findings import ConfigError
from sandbox.config.postfix.probes import ProbeResult
from sandbox.events import SandboxEvent
from sandbox.lab.catalog import SCENARIOS
from tutor.model.config_lab import SYSTEMS, ConfigLab
from tutor.ui.config_checked import Checked
from tutor.ui.lab_link import Emit, LabSessionLike, SessionFactory

SCRIPT = SYSTEMS["exchange"][0]  # connectors.ps1: the file the learner edits


def check_exchange(script: str) -> Checked:
    """The linter (`smtp-tutor exchange check`) on the editor's text."""
    from sandbox.config.exchange.lint import lint

    try:
        return Checked(tuple(lint(read_text(script, SCRIPT))))
    except ConfigError as error:
        return Checked(error=error)


@dataclass(frozen=True, slots=True)
class Prepared:
    """The learner's script, read: the receive connector the lab reaches, the send connector
    that is its client (None: no connector covers the partner; the scenario's client then)."""

    config: ExchangeConfig
    connector: ReceiveConnector
    port: int
    sender: SendChoice | None
    domain: str


def prepare(block: ConfigLab, script: str) -> Prepared:
    """Read the script (ConfigError: FILE:LINE: what) and choose the lab's two connectors."""
    config = read_text(script, SCRIPT)
    scenario = SCENARIOS[block.scenario]
    if scenario.implicit_tls:
        raise ConfigError(SCRIPT, 1, "Exchange receive connectors speak STARTTLS only")
    port = 587 if scenario.authenticate else 25
    connector = route(config, port, "127.0.0.1")
    if connector is None:
        what = f"no enabled receive connector on port {port} admits 127.0.0.1"
        raise ConfigError(SCRIPT, 1, what)
    return Prepared(config, connector, port, choose_sender(config, block.domain), block.domain)


def session_factory(prepared: Prepared, client_policy: str | None) -> SessionFactory:
    """Lab sessions: the receive connector's server, the send connector's client."""

    def make(scenario: str, emit: Emit, policy: str | None) -> LabSessionLike:
        from sandbox.lab.session import LabSession
        from sandbox.pki.certs import ensure_certs

        sender = prepared.sender
        named = sender.server_hostname if sender and sender.connector.tls_domain else None
        server = receive_policy(prepared.connector, certificate_name(ensure_certs()))
        return LabSession(
            scenario,
            emit=emit,
            client_policy=sender.policy if sender is not None else policy or client_policy,
            server_policy=server,
            server_hostname=named,
            keep_secrets=True,
        )

    return make


async def probe(block: ConfigLab, script: str) -> list[ProbeResult]:
    """The block's probes against the learner's script (ConfigError if Exchange refuses it)."""
    return await probe_exchange(script, block.probes, domain=block.domain)


def log_lines(
    prepared: Prepared, events: Sequence[SandboxEvent], started: dt.datetime
) -> list[str]:
    """One session as Exchange's SMTP Receive protocol log has it (`protolog.py`)."""
    from sandbox.config.exchange.protolog import Endpoints, protocol_log

    if not events:
        return []
    ends = Endpoints(local=f"127.0.0.1:{prepared.port}", remote="127.0.0.1")
    session_id = f"{int(started.timestamp() * 1000):016X}"
    return protocol_log(events, prepared.connector, ends, session_id=session_id, started=started)
