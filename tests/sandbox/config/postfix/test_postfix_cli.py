"""`smtp-tutor sandbox --postfix` and `smtp-tutor demo --postfix`, run as commands, with swaks
and `openssl s_client -starttls smtp` as the clients (properties.md L14-L16)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

MAIN = """\
myhostname = mail.sandbox.test
smtpd_tls_chain_files = server.key, chain.pem
smtpd_tls_security_level = may
smtpd_sasl_auth_enable = yes
smtpd_tls_auth_only = yes
"""
MASTER = """\
smtp       inet n - y - - smtpd
submission inet n - y - - smtpd
  -o smtpd_tls_security_level=encrypt
"""


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tutor.cli.main", *args]


def _read_until(proc: subprocess.Popen[str], pattern: str, seen: list[str]) -> re.Match[str]:
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"{pattern!r} not printed; got {''.join(seen)!r}")


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    folder = tmp_path / "lab"
    folder.mkdir()
    (folder / "main.cf").write_text(MAIN)
    (folder / "master.cf").write_text(MASTER)
    return folder


@pytest.fixture
def running(lab: Path, data_dir: Path) -> Iterator[dict[str, object]]:
    """`sandbox --postfix` running: its printed ports by service, demo account and CA."""
    proc = subprocess.Popen(
        _command("sandbox", "--postfix", str(lab / "main.cf"), "--master", str(lab / "master.cf")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONWARNINGS="error::ResourceWarning"),
    )
    seen: list[str] = []
    try:
        ports = {}
        for _ in range(2):
            m = _read_until(proc, r"(\S+/inet)\s+port (\d+)\s+-> 127\.0\.0\.1:(\d+)", seen)
            ports[m.group(1)] = (int(m.group(2)), int(m.group(3)))
        account = _read_until(proc, r"Demo account: (\S+) / (\S+)", seen)
        ca = _read_until(proc, r"CA to trust:\s+(\S+)", seen).group(1)
        yield {"ports": ports, "user": account.group(1), "password": account.group(2), "ca": ca,
               "proc": proc, "seen": seen}  # fmt: skip
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "Traceback" not in err and "unclosed" not in err
        assert "Stopped." in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_l14_sandbox_prints_each_services_port_mapping(running: dict[str, object]) -> None:
    ports = running["ports"]
    assert isinstance(ports, dict)
    assert ports["smtp/inet"][0] == 25 and ports["submission/inet"][0] == 587
    assert ports["smtp/inet"][1] != ports["submission/inet"][1]
    assert Path(str(running["ca"])).name == "root.pem"


def _swaks(
    port: int, run: dict[str, object], *tls: str, auth: bool = True
) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("swaks")
    assert exe
    login = ["--auth", "PLAIN", "--auth-user", str(run["user"]),
             "--auth-password", str(run["password"])] if auth else []  # fmt: skip
    return subprocess.run(
        [exe, "--server", f"127.0.0.1:{port}", *tls, *login,
         "--helo", "client.test", "--from", "learner@sandbox.test",
         "--to", "friend@mail.sandbox.test", "--body", "Sent by swaks."],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


@pytest.mark.interop
def test_l15_swaks_against_an_encrypt_only_submission_service(
    running: dict[str, object], tool: object
) -> None:
    assert callable(tool)
    tool("swaks")
    ports = running["ports"]
    assert isinstance(ports, dict)
    submission = ports["submission/inet"][1]
    # without TLS: AUTH is not offered (swaks exits 28: no authentication advertised), and a
    # sender that does not authenticate gets 530 at MAIL (swaks exits 23: MAIL refused)
    plain = _swaks(submission, running)
    assert plain.returncode == 28 and "250-AUTH" not in plain.stdout, plain.stdout
    anonymous = _swaks(submission, running, auth=False)
    assert anonymous.returncode == 23, anonymous.stdout
    assert "<** 530 5.7.0 Must issue a STARTTLS command first" in anonymous.stdout
    tls = _swaks(submission, running, "--tls", "--tls-verify", "--tls-ca-path", str(running["ca"]))
    assert tls.returncode == 0, tls.stdout
    assert " ~> AUTH PLAIN " in tls.stdout
    assert "<~  250 2.0.0 Ok: queued" in tls.stdout
    proc = running["proc"]
    assert isinstance(proc, subprocess.Popen)
    seen = running["seen"]
    assert isinstance(seen, list)
    _read_until(proc, r"Sandbox mailbox got a message .* over TLS", seen)


@pytest.mark.interop
def test_l15_openssl_s_client_530_before_starttls_and_mail_after(
    running: dict[str, object], tool: object
) -> None:
    assert callable(tool)
    openssl = tool("openssl")
    ports = running["ports"]
    assert isinstance(ports, dict)
    submission = ports["submission/inet"][1]
    with socket.create_connection(("127.0.0.1", submission), timeout=20) as raw:
        f = raw.makefile("rwb")
        assert f.readline().startswith(b"220 ")
        f.write(b"EHLO client.test\r\n")
        f.flush()
        while not (line := f.readline()).startswith(b"250 "):
            assert line.startswith(b"250-")
        f.write(b"MAIL FROM:<learner@sandbox.test>\r\n")
        f.flush()
        assert f.readline().startswith(b"530 5.7.0 Must issue a STARTTLS command first")
    script = (
        "EHLO client.test\nMAIL FROM:<learner@sandbox.test>\nRCPT TO:<friend@mail.sandbox.test>\n"
        "DATA\nSubject: s_client\n\nhello\n.\nQUIT\n"
    )
    done = subprocess.run(
        [str(openssl), "s_client", "-connect", f"127.0.0.1:{submission}", "-starttls", "smtp",
         "-CAfile", str(running["ca"]), "-verify_return_error", "-verify_hostname",
         "mail.sandbox.test", "-servername", "mail.sandbox.test", "-crlf", "-quiet",
         "-ign_eof"],
        input=script, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert "250 2.0.0 Ok: queued" in done.stdout, done.stdout + done.stderr
    assert "verify return:1" in done.stderr or "verify error" not in done.stderr


def test_l16_a_broken_configuration_is_one_file_line_error(lab: Path, data_dir: Path) -> None:
    (lab / "main.cf").write_text(MAIN + "smtpd_tls_chain_files = /etc/ssl/private/k.pem, c.pem\n")
    for cmd in (
        ("sandbox", "--postfix", str(lab / "main.cf")),
        ("demo", "starttls", "--postfix", str(lab / "main.cf")),
    ):
        done = subprocess.run(_command(*cmd), capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert re.match(rf"smtp-tutor \w+: {re.escape(str(lab / 'main.cf'))}:6: ", done.stderr)
        assert "outside the lab's folder" in done.stderr


def test_l16_options_that_clash_are_usage_errors(lab: Path, data_dir: Path) -> None:
    for cmd in (
        ("sandbox", "--master", str(lab / "master.cf")),
        ("demo", "starttls", "--postfix", str(lab / "main.cf"), "--server-policy", "none"),
    ):
        done = subprocess.run(_command(*cmd), capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_l16_demo_runs_its_lab_against_the_configured_service(lab: Path, data_dir: Path) -> None:
    done = subprocess.run(
        _command("demo", "starttls", "--color", "never", "--postfix", str(lab / "main.cf"),
                 "--master", str(lab / "master.cf")),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "=== Postfix " in done.stdout and "submission/inet" in done.stdout
    # Postfix's own default smtpd_tls_protocols (>=TLSv1) lets TLS 1.0 in: the sandbox says not
    assert "=== note: " in done.stdout and "the sandbox never offers it" in done.stdout
    assert "Certificate verified for mail.sandbox.test" in done.stdout
    assert "250 2.0.0 Ok: queued" in done.stdout


def test_l17_demo_client_follows_the_policy_map_for_the_recipients_domain(
    lab: Path, data_dir: Path
) -> None:
    # the plaintext lab's client never starts TLS by itself; the map says encrypt for its domain
    (lab / "main.cf").write_text(MAIN + "smtp_tls_policy_maps = inline:{ sandbox.test=encrypt }\n")
    done = subprocess.run(
        _command("demo", "plaintext", "--color", "never", "--postfix", str(lab / "main.cf"),
                 "--master", str(lab / "master.cf"), "--service", "smtp"),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "-> STARTTLS" in done.stdout and "~> MAIL FROM:" in done.stdout
