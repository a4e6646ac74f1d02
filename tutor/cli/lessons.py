"""`smtp-tutor lessons check|show|new`: check a lesson pack, print a lesson as plain text,
start a new pack."""

from __future__ import annotations

import argparse
import sys

from tutor.model.langs import LANGS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="{check,show,new}", required=True)
    check = actions.add_parser(
        "check",
        help="check every lesson, the manifest and the glossary; print each problem as file:line",
        description="Check every lesson of every language in DIR (default: the built-in course), "
        "its pack.toml and its glossary. Prints each problem as 'file:line: message' and exits 1 "
        "if there is any.",
    )
    check.add_argument("dir", nargs="?", metavar="DIR", help="a lessons folder with en/ and ja/")
    show = actions.add_parser(
        "show",
        help="print a lesson as plain text (for printing, reading offline, screen readers)",
        description="Print lesson ID (its id, or its number in the course list) as plain text, "
        "from top to bottom: prose, questions and answers, quizzes with their choices, "
        "walk-throughs, labs described; the answers come last.",
    )
    show.add_argument("lesson", metavar="ID", help="a lesson id (starttls) or number (6)")
    show.add_argument("--lang", choices=LANGS, help="the lesson's language (default: the locale)")
    show.add_argument("--lessons", metavar="DIR", help="a lesson pack instead of the built-in one")
    new = actions.add_parser(
        "new",
        help="start a lesson pack in DIR: a manifest, one lesson in each language, a glossary",
        description="Create DIR (new, or empty) with a pack.toml, one lesson in each language and "
        "a glossary, ready for 'smtp-tutor lessons check DIR' and 'smtp-tutor --lessons DIR'.",
    )
    new.add_argument("dir", metavar="DIR", help="the pack's folder (new, or empty)")
    new.add_argument("--id", help="the pack's id (default: from the folder's name)")
    new.add_argument("--title", help="the pack's title (default: the folder's name)")


def run(args: argparse.Namespace) -> int:
    match args.action:
        case "show":
            return _show(args)
        case "new":
            return _new(args)
        case _:
            return _check(args)


def _check(args: argparse.Namespace) -> int:
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


def _show(args: argparse.Namespace) -> int:
    from sandbox.safety.text import escape_text
    from tutor.model.course import load_course
    from tutor.model.settings import choose_language
    from tutor.ui.plain_lesson import plain_lesson  # no Textual: plain text only

    lang = choose_language(args.lang, None)
    course = load_course(args.lessons, lang)
    if not course.lessons:
        for problem in course.problems:
            print(f"smtp-tutor: {problem}", file=sys.stderr)
        print("smtp-tutor: no lessons to show", file=sys.stderr)
        return 1
    lesson = course.find(args.lesson)
    if lesson is None:
        first, last = course.lessons[0], course.lessons[-1]
        print(
            f"smtp-tutor: there is no lesson {args.lesson!r}: give its number"
            f" ({first.number}-{last.number}) or its id, such as {last.id!r}",
            file=sys.stderr,
        )
        return 1
    text = plain_lesson(lesson, lang)
    # A pack's text reaches the terminal: its control characters are shown, not obeyed (I5).
    print("\n".join(s if s.isprintable() else escape_text(s) for s in text.split("\n")), end="")
    return 0


def _new(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tutor.model.scaffold import ScaffoldError, scaffold

    try:
        made = scaffold(Path(args.dir), pack_id=args.id, title=args.title)
    except ScaffoldError as exc:
        print(f"smtp-tutor: {exc}", file=sys.stderr)
        return 1
    for path in made:
        print(f"created {path}")
    print(f"next: smtp-tutor lessons check {args.dir}; smtp-tutor --lessons {args.dir}")
    return 0
