"""`--postfix MAIN_CF [--master MASTER_CF]` for `smtp-tutor sandbox` and `smtp-tutor demo`.

The sandbox runs what the configuration says (`sandbox/config/postfix/enact.py`): `sandbox`
starts one loopback listener per smtpd service and prints each one's port mapping (25 -> the
port really used); `demo` runs its scenario against the service that fits it. The lab folder is
the folder of MAIN_CF: certificate and key files are read from there only, and the sandbox makes
the lab's own there (`root.pem` to trust, `chain.pem`, `server.key`, ...) when they are missing.
A configuration error is one `FILE:LINE: what` line and exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.config.postfix.enact import Enactment, Listener
    from sandbox.config.postfix.lines import Note
    from sandbox.events import SandboxEvent
    from sandbox.lab.scenarios import Scenario
    from sandbox.smtpd.policy import ServerPolicy
    from sandbox.smtpd.server import ChainFiles


def add_arguments(parser: argparse.ArgumentParser, *, demo: bool = False) -> None:
    group = parser.add_argument_group("Postfix configuration")
    group.add_argument(
        "--postfix",
        type=Path,
        metavar="MAIN_CF",
        help="run the sandbox as this main.cf says (its folder is the lab folder of keys)",
    )
    group.add_argument(
        "--master",
        type=Path,
        metavar="MASTER_CF",
        help="the master.cf with the services (default: Postfix's own, smtp on port 25)",
    )
    if demo:
        group.add_argument(
            "--service",
            metavar="NAME",
            help="the master.cf service the demo talks to (default: the one that fits the lab)",
        )


def check_arguments(args: argparse.Namespace) -> str | None:
    """A usage problem with these options, or None."""
    if args.master is not None and args.postfix is None:
        return "--master needs --postfix MAIN_CF"
    if getattr(args, "service", None) and args.postfix is None:
        return "--service needs --postfix MAIN_CF"
    if args.postfix is None:
        return None
    clashing = [
        flag
        for flag, attr in (
            ("--server-policy", "server_policy"), ("--server-auth-only", "server_auth_only"),
            ("--server-min-tls", "server_min_tls"), ("--server", "server"),
            ("--implicit-tls", "implicit_tls"),
        )
        if getattr(args, attr, None)
    ]  # fmt: skip
    if clashing:
        return f"--postfix sets the server: drop {', '.join(clashing)}"
    return None


def load(args: argparse.Namespace) -> Enactment:
    """Read and enact the files; `ConfigError` (FILE:LINE) for anything wrong with them."""
    from sandbox.config.postfix.enact import enact
    from sandbox.config.postfix.reader import read_postfix
    from sandbox.pki.labkeys import DEFAULT_NAMES, ensure_lab_keys

    config = read_postfix(str(args.postfix), str(args.master) if args.master else None)
    lab = args.postfix.resolve().parent
    hostname = config.value("myhostname").lower()
    own = hostname.endswith((".test", ".localhost")) and hostname not in DEFAULT_NAMES
    ensure_lab_keys(lab, (hostname, *DEFAULT_NAMES) if own else DEFAULT_NAMES)
    return enact(config, lab)


def describe(listener: Listener, actual: str) -> str:
    """One line per listener: `submission/inet  port 587 -> 127.0.0.1:40123  STARTTLS encrypt`."""
    p = listener.policy
    tls = "implicit TLS (wrapper mode)" if p.implicit_tls else f"STARTTLS {p.tls_level}"
    auth = "AUTH after TLS" if p.auth_only_after_tls else "AUTH before TLS too"
    if not p.sasl_enabled:
        auth = "no AUTH"
    return f"{listener.service.key:24} port {listener.port:<5} -> {actual:21} {tls}, {auth}"


# --- smtp-tutor sandbox --postfix ---------------------------------------------------------------


async def serve(args: argparse.Namespace, emit: Callable[[SandboxEvent], None]) -> int:
    """Every smtpd service of the configuration, until Ctrl-C."""
    from sandbox.config.findings import ConfigError
    from sandbox.safety.files import data_dir
    from sandbox.smtpd.accounts import demo_account
    from sandbox.smtpd.server import SandboxServer

    try:
        enactment = load(args)
    except ConfigError as error:
        print(f"smtp-tutor sandbox: {error}", file=sys.stderr)
        return 1
    account = demo_account()
    maildir = data_dir() / "Maildir"
    # Ctrl-C is caught before anything is printed: a script that reads the ports and signals
    # at once must meet a clean stop, not a KeyboardInterrupt
    stop = _stop_on_signal()
    servers: list[SandboxServer] = []
    try:
        for listener in enactment.listeners:
            server = SandboxServer(
                listener.policy,
                chain=listener.chain,
                emit=emit,
                maildir=maildir,
                accounts={account.username: account.password},
            )
            await server.start("127.0.0.1", 0)
            servers.append(server)
        lab = args.postfix.resolve().parent
        print(f"Postfix configuration {args.postfix} ({len(servers)} smtpd service(s)):")
        for listener, server in zip(enactment.listeners, servers, strict=True):
            print("  " + describe(listener, server.address))
            if server.tls_problem:
                print(f"    *** {server.tls_problem}: STARTTLS is answered 454")
        for note in enactment.notes:
            print(f"  note: {note}")
        print(f"Demo account: {account.username} / {account.password}")
        print(f"CA to trust:  {lab / 'root.pem'}   (lab folder {lab})")
        print(f"Messages are kept in {maildir} and never leave this machine. Ctrl-C stops.")
        sys.stdout.flush()
        await stop.wait()
    finally:
        for server in servers:
            await server.stop()
    print(f"\nStopped. {sum(s.mailbox.delivered for s in servers)} message(s) received.")
    return 0


def _stop_on_signal() -> asyncio.Event:
    from tutor.cli.stopsignal import stop_on_signal  # the loop's one event (Q1)

    return stop_on_signal()


# --- smtp-tutor demo SCENARIO --postfix ---------------------------------------------------------


def demo_session(args: argparse.Namespace, scenario: Scenario) -> dict[str, Any]:
    """`LabSession` keyword arguments for `demo SCENARIO --postfix ...` ({} without it)."""
    if args.postfix is None:
        return {}
    chosen = for_demo(args, scenario)
    print(f"=== Postfix {args.postfix}: {describe(chosen.listener, 'the sandbox')}")
    for note in chosen.notes:  # what Postfix would warn about, or the sandbox does not simulate
        print(f"=== note: {note}")
    return {
        "server_policy": chosen.policy,
        "server_chain": chosen.chain,
        "ca_file": chosen.ca_file,
        "server_hostname": chosen.server_hostname,
        "client_policy": args.client_policy or chosen.client_policy,
    }


@dataclass(frozen=True, slots=True)
class DemoServer:
    """What `demo` runs from a configuration: one service's policy and chain, whom to trust."""

    listener: Listener
    policy: ServerPolicy
    chain: ChainFiles | None
    ca_file: Path
    server_hostname: str
    client_policy: str | None  # smtp_tls_security_level when the configuration sets it
    notes: tuple[Note, ...] = ()


