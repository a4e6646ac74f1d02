"""Reading caught mail back (properties.md Q6): the Received line's TLS, hostile bytes escaped,
links and FIFOs never followed, one clear error for what cannot be read."""

from __future__ import annotations

import os
import re
import ssl
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.mailstore.reader import (
    MAX_MESSAGE,
    MailboxError,
    MailFile,
    find,
    list_files,
    parse_mail,
    read_mail,
)
from sandbox.smtpd.mailbox import Maildir

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
FILE = MailFile("ID", Path("x"), 0, "new")


def _maildir(tmp_path: Path) -> Path:
    Maildir(tmp_path / "md")
    return tmp_path / "md"


async def test_q6_the_received_line_records_the_tls_of_a_real_session(
    tmp_path: Path, start_server: object, client_ctx: ssl.SSLContext, demo: tuple[str, str]
) -> None:
    import asyncio
    import smtplib

    from sandbox.smtpd.server import SandboxServer

    assert callable(start_server)
    server = await start_server(maildir=tmp_path / "md")
    assert isinstance(server, SandboxServer)

    def send() -> None:
        with smtplib.SMTP(server.host, server.port, local_hostname="pc.test", timeout=30) as s:
            s.starttls(context=client_ctx)
            s.login(*demo)
            s.sendmail(
                "learner@sandbox.test", ["friend@sandbox.test"], b"Subject: hi\r\n\r\nbody\r\n"
            )

    await asyncio.to_thread(send)
    files = list_files(tmp_path / "md")
    assert len(files) == 1
    mail = read_mail(files[0])
    assert mail.tls is not None and mail.tls[0] in ("TLSv1.2", "TLSv1.3")
    received = " ".join(mail.received[0].lines)
    assert "by sandbox.test" in received and "with ESMTPSA" in received
    assert mail.header("Subject") == "hi" and mail.body == ("body",)
    assert [h.name for h in mail.headers[:2]] == ["Return-Path", "Received"]
    assert find(tmp_path / "md", "1") == files[0] == find(tmp_path / "md", files[0].id)


def test_q6_a_plaintext_message_has_no_tls() -> None:
    data = b"Received: from x (y)\r\n\tby sandbox.test with ESMTP id Q;\r\n\r\nhi\r\n"
    assert parse_mail(FILE, data).tls is None


def test_q6_hostile_headers_and_body_come_out_escaped() -> None:
    data = (
        b"Subject: \x1b]0;owned\x07 hi\r\nX-Nul: a\x00b\r\nX-Bytes: \xff\xfe\r\n"
        b" folded \x1b[2J\r\nNoColonHere\r\n\r\nline\x1b[31m red\rCR\r\n\x9b\r\n"
    )
    mail = parse_mail(FILE, data)
    shown = [line for h in mail.headers for line in h.lines] + list(mail.body)
    assert not any(CONTROL.search(line) for line in shown)
    assert mail.header("Subject") == "\\x1b]0;owned\\x07 hi"
    assert mail.header("X-Bytes") == "\\xff\\xfe folded \\x1b[2J"
    assert mail.body[0] == "line\\x1b[31m red\\rCR"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_q6_any_bytes_parse_without_error_and_print_safely(data: bytes) -> None:
    mail = parse_mail(FILE, data)
    for line in [line for h in mail.headers for line in h.lines] + list(mail.body):
        assert not CONTROL.search(line)
        line.encode("utf-8")  # printable: no lone surrogates


def test_q6_links_fifos_and_dot_files_are_never_listed(tmp_path: Path) -> None:
    root = _maildir(tmp_path)
    (root / "new" / "1.Q1.host").write_bytes(b"Subject: real\r\n\r\nx\r\n")
    secret = tmp_path / "secret"
    secret.write_text("not mail")
    (root / "new" / "2.Q2.host").symlink_to(secret)
    os.mkfifo(root / "new" / "3.Q3.host")
    (root / "new" / ".hidden").write_text("x")
    files = list_files(root)
    assert [f.id for f in files] == ["Q1"]
    link = tmp_path / "link-md"
    link.symlink_to(root)
    with pytest.raises(MailboxError, match="symbolic link"):
        list_files(link)


def test_q6_unreadable_and_unknown_are_one_line(tmp_path: Path) -> None:
    root = _maildir(tmp_path)
    big = root / "new" / "1.BIG.host"
    with big.open("wb") as f:
        f.truncate(MAX_MESSAGE + 1)
    with pytest.raises(MailboxError, match="larger than"):
        read_mail(list_files(root)[0])
    with pytest.raises(MailboxError, match=r"no message '9' in .* \(1 there\)"):
        find(root, "9")
    with pytest.raises(MailboxError, match="no message"):
        find(root, "\x1b[2J")
    assert list_files(tmp_path / "missing") == []
    (tmp_path / "file").write_text("x")
    (tmp_path / "notdir").mkdir()
    (tmp_path / "notdir" / "new").write_text("x")
    with pytest.raises(MailboxError, match="not a Maildir"):
        list_files(tmp_path / "notdir")


def test_q6_ten_megabytes_without_a_newline_is_one_body_line() -> None:
    mail = parse_mail(FILE, b"Subject: big\r\n\r\n" + b"a" * 10_000_000)
    assert mail.header("Subject") == "big" and len(mail.body) == 1
