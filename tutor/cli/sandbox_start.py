"""The start-up that `smtp-tutor sandbox` and `sandbox --learners` (a room) share: the policy from
--tls/--implicit-tls, the --keylog file, the first JSON line, and serving until Ctrl-C with the
intro on stderr under --json and the count of messages at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sandbox.smtpd.policy import ServerPolicy
from tutor.cli.sandbox_options import fail, start_server

if TYPE_CHECKING:
    from sandbox.smtpd.server import SandboxServer


def server_policy(args: argparse.Namespace) -> ServerPolicy:
    """The server's TLS as --tls says, or TLS from the first byte with --implicit-tls."""
    return ServerPolicy(
        tls_level=args.tls if not args.implicit_tls else "encrypt", implicit_tls=args.implicit_tls
    )


def tls_mode(args: argparse.Namespace) -> str:
    """How clients start TLS, as the first line says it."""
    return "implicit TLS" if args.implicit_tls else f"STARTTLS {args.tls}"


def open_keylog(args: argparse.Namespace) -> int | None:
    """Open --keylog FILE for the server's TLS secrets; None when fine or not asked, else 1."""
    from tutor.cli import capture_options

    if args.keylog and (why := capture_options.open_server_keylog(args.keylog)):
        return fail("sandbox", f"cannot use --keylog {args.keylog}: {why}")
    return None


def listening_json(
    server: SandboxServer, host: str | None, ca: Path | None, learners: Iterable[tuple[str, str]]
) -> dict[str, Any]:
    """`--json`: the first object says where the server is and who may use it (name, password)."""
    return {
        "type": "SandboxListening",
        "address": server.address,
        "port": server.port,
        "hostname": host,
        "ca": str(ca) if ca else None,
        "learners": [{"name": name, "password": password} for name, password in learners],
    }


async def serve_until_stopped(
    server: SandboxServer,
    args: argparse.Namespace,
    stop: asyncio.Event,
    announce: Callable[[TextIO], int | None],
) -> int:
    """Start `server` on --listen/--port, let `announce` print the intro (it returns an exit
    status to stop at once, else None), serve until `stop`, then say how many messages came."""
    failed = await start_server(
        server,
        args.listen,
        args.port,
        allow_non_loopback=args.allow_non_loopback,
        command="sandbox",
    )
    if failed is not None:
        return failed
    out = sys.stderr if args.json else sys.stdout  # --json: stdout holds JSON lines only
    try:
        if (status := announce(out)) is not None:
            return status
        await stop.wait()
    finally:
        await server.stop()
    print(f"\nStopped. {server.mailbox.delivered} message(s) received.", file=out)
    return 0
