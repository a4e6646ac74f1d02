"""`smtp-tutor mta-sts check POLICY_FILE [--txt RECORD] [--mx HOST ...]` and `mta-sts lab`.

`check` reads an MTA-STS policy file (and its `_mta-sts` TXT record) as a sending MTA would
(RFC 8461) and prints each finding as `FILE: level: what`, in English or Japanese. Exit 1 when a
sender would ignore the policy or refuse the given MX hosts, else 0; a file that cannot be read at
all (too big, not UTF-8, NUL bytes, a link, a FIFO) is one line and exit 1.

`lab` runs one attack against an `mta-sts` client in the lab world (policy in `testing` or
`enforce`, fetched over HTTPS from the loopback policy host) and shows the outcome and the
TLS-RPT report the client wrote (RFC 8460), saved as a 0600 JSON file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tutor.model.langs import LANGS
from tutor.ui.world_words import DECIDED_JA as DECIDED_JA  # the names the tests know
from tutor.ui.world_words import FINDINGS_JA as FINDINGS_JA
from tutor.ui.world_words import LEVEL_JA as LEVEL_JA
from tutor.ui.world_words import RESULT_JA as RESULT_JA  # the name the tests know

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "summary": "{path}: {problems} problem(s), {warnings} warning(s)",
        "decided": "The client decided: {decided}.",
        "report": "TLS-RPT report (RFC 8460), saved to {path}:",
        "no_report": "Nothing failed, so there is no TLS-RPT report.",
        "result": "  {kind}: {meaning}",
    },
    "ja": {
        "summary": "{path}: 問題 {problems} 件、警告 {warnings} 件",
        "decided": "クライアントの判断: {decided}。",
        "report": "TLS-RPT レポート（RFC 8460）を {path} に保存しました:",
        "no_report": "失敗がなかったので、TLS-RPT レポートはありません。",
        "result": "  {kind}: {meaning}",
    },
}

ATTACKS = ("none", "strip", "impersonate", "impersonate-wrong-name")
MATRIX_ATTACKS = ATTACKS[1:]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="check|lab|matrix", required=True)
    check = actions.add_parser(
        "check",
        help="check an MTA-STS policy file (and its TXT record) as a sender reads them",
        description="Read a policy file (https://mta-sts.DOMAIN/.well-known/mta-sts.txt) and, "
        "with --txt, its _mta-sts TXT record, as RFC 8461 says a sender does. Exits 1 when a "
        "sender would ignore the policy or refuse one of the --mx hosts.",
    )
    check.add_argument("policy", type=Path, metavar="POLICY_FILE", help="the policy file")
    check.add_argument("--txt", metavar="RECORD", help='the TXT record, e.g. "v=STSv1; id=1;"')
    check.add_argument(
        "--mx", action="append", default=[], metavar="HOST", help="an MX host to test (repeat)"
    )
    check.add_argument("--lang", choices=LANGS, default="en", help="language of the findings")
    lab = actions.add_parser(
        "lab",
        help="an attack against an mta-sts client in the lab world, and its TLS-RPT report",
        description="Publish a policy in the lab world (example.test, MX sandbox.test), run an "
        "attack against a client that honours MTA-STS, and print the outcome and the report.",
    )
    lab.add_argument("--mode", choices=("testing", "enforce"), default="testing")
    lab.add_argument("--attack", choices=ATTACKS, default="strip")
    lab.add_argument("--report-dir", type=Path, metavar="DIR", help="default: DATA_DIR/tlsrpt")
    lab.add_argument("--lang", choices=LANGS, default="en")
    matrix = actions.add_parser(
        "matrix",
        help="strip and impersonate against MTA-STS testing/enforce and DANE signed/unsigned",
        description="The threat matrix's lab-world columns: each attack against a client that "
        "honours MTA-STS or DANE, with the outcome and the result types its TLS-RPT report holds.",
    )
    matrix.add_argument("--lang", choices=LANGS, default="en")


def run(args: argparse.Namespace) -> int:
    if args.action == "matrix":
        return run_matrix_table(args.lang)
    if args.action == "lab":
        return run_lab(f"mta-sts {args.mode}", args.attack, args.report_dir, args.lang)
    return _check(args)


def _check(args: argparse.Namespace) -> int:
    from sandbox.mtasts.policy import (
        MAX_POLICY_BYTES,
        Finding,
        Level,
        PolicyError,
        parse_policy,
        parse_txt,
    )
    from sandbox.safety.files import read_user_file
    from sandbox.safety.text import escape_text

    path: Path = args.policy
    try:
        data = read_user_file(path, MAX_POLICY_BYTES)
        policy = parse_policy(data, args.mx)
        txt = parse_txt(args.txt) if args.txt is not None else None
    except FileNotFoundError:
        print(escape_text(f"smtp-tutor mta-sts: {path}: no such file"), file=sys.stderr)
        return 1
    except (OSError, PolicyError) as exc:
        print(escape_text(f"smtp-tutor mta-sts: {path}: {exc}"), file=sys.stderr)
        return 1
    findings: list[Finding] = list(policy.findings) + list(txt.findings if txt else ())

    def said(f: Finding) -> str:
        if args.lang == "ja":
            return f"{path}: {LEVEL_JA[f.level.value]}: {FINDINGS_JA[f.key].format(**f.params)}"
        return f"{path}: {f.level.value}: {f.text}"

    # The file's name, its mx lines and the --mx hosts are the user's bytes: escaped, so an
    # escape sequence in them is shown, never run by the terminal (I5).
    for finding in findings:
        print(escape_text(said(finding)))
    problems = sum(f.level is Level.PROBLEM for f in findings)
    warnings = sum(f.level is Level.WARNING for f in findings)
    summary = WORDS[args.lang]["summary"].format(path=path, problems=problems, warnings=warnings)
    print(escape_text(summary))
    return 1 if problems else 0


def run_lab(setup: str, attack: str, report_dir: Path | None, lang: str) -> int:
    """One lab-world cell, told to the learner (also `smtp-tutor dane lab`)."""
    import asyncio

    from sandbox.lab.matrix import run_world_cell
    from sandbox.lab.session import LabStartError
    from sandbox.labdns.world import DECIDED
    from sandbox.safety.files import data_dir
    from sandbox.tlsrpt.report import MEANING, ResultType, report_file_name, report_json
    from tutor.ui.lab_words import outcome_text

    folder = report_dir or data_dir() / "tlsrpt"
    scenario = "starttls" if attack == "none" else attack
    try:
        cell = asyncio.run(run_world_cell(scenario, setup, report_dir=folder))
    except (LabStartError, OSError) as exc:
        print(f"smtp-tutor: {exc}", file=sys.stderr)
        return 1
    words = WORDS[lang]
    decided = DECIDED_JA[cell.decided] if lang == "ja" else DECIDED[cell.decided]
    print(words["decided"].format(decided=decided))
    print(outcome_text(cell.outcome, lang))
    if cell.report is None:
        print(words["no_report"])
        return 0
    print(words["report"].format(path=folder / report_file_name(cell.report)))
    print(report_json(cell.report), end="")
    for detail in cell.report["policies"][0]["failure-details"]:
        kind = ResultType(detail["result-type"])
        meaning = RESULT_JA[kind.value] if lang == "ja" else MEANING[kind]
        print(words["result"].format(kind=kind.value, meaning=meaning))
    return 0


def run_matrix_table(lang: str) -> int:
    """Every attack against the four lab-world columns, one real session each, printed by the
    table code `demo --matrix` uses (`tutor.cli.matrix_table`)."""
    import asyncio

    from sandbox.lab.matrix import WORLD_COLUMNS, run_matrix
    from tutor.cli.matrix_table import table_lines

    result = asyncio.run(run_matrix(MATRIX_ATTACKS, WORLD_COLUMNS))
    title = {
        "en": "Lab world (example.test, MX sandbox.test): outcome, and + when a TLS-RPT report "
        "was written",
        "ja": "ラボの世界（example.test、MX は sandbox.test）: 結果。"
        "TLS-RPT レポートが書かれたら +",
    }[lang]
    print(title + "\n")
    print("\n".join(table_lines(result, lang)))
    return 0
