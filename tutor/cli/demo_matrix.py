"""The threat lab's text in `smtp-tutor demo`: the outcome under one attack session
(`print_outcome`) and `--matrix`, every attack against every client policy (`run_matrix_command`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, TextIO

from sandbox.events import SandboxEvent
from tutor.cli.demo_printer import ANSI, RESET, use_color
from tutor.cli.demo_session import server_policy_of

if TYPE_CHECKING:
    from sandbox.lab.matrix import Matrix
    from sandbox.smtpd.policy import ServerPolicy


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
        server_policy = server_policy_of(args, None)
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
    print_matrix(matrix, sys.stdout, color=use_color(args.color, sys.stdout), server=server_policy)
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
