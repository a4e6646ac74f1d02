"""What `smtp-tutor sandbox` and `smtp-tutor watch` share: starting a server with one clear line
when it cannot, exporting the CA, and printing the server's events as text or JSON lines.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sandbox.events import Level, MessageDelivered, Notice, SandboxEvent

if TYPE_CHECKING:
    from sandbox.smtpd.server import SandboxServer


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


def fail(command: str, text: str) -> int:
    print(f"smtp-tutor {command}: {text}", file=sys.stderr)
    return 1


async def start_server(
    server: SandboxServer, host: str, port: int, *, allow_non_loopback: bool, command: str
) -> int | None:
    """Start `server`; None when it listens, else 1 after one line on stderr (K1: a non-loopback
    address needs the explicit flag, and then the server itself warns)."""
    try:
        await server.start(host, port, allow_non_loopback=allow_non_loopback)
    except ValueError as exc:
        why = (
            f"{host} is not a loopback address: add --allow-non-loopback to let other "
            "machines reach the sandbox"
            if not allow_non_loopback
            else str(exc)
        )
        return fail(command, f"cannot listen on {host}: {why}")
    except OSError as exc:
        return fail(
            command,
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            " (another sandbox running? --port 0 picks any free port)",
        )
    return None


def export_ca(ca: Path, target: Path | None, command: str) -> tuple[Path, int | None]:
    """Copy the CA certificate to `target` (when given); (the path to show, None or 1)."""
    if target is None:
        return ca, None
    try:
        shutil.copyfile(ca, target)
    except OSError as exc:
        return ca, fail(command, f"cannot write --export-ca {target}: {exc.strerror or exc}")
    return target, None


class EventPrinter:
    """The server's events on stdout: a line of text each (`===` / `***`), or with `as_json` one
    JSON object each, as `demo --json` prints them (sandbox.eventjson)."""

    def __init__(self, out: TextIO, *, as_json: bool) -> None:
        self.out, self.as_json = out, as_json

    def __call__(self, event: SandboxEvent) -> None:
        from tutor.cli.eventformat import delivery_summary

        try:
            if self.as_json:
                self.json(_event_json(event))
            elif isinstance(event, MessageDelivered):
                where = f"\n    saved as {event.stored_at}" if event.stored_at else ""
                self.line(f"=== {delivery_summary(event)}{where}")
            elif isinstance(event, Notice):
                marker = "***" if event.level in (Level.ERROR, Level.ATTACK) else "==="
                self.line(f"{marker} {event.text}")
        except BrokenPipeError:  # `sandbox --json | head`: the reader went away; stop quietly
            from tutor.cli.main import quiet_stdout

            quiet_stdout()
            self.as_json, self.out = (
                False,
                open(  # noqa: SIM115 (lives as long as we do)
                    "/dev/null", "w", encoding="utf-8"
                ),
            )

    def line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def json(self, data: dict[str, Any]) -> None:
        self.line(json.dumps(data, ensure_ascii=False))


def _event_json(event: SandboxEvent) -> dict[str, Any]:
    from sandbox.eventjson import event_to_json

    return event_to_json(event)
