"""`--exchange SCRIPT` for `smtp-tutor sandbox` and `smtp-tutor demo` (properties.md L48).

`sandbox --exchange` runs every enabled receive connector of the script on loopback and prints,
for each port the connectors bind, the loopback port that stands for it and who is admitted
there. `demo SCENARIO --exchange` runs the lab against the receive connector a client on
127.0.0.1 reaches on the lab's port (587 for a lab that authenticates, else 25), with the
client policy of the send connector for the lab's recipient domain, and prints the session in
Exchange's SMTP protocol log format at the end. A script Exchange would refuse is one
`FILE:LINE: what` line and status 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sandbox.config.exchange.model import ExchangeConfig, ReceiveConnector
    from sandbox.events import SandboxEvent
    from sandbox.lab.scenarios import Scenario

_CLASHING = (
    ("--postfix", "postfix"),
    ("--server-policy", "server_policy"),
    ("--server-auth-only", "server_auth_only"),
    ("--server-min-tls", "server_min_tls"),
    ("--server", "server"),
    ("--implicit-tls", "implicit_tls"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Exchange configuration")
    group.add_argument(
        "--exchange",
        type=Path,
        metavar="SCRIPT",
        help="run the sandbox as this script of Exchange connector cmdlets says (.ps1)",
    )


def check_arguments(args: argparse.Namespace) -> str | None:
    """A usage problem with --exchange, or None."""
    if getattr(args, "exchange", None) is None:
        return None
    clashing = [flag for flag, attr in _CLASHING if getattr(args, attr, None)]
    return f"--exchange sets the server: drop {', '.join(clashing)}" if clashing else None


def load(args: argparse.Namespace) -> ExchangeConfig:
    from sandbox.config.exchange.reader import read_script

    return read_script(args.exchange)


# --- smtp-tutor sandbox --exchange --------------------------------------------------------------


async def serve(args: argparse.Namespace, emit: Callable[[SandboxEvent], None]) -> int:
    """Every receive connector of the script, until Ctrl-C."""
    from sandbox.config.exchange.enact import ExchangeSandbox
    from sandbox.config.findings import ConfigError
    from sandbox.safety.files import data_dir
    from sandbox.smtpd.accounts import demo_account

    try:
        config = load(args)
    except ConfigError as error:
        print(f"smtp-tutor sandbox: {error}", file=sys.stderr)
        return 1
    maildir = data_dir() / "Maildir"
    exchange = ExchangeSandbox(config, emit=emit, maildir=maildir)
    try:
        await exchange.start()
    except OSError as exc:
        print(f"smtp-tutor sandbox: cannot listen: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        print_mapping(config, exchange.mapping(), exchange.host, sys.stdout)
        account = demo_account()
        print(f"Demo account: {account.username} / {account.password}")
        certs = exchange.certs
        if certs is not None:
            print(f"CA to trust:  {certs.ca_cert}   (server name: sandbox.test)")
        print(f"Messages are kept in {maildir} and never leave this machine. Ctrl-C stops.")
        sys.stdout.flush()
        await _until_signal()
    finally:
        delivered = exchange.delivered
        await exchange.stop()
    print(f"\nStopped. {delivered} message(s) received.")
    return 0


def print_mapping(
    config: ExchangeConfig, mapping: list[tuple[int, int, list[str]]], host: str, out: TextIO
) -> None:
    """`port 25 -> 127.0.0.1:40123  Default Frontend EX01 (all), Relay (127.0.0.2)`."""
    print(f"Exchange receive connectors of {config.path}, on loopback:", file=out)
    for port, local, names in mapping:
        who = []
        for name in names:
            c = config.receive_connector(name)
            assert c is not None
            ranges = "anyone" if c.open_to_world else ", ".join(r.text for r in c.remote_ranges)
            tls = "RequireTLS" if c.require_tls else "STARTTLS offered"
            if "Tls" not in c.auth_mechanism:
                tls = "no STARTTLS"
            who.append(f"{name} ({ranges}; {tls})")
        print(f"  port {port:<5} -> {host}:{local:<6} {'; '.join(who)}", file=out)


async def _until_signal() -> None:
    """Wait for Ctrl-C or SIGTERM (the connectors are stopped by the caller); the loop's one
    stop event, which `smtp-tutor sandbox` installed before anything was printed (Q1)."""
    from tutor.cli.stopsignal import stop_on_signal

    await stop_on_signal().wait()


# --- smtp-tutor demo SCENARIO --exchange --------------------------------------------------------


class DemoExchange:
    """What `demo --exchange` chose, kept to write the protocol log after the session."""

    def __init__(
        self, config: ExchangeConfig, connector: ReceiveConnector, port: int, *, attack: bool
    ) -> None:
        self.config, self.connector, self.port = config, connector, port
        self.attack = attack  # a man in the middle changes what the client sees
        self.started = dt.datetime.now(dt.UTC)


def demo_session(
    args: argparse.Namespace, scenario: Scenario
) -> tuple[dict[str, Any], DemoExchange | None]:
    """`LabSession` keyword arguments for `demo SCENARIO --exchange SCRIPT` ({} without it);
    `ConfigError` (a ValueError) for a script Exchange would refuse or a lab it cannot serve."""
    if getattr(args, "exchange", None) is None:
        return {}, None
    from sandbox.config.exchange.enact import (
        certificate_name,
        receive_policy,
        route,
        send_choice,
    )
    from sandbox.config.findings import ConfigError
    from sandbox.lab.scenarios import RECIPIENT

    config = load(args)
    if scenario.implicit_tls:
        raise ConfigError(
            config.path,
            1,
            "Exchange receive connectors speak STARTTLS only, never TLS from the first byte: "
            "run a STARTTLS lab (smtp-tutor demo --list)",
        )
    port = 587 if scenario.authenticate else 25
    connector = route(config, port, "127.0.0.1")
    if connector is None:
        raise ConfigError(
            config.path, 1, f"no enabled receive connector on port {port} admits 127.0.0.1"
        )
    from sandbox.pki.certs import ensure_certs  # the lab's server uses the sandbox's own

    certificate = certificate_name(ensure_certs())
    options: dict[str, Any] = {"server_policy": receive_policy(connector, certificate)}
    domain = RECIPIENT.rpartition("@")[2]
    choice = send_choice(config, domain)
    print(f"=== Exchange {config.path}: port {port}: receive connector '{connector.identity}'")
    if choice is not None:
        print(
            f"=== Send connector '{choice.connector.name}' for {domain}: client policy "
            f"{choice.policy.value}"
        )
        if args.client_policy is None:
            # the send connector decides, and the outcome must name the policy that ran
            args.client_policy = choice.policy.value
            options["client_policy"] = choice.policy.value
        if choice.connector.tls_domain:
            options["server_hostname"] = choice.server_hostname
    return options, DemoExchange(config, connector, port, attack=scenario.attack)


def print_protocol_log(
    chosen: DemoExchange | None, events: list[SandboxEvent], out: TextIO
) -> None:
    """The session as Exchange's SMTP Receive protocol log would have it."""
    if chosen is None:
        return
    from sandbox.config.exchange.protolog import Endpoints, protocol_log

    ends = Endpoints(local=f"127.0.0.1:{chosen.port}", remote="127.0.0.1")
    session_id = f"{int(chosen.started.timestamp() * 1000):016X}"
    lines = protocol_log(
        events, chosen.connector, ends, session_id=session_id, started=chosen.started
    )
    out.write("\nExchange SMTP Receive protocol log:\n")
    if chosen.attack:
        out.write(
            "(as the client lived the session: the man in the middle changed what it saw, and "
            "the server's own log would show what the server really sent)\n"
        )
    out.write("\n".join(lines) + "\n")
    out.flush()


# --- the hooks demo.py and sandbox.py call -----------------------------------------------------


def prepare_demo(
    args: argparse.Namespace, scenario: Scenario
) -> tuple[int | None, dict[str, Any], DemoExchange | None]:
    """(exit status if the demo must stop here, LabSession options, what was chosen)."""
    if problem := check_arguments(args):
        print(f"smtp-tutor demo: {problem}", file=sys.stderr)
        return 2, {}, None
    try:
        options, chosen = demo_session(args, scenario)
    except ValueError as exc:  # a ConfigError: FILE:LINE: what
        print(f"smtp-tutor demo: {exc}", file=sys.stderr)
        return 1, {}, None
    return None, options, chosen


async def sandbox_hook(
    args: argparse.Namespace, emit: Callable[[SandboxEvent], None]
) -> int | None:
    """The exit status of `sandbox --exchange SCRIPT`, or None without --exchange."""
    if problem := check_arguments(args):
        print(f"smtp-tutor sandbox: {problem}", file=sys.stderr)
        return 2
    if getattr(args, "exchange", None) is None:
        return None
    return await serve(args, emit)
