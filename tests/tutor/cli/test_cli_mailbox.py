"""`smtp-tutor mailbox`: the caught mail listed and shown with its headers, the Received line
recording TLS, hostile mail escaped, a learner's own mailbox (properties.md Q6)."""

from __future__ import annotations

import asyncio
import re
import smtplib
from pathlib import Path

import pytest

from sandbox.pki import tlsconfig
from sandbox.pki.certs import ensure_certs
from sandbox.safety.files import data_dir as tutor_data_dir
from sandbox.smtpd.accounts import demo_account
from sandbox.smtpd.learners import LearnerMaildirs, room_accounts, room_dir
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from tutor.cli.main import main

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HOSTILE = (
    b"Subject: \x1b]0;pwned\x07 hello\r\nFrom: <evil@sandbox.test>\r\n\r\n"
    b"clear screen \x1b[2J\x1b[H now\r\nbell \x07 nul \x00 bytes \xff\xfe\r\n"
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


async def _send(
    server: SandboxServer, messages: list[tuple[str, str, bytes]], *, tls: bool = True
) -> None:
    ctx = tlsconfig.client_context(ensure_certs().ca_cert)

    def send() -> None:
        for user, password, body in messages:
            with smtplib.SMTP(server.host, server.port, local_hostname="pc.test", timeout=30) as s:
                if tls:
                    s.starttls(context=ctx)
                    s.login(user, password)
                s.sendmail(f"{user}@sandbox.test", ["friend@sandbox.test"], body)

    await asyncio.to_thread(send)


async def test_q6_list_and_show_a_message_with_its_tls_received_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    account = demo_account()
    server = SandboxServer(ServerPolicy(tls_level="may"), maildir=tutor_data_dir() / "Maildir")
    await server.start()
    try:
        await _send(server, [(account.username, account.password, b"Subject: one\r\n\r\nhi\r\n")])
        await _send(server, [("x", "", b"Subject: two\r\n\r\nplain\r\n")], tls=False)
    finally:
        await server.stop()
    assert main(["mailbox"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("2 message(s) in ")
    assert re.match(
        r"\s+1  \S+\s+\d+ B  TLSv1\.[23] \S+\s+<learner@sandbox\.test> -> \? +one", lines[1]
    )
    assert "PLAINTEXT" in lines[2] and lines[2].endswith("two")
    assert main(["mailbox", "show", "1"]) == 0
    shown = capsys.readouterr().out
    assert re.search(r"^=== Received over TLSv1\.[23] with cipher \S+", shown, re.M)
    assert re.search(r"^Received: from pc\.test \(127\.0\.0\.1:\d+\)$", shown, re.M)
    assert re.search(r"^\t\(using TLSv1\.[23] with cipher \S+\)$", shown, re.M)
    assert re.search(r"^\tby sandbox\.test \(smtp-tutor sandbox\) with ESMTPSA id ", shown, re.M)
    assert shown.rstrip().endswith("\n\nhi")
    assert main(["mailbox", "show", "2"]) == 0
    assert "received it in PLAINTEXT" in capsys.readouterr().out


async def test_q6_hostile_mail_is_shown_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    server = SandboxServer(ServerPolicy(tls_level="may"), maildir=tutor_data_dir() / "Maildir")
    await server.start()
    try:
        await _send(server, [("x", "", HOSTILE)], tls=False)
    finally:
        await server.stop()
    for argv in (["mailbox"], ["mailbox", "show", "1"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert not CONTROL.search(out.replace("\n", "").replace("\t", "")), out
    assert "Subject: \\x1b]0;pwned\\x07 hello" in out
    assert "clear screen \\x1b[2J\\x1b[H now" in out
    assert "bell \\x07 nul \\x00 bytes \\xff\\xfe" in out


async def test_q6_each_learner_reads_their_own_mailbox(capsys: pytest.CaptureFixture[str]) -> None:
    learners = room_accounts(2)
    dirs = LearnerMaildirs(room_dir() / "mail", [learner.name for learner in learners])
    server = SandboxServer(
        ServerPolicy(tls_level="may"),
        accounts={learner.name: learner.password for learner in learners},
    )
    server.route = dirs.route
    await server.start()
    try:
        await _send(
            server,
            [
                (lrn.name, lrn.password, f"Subject: by {lrn.name}\r\n\r\nx\r\n".encode())
                for lrn in learners
            ],
        )
    finally:
        await server.stop()
    for learner in learners:
        assert main(["mailbox", "--learner", learner.name]) == 0
        out = capsys.readouterr().out
        assert out.startswith("1 message(s) in ") and f"by {learner.name}" in out
    assert main(["mailbox", "--room"]) == 0
    room = capsys.readouterr().out
    assert re.search(r"learner01\s+1\n", room) and re.search(r"unclaimed\s+0\n", room)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["mailbox", "show"], "show wants an ID"),
        (["mailbox", "show", "7"], "no message '7' in "),
        (["mailbox", "--learner", "../../etc"], "not a learner name"),
        (["mailbox", "--learner", "x\x1b[2J"], "not a learner name: 'x\\x1b[2J'"),
    ],
)
def test_q6_a_bad_request_is_one_clear_line(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) in (1, 2)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and err.startswith("smtp-tutor mailbox: ")
    assert "\x1b" not in err


def test_q6_no_mail_yet(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mailbox"]) == 0
    assert "No mail in " in capsys.readouterr().out
    assert main(["mailbox", "--room"]) == 0
    assert "No shared sandbox has run here yet" in capsys.readouterr().out
