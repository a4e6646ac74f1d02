"""`smtp-tutor progress export|merge`: a learner's progress as a file to hand in, and a teacher's
class table made from the files handed in.

`export` reads the learner's progress (their own folder with `--learner NAME` or
SMTP_TUTOR_LEARNER, as `serve` keeps it; else the data dir's) and scores it against the course
(`--lessons DIR` for a teacher's pack): JSON or CSV, to stdout or `--out FILE` (written
atomically, 0600). `merge` reads JSON exports and prints one table: learner, lesson, score, done.
A file that cannot be read is one line on stderr, the others are still merged, and the status
is 1. Nothing here writes to a file it was given to read.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tutor.model.langs import LANGS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="{export,merge}", required=True)
    export = actions.add_parser(
        "export",
        help="your progress as a file to hand in (JSON or CSV)",
        description="Print your progress in the course (or write it to FILE): per lesson the "
        "steps done, the score, quizzes right at the first try, lab goals met, challenges "
        "passed, time spent, and a graded lesson's pass; with the export's format version and "
        "the pack's id and version.",
    )
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--out", metavar="FILE", help="write here (0600) instead of stdout")
    export.add_argument(
        "--learner",
        metavar="NAME",
        help="the learner whose progress to export (as 'serve' keeps it; default: "
        "SMTP_TUTOR_LEARNER, else this computer's user with the tutor's own progress)",
    )
    export.add_argument("--lessons", metavar="DIR", help="a lesson pack, not the built-in one")
    export.add_argument("--lang", choices=LANGS, default="en", help="the lesson titles' language")
    merge = actions.add_parser(
        "merge",
        help="one class table from learners' JSON exports",
        description="Read the JSON exports FILES and print one table: learner, lesson, score, "
        "done. A file that cannot be read is named on stderr with the reason; the others are "
        "still in the table, and the exit status is 1.",
    )
    merge.add_argument("files", nargs="+", metavar="FILE")
    merge.add_argument("--csv", action="store_true", help="print CSV instead of a text table")


def _fail(message: str) -> int:
    print(f"smtp-tutor progress: {message}", file=sys.stderr)
    return 1


def _user(getuser: Callable[[], str]) -> str:
    try:
        return getuser() or "learner"
    except (OSError, KeyError):  # no user name in a bare container
        return "learner"


def _export(args: argparse.Namespace) -> int:
    import getpass

    from sandbox.safety.files import atomic_write
    from tutor.model import progress as pg
    from tutor.model.course import load_course
    from tutor.model.learners import LEARNER_ENV, LearnerNameError, learner_progress_path
    from tutor.model.progress_export import build_export, export_csv, export_json

    name = args.learner or os.environ.get(LEARNER_ENV) or None
    try:
        path = learner_progress_path(name) if name else pg.default_path()
    except LearnerNameError as exc:
        return _fail(str(exc))
    try:
        progress = pg.read(path)  # a damaged file is left where it is for the tutor to handle
    except FileNotFoundError:
        return _fail(
            f"no progress to export yet ({path} does not exist): finish a step in the tutor "
            "first (smtp-tutor)"
        )
    except (OSError, ValueError) as exc:
        return _fail(f"cannot read your progress: {exc}")
    course = load_course(args.lessons, args.lang)
    if not course.lessons:
        problems = "; ".join(str(p) for p in course.problems[:3]) or "no lessons"
        return _fail(f"no course to score against: {problems}")
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    export = build_export(progress, course, name or _user(getpass.getuser), stamp)
    text = export_csv(export) if args.format == "csv" else export_json(export)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    if out.is_dir():
        return _fail(f"--out {args.out}: a folder; name a file")
    try:
        atomic_write(out, text.encode("utf-8"))  # a link at FILE is replaced, never followed
    except OSError as exc:
        return _fail(f"--out {args.out}: cannot write ({exc.strerror or exc})")
    print(f"smtp-tutor progress: written to {out}", file=sys.stderr)
    return 0


def _merge(args: argparse.Namespace) -> int:
    from tutor.model.progress_export import (
        ExportError,
        ExportSummary,
        class_table,
        read_export,
        table_csv,
        table_text,
    )

    good: list[ExportSummary] = []
    bad = 0
    for name in args.files:
        try:
            good.append(read_export(Path(name), name))
        except ExportError as exc:
            bad += 1
            _fail(str(exc))
    table = class_table(good)
    for note in table.notes:
        print(f"smtp-tutor progress: {note}", file=sys.stderr)
    if good:
        sys.stdout.write(table_csv(table) if args.csv else table_text(table))
    if bad:
        return _fail(f"{bad} of {len(args.files)} files left out (see above)")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action == "export":
        return _export(args)
    return _merge(args)
