"""`smtp-tutor sandbox`: the sandbox mail server alone, for real clients (swaks, openssl...).

It prints where it listens, the demo account, the CA file to trust, and each message as it
arrives; `--json` streams the server's events as `demo --json` does (the intro goes to stderr).
`--learners N` serves a room (tutor.cli.sandbox_learners), `--postfix`/`--exchange` a
configuration. Ctrl-C stops every mode cleanly (properties.md E4), and is caught before the first
line is printed (Q1: tutor.cli.stopsignal).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO

from sandbox.smtpd.policy import TLS_LEVELS
from tutor.cli import capture_options, postfix_options, sandbox_learners
from tutor.cli.sandbox_options import EventPrinter, export_ca, port_number, reachable_address
from tutor.cli.sandbox_start import (
    listening_json,
    open_keylog,
    serve_until_stopped,
    server_policy,
    tls_mode,
)

__all__ = ["add_arguments", "port_number", "reachable_address", "run", "serve"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=port_number, default=2525, help="port to listen on (default 2525; 0: any)"
    )
    parser.add_argument(
        "--tls",
        choices=TLS_LEVELS,
        default="may",
        help="as Postfix smtpd_tls_security_level (default may: STARTTLS offered)",
    )
    parser.add_argument(
        "--implicit-tls", action="store_true", help="TLS from the first byte, as on port 465"
    )
    parser.add_argument(
        "--export-ca", type=Path, metavar="FILE", help="copy the sandbox CA to FILE"
    )
    parser.add_argument(
        "--listen",
        default="127.0.0.1",
        metavar="HOST",
        help="address to listen on (loopback only unless --allow-non-loopback)",
    )
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow --listen on an address other machines can reach (prints a warning)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the server's events as JSON lines, as demo --json does (the intro on stderr)",
    )
    sandbox_learners.add_arguments(parser)
    capture_options.add_sandbox_arguments(parser)
    postfix_options.add_arguments(parser)
    from tutor.cli import exchange_options  # --exchange SCRIPT: its logic lives there

    exchange_options.add_arguments(parser)


async def serve(args: argparse.Namespace) -> int:
    from tutor.cli import exchange_options
    from tutor.cli.stopsignal import stop_on_signal

    # Q1: first of all, in every mode: a client that reads the port and signals at once
    # meets a clean stop, never a KeyboardInterrupt
    stop = stop_on_signal()
    if args.json and (args.postfix is not None or args.exchange is not None):
        # their listeners print their own tables on stdout, which must hold JSON lines only
        print(
            "smtp-tutor sandbox: --json is for the sandbox's own server: drop --postfix / "
            "--exchange",
            file=sys.stderr,
        )
        return 2
    emit = EventPrinter(sys.stdout, as_json=args.json)
    if (status := await exchange_options.sandbox_hook(args, emit)) is not None:
        return status
    if problem := postfix_options.check_arguments(args) or sandbox_learners.check_arguments(args):
        print(f"smtp-tutor sandbox: {problem}", file=sys.stderr)
        return 2
    if args.postfix is not None:  # one listener per smtpd service of the configuration
        return await postfix_options.serve(args, emit)
    if args.learners is not None:
        return await sandbox_learners.serve(args, emit, stop)
    return await _serve_one(args, emit, stop)


async def _serve_one(args: argparse.Namespace, emit: EventPrinter, stop: asyncio.Event) -> int:
    from sandbox.pki.roomcerts import check_hostname, ensure_room_certs
    from sandbox.safety.files import data_dir
    from sandbox.smtpd.accounts import demo_account
    from sandbox.smtpd.server import SandboxServer

    policy = server_policy(args)
    maildir = data_dir() / "Maildir"
    if (failed := open_keylog(args)) is not None:
        return failed
    try:
        host = check_hostname(args.hostname) if args.hostname else None
    except ValueError as exc:
        print(f"smtp-tutor sandbox: {exc}", file=sys.stderr)
        return 2
    certs = ensure_room_certs(host) if host else None
    server = SandboxServer(policy, certs=certs, emit=emit, maildir=maildir, keylog_file=args.keylog)

    def announce(out: TextIO) -> int | None:
        account = demo_account()
        print(f"Sandbox mail server on {server.address} ({tls_mode(args)})", file=out)
        print(f"Demo account: {account.username} / {account.password}", file=out)
        print(
            "              (generated for the sandbox: never type a real password here)", file=out
        )
        ca: Path | None = None
        if server.certs is not None:
            ca, problem = export_ca(server.certs.ca_cert, args.export_ca, "sandbox")
            if problem is not None:
                return problem
            name = host or "sandbox.test"
            print(f"CA to trust:  {ca}   (server name: {name} or localhost)", file=out)
            flag = "--tls-on-connect" if args.implicit_tls else "--tls"
            reach = reachable_address(server.host, server.port)
            print(
                f"Try:  swaks --server {reach} {flag} --tls-verify "
                f"--tls-ca-path {ca} --tls-sni {name} --auth-user {account.username} "
                f"--auth-password '{account.password}' --from learner@sandbox.test "
                "--to friend@sandbox.test",
                file=out,
            )
        print(
            f"Messages are kept in {maildir} and never leave this machine "
            "(smtp-tutor mailbox lists them). Ctrl-C stops.",
            file=out,
            flush=True,
        )
        if args.keylog:
            capture_options.announce_server_keylog(
                args.keylog, server.port, implicit_tls=args.implicit_tls, err=sys.stderr
            )
        if args.json:
            emit.json(listening_json(server, host, ca, [(account.username, account.password)]))
        return None

    return await serve_until_stopped(server, args, stop, announce)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(serve(args))
