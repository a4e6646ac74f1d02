"""`smtp-tutor check HOST[:PORT]`: a report card for a mail server's STARTTLS and TLS.

Each finding: its level, one sentence, why it matters, the fix as Postfix and as Exchange
settings, and the lesson that explains it (sandbox/check/). `--json` prints the same as one
JSON object. It never sends mail (no MAIL, RCPT or DATA), opens at most 8 connections, and every
wait is bounded.

The exit status is the worst finding, as monitoring plugins say it (Nagios, Icinga; `postfix
check` and testssl.sh say nothing a script can tell apart): 0 nothing worse than a note, 1 a
warning, 2 a problem, 3 no verdict: the check could not run (no such name, refused, timeout, not
SMTP, an unreadable --ca-file) or was called wrongly (one line on stderr). properties.md W7.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.model.langs import LANGS

if TYPE_CHECKING:
    from sandbox.check.report import Report

IMPLICIT_PORTS = (465,)
# The worst finding's exit status; NO_VERDICT is for a check that did not run. main() uses
# USAGE_STATUS for argparse's own errors too, so 2 always means "a problem was found".
EXIT_STATUS = {"ok": 0, "note": 0, "warning": 1, "problem": 2}
NO_VERDICT = 3
USAGE_STATUS = NO_VERDICT
EPILOG = (
    "exit status: 0 nothing worse than a note, 1 a warning, 2 a problem, 3 no verdict (could not "
    "connect, not SMTP, or a usage error). Example: smtp-tutor check mx.example.org --name "
    "mx.example.org; echo $?"
)


def parse_target(text: str, implicit: bool) -> tuple[str, int]:
    """`HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address; the port defaults to 25
    (465 with --implicit-tls). ValueError says what is wrong."""
    default = 465 if implicit else 25
    host, port = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else rest
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not host or (port and not port.isdigit()):
        raise ValueError(f"{text!r} is not HOST[:PORT]")
    number = int(port) if port else default
    if not 0 < number < 65536:
        raise ValueError(f"port {number} is out of range")
    return host, number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("target", metavar="HOST[:PORT]", help="the server (port 25 by default)")
    how = parser.add_mutually_exclusive_group()
    how.add_argument(
        "--starttls", action="store_true", help="plaintext first, then STARTTLS (25, 587)"
    )
    how.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte (465)")
    parser.add_argument("--ca-file", type=Path, help="trust these roots (default: the system's)")
    parser.add_argument("--name", help="the name the certificate must cover (e.g. the MX name)")
    parser.add_argument(
        "--role",
        choices=("mx", "submission", "other"),
        help="what the port is for (default: mx on 25, submission on 587 and 465): a public MX "
        "must take mail without TLS, submission must not",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--lang", choices=LANGS, default="en", help="language of the report")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds for each connect and reply (10)"
    )


def run(args: argparse.Namespace) -> int:
    from sandbox.check.probe import CheckError
    from sandbox.check.report import check

    try:
        host, port = parse_target(args.target, args.implicit_tls)
    except ValueError as exc:
        print(f"smtp-tutor check: {exc}", file=sys.stderr)
        return USAGE_STATUS
    implicit = args.implicit_tls or (not args.starttls and port in IMPLICIT_PORTS)
    if not 0 < args.timeout <= 120:
        print("smtp-tutor check: --timeout must be between 0 and 120 seconds", file=sys.stderr)
        return USAGE_STATUS
    try:
        report = check(
            host,
            port,
            mode="implicit" if implicit else "starttls",
            name=args.name,
            ca_file=args.ca_file,
            timeout=args.timeout,
            role=args.role,
        )
    except CheckError as exc:
        print(f"smtp-tutor check: {exc.target}: {exc.detail}", file=sys.stderr)
        return NO_VERDICT
    except (ValueError, OSError) as exc:  # an unreadable --ca-file
        print(f"smtp-tutor check: {exc}", file=sys.stderr)
        return NO_VERDICT
    if args.json:
        print(json_text(report.to_json(args.lang)))
    else:
        print(render(report, args.lang))
    return EXIT_STATUS[report.worst().value]


# What JSON leaves raw with ensure_ascii=False but a terminal acts on: DEL and C1 controls (0x9b
# is CSI), bidi overrides and isolates, line separators, lone surrogates (X1)
_RAW_UNSAFE = re.compile(
    "[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


def json_text(data: object) -> str:
    """`data` as indented JSON whose Japanese stays readable and whose every character a
    terminal would act on is a `\\uXXXX` escape: the same data, safe to print (json already
    escapes C0 controls; a hostile server's names and replies carry the rest)."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _RAW_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _width(text: str) -> int:
    """Terminal columns: a wide (CJK) character takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def render(report: Report, lang: str) -> str:
    """The text report: a header, then each finding; ok ones in one line, the others with why,
    the fix, the Postfix and Exchange settings and the lesson."""
    from sandbox.check import words_en, words_ja
    from sandbox.check.findings import CheckLevel
    from sandbox.safety.text import escape_text
    from tutor.cli.check_words import LABELS

    words = LABELS.get(lang, LABELS["en"])
    obs = report.obs
    lines = [
        words["header"].format(
            target=escape_text(str(obs.target)), mode=words[obs.mode], name=escape_text(obs.name),
            connections=obs.connections,
        ),
        words["tls"].format(version=obs.tls_version, cipher=obs.cipher)
        if obs.tls_version else words["no_tls"],
        words["store"].format(store=report.store) if report.store else words["no_store"],
        "",
    ]  # fmt: skip
    width = max(_width(words[level.value]) for level in CheckLevel) + 2
    pad = " " * (width + 1)
    for finding in report.findings:
        text = finding.text(lang)
        tag = f"[{words[finding.level.value]}]"
        tag += " " * (width - _width(tag))
        lines.append(f"{tag} {escape_text(text.what)}")
        if finding.level is CheckLevel.OK:
            continue
        lines.append(f"{pad}{words['why']}: {text.why}")
        lines.append(f"{pad}{words['fix']}: {text.fix}")
        if text.fix not in (words_en.NOTHING, words_ja.NOTHING):  # no setting to change
            lines.append(f"{pad}{words['postfix']}: {finding.fix.postfix}")
            lines.append(f"{pad}{words['exchange']}: {finding.fix.exchange}")
        lines.append(f"{pad}{words['lesson']}: {finding.fix.lesson}")
    counts = {level.value: 0 for level in CheckLevel}
    for finding in report.findings:
        counts[finding.level.value] += 1
    lines += ["", words["summary"].format(**counts)]
    return "\n".join(lines)
