"""The sandbox's only account: a generated demo user (properties.md C5).

The tutor never asks for a real password. The first run generates `learner` with a random
password, kept 0600 in the data dir so that `smtp-tutor sandbox` can print it for swaks or a mail
client, and the same one works next time.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.safety.files import create_private, data_dir, read_user_file

DEMO_USER = "learner"
ACCOUNT_FILE = "demo-account.json"
MAX_BYTES = 4096  # a user name and a password


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    password: str = field(repr=False)  # kept out of reprs, tracebacks and logs (C4)


def demo_account(directory: Path | None = None) -> DemoAccount:
    """The demo account, generated on first use; a file others can read is replaced (J2), and so
    is a link, a FIFO or anything but a small private file of the user's own (J5)."""
    path = (directory or data_dir()) / ACCOUNT_FILE
    for _ in range(3):
        account = _read(path)
        if account is not None:
            return account
        account = DemoAccount(DEMO_USER, generated_password())
        data = json.dumps({"username": account.username, "password": account.password})
        try:
            create_private(path, data.encode())
            return account
        except FileExistsError:
            continue  # another process wrote it first: read theirs
    raise RuntimeError(f"could not create the demo account file {path}")


def generated_password() -> str:
    """A random password for a sandbox account; never one starting with '-', which swaks (and
    any command line) would read as an option: `--auth-password -x...` fails (Q3)."""
    while (password := secrets.token_urlsafe(12)).startswith("-"):
        pass
    return password


def _read(path: Path) -> DemoAccount | None:
    try:
        # Never through a link: one planted here would let its author choose the password.
        data = json.loads(read_user_file(path, MAX_BYTES, private=True).decode("utf-8"))
        account = DemoAccount(str(data["username"]), str(data["password"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, RecursionError):  # json nests by recursion
        with contextlib.suppress(OSError):
            path.unlink()  # unsafe, unreadable or corrupt (a link goes, not its target)
        return None
    if account.password.startswith("-"):  # from before generated_password: make a new one
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return account if account.username and account.password else None


def check_password(accounts: Mapping[str, str], username: bytes, password: bytes) -> bool:
    """Constant-time check of raw AUTH credentials against the known accounts."""
    try:
        expected = accounts.get(username.decode("utf-8"))
    except UnicodeDecodeError:
        expected = None
    # Compare even for an unknown user, so the timing does not tell which user names exist.
    reference = expected.encode("utf-8") if expected is not None else password + b"\0"
    return hmac.compare_digest(reference, password) and expected is not None
