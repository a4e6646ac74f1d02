"""A shared sandbox's learners (properties.md Q3, Q4): generated accounts kept private, and each
learner's mail routed to a Maildir of their own, on a real server over real sockets."""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
import ssl
import stat
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sandbox.pki.certs import CertBundle
from sandbox.smtpd.learners import (
    UNCLAIMED,
    LearnerMaildirs,
    check_name,
    learner_names,
    room_accounts,
    room_dir,
)
from sandbox.smtpd.mailbox import StoredMessage
from sandbox.smtpd.server import SandboxServer


def _msg(auth: str | None, *rcpts: str) -> StoredMessage:
    return StoredMessage("Q1", "a@b.test", rcpts, b"x\r\n", True, "TLSv1.3", "X", auth, "p", "h")


def test_q3_accounts_are_generated_private_and_kept_across_runs(data_dir: Path) -> None:
    first = room_accounts(3)
    assert [learner.name for learner in first] == ["learner01", "learner02", "learner03"]
    assert len({learner.password for learner in first}) == 3
    assert all(len(learner.password) >= 16 for learner in first)
    assert "password" not in repr(first[0]) and first[0].password not in repr(first[0])  # C4
    path = room_dir() / "learners.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert room_accounts(3) == first  # a restart prints the same table
    more = room_accounts(5)
    assert more[:3] == first and len(more) == 5
    assert room_accounts(2) == first[:2]


@pytest.mark.parametrize(
    "damage",
    [
        b"not json",
        b"\xff\xfe\x00",
        b'{"learners": 5}',
        b'{"learners": [{"name": 1}]}',
        b"[]",
        pytest.param(b"[" * 3_000, id="nested-3000-deep"),
    ],
)
def test_q3_a_damaged_accounts_file_is_replaced(data_dir: Path, damage: bytes) -> None:
    room_dir().mkdir(parents=True, mode=0o700)
    path = room_dir() / "learners.json"
    path.write_bytes(damage)
    path.chmod(0o600)
    learners = room_accounts(2)
    assert [learner.name for learner in learners] == ["learner01", "learner02"]
    assert json.loads(path.read_text())["learners"][0]["name"] == "learner01"


def test_q3_a_linked_or_loose_accounts_file_is_not_trusted(data_dir: Path, tmp_path: Path) -> None:
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps({"learners": [{"name": "learner01", "password": "chosen"}]}))
    planted.chmod(0o600)
    room_dir().mkdir(parents=True, mode=0o700)
    (room_dir() / "learners.json").symlink_to(planted)
    assert room_accounts(1)[0].password != "chosen"
    assert planted.read_text().count("chosen") == 1  # the link's target is never written
    loose = room_dir() / "learners.json"
    loose.unlink()
    loose.write_text(json.dumps({"learners": [{"name": "learner01", "password": "chosen"}]}))
    loose.chmod(0o644)
    assert room_accounts(1)[0].password != "chosen"


@pytest.mark.parametrize("count", [0, -1, 201])
def test_q3_learner_count_is_bounded(count: int) -> None:
    with pytest.raises(ValueError, match="--learners wants 1 to 200"):
        learner_names(count)


@pytest.mark.parametrize(
    "name", ["", "Learner01", "../x", "a/b", "x" * 33, "1abc", UNCLAIMED, "a\x1bb", "ä"]
)
def test_q4_learner_names_are_safe_folder_names(name: str) -> None:
    with pytest.raises(ValueError, match="not a learner name"):
        check_name(name)


def test_q4_whose_mail_a_message_is(tmp_path: Path) -> None:
    dirs = LearnerMaildirs(tmp_path / "mail", ["learner01", "learner02"])
    assert dirs.owner(_msg("learner02", "x@sandbox.test")) == "learner02"  # the sender's
    assert dirs.owner(_msg(None, "friend@sandbox.test", "learner01@sandbox.test")) == "learner01"
    assert dirs.owner(_msg(None, "friend@sandbox.test")) == UNCLAIMED
    assert dirs.owner(_msg("unclaimed", "unclaimed@sandbox.test")) == UNCLAIMED
    assert dirs.owner(_msg("stranger", "LEARNER02@sandbox.test")) == "learner02"
    for name in ("learner01", "learner02", UNCLAIMED):
        assert stat.S_IMODE((tmp_path / "mail" / name).stat().st_mode) == 0o700


