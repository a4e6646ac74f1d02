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
    lang: str = "en",
) -> None:
    """The outcome of one attack session, and the client policy in Postfix and Exchange terms."""
    from sandbox.client.policy import CLIENT_POLICIES
    from sandbox.smtpd.describe import describe_server
    from sandbox.threats.outcome import outcome
    from tutor.ui.lab_words import outcome_text

    result = outcome(events, client_policy=client_policy)
    names = CLIENT_POLICIES[client_policy]
    facts, why = outcome_text(result, lang).split("\n", 1)  # English: result.summary()
    style = "server" if result.safe else "error"
    words = WORDS[lang]
    lines = [
        ("", "info"),
        (f"=== {facts}", style),
        (f"=== {why}", style),
        ("=== " + words["client"].format(policy=client_policy, postfix=names.postfix), "info"),
        ("===   " + words["exchange"].format(exchange=names.exchange), "info"),
    ]
    if server_policy is not None:
        said = [words["server"].format(line=line) for line in describe_server(server_policy)]
        lines += [(f"=== {line}", "info") for line in said]
    for text, name in lines:
        out.write((f"{ANSI[name]}{text}{RESET}" if color and text else text) + "\n")
    out.flush()


def run_matrix_command(args: argparse.Namespace) -> int:
    """Every attack against the five client levels and the four lab-world columns (63 sessions,
    a few at once), printed as the table (`matrix_table`) or one JSON object per cell."""
    from sandbox.lab.matrix import POLICIES, WORLD_COLUMNS, run_matrix
    from sandbox.lab.session import LabStartError
    from tutor.cli.matrix_table import cell_record

    try:
        server_policy = server_policy_of(args, None)
        matrix = asyncio.run(
            run_matrix(policies=POLICIES + WORLD_COLUMNS, server_policy=server_policy)
        )
    except (ValueError, LabStartError) as exc:
        print(f"smtp-tutor demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if args.json:
        for run_ in matrix.runs:
            print(json.dumps(cell_record(run_), ensure_ascii=False))
        return 0
    color = use_color(args.color, sys.stdout)
    print_matrix(matrix, sys.stdout, color=color, server=server_policy, lang=args.lang)
    return 0


WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Threat lab: every attack against every client policy (smtp_tls_security_level).",
        "server": "Server: {line}",
        "client": "Client policy '{policy}': Postfix {postfix}",
        "exchange": "Exchange send connector: {exchange}",
        "policies": "Client policies, as Postfix and Exchange (Set-SendConnector) say:",
        "exchange_note": "  Exchange's TlsAuthLevel CertificateValidation checks the chain, not "
        "the name:\n  it would let impersonate-wrong-name through.",
        "timing": "{n} sessions in {seconds:.1f} s. One cell in full:",
    },
    "ja": {
        "title": "脅威ラボ: すべての攻撃 × クライアントポリシー（smtp_tls_security_level）",
        "server": "サーバー: {line}",
        "client": "クライアントポリシー '{policy}': Postfix {postfix}",
        "exchange": "Exchange の送信コネクタ: {exchange}",
        "policies": "クライアントポリシーを Postfix と Exchange（Set-SendConnector）で言うと:",
        "exchange_note": "  Exchange の TlsAuthLevel CertificateValidation は証明書チェーンだけを"
        "確かめ、\n  名前は確かめません。impersonate-wrong-name を通してしまいます。",
        "timing": "{n} セッションを {seconds:.1f} 秒で実行。1 つのセルを詳しく見るには:",
    },
}


ONE_CELL = (
    "smtp-tutor demo ATTACK --client-policy POLICY",
    "smtp-tutor mta-sts lab --mode testing|enforce --attack ATTACK",
    "smtp-tutor dane lab --zone signed|unsigned --attack ATTACK",
)


def print_matrix(
    matrix: Matrix,
    out: TextIO,
    *,
    color: bool,
    server: ServerPolicy | None = None,
    lang: str = "en",
) -> None:
    """The outcome table and its legend, and each client policy as Postfix and Exchange name it."""
    from sandbox.client.policy import CLIENT_POLICIES
    from sandbox.labdns.world import WORLD_COLUMNS, Setup
    from sandbox.smtpd.describe import describe_server
    from sandbox.smtpd.policy import RELAY_SERVER
    from tutor.cli.matrix_table import fold, table_lines
    from tutor.ui.lab_words import POLICY_JA

    def paint(text: str, style: str) -> str:
        return f"{ANSI[style]}{text}{RESET}" if color else text

    words = WORDS[lang]
    lines = [words["title"]]
    for line in describe_server(server or RELAY_SERVER):  # long settings: folded to 80 columns
        lines += fold(words["server"].format(line=line), 4)
    lines += ["", *table_lines(matrix, lang, paint), "", words["policies"]]
    # A lab-world column is a level (dane, mta-sts) in a setup: each level once.
    levels = dict.fromkeys(
        Setup(p).level.value if p in WORLD_COLUMNS else p for p in matrix.policies
    )
    for policy in levels:
        names = CLIENT_POLICIES[policy]
        does = POLICY_JA[policy] if lang == "ja" else names.in_short
        lines += fold(f"  {policy:8} {does}", 11)
        lines += fold(f"  {'':8} Postfix: {names.postfix}", 20)
        lines += fold(f"  {'':8} Exchange: {names.exchange}", 21)
    lines += [words["exchange_note"], ""]
    lines.append(words["timing"].format(n=len(matrix.runs), seconds=matrix.seconds))
    lines += [f"  {command}" for command in ONE_CELL]
    out.write("\n".join(lines) + "\n")
    out.flush()
