"""`--exchange SCRIPT` for `smtp-tutor demo` and `smtp-tutor sandbox` (properties.md L48)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli.main import main

SCRIPT = (
    "Set-ReceiveConnector 'Client Frontend EX01' -RequireTLS $true\n"
    "New-ReceiveConnector -Name 'Copier relay' -TransportRole FrontendTransport -Custom `\n"
    "  -Bindings 0.0.0.0:25 -RemoteIPRanges 127.0.0.2 -PermissionGroups AnonymousUsers\n"
    "New-SendConnector -Name Local -AddressSpaces sandbox.test -RequireTLS $true `\n"
    "  -TlsAuthLevel EncryptionOnly\n"
)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "connectors.ps1"
    path.write_text(SCRIPT)
    return path


def test_l48_demo_runs_the_lab_through_the_connector_and_prints_its_protocol_log(
    script: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "starttls", "--exchange", str(script), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "=== Exchange" in out and "receive connector 'EX01\\Client Frontend EX01'" in out
    assert "Send connector 'Local' for sandbox.test: client policy encrypt" in out
    log = out.split("Exchange SMTP Receive protocol log:\n", 1)[1].splitlines()
    assert log[4].startswith("#Fields: date-time,connector-id,session-id,sequence-number")
    assert any(",EX01\\Client Frontend EX01," in line and ",<,STARTTLS," in line for line in log)
    assert any(line.endswith(",*,,Sending certificate") for line in log)
    assert log[-1].endswith(",-,,Local")


def test_l48_demo_and_sandbox_refuse_what_cannot_be(
    script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "implicit-tls", "--exchange", str(script)]) == 1
    assert "STARTTLS only" in capsys.readouterr().err
    assert main(["demo", "starttls", "--exchange", str(script), "--server-policy", "may"]) == 2
    assert "--exchange sets the server: drop --server-policy" in capsys.readouterr().err
    broken = tmp_path / "broken.ps1"
    broken.write_text("\nSet-ReceiveConnector Nope -RequireTLS $true\n")
    assert main(["demo", "starttls", "--exchange", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"smtp-tutor demo: {broken}:2: The operation couldn't be performed because object "
        "'Nope' couldn't be found.\n"
    )
    assert main(["sandbox", "--exchange", str(broken)]) == 1
    assert f"{broken}:2:" in capsys.readouterr().err


def _reply(sock: socket.socket) -> str:
    data = b""
    while not re.search(rb"(^|\n)\d{3} [^\n]*\n$", data):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode()


def test_l48_sandbox_listens_for_every_bound_port_and_routes_by_source(
    script: Path, data_dir: Path
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor.cli.main", "sandbox", "--exchange", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONWARNINGS="error::ResourceWarning"),
    )
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        ports: dict[int, int] = {}
        for line in proc.stdout:
            seen.append(line)
            if m := re.search(r"port (\d+)\s+-> 127\.0\.0\.1:(\d+)", line):
                ports[int(m.group(1))] = int(m.group(2))
            if "Ctrl-C stops" in line:
                break
        assert sorted(ports) == [25, 465, 587, 717, 2525], seen
        assert any("Copier relay (127.0.0.2; STARTTLS offered)" in line for line in seen)
        with socket.create_connection(
            ("127.0.0.1", ports[25]), timeout=15, source_address=("127.0.0.2", 0)
        ) as sock:
            assert _reply(sock).startswith("220 ")
            sock.sendall(b"QUIT\r\n")
            assert _reply(sock).startswith("221")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "Traceback" not in err and "unclosed" not in err
        assert "127.0.0.2 reached receive connector 'Copier relay' (port 25)." in out
        assert "Stopped. 0 message(s) received." in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_l48_a_send_connector_that_requires_tls_stops_a_strip_attack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    required = tmp_path / "required.ps1"
    required.write_text(
        "New-SendConnector -Name Partner -AddressSpaces sandbox.test -RequireTLS $true "
        "-TlsAuthLevel EncryptionOnly\n"
    )
    assert main(["demo", "strip", "--exchange", str(required), "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert "=== Outcome: the message was not sent; the attacker read: nothing." in out
    # the outcome names the policy the send connector set, not the lab's own
    assert "=== Client policy 'encrypt'" in out
    assert "(as the client lived the session: the man in the middle changed" in out
    opportunistic = tmp_path / "may.ps1"
    opportunistic.write_text("New-SendConnector -Name Partner -AddressSpaces sandbox.test\n")
    assert main(["demo", "strip", "--exchange", str(opportunistic), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "=== Outcome: the message went in PLAINTEXT" in out
    assert "=== Client policy 'may'" in out
