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
import sys
from pathlib import Path

from sandbox.client.policy import TlsPolicy
from sandbox.events import SandboxEvent
from sandbox.smtpd.policy import MIN_TLS_VERSIONS, TLS_LEVELS
from tutor.cli import capture_options, postfix_options, tlsview_options
from tutor.cli.demo_matrix import print_outcome, run_matrix_command
from tutor.cli.demo_printer import Printer
from tutor.cli.demo_printer import use_color as _use_color
from tutor.cli.demo_session import parse_hostport, run_demo, server_policy_of
from tutor.model.langs import LANGS

# The names other modules and tests import from here (watch.py, the headless tests).
__all__ = ["Printer", "_use_color", "add_arguments", "parse_hostport", "run", "run_demo"]


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
        help="run every attack against every client policy (and the lab-world columns: "
        "mta-sts testing/enforce, dane signed/unsigned) and print the outcome table",
    )
    threat.add_argument(
        "--lang",
        choices=LANGS,
        default="en",
        help="language of an attack's outcome and of --matrix's table",
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
        server_policy = server_policy_of(args, args.scenario)
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
        print_outcome(
            events, policy, sys.stdout, color=color, server_policy=server_policy, lang=args.lang
        )
    if not args.json:
        exchange_options.print_protocol_log(chosen, events, sys.stdout)
    return files.save(lab, events) or code  # the files, even of a lab that stopped early
