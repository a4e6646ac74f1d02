"""properties.md J1, J2 and J5 where the sandbox keeps its files: what someone planted in the data
dir (a link to their own file, a link where a lock file goes) is never followed, and the Maildir
is private from its root."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from sandbox.pki.certs import ensure_certs, load_key
from sandbox.smtpd.accounts import ACCOUNT_FILE, demo_account
from sandbox.smtpd.mailbox import Maildir


def test_j5_a_linked_demo_account_is_refused_and_regenerated(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    planted = tmp_path / "attacker.json"
    planted.write_text(json.dumps({"username": "learner", "password": "chosen-by-attacker"}))
    planted.chmod(0o600)
    (data / ACCOUNT_FILE).symlink_to(planted)
    account = demo_account(data)
    assert account.password != "chosen-by-attacker"
    assert not (data / ACCOUNT_FILE).is_symlink()
    assert stat.S_IMODE((data / ACCOUNT_FILE).stat().st_mode) == 0o600
    assert json.loads((data / ACCOUNT_FILE).read_text())["password"] == account.password
    assert "chosen-by-attacker" in planted.read_text()  # the target is left alone
    assert demo_account(data) == account  # and the new one is the one used from now on


def test_j5_a_fifo_or_a_huge_demo_account_is_regenerated(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    os.mkfifo(data / ACCOUNT_FILE, 0o600)
    first = demo_account(data)  # would block forever reading a FIFO
    assert stat.S_ISREG((data / ACCOUNT_FILE).lstat().st_mode)
    (data / ACCOUNT_FILE).unlink()
    big = {"username": "learner", "password": "p" * 100_000}
    (data / ACCOUNT_FILE).write_text(json.dumps(big))
    (data / ACCOUNT_FILE).chmod(0o600)
    second = demo_account(data)
    assert second.password != big["password"]
    assert first.password != second.password


def test_j5_certs_lock_is_never_opened_through_a_link(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    (certs / ".lock").symlink_to(victim)
    bundle = ensure_certs(certs)
    assert not victim.exists()  # O_CREAT through the link would have made it
    assert stat.S_ISREG((certs / ".lock").lstat().st_mode)
    assert load_key(bundle.server_key)


def test_j5_a_linked_key_is_not_used_and_its_target_not_touched(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    bundle = ensure_certs(certs)
    planted_dir = tmp_path / "planted"
    planted_dir.mkdir()
    planted = planted_dir / "ca.key"
    planted.write_bytes(bundle.ca_key.read_bytes())  # a valid, private key of someone else's
    planted.chmod(0o600)
    before = bundle.ca_cert.read_bytes()
    bundle.ca_key.unlink()
    bundle.ca_key.symlink_to(planted)
    ensure_certs(certs)
    assert not bundle.ca_key.is_symlink()  # replaced by a new key, so by a new CA
    assert bundle.ca_cert.read_bytes() != before
    assert planted.read_bytes() != bundle.ca_key.read_bytes()


def test_j1_maildir_root_is_private_whatever_the_umask(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    old = os.umask(0)
    try:
        Maildir(data / "Maildir")
    finally:
        os.umask(old)
    assert stat.S_IMODE((data / "Maildir").stat().st_mode) == 0o700
    for sub in ("tmp", "new", "cur"):
        assert stat.S_IMODE((data / "Maildir" / sub).stat().st_mode) == 0o700


def test_j1_a_maildir_root_left_open_by_an_older_version_is_closed(tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    root.mkdir()
    root.chmod(0o755)
    Maildir(root)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
