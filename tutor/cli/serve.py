"""`smtp-tutor serve [--host 127.0.0.1] [--port 8000]`: the tutor in a web browser, for rooms
where learners have a browser but no terminal (issue 14, section 1; properties.md R1-R4).

Each browser tab gets its own tutor process (textual-serve), started as the learner the page's
`?learner=NAME` names, or asking for a name first; each learner's progress lives in their own
folder (tutor/model/learners.py). Like the sandbox, it listens on loopback unless
`--allow-non-loopback` says otherwise, and then it warns (R3, as K1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

from sandbox.safety.loopback import is_loopback
from tutor.cli.sandbox_options import port_number
from tutor.model.langs import LANGS


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: at least 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; loopback only unless --allow-non-loopback)",
    )
    parser.add_argument(
        "--port", type=port_number, default=8000, help="port to listen on (default 8000; 0: any)"
    )
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow --host on an address other machines can reach (prints a warning)",
    )
    parser.add_argument(
        "--max-learners",
        type=_count,
        default=40,
        metavar="N",
        help="tutors running at once, one per browser tab (default 40)",
    )
    parser.add_argument("--lang", choices=LANGS, help="course language for every learner")
    parser.add_argument("--lessons", metavar="DIR", help="serve the lessons in DIR")


def tutor_args(args: argparse.Namespace) -> list[str]:
    """What each served tutor is started with, besides the learner."""
    out: list[str] = []
    if args.lang:
        out += ["--lang", args.lang]
    if args.lessons:
        out += ["--lessons", args.lessons]
    return out


def run(args: argparse.Namespace) -> int:
    if not is_loopback(args.host):
        if not args.allow_non_loopback:
            print(
                f"smtp-tutor serve: cannot listen on {args.host}: {args.host} is not a loopback"
                " address: add --allow-non-loopback to let other machines reach the tutor",
                file=sys.stderr,
            )
            return 1
        print(
            f"smtp-tutor serve: WARNING: listening on {args.host}, reachable from other machines."
            " Anyone who can reach it can start tutors; a learner's name is not a password.",
            file=sys.stderr,
        )
    if args.lessons:
        from tutor.cli.main import _check_lessons_dir  # the TUI's own check, the same words

        if problem := _check_lessons_dir(args.lessons):
            print(f"smtp-tutor serve: {problem}", file=sys.stderr)
            return 1
    from tutor.model.learners import LEARNER_ENV

    # Every tutor inherits this environment: a learner named here would be every tab's learner
    # (R2), so each tab's learner comes from its own URL or dialog only.
    os.environ.pop(LEARNER_ENV, None)
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 0


async def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from tutor.cli.serve_web import ServeConfig, make_app

    config = ServeConfig(tutor_args=tutor_args(args), max_learners=args.max_learners)
    runner = web.AppRunner(make_app(config), handle_signals=False, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        print(
            f"smtp-tutor serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
            " (--port 0 picks any free port)",
            file=sys.stderr,
        )
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    host, port = runner.addresses[0][:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving smtp-tutor on http://{shown}:{port}/", flush=True)
    print(f"  one learner per tab: http://{shown}:{port}/?learner=NAME (or the tutor asks)")
    print("  Ctrl-C stops it", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()  # closes every tab's websocket: each tutor is told to quit
    return 0
