"""`smtp-tutor sandbox --learners N [--hostname HOST]`: one sandbox shared by a room.

Prints the N generated accounts as a table (never a real password: C5), serves them all with a
certificate whose names include HOST (sandbox.pki.roomcerts), says how to trust its CA on a
learner's machine, and keeps each learner's mail in a Maildir of their own
(sandbox.smtpd.learners), read with `smtp-tutor mailbox --learner NAME`.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sandbox.events import SandboxEvent
from sandbox.smtpd.learners import Learner
from tutor.cli.sandbox_options import export_ca, reachable_address
from tutor.cli.sandbox_start import (
    listening_json,
    open_keylog,
    serve_until_stopped,
    server_policy,
    tls_mode,
)

if TYPE_CHECKING:
    from sandbox.smtpd.server import SandboxServer

MAX_MESSAGES_PER_LEARNER = 100  # the in-memory mailbox holds this many per learner


def add_arguments(parser: argparse.ArgumentParser) -> None:
    room = parser.add_argument_group("a shared sandbox for a room")
    room.add_argument(
        "--learners",
        type=int,
        metavar="N",
        help="N generated accounts (learner01...), each learner's mail kept apart",
    )
    room.add_argument(
        "--hostname",
        metavar="HOST",
        help="the name (or address) learners reach this machine by: the certificate names it",
    )


def check_arguments(args: argparse.Namespace) -> str | None:
    """Why the room options cannot be used as given, or None."""
    if args.learners is None:
        return None
    if args.postfix is not None or getattr(args, "exchange", None) is not None:
        return "--learners runs the sandbox's own server: drop --postfix / --exchange"
    from sandbox.pki.roomcerts import check_hostname
    from sandbox.smtpd.learners import learner_names

    try:
        learner_names(args.learners)
        if args.hostname is not None:
            check_hostname(args.hostname)
    except ValueError as exc:
        return str(exc)
    return None


def print_table(learners: Sequence[Learner], out: TextIO) -> None:
    """The accounts, one row each: what a teacher hands out."""
    width = max(len("learner"), *(len(learner.name) for learner in learners))
    pwidth = max(len("password"), *(len(learner.password) for learner in learners))
    out.write(f"  {'learner':{width}}  {'password':{pwidth}}  mail address\n")
    for learner in learners:
        out.write(
            f"  {learner.name:{width}}  {learner.password:{pwidth}}  {learner.name}@sandbox.test\n"
        )


def trust_lines(ca: Path, host: str, port: int, *, implicit_tls: bool) -> list[str]:
    """How a learner on another machine trusts the room's CA, and checks the server with it."""
    starttls = "" if implicit_tls else " -starttls smtp"
    flag = "--tls-on-connect" if implicit_tls else "--tls"
    return [
        f"To trust the sandbox on a learner's machine, copy {ca} there and name it explicitly:",
        f"  openssl s_client{starttls} -crlf -quiet -connect {host}:{port} "
        f"-CAfile {ca.name} -verify_hostname {host} -verify_return_error",
        f"  swaks --server {host}:{port} {flag} --tls-verify --tls-ca-path {ca.name} "
        f"--tls-sni {host} --auth-user learnerNN ...",
        "  a mail client: import it as a certificate authority for this course only, and remove",
        "  it afterwards. Never add it to the system's trust store: it vouches for "
        f"{host} and loopback only.",
    ]


async def serve(
    args: argparse.Namespace, emit: Callable[[SandboxEvent], None], stop: asyncio.Event
) -> int:
    """The room's server until Ctrl-C (the stop event was installed before anything printed)."""
    from sandbox.pki.roomcerts import check_hostname, ensure_room_certs
    from sandbox.smtpd.learners import LearnerMaildirs, room_accounts, room_dir
    from sandbox.smtpd.mailbox import StorageLimits
    from sandbox.smtpd.server import SandboxServer

    learners = room_accounts(args.learners)
    host = check_hostname(args.hostname) if args.hostname else None
    certs = ensure_room_certs(host) if host else None
    # every learner at once, each with a second try: Postfix's default is 50 per client
    policy = replace(server_policy(args), max_connections=max(20, 2 * len(learners) + 10))
    maildirs = LearnerMaildirs(room_dir() / "mail", [learner.name for learner in learners])
    if (failed := open_keylog(args)) is not None:
        return failed
    server = SandboxServer(
        policy,
        certs=certs,
        accounts={learner.name: learner.password for learner in learners},
        emit=emit,
        storage=StorageLimits(messages=max(500, MAX_MESSAGES_PER_LEARNER * len(learners))),
        keylog_file=args.keylog,
    )
    server.route = maildirs.route

    def announce(out: TextIO) -> int | None:
        mode = tls_mode(args)
        print(f"Shared sandbox for {len(learners)} learners on {server.address} ({mode})", file=out)
        print_table(learners, out)
        print("  (generated for the sandbox: never type a real password here)", file=out)
        ca: Path | None = None
        if server.certs is not None:  # --tls none offers no TLS, so there is nothing to trust
            ca, problem = export_ca(server.certs.ca_cert, args.export_ca, "sandbox")
            if problem is not None:
                return problem
            names = ", ".join(n for n in (host, "sandbox.test", "localhost") if n)
            print(f"CA to trust:  {ca}   (server names: {names})", file=out)
            reach = host or reachable_address(server.host, server.port).rsplit(":", 1)[0]
            for line in trust_lines(ca, reach, server.port, implicit_tls=args.implicit_tls):
                print(line, file=out)
        if host and server.host in ("127.0.0.1", "::1"):
            print(
                f"Note: it listens on {server.host} only, so other machines cannot reach it yet: "
                "add --listen ADDRESS --allow-non-loopback.",
                file=out,
            )
        print(
            f"Each learner's mail is kept apart in {maildirs.root}/NAME: "
            "smtp-tutor mailbox --learner NAME. Ctrl-C stops.",
            file=out,
            flush=True,
        )
        if args.json:
            emit_ready(server, learners, ca, host)
        return None

    return await serve_until_stopped(server, args, stop, announce)


def emit_ready(
    server: SandboxServer, learners: Sequence[Learner], ca: Path | None, host: str | None
) -> None:
    """`--json`: the first object says where the room's server is and who may use it."""
    import json

    data = listening_json(server, host, ca, ((lrn.name, lrn.password) for lrn in learners))
    print(json.dumps(data, ensure_ascii=False), flush=True)
