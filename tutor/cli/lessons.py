"""`smtp-tutor lessons check [DIR]`: check a lessons folder and print every problem."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="check", required=True)
    check = actions.add_parser(
        "check",
        help="check every lesson; print each problem as file:line: message",
        description="Check every lesson of every language in DIR (default: the built-in course). "
        "Prints each problem as 'file:line: message' and exits 1 if there is any.",
    )
    check.add_argument("dir", nargs="?", metavar="DIR", help="a lessons folder with en/ and ja/")


def run(args: argparse.Namespace) -> int:
    from tutor.model.course import display_path, packaged_lessons_dir
    from tutor.model.validate import validate

    if args.dir:
        report = validate(args.dir, shown_root=args.dir.rstrip("/") or "/")
    else:
        root = packaged_lessons_dir()
        report = validate(root, shown_root=display_path(root))
    for error in report.errors:
        print(error)
    print(report.summary())
    return 0 if report.ok else 1
