"""A shared sandbox for a room: N generated learner accounts, each learner's mail kept apart.

`smtp-tutor sandbox --learners N` serves a classroom from one machine. Each learner gets an
account (`learner01`...) with a generated password (C5: the tutor never asks for a real one),
kept 0600 in the data dir so a restart prints the same table, and a Maildir of their own:

    room/learners.json        the accounts (0600)
    room/mail/learner07/      learner07's Maildir: new/, cur/, tmp/ (0700)
    room/mail/unclaimed/      mail nobody's account can claim (sent without AUTH to no learner)

A message belongs to the learner who authenticated to send it; without AUTH, to the first
recipient whose address names a learner (`learner07@sandbox.test`); else to `unclaimed`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.safety.files import atomic_write, data_dir, ensure_private_dir, locked, read_user_file
from sandbox.smtpd.accounts import generated_password
from sandbox.smtpd.mailbox import Maildir, StoredMessage

ROOM_DIR = "room"
ACCOUNTS_FILE = "learners.json"
MAIL_DIR = "mail"
UNCLAIMED = "unclaimed"
MAX_LEARNERS = 200  # a big lecture hall; the server's connection cap grows with it
MAX_FILE = 64 * 1024  # 200 names and passwords
# Each learner's Maildir: plenty for a day of exercises, bounded so one learner cannot fill the disk
LEARNER_FILES = 2_000
LEARNER_BYTES = 64 * 1024 * 1024
_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")


@dataclass(frozen=True, slots=True)
class Learner:
    """One learner's generated account."""

    name: str
    password: str = field(repr=False)  # never in a repr, a traceback or a log (C4)


def room_dir(base: Path | None = None) -> Path:
    return (base or data_dir()) / ROOM_DIR


def check_name(name: str) -> str:
    """`name` if it can be a learner's name (and a folder name); else a one-line ValueError."""
    if not _NAME.fullmatch(name) or name == UNCLAIMED:
        raise ValueError(
            f"not a learner name: {name[:40]!r} (lower-case letters, digits and '-', "
            "starting with a letter, at most 32)"
        )
    return name


def learner_names(count: int) -> list[str]:
    """`learner01`... `learnerNN`: numbered so a table sorts as the room sits."""
    if not 1 <= count <= MAX_LEARNERS:
        raise ValueError(f"--learners wants 1 to {MAX_LEARNERS}, not {count}")
    width = max(2, len(str(count)))
    return [f"learner{i:0{width}d}" for i in range(1, count + 1)]


def room_accounts(count: int, base: Path | None = None) -> tuple[Learner, ...]:
    """The first `count` learners' accounts: those kept from an earlier run, new ones generated.

    A file that is not private, is a link, is damaged or too big is replaced (as the demo
    account's is): the passwords are generated anyway, nothing of the learner's is lost.
    """
    names = learner_names(count)
    directory = ensure_private_dir(room_dir(base))
    path = directory / ACCOUNTS_FILE
    with locked(directory):
        kept = _read(path)
        learners = tuple(Learner(name, kept.get(name) or generated_password()) for name in names)
        if any(kept.get(learner.name) != learner.password for learner in learners):
            everyone = kept | {learner.name: learner.password for learner in learners}
            data = [{"name": n, "password": p} for n, p in sorted(everyone.items())]
            atomic_write(path, json.dumps({"learners": data}, indent=1).encode(), mode=0o600)
    return learners


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(read_user_file(path, MAX_FILE, private=True).decode("utf-8"))
        rows = data["learners"]
        kept = {str(row["name"]): str(row["password"]) for row in rows}
    except (OSError, ValueError, KeyError, TypeError, RecursionError):  # missing, unsafe, damaged
        return {}
    # a password starting with '-' reads as an option on a command line: made anew
    return {n: p for n, p in kept.items() if _NAME.fullmatch(n) and p and p[0] != "-"}


def learner_address(name: str, domain: str = "sandbox.test") -> str:
    return f"{name}@{domain}"


class LearnerMaildirs:
    """Each learner's Maildir under `root` (`room/mail/`), and which one a message goes to."""

    def __init__(
        self,
        root: Path,
        names: Iterable[str],
        *,
        max_files: int = LEARNER_FILES,
        max_bytes: int = LEARNER_BYTES,
    ) -> None:
        self.root = ensure_private_dir(root)
        self._dirs = {
            name: Maildir(root / name, max_files=max_files, max_bytes=max_bytes)
            for name in (*names, UNCLAIMED)
        }

    def owner(self, msg: StoredMessage) -> str:
        """Whose mail `msg` is (see the module docstring)."""
        if msg.authenticated_as in self._dirs and msg.authenticated_as != UNCLAIMED:
            return msg.authenticated_as
        for rcpt in msg.rcpt_tos:
            local = rcpt.strip("<>").rpartition("@")[0].lower()
            if local in self._dirs and local != UNCLAIMED:
                return local
        return UNCLAIMED

    def maildir(self, name: str) -> Maildir:
        return self._dirs[name]

    def route(self, msg: StoredMessage) -> Maildir:
        """The Maildir `msg` is kept in: `SandboxServer.route`."""
        return self._dirs[self.owner(msg)]
