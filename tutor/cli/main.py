"""The `smtp-tutor` command: the TUI by default, plus headless subcommands.

Each subcommand lives in its own module exposing `add_arguments(parser)` and `run(args) -> int`;
those modules import their heavy dependencies inside `run`, so `--help` stays fast and the headless
commands never load Textual.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import NoReturn

from sandbox.safety.errors import UnsafeDataDirError  # tiny too
from tutor.model.langs import LANGS  # pure and tiny: --help stays fast

# subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("tutor.cli.demo", "run a scripted sandbox session and print what crosses the wire"),
    "sandbox": ("tutor.cli.sandbox", "run the sandbox mail server alone, for real mail clients"),
    "lessons": ("tutor.cli.lessons", "check, show or start lesson packs (lessons check|show|new)"),
    "exchange": ("tutor.cli.exchange", "check or show Exchange connectors (exchange check SCRIPT)"),
    "postfix": ("tutor.cli.postfix", "check a Postfix main.cf/master.cf (postfix check MAIN_CF)"),
    "mta-sts": ("tutor.cli.mtasts", "check an MTA-STS policy file; practise it in the lab world"),
    "dane": ("tutor.cli.dane", "TLSA records: compute one, check a server against one, a lab"),
    "watch": ("tutor.cli.watch", "watch your own client live at the sandbox server's socket"),
    "mailbox": ("tutor.cli.mailbox", "the mail the sandbox caught, with headers (list|show ID)"),
    "check": ("tutor.cli.check", "a report card for a mail server's TLS (check HOST[:PORT])"),
    "serve": ("tutor.cli.serve", "serve the tutor in a web browser, one learner per tab"),
    "progress": ("tutor.cli.progress", "export your progress to hand in; merge exports (teachers)"),
}


def _module(name: str) -> ModuleType:
    return importlib.import_module(SUBCOMMANDS[name][0])


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("smtp-tutor")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _tui_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="smtp-tutor",
        description="Learn SMTP, TLS and STARTTLS with a live sandbox mail server.",
        epilog="subcommands: "
        + "; ".join(f"{name}: {help_}" for name, (_, help_) in SUBCOMMANDS.items())
        + ". Run 'smtp-tutor SUBCOMMAND --help' for each.",
    )
    p.add_argument("--version", action="version", version=f"smtp-tutor {version()}")
    p.add_argument("--lang", choices=LANGS, help="lesson language (default: from the locale)")
    p.add_argument(
        "--lessons", metavar="DIR", help="use the lessons in DIR instead of the built-in course"
    )
    p.add_argument(
        "--learner",
        metavar="NAME",
        help="keep progress as this learner (default: $SMTP_TUTOR_LEARNER, else your own)",
    )
    p.add_argument("--ask-learner", action="store_true", help="ask the learner's name first")
    p.add_argument("lesson_id", nargs="?", metavar="LESSON_ID", help="open this lesson directly")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status: 0 done, 1 failed (one line on stderr), 2 usage (argparse's), 130 Ctrl-C."""
    try:
        return _main(argv)
    except UnsafeDataDirError as exc:  # properties.md J5: one clear line, no traceback
        print(f"smtp-tutor: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `smtp-tutor demo starttls | head -1`: the reader has all it wanted
        quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print("smtp-tutor: interrupted", file=sys.stderr)
        return 130


def quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (captured in tests): nothing to flush
        pass


def _check_lessons_dir(text: str | None) -> str | None:
    """Why `--lessons DIR` cannot be a course, or None when it can."""
    if text is None:
        return None
    path = Path(text)
    if not path.is_dir():
        return f"--lessons {text}: no such directory"
    from tutor.model.course import available_languages

    if not available_languages(path):
        folders = ", ".join(f"{lang}/" for lang in LANGS)
        return f"--lessons {text}: no lessons in it (a course has {folders} with NN-name.md files)"
    from tutor.model.pack import read_pack  # a broken pack.toml, or one for a newer tutor

    manifest = read_pack(path, text)
    if manifest.pack is None:
        return f"--lessons {text}: " + "; ".join(str(e) for e in manifest.errors)
    return None


class CommandHelp(argparse.HelpFormatter):
    """--help wrapped at spaces only: a command in an example stays whole ('smtp-tutor')."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        return textwrap.fill(
            " ".join(text.split()), width, initial_indent=indent, subsequent_indent=indent,
            break_on_hyphens=False,
        )  # fmt: skip

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


class _SubParser(argparse.ArgumentParser):
    usage_status = 2

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(self.usage_status, f"{self.prog}: error: {message}\n")


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in SUBCOMMANDS:
        name = args_list[0]
        module = _module(name)
        parser = _SubParser(
            prog=f"smtp-tutor {name}", description=SUBCOMMANDS[name][1], formatter_class=CommandHelp
        )
        # a command whose statuses mean findings (check: 2 = a problem) says usage its own way
        parser.usage_status = int(getattr(module, "USAGE_STATUS", 2))
        module.add_arguments(parser)
        args = parser.parse_args(args_list[1:])
        return int(module.run(args))
    args = _tui_parser().parse_args(args_list)
    problem = _check_lessons_dir(args.lessons)
    if problem:
        print(f"smtp-tutor: {problem}", file=sys.stderr)
        return 1
    from tutor.ui.run import run  # Textual is imported only on this path

    return int(run(args))


if __name__ == "__main__":
    sys.exit(main())
