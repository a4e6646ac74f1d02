"""`smtp-tutor mailbox [--learner NAME] [list | show ID]`: the mail the sandbox caught.

`list` (the default) prints one line per message: its number, queue id, size, the TLS the
sandbox's `Received:` line records (or PLAINTEXT), sender, recipients and subject. `show ID` (the
number or the queue id) prints the message: every header as it is in the file, the trace headers
first, then the body. `--learner NAME` reads that learner's Maildir of a shared sandbox
(`sandbox --learners N`); `--room` lists every learner's count. Everything the client sent is
shown escaped (sandbox.safety.text, I5): never a raw control byte.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from sandbox.mailstore.reader import CaughtMail, MailboxError, MailFile, find, list_files, read_mail

MAX_SHOWN = 2_000  # body lines `show` prints unless --all


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", nargs="?", default="list", choices=("list", "show"), help="list (default) or show"
    )
    parser.add_argument("id", nargs="?", metavar="ID", help="for show: the number or queue id")
    parser.add_argument(
        "--learner", metavar="NAME", help="a learner's mailbox in a shared sandbox (--learners)"
    )
    parser.add_argument(
        "--room", action="store_true", help="every learner's mailbox of the shared sandbox: counts"
    )
    parser.add_argument("--maildir", type=Path, metavar="DIR", help="read this Maildir instead")
    parser.add_argument(
        "--all", action="store_true", help=f"show: the whole body (default: {MAX_SHOWN} lines)"
    )


def mailbox_root(args: argparse.Namespace) -> Path:
    """The Maildir the options name; `ValueError` (one line) for a bad learner name."""
    from sandbox.safety.files import data_dir
    from sandbox.smtpd.learners import UNCLAIMED, check_name, room_dir

    if args.maildir is not None:
        return Path(args.maildir)
    if args.learner is not None:
        name = args.learner if args.learner == UNCLAIMED else check_name(args.learner)
        return room_dir() / "mail" / name
    return data_dir() / "Maildir"


def run(args: argparse.Namespace) -> int:
    if args.room:
        return print_room(sys.stdout)
    if args.action == "show" and not args.id:
        print(
            "smtp-tutor mailbox: show wants an ID (a number from 'list', or a queue id)",
            file=sys.stderr,
        )
        return 2
    try:
        root = mailbox_root(args)
        if args.action == "list":
            print_list(root, list_files(root), sys.stdout)
            return 0
        mail = read_mail(find(root, args.id))
    except (ValueError, MailboxError) as exc:
        print(f"smtp-tutor mailbox: {exc}", file=sys.stderr)
        return 1
    print_mail(mail, sys.stdout, limit=None if args.all else MAX_SHOWN)
    return 0


def print_list(root: Path, files: list[MailFile], out: TextIO) -> None:
    if not files:
        out.write(f"No mail in {root} yet.\n")
        return
    out.write(f"{len(files)} message(s) in {root}:\n")
    for number, file in enumerate(files, 1):
        try:
            mail = read_mail(file)
        except MailboxError as exc:
            out.write(f"{number:>4}  {file.id}  (cannot read: {exc})\n")
            continue
        out.write(summary_line(number, mail) + "\n")


def summary_line(number: int, mail: CaughtMail) -> str:
    tls = "{} {}".format(*mail.tls) if mail.tls else "PLAINTEXT"
    sender = mail.header("Return-Path") or mail.header("From")
    subject = mail.header("Subject") or "(no subject)"
    to = mail.header("To") or "?"
    return (
        f"{number:>4}  {mail.file.id}  {mail.file.size:>7} B  {tls:32}  {sender} -> {to}  {subject}"
    )


def print_mail(mail: CaughtMail, out: TextIO, *, limit: int | None) -> None:
    out.write(f"=== Message {mail.file.id} ({mail.file.size} bytes), {mail.file.path}\n")
    if mail.tls:
        version, cipher = mail.tls
        out.write(
            f"=== Received over {version} with cipher {cipher} (the sandbox's Received: line)\n"
        )
    else:
        out.write("=== The sandbox received it in PLAINTEXT: its Received: line names no TLS\n")
    for header in mail.headers:
        for line in header.lines:
            out.write(line + "\n")
    if mail.cut:
        out.write("=== (more header lines than are shown)\n")
    out.write("\n")
    body = mail.body if limit is None else mail.body[:limit]
    for line in body:
        out.write(line + "\n")
    if len(body) < len(mail.body):
        out.write(f"=== {len(mail.body) - len(body):,} lines more (--all shows them)\n")


def print_room(out: TextIO) -> int:
    """Each learner's mailbox of the shared sandbox, with how many messages it holds."""
    import os

    from sandbox.smtpd.learners import room_dir

    root = room_dir() / "mail"
    try:
        names = sorted(e.name for e in os.scandir(root) if e.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        out.write(f"No shared sandbox has run here yet ({root}): smtp-tutor sandbox --learners N\n")
        return 0
    except OSError as exc:
        print(f"smtp-tutor mailbox: cannot read {root}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for name in names:
        try:
            count = str(len(list_files(root / name)))
        except MailboxError as exc:
            count = f"cannot read: {exc}"
        out.write(f"  {name:12} {count}\n")
    return 0
