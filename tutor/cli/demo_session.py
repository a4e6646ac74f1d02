"""One scripted lab run headless for `smtp-tutor demo`: `run_demo` plays a `LabSession` to its end
(waiting for Enter before each command with `--step`), and `parse_hostport` reads `--server`.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sandbox.events import SandboxEvent

if TYPE_CHECKING:
    from sandbox.lab.session import LabSession
    from sandbox.smtpd.policy import ServerPolicy
    from sandbox.tlsview.keylog import KeyLog


def parse_hostport(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--server wants HOST:PORT, e.g. 127.0.0.1:25, not {text!r}")
    return host.strip("[]"), int(port)


async def run_demo(
    scenario: str,
    emit: Callable[[SandboxEvent], None],
    *,
    client_policy: str | None = None,
    upstream: tuple[str, int] | None = None,
    ca_file: Path | None = None,
    wait: Callable[[str], None] | None = None,
    server_policy: ServerPolicy | None = None,
    secrets: Callable[[KeyLog], None] | None = None,  # given the session's TLS secrets at the end
    keep_secrets: bool = False,  # the client keeps its TLS secrets (tlsview_options)
    on_session: Callable[[LabSession], None] | None = None,  # the lab, before it starts
    **session_options: Any,  # more LabSession settings: a Postfix configuration's (postfix_options)
) -> int:
    """Run one scripted lab; 0 when the whole script ran, 1 when it stopped early."""
    from sandbox.lab.session import LabSession

    session = LabSession(
        scenario,
        emit=emit,
        client_policy=client_policy,
        server_policy=server_policy,
        upstream=upstream,
        ca_file=ca_file,
        keep_secrets=keep_secrets or secrets is not None,
        **session_options,
    )
    if on_session is not None:
        on_session(session)
    await session.start()
    try:
        while not session.finished:
            if wait is not None:
                await asyncio.to_thread(wait, session.script[session.position].label)
            await session.step()
        completed = session.position == len(session.script)
    finally:
        await session.stop()
        if secrets is not None:
            secrets(session.keylog)
    return 0 if completed else 1


def server_policy_of(args: argparse.Namespace, scenario: str | None) -> ServerPolicy | None:
    """The server variant the options ask for, from the scenario's own; None if none asked."""
    if args.server_policy is None and args.server_auth_only is None and not args.server_min_tls:
        return None
    from sandbox.lab import catalog
    from sandbox.smtpd.describe import server_variant
    from sandbox.smtpd.policy import RELAY_SERVER

    auth_only = None if args.server_auth_only is None else args.server_auth_only == "yes"
    base = catalog.get(scenario).server_policy if scenario else RELAY_SERVER
    return server_variant(
        args.server_policy, auth_only=auth_only, min_tls=args.server_min_tls, base=base
    )
