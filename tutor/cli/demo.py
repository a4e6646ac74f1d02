"""`smtp-tutor demo SCENARIO`: a scripted lab, headless, printed as text or JSON lines.

The conversation uses swaks' markers; what the eavesdropper sees is printed under each command,
indented behind `wire |`. With `--server HOST:PORT` the same probe runs against a server the
learner names (their own Postfix), still through the wire tap on loopback.

The threat lab: an attack scenario (`strip`, `impersonate`...) ends with its outcome (did the mail
go, encrypted, to whom, what the attacker read, and why); `--matrix` runs every attack against
every client policy and prints the table. `--server-policy`, `--server-auth-only` and
`--server-min-tls` set the receiving server as Postfix's smtpd settings would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sandbox.client.policy import TlsPolicy
from sandbox.events import SandboxEvent, WireChunk
from sandbox.smtpd.policy import MIN_TLS_VERSIONS, TLS_LEVELS
from tutor.cli import capture_options, postfix_options, tlsview_options

if TYPE_CHECKING:
    from sandbox.lab.matrix import Matrix
    from sandbox.lab.session import LabSession
    from sandbox.smtpd.policy import ServerPolicy
    from sandbox.tlsview.keylog import KeyLog

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
        choices=[p.value for p in TlsPolicy],
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
    threat = parser.add_argument_group("threat lab")
    threat.add_argument(
        "--matrix",
        action="store_true",
        help="run every attack against every client policy and print the outcome table",
    )
    threat.add_argument(
        "--server-policy",
        choices=TLS_LEVELS,
        help="the sandbox server's smtpd_tls_security_level",
    )
    threat.add_argument(
        "--server-auth-only",
        choices=("yes", "no"),
        help="the sandbox server's smtpd_tls_auth_only (no AUTH before TLS)",
    )
    threat.add_argument(
        "--server-min-tls",
        choices=tuple(MIN_TLS_VERSIONS),
        help="the lowest TLS version the server accepts",
    )
    capture_options.add_demo_arguments(parser)
    tlsview_options.add_arguments(parser)
    postfix_options.add_arguments(parser, demo=True)
    from tutor.cli import exchange_options  # --exchange SCRIPT: its logic lives there

    exchange_options.add_arguments(parser)


def parse_hostport(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--server wants HOST:PORT, e.g. 127.0.0.1:25, not {text!r}")
    return host.strip("[]"), int(port)


class Printer:
    """Turns events into lines on `out`: conversation flush left, the wire indented."""

    def __init__(self, out: TextIO, *, color: bool, as_json: bool, probed: bool = False) -> None:
        self.out, self.color, self.as_json, self.probed = out, color, as_json, probed

    def __call__(self, event: SandboxEvent) -> None:
        try:
            self._print(event)
        except BrokenPipeError:
            # `demo starttls | head -1`: the reader has all it wanted. The server's own events
            # come here too, and it logs a listener that raises: so stop quietly, here, at once.
            from tutor.cli.main import quiet_stdout

            quiet_stdout()
            self.out = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as we do)

    def _print(self, event: SandboxEvent) -> None:
        from sandbox.eventjson import event_to_json
        from tutor.cli.eventformat import conversation, wire

        if self.as_json:
            self.out.write(json.dumps(event_to_json(event), ensure_ascii=False) + "\n")
            return
        if isinstance(event, WireChunk):
            return  # the decoded lines and records below say it better
        line = conversation(event, probed=self.probed)
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


def _server_policy(args: argparse.Namespace, scenario: str | None) -> ServerPolicy | None:
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


def _why_stopped(events: list[SandboxEvent]) -> str:
    """The first error the session reported (a fact's own text), for the one line on stderr."""
    from sandbox.events import Level, Notice

    errors = [e.text for e in events if isinstance(e, Notice) and e.level is Level.ERROR]
    return errors[0] if errors else "see the lines above"


ONE_SESSION_OPTIONS = ("pcap", "keylog", "decrypt", "handshake")
"""Options that save or open one session's TLS: refused with --matrix (issue 12, item 5)."""


def run(args: argparse.Namespace) -> int:
    from sandbox.lab import catalog
    from sandbox.lab.session import LabStartError

    if args.matrix:
        if args.scenario or args.server:
            print("smtp-tutor demo: --matrix runs every attack; name no scenario", file=sys.stderr)
            return 2
        one_session = [f"--{o}" for o in ONE_SESSION_OPTIONS if getattr(args, o, None)]
        if one_session:  # a capture or a decryption is of one session; the matrix runs dozens
            print(
                f"smtp-tutor demo: {', '.join(one_session)} is for one session, and --matrix "
                "runs every attack against every client policy; run one cell instead: "
                f"smtp-tutor demo ATTACK --client-policy POLICY {' '.join(one_session)} ...",
                file=sys.stderr,
            )
            return 2
        return run_matrix_command(args)
    if args.list:
        for name, lab in catalog.SCENARIOS.items():
            print(f"{name:24} {lab.summary}")
        return 0
    if not args.scenario:
        print(
            "smtp-tutor demo: name a scenario (smtp-tutor demo --list shows them)", file=sys.stderr
        )
        return 2
    if args.scenario not in catalog.SCENARIOS:
        print(f"smtp-tutor demo: {catalog.unknown(args.scenario)}", file=sys.stderr)
        return 2
    try:
        upstream = parse_hostport(args.server) if args.server else None
        server_policy = _server_policy(args, args.scenario)
    except ValueError as exc:
        print(f"smtp-tutor demo: {exc}", file=sys.stderr)
        return 2
    from tutor.cli import exchange_options

    failed, exchange, chosen = exchange_options.prepare_demo(args, catalog.get(args.scenario))
    if failed is not None:
        return failed
    if problem := postfix_options.check_arguments(args):
        print(f"smtp-tutor demo: {problem}", file=sys.stderr)
        return 2
    try:
        postfix = postfix_options.demo_session(args, catalog.get(args.scenario))
    except ValueError as exc:  # a ConfigError: FILE:LINE: what
        print(f"smtp-tutor demo: {exc}", file=sys.stderr)
        return 1
    color = _use_color(args.color, sys.stdout)
    printer = Printer(sys.stdout, color=color, as_json=args.json, probed=upstream is not None)
    events: list[SandboxEvent] = []
    files = capture_options.DemoFiles(args)
    view = tlsview_options.DemoView(args, printer._write, as_json=args.json)

    def emit(event: SandboxEvent) -> None:
        events.append(event)
        printer(event)
        view(event)  # --decrypt: what the endpoints see, under the wire lines

    def wait(label: str) -> None:
        input(f"[Enter] {label} ")

    try:
        code = asyncio.run(
            run_demo(
                args.scenario,
                emit,
                wait=wait if args.step else None,
                secrets=files.keep if files.wanted else None,
                keep_secrets=view.wanted,
                on_session=view.attach if view.wanted else None,
                **(
                    {
                        "client_policy": args.client_policy,
                        "upstream": upstream,
                        "ca_file": args.ca_file,
                        "server_policy": server_policy,
                    }
                    | postfix
                    | exchange
                ),
            )
        )
    except LabStartError as exc:
        print(f"smtp-tutor demo: {exc}", file=sys.stderr)
        return 1
    except EOFError:  # --step reads Enter from standard input, which ended
        print(
            "smtp-tutor demo: input ended before the lab did (--step waits for Enter)",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("smtp-tutor demo: interrupted", file=sys.stderr)
        return 130
    view.finish()  # --handshake: the annotated handshake
    if code != 0:
        print(f"smtp-tutor demo: the lab stopped early: {_why_stopped(events)}", file=sys.stderr)
    lab = catalog.get(args.scenario)
    if lab.attack and upstream is None and not args.json:
        policy = args.client_policy or lab.client_policy.value
        print_outcome(events, policy, sys.stdout, color=color, server_policy=server_policy)
    if not args.json:
        exchange_options.print_protocol_log(chosen, events, sys.stdout)
    return files.save(lab, events) or code  # the files, even of a lab that stopped early


# --- the threat lab's outcome and matrix -----------------------------------------------------


def print_outcome(
    events: list[SandboxEvent],
    client_policy: str,
    out: TextIO,
    *,
    color: bool,
    server_policy: ServerPolicy | None = None,
) -> None:
    """The outcome of one attack session, and the client policy in Postfix and Exchange terms."""
    from sandbox.client.policy import CLIENT_POLICIES
    from sandbox.smtpd.describe import describe_server
    from sandbox.threats.outcome import outcome

    result = outcome(events, client_policy=client_policy)
    names = CLIENT_POLICIES[client_policy]
    facts, why = result.summary().split("\n", 1)
    style = "server" if result.safe else "error"
    lines = [
        ("", "info"),
        (f"=== {facts}", style),
        (f"=== {why}", style),
        (f"=== Client policy '{client_policy}': Postfix {names.postfix}", "info"),
        (f"===   Exchange send connector: {names.exchange}", "info"),
    ]
    if server_policy is not None:
        lines += [(f"=== Server: {line}", "info") for line in describe_server(server_policy)]
    for text, name in lines:
        out.write((f"{ANSI[name]}{text}{RESET}" if color and text else text) + "\n")
    out.flush()


def run_matrix_command(args: argparse.Namespace) -> int:
    from sandbox.lab.matrix import run_matrix
    from sandbox.lab.session import LabStartError

    try:
        server_policy = _server_policy(args, None)
        matrix = asyncio.run(run_matrix(server_policy=server_policy))
    except (ValueError, LabStartError) as exc:
        print(f"smtp-tutor demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if args.json:
        for run_ in matrix.runs:
            o = run_.outcome
            record = {
                "type": "MatrixCell",
                "attack": run_.attack,
                "client_policy": run_.policy,
                "cell": o.cell,
                "sent": o.sent,
                "encrypted": o.encrypted,
                "delivered": o.delivered,
                "to": o.to.value,
                "read": sorted(e.value for e in o.read),
                "why": o.why,
            }
            print(json.dumps(record, ensure_ascii=False))
        return 0
    print_matrix(matrix, sys.stdout, color=_use_color(args.color, sys.stdout), server=server_policy)
    return 0


CELL_WIDTH = 11
LABEL_WIDTH = 23


def print_matrix(
    matrix: Matrix, out: TextIO, *, color: bool, server: ServerPolicy | None = None
) -> None:
    """The outcome table, its legend, and each client policy as Postfix and Exchange name it."""
    from sandbox.client.policy import CLIENT_POLICIES
    from sandbox.smtpd.describe import describe_server
    from sandbox.smtpd.policy import RELAY_SERVER
    from sandbox.threats.outcome import CELL_LEGEND

    def paint(text: str, style: str) -> str:
        return f"{ANSI[style]}{text}{RESET}" if color else text

    write = out.write
    write("Threat lab: every attack against every client policy (smtp_tls_security_level).\n")
    for line in describe_server(server or RELAY_SERVER):
        write(f"Server: {line}\n")
    write("\n" + "attack".ljust(LABEL_WIDTH))
    write("".join(p.ljust(CELL_WIDTH) for p in matrix.policies).rstrip() + "\n")
    for attack, outcomes in matrix.rows():
        cells = []
        for o in outcomes:
            style = "error" if not o.safe else ("server" if o.sent else "warning")
            cells.append(paint(o.cell.ljust(CELL_WIDTH), style))
        write(attack.ljust(LABEL_WIDTH) + "".join(cells).rstrip() + "\n")
    write("\n")
    for cell, meaning in CELL_LEGEND:
        write(f"  {cell.ljust(CELL_WIDTH)}{meaning}\n")
    write("\nClient policies, as Postfix and an Exchange send connector (Set-SendConnector) say:\n")
    for policy in matrix.policies:
        names = CLIENT_POLICIES[policy]
        write(f"  {policy:8} {names.in_short}\n")
        write(f"  {'':8} Postfix: {names.postfix}\n  {'':8} Exchange: {names.exchange}\n")
    write(
        "  Exchange's TlsAuthLevel CertificateValidation checks the chain, not the name: it\n"
        "  would let impersonate-wrong-name through.\n"
    )
    write(
        f"\n{len(matrix.runs)} sessions in {matrix.seconds:.1f} s. One cell in full: "
        "smtp-tutor demo ATTACK --client-policy POLICY\n"
    )
    out.flush()