LEARNERS = 30


async def test_q4_thirty_learners_at_once_each_message_in_its_own_mailbox(
    certs: CertBundle, client_ctx: ssl.SSLContext, tmp_path: Path
) -> None:
    """30 learners' sessions at once against one shared server: STARTTLS, AUTH, one message
    each; every message lands in its sender's Maildir and nowhere else."""
    learners = room_accounts(LEARNERS)
    dirs = LearnerMaildirs(tmp_path / "mail", [learner.name for learner in learners])
    from sandbox.smtpd.policy import ServerPolicy

    server = SandboxServer(
        ServerPolicy(tls_level="encrypt", max_connections=2 * LEARNERS + 10),
        certs=certs,
        accounts={learner.name: learner.password for learner in learners},
    )
    server.route = dirs.route
    await server.start()
    barrier = asyncio.Barrier(LEARNERS)  # every session connected before any sends

    def session(name: str, password: str, wait: Callable[[], Awaitable[None]]) -> None:
        with smtplib.SMTP(server.host, server.port, local_hostname="pc.test", timeout=30) as smtp:
            asyncio.run_coroutine_threadsafe(wait(), loop).result(timeout=30)
            smtp.starttls(context=client_ctx)
            smtp.login(name, password)
            body = f"Subject: from {name}\r\n\r\nsent by {name}\r\n".encode()
            smtp.sendmail(f"{name}@sandbox.test", ["friend@sandbox.test"], body)

    loop = asyncio.get_running_loop()
    try:
        start = loop.time()
        with ThreadPoolExecutor(max_workers=LEARNERS) as pool:  # one thread each: all at once
            await asyncio.gather(
                *(
                    loop.run_in_executor(pool, session, lrn.name, lrn.password, barrier.wait)
                    for lrn in learners
                )
            )
        seconds = loop.time() - start
    finally:
        await server.stop()
    assert server.mailbox.delivered == LEARNERS
    for learner in learners:
        files = sorted((tmp_path / "mail" / learner.name / "new").iterdir())
        assert len(files) == 1, learner.name
        data = files[0].read_bytes()
        assert f"sent by {learner.name}\r\n".encode() in data
        assert b"with ESMTPSA" in data and b"(using TLSv1." in data
    assert not list((tmp_path / "mail" / UNCLAIMED / "new").iterdir())
    print(f"\nQ4: {LEARNERS} learners at once, STARTTLS + AUTH, {seconds:.2f} s, all delivered")
    assert os.environ.get("SMTP_TUTOR_DATA_DIR")  # the accounts went to the test's data dir


def test_q3_no_generated_password_starts_with_a_dash(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """swaks reads `--auth-password -abc` as an unknown option: no account may have one."""
    import secrets

    from sandbox.smtpd import accounts

    real = secrets.token_urlsafe
    made = iter(["-starts-with-dash", "-again", "fine-password_1", "-x", "learner-pw-2"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(made))
    assert accounts.generated_password() == "fine-password_1"
    assert room_accounts(1)[0].password == "learner-pw-2"
    # an account file from before (a dashed password kept) is made anew
    monkeypatch.setattr(secrets, "token_urlsafe", real)  # not undo(): it would drop the data dir
    path = data_dir / accounts.ACCOUNT_FILE
    path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(json.dumps({"username": "learner", "password": "-old"}))
    path.chmod(0o600)
    assert not accounts.demo_account().password.startswith("-")
    rows = [{"name": "learner01", "password": "-old"}]
    (room_dir() / "learners.json").write_text(json.dumps({"learners": rows}))
    assert not room_accounts(1)[0].password.startswith("-")
