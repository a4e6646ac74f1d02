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

from sandbox.safety.files import create_private, data_dir, is_private

DEMO_USER = "learner"
ACCOUNT_FILE = "demo-account.json"


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    password: str = field(repr=False)  # kept out of reprs, tracebacks and logs (C4)


def demo_account(directory: Path | None = None) -> DemoAccount:
    """The demo account, generated on first use; a file others can read is replaced (J2)."""
    path = (directory or data_dir()) / ACCOUNT_FILE
    for _ in range(3):
        account = _read(path)
        if account is not None:
            return account
        account = DemoAccount(DEMO_USER, secrets.token_urlsafe(12))
        data = json.dumps({"username": account.username, "password": account.password})
        try:
            create_private(path, data.encode())
            return account
        except FileExistsError:
            continue  # another process wrote it first: read theirs
    raise RuntimeError(f"could not create the demo account file {path}")


def _read(path: Path) -> DemoAccount | None:
    try:
        if not is_private(path):
            path.unlink()
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        account = DemoAccount(str(data["username"]), str(data["password"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # unreadable or corrupt: a new demo password costs nothing
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
