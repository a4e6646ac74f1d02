"""The `smtp-tutor` command: the TUI by default, plus headless subcommands.

Each subcommand lives in its own module exposing `add_arguments(parser)` and `run(args) -> int`;
those modules import their heavy dependencies inside `run`, so `--help` stays fast and the headless
commands never load Textual.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from sandbox.safety.errors import UnsafeDataDirError  # tiny too
from tutor.model.langs import LANGS  # pure and tiny: --help stays fast

# subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("tutor.cli.demo", "run a scripted sandbox session and print what crosses the wire"),
    "sandbox": ("tutor.cli.sandbox", "run the sandbox mail server alone, for real mail clients"),
    "lessons": ("tutor.cli.lessons", "check lesson files (smtp-tutor lessons check [DIR])"),
}


def _module(name: str) -> ModuleType:
    return importlib.import_module(SUBCOMMANDS[name][0])


def _tui_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="smtp-tutor",
        description="Learn SMTP, TLS and STARTTLS with a live sandbox mail server.",
        epilog="subcommands: "
        + "; ".join(f"{name}: {help_}" for name, (_, help_) in SUBCOMMANDS.items())
        + ". Run 'smtp-tutor SUBCOMMAND --help' for each.",
    )
    p.add_argument("--lang", choices=LANGS, help="lesson language (default: from the locale)")
    p.add_argument(
        "--lessons", metavar="DIR", help="use the lessons in DIR instead of the built-in course"
    )
    p.add_argument("lesson_id", nargs="?", metavar="LESSON_ID", help="open this lesson directly")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except UnsafeDataDirError as exc:  # properties.md J5: one clear line, no traceback
        print(f"smtp-tutor: {exc}", file=sys.stderr)
        return 1


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in SUBCOMMANDS:
        name = args_list[0]
        module = _module(name)
        parser = argparse.ArgumentParser(
            prog=f"smtp-tutor {name}", description=SUBCOMMANDS[name][1]
        )
        module.add_arguments(parser)
        args = parser.parse_args(args_list[1:])
        return int(module.run(args))
    args = _tui_parser().parse_args(args_list)
    from tutor.ui.run import run  # Textual is imported only on this path

    return int(run(args))


if __name__ == "__main__":
    sys.exit(main())
