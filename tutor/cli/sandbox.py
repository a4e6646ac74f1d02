"""`smtp-tutor sandbox`: the sandbox mail server alone, for real clients (swaks, openssl...).

It prints where it listens, the demo account, the CA file to trust, and each message as it
arrives. Ctrl-C stops it cleanly (properties.md E4).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
from pathlib import Path

from sandbox.events import Level, MessageDelivered, Notice, SandboxEvent
from sandbox.smtpd.policy import TLS_LEVELS
from tutor.cli import capture_options, postfix_options


def port_number(text: str) -> int:
    """argparse type: a TCP port, 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {port}")
    return port


def reachable_address(host: str, port: int) -> str:
    """Where a client on this machine reaches a server listening on `host` (a wildcard is not)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


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
    capture_options.add_sandbox_arguments(parser)
    postfix_options.add_arguments(parser)
    from tutor.cli import exchange_options  # --exchange SCRIPT: its logic lives there

    exchange_options.add_arguments(parser)


def _print_event(event: SandboxEvent) -> None:
    from tutor.cli.eventformat import delivery_summary

    if isinstance(event, MessageDelivered):
        where = f"\n    saved as {event.stored_at}" if event.stored_at else ""
        print(f"=== {delivery_summary(event)}{where}", flush=True)
    elif isinstance(event, Notice):
        marker = "***" if event.level in (Level.ERROR, Level.ATTACK) else "==="
        print(f"{marker} {event.text}", flush=True)


async def serve(args: argparse.Namespace) -> int:
    from sandbox.safety.files import data_dir
    from sandbox.smtpd.accounts import demo_account
    from sandbox.smtpd.policy import ServerPolicy
    from sandbox.smtpd.server import SandboxServer
    from tutor.cli import exchange_options

    if (status := await exchange_options.sandbox_hook(args, _print_event)) is not None:
        return status
    if problem := postfix_options.check_arguments(args):
        print(f"smtp-tutor sandbox: {problem}", file=sys.stderr)
        return 2
    if args.postfix is not None:  # one listener per smtpd service of the configuration
        return await postfix_options.serve(args, _print_event)

    policy = ServerPolicy(
        tls_level=args.tls if not args.implicit_tls else "encrypt", implicit_tls=args.implicit_tls
    )
    maildir = data_dir() / "Maildir"
    if args.keylog and (why := capture_options.open_server_keylog(args.keylog)):
        print(f"smtp-tutor sandbox: cannot use --keylog {args.keylog}: {why}", file=sys.stderr)
        return 1
    server = SandboxServer(policy, emit=_print_event, maildir=maildir, keylog_file=args.keylog)
    try:
        await server.start(args.listen, args.port, allow_non_loopback=args.allow_non_loopback)
    except ValueError as exc:
        why = (
            f"{args.listen} is not a loopback address: add --allow-non-loopback to let other "
            "machines reach the sandbox"
            if not args.allow_non_loopback
            else str(exc)
        )
        print(f"smtp-tutor sandbox: cannot listen on {args.listen}: {why}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"smtp-tutor sandbox: cannot listen on {args.listen}:{args.port}: {exc.strerror or exc}"
            " (another sandbox running? --port 0 picks any free port)",
            file=sys.stderr,
        )
        return 1
    account = demo_account()
    certs = server.certs
    mode = "implicit TLS" if args.implicit_tls else f"STARTTLS {args.tls}"
    print(f"Sandbox mail server on {server.address} ({mode})")
    print(f"Demo account: {account.username} / {account.password}")
    print("              (generated for the sandbox: never type a real password here)")
    if certs is not None:
        ca = certs.ca_cert
        if args.export_ca:
            try:
                shutil.copyfile(ca, args.export_ca)
            except OSError as exc:
                await server.stop()
                print(
                    f"smtp-tutor sandbox: cannot write --export-ca {args.export_ca}: "
                    f"{exc.strerror or exc}",
                    file=sys.stderr,
                )
                return 1
            ca = args.export_ca
        print(f"CA to trust:  {ca}   (server name: sandbox.test or localhost)")
        flag = "--tls-on-connect" if args.implicit_tls else "--tls"
        reach = reachable_address(server.host, server.port)
        print(
            f"Try:  swaks --server {reach} {flag} --tls-verify "
            f"--tls-ca-path {ca} --tls-sni sandbox.test --auth-user {account.username} "
            f"--auth-password '{account.password}' --from learner@sandbox.test "
            "--to friend@sandbox.test"
        )
    print(f"Messages are kept in {maildir} and never leave this machine. Ctrl-C stops.", flush=True)
    if args.keylog:
        capture_options.announce_server_keylog(
            args.keylog, server.port, implicit_tls=args.implicit_tls, err=sys.stderr
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
        print(f"\nStopped. {server.mailbox.delivered} message(s) received.")
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(serve(args))
