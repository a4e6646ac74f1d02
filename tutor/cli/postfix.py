"""`smtp-tutor postfix check MAIN_CF [MASTER_CF]`: the Postfix configuration linter.

The files are read as Postfix reads them (an error Postfix would stop at is one
`FILE:LINE: error: ...` line), then checked: each finding as `FILE:LINE: level: what`, then why and
the fix, in the chosen language (properties.md L22-L24). Certificate and key files are read from
MAIN_CF's folder, the lab's folder, as the sandbox reads them. Exit 1 when there is an error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tutor.model.langs import LANGS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="check", required=True)
    check = actions.add_parser(
        "check",
        help="read main.cf (and master.cf) and print every finding as FILE:LINE: level: what",
        description="Read main.cf and master.cf as Postfix reads them, then check them: TLS "
        "levels per service, AUTH before TLS, obsolete and unknown parameters, certificate "
        "chains, open relays. Exits 1 on an error.",
    )
    check.add_argument("main_cf", type=Path, metavar="MAIN_CF", help="the main.cf to check")
    check.add_argument(
        "master_cf",
        type=Path,
        nargs="?",
        metavar="MASTER_CF",
        help="its master.cf (default: Postfix's one smtp service on port 25)",
    )
    check.add_argument("--lang", choices=LANGS, default="en", help="language of the findings")


def run(args: argparse.Namespace) -> int:
    from sandbox.config.findings import ConfigError, Level
    from sandbox.config.postfix.lint import lint
    from sandbox.config.postfix.reader import read_postfix

    master = str(args.master_cf) if args.master_cf is not None else None
    try:
        config = read_postfix(str(args.main_cf), master)
    except ConfigError as exc:
        print(f"{exc.path}:{exc.line}: error: {exc.what}", file=sys.stderr)
        return 1
    findings = lint(config, args.main_cf.resolve().parent)
    for finding in findings:
        print(finding.render(args.lang))
    errors = sum(f.level is Level.ERROR for f in findings)
    others = len(findings) - errors
    if args.lang == "ja":
        print(f"{config.main.path}: エラー {errors} 件、警告・注意 {others} 件")
    else:
        print(f"{config.main.path}: {errors} error(s), {others} warning(s) or note(s)")
    return 1 if errors else 0
