"""`smtp-tutor demo SCENARIO`: a scripted lab, headless, printed as text or JSON lines.

The conversation uses swaks' markers; what the eavesdropper sees is printed under each command,
indented behind `wire |`. With `--server HOST:PORT` the same probe runs against a server the
learner names (their own Postfix), still through the wire tap on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sandbox.events import SandboxEvent, WireChunk

ANSI = {
    "client": "\x1b[36m",
    "server": "\x1b[32m",
    "tls": "\x1b[35m",
    "info": "\x1b[2m",
    "warning": "\x1b[33m",
    "error": "\x1b[1;31m",
    "attack": "\x1b[1;31m",
    "wire": "\x1b[37m",
    "switch": "\x1b[1;33m",
    "dim": "\x1b[2m",
}
RESET = "\x1b[0m"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", nargs="?", help="the lab to run (see --list)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--json", action="store_true", help="print one JSON object per event")
    parser.add_argument("--step", action="store_true", help="wait for Enter before each command")
    parser.add_argument(
        "--client-policy",
        choices=("none", "may", "encrypt", "verify", "secure"),
        help="the client's TLS policy, as Postfix smtp_tls_security_level",
    )
    parser.add_argument(
        "--server",
        metavar="HOST:PORT",
        help="probe this server instead of the sandbox (EHLO, STARTTLS, EHLO, QUIT; no mail sent)",
    )
    parser.add_argument(
        "--ca-file", type=Path, help="CA to trust for --server (default: the system store)"
    )
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")


def parse_hostport(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--server wants HOST:PORT, e.g. 127.0.0.1:25, not {text!r}")
    return host.strip("[]"), int(port)


class Printer:
    """Turns events into lines on `out`: conversation flush left, the wire indented."""

    def __init__(self, out: TextIO, *, color: bool, as_json: bool) -> None:
        self.out, self.color, self.as_json = out, color, as_json

    def __call__(self, event: SandboxEvent) -> None:
        from sandbox.eventjson import event_to_json
        from tutor.eventformat import conversation, wire

        if self.as_json:
            self.out.write(json.dumps(event_to_json(event), ensure_ascii=False) + "\n")
            return
        if isinstance(event, WireChunk):
            return  # the decoded lines and records below say it better
        line = conversation(event)
        if line is not None:
            self._write(line.text, line.style)
        seen = wire(event)
        if seen is not None:
            self._write(f"    wire | {seen.text}", seen.style)

    def _write(self, text: str, style: str) -> None:
        if self.color and style in ANSI:
            text = f"{ANSI[style]}{text}{RESET}"
        self.out.write(text + "\n")
        self.out.flush()


def _use_color(choice: str, out: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    return out.isatty() and "NO_COLOR" not in os.environ


async def run_demo(
    scenario: str,
    emit: Callable[[SandboxEvent], None],
    *,
    client_policy: str | None = None,
    upstream: tuple[str, int] | None = None,
    ca_file: Path | None = None,
    wait: Callable[[str], None] | None = None,
) -> int:
    """Run one scripted lab; 0 when the whole script ran, 1 when it stopped early."""
    from sandbox.session import LabSession

    session = LabSession(
        scenario, emit=emit, client_policy=client_policy, upstream=upstream, ca_file=ca_file
    )
    await session.start()
    try:
        while not session.finished:
            if wait is not None:
                await asyncio.to_thread(wait, session.script[session.position].label)
            await session.step()
        completed = session.position == len(session.script)
    finally:
        await session.stop()
    return 0 if completed else 1


def run(args: argparse.Namespace) -> int:
    from sandbox import scenarios
    from sandbox.catalog import SCENARIOS
    from sandbox.session import LabStartError

    if args.list or not args.scenario:
        for name in scenarios.available():
            print(f"{name:24} {SCENARIOS[name].summary}")
        return 0 if args.list else 2
    if args.scenario not in scenarios.available():
        print(f"smtp-tutor demo: unknown scenario {args.scenario!r}; try --list", file=sys.stderr)
        return 2
    try:
        upstream = parse_hostport(args.server) if args.server else None
    except ValueError as exc:
        print(f"smtp-tutor demo: {exc}", file=sys.stderr)
        return 2
    printer = Printer(sys.stdout, color=_use_color(args.color, sys.stdout), as_json=args.json)

    def wait(label: str) -> None:
        input(f"[Enter] {label} ")

    try:
        return asyncio.run(
            run_demo(
                args.scenario,
                printer,
                client_policy=args.client_policy,
                upstream=upstream,
                ca_file=args.ca_file,
                wait=wait if args.step else None,
            )
        )
    except LabStartError as exc:
        print(f"smtp-tutor demo: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        return 130
