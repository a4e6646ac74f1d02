"""`smtp-tutor check HOST[:PORT]` run for real against loopback sandboxes (properties.md N9):
the text report in English and Japanese, --json, and one line with status 3 when it cannot
and the exit status a script reads: the worst finding (properties.md W7)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path

import pytest

from sandbox.config.postfix.enact import enact
from sandbox.config.postfix.reader import read_postfix
from sandbox.config.postfix.scenarios import HOSTNAME, get
from sandbox.pki.labkeys import ensure_lab_keys
from sandbox.smtpd.server import SandboxServer
from tutor.cli.check import parse_target
from tutor.cli.main import main


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


async def _run_against(lab_name: str, folder: Path, *extra: str, fixed: bool = False) -> int:
    """`smtp-tutor check` against the broken (or fixed) lab's server (on loopback)."""
    lab = get(lab_name)
    keys = ensure_lab_keys(folder).folder
    main_cf, master_cf = lab.write(keys, fixed=fixed)
    plan = enact(read_postfix(str(main_cf), str(master_cf)), keys)
    listener = next(x for x in plan.listeners if x.service.name == lab.service)
    server = SandboxServer(listener.policy, chain=listener.chain, accounts={"u": "p-Pa55word"})
    await server.start()
    try:
        argv = ["check", f"127.0.0.1:{server.port}", "--name", HOSTNAME]
        argv += ["--ca-file", str(keys / "root.pem"), *extra]
        return await asyncio.to_thread(main, argv)
    finally:
        await server.stop()


async def test_n9_text_report_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await _run_against("postfix-expired-cert", tmp_path, "--role", "mx") == 2
    out = capsys.readouterr().out
    assert out.startswith("smtp-tutor check 127.0.0.1:")
    assert "[problem] The certificate expired" in out
    assert "Postfix: renew automatically" in out and "Exchange: renew it" in out
    assert "lesson: certificates" in out
    assert "[ok]      TLS 1.2 is accepted." in out
    assert out.rstrip().endswith("ok")  # the summary line


async def test_n9_text_report_japanese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await _run_against("postfix-auth-before-tls", tmp_path, "--lang", "ja") == 2
    out = capsys.readouterr().out
    assert "[問題] TLS の前に AUTH" in out
    assert "Postfix: smtpd_tls_auth_only = yes" in out
    assert "レッスン: plaintext-danger" in out
    assert "問題 1 件" in out.splitlines()[-1]


async def test_n9_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await _run_against("postfix-leaf-only", tmp_path, "--json", "--lang", "ja") == 2
    report = json.loads(capsys.readouterr().out)
    assert report["version"] == 1 and report["worst"] == "problem"
    assert report["protocols"]["1.2"] == "accepted"
    missing = next(f for f in report["findings"] if f["key"] == "chain_complete")
    assert missing["state"] == "missing" and missing["level"] == "problem"
    assert missing["lesson"] == "certificates" and "fullchain" in missing["postfix"]
    assert "中間証明書" in missing["what"]
    assert report["certificate"]["missing_intermediate"] is True


@pytest.mark.parametrize(
    ("lab", "broken", "worst"),
    [
        ("postfix-expired-cert", 2, "[problem] The certificate expired"),
        ("postfix-auth-before-tls", 2, "[problem] AUTH (LOGIN PLAIN) is offered before TLS"),
        ("postfix-tls13-only", 1, "[warning] TLS 1.2 is refused"),
    ],
)
async def test_w7_check_exits_with_the_worst_finding_broken_then_fixed(
    lab: str, broken: int, worst: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A script can tell a problem (2) from a warning (1) from a clean server (0): the same lab's
    server, broken and then with its fix, each a real sandbox server on loopback."""
    assert await _run_against(lab, tmp_path) == broken
    out = capsys.readouterr().out
    assert worst in out
    assert await _run_against(lab, tmp_path, fixed=True) == 0
    out = capsys.readouterr().out
    assert "[problem]" not in out and "[warning]" not in out, out
    assert await _run_against(lab, tmp_path, "--json") == broken  # --json: the same status
    assert json.loads(capsys.readouterr().out)["worst"] == worst[1:].split("]")[0]


async def test_w7_notes_alone_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A note is no failure: a server that refuses mail until STARTTLS on a port of no known role
    is only noted."""
    assert await _run_against("postfix-encrypt-on-mx", tmp_path) == 0
    out = capsys.readouterr().out
    assert "[note]" in out and "[problem]" not in out and "[warning]" not in out, out


def test_w7_help_says_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check", "--help"])
    assert exited.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "exit status: 0 nothing worse than a note, 1 a warning, 2 a problem, 3 no verdict" in (
        help_text
    )
    assert "Example: smtp-tutor check mx.example.org" in help_text


def test_n9_refused_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["check", f"127.0.0.1:{port}"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"smtp-tutor check: 127.0.0.1:{port}: connection refused (nothing listens there)\n"
    )


def test_n9_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """Usage is 3 (no verdict) here, not argparse's 2: check's 2 means a problem was found."""
    assert main(["check", "127.0.0.1:smtp"]) == 3
    assert "is not HOST[:PORT]" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["check", "127.0.0.1", "--starttls", "--implicit-tls"])
    assert exited.value.code == 3
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "implicit", "expected"),
    [
        ("mx.example.com", False, ("mx.example.com", 25)),
        ("mx.example.com", True, ("mx.example.com", 465)),
        ("127.0.0.1:587", False, ("127.0.0.1", 587)),
        ("[::1]:2525", False, ("::1", 2525)),
        ("[::1]", False, ("::1", 25)),
        ("::1", False, ("::1", 25)),
    ],
)
def test_n9_target(text: str, implicit: bool, expected: tuple[str, int]) -> None:
    assert parse_target(text, implicit) == expected


@pytest.mark.parametrize("text", ["", ":25", "host:0", "host:70000", "host:x", "[::1]:x"])
def test_n9_bad_target(text: str) -> None:
    with pytest.raises(ValueError, match=r"HOST|port"):
        parse_target(text, False)


@pytest.mark.parametrize("kind", ["10 MB", "not PEM", "binary", "fifo", "folder"])
def test_n9_hostile_ca_file_is_one_line(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ca.pem"
    if kind == "10 MB":
        path.write_bytes(b"-----BEGIN CERTIFICATE-----\n" + b"A" * 10 * 1024 * 1024)
    elif kind == "not PEM":
        path.write_text("hello\n")
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00\x1b[2J" * 100)
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    assert main(["check", "127.0.0.1:1", "--ca-file", str(path)]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"smtp-tutor check: {path}: ") and err.count("\n") == 1