def for_demo(args: argparse.Namespace, scenario: Scenario) -> DemoServer:
    """The service `--service` names, or the one that fits `scenario` (wrapper mode for an
    implicit-TLS lab, else submission for a lab that authenticates, else port 25)."""
    from sandbox.config.findings import ConfigError
    from sandbox.lab.scenarios import RECIPIENT

    enactment = load(args)
    listeners = list(enactment.listeners)
    if args.service:
        chosen = [x for x in listeners if args.service in (x.service.key, x.service.name)]
        if not chosen:
            known = ", ".join(x.service.key for x in listeners)
            where = str(args.master or "master.cf")
            raise ConfigError(where, 0, f"no smtpd service {args.service!r} (there are {known})")
    else:
        fits = [x for x in listeners if x.policy.implicit_tls == scenario.implicit_tls]
        wanted = 587 if scenario.authenticate else 25
        chosen = sorted(fits or listeners, key=lambda x: x.port != wanted)
    listener = chosen[0]
    lab = args.postfix.resolve().parent
    client = enactment.client
    configured = client.entries or client.level.value != "none"
    hostname = listener.policy.hostname
    name = hostname if hostname.endswith((".test", ".localhost")) else "mail.sandbox.test"
    # as Postfix's smtp client: the policy of the recipient's domain, via this server as next hop
    domain = RECIPIENT.rpartition("@")[2]
    level = client.level_for(domain, next_hop=name).value if configured else None
    ca_file = client.ca_file or lab / "root.pem"  # smtp_tls_CAfile when the config names one
    return DemoServer(
        listener, listener.policy, listener.chain, ca_file, name, level, enactment.notes
    )
