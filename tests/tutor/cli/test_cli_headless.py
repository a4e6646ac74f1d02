"""The headless commands: `smtp-tutor demo` and `smtp-tutor sandbox`, run for real."""

from __future__ import annotations

import json
import os
import re
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.pki import tlsconfig
from sandbox.pki.certs import ensure_certs
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from tutor.cli.demo import Printer, parse_hostport, run_demo
from tutor.cli.main import main


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


def test_demo_starttls_prints_conversation_and_eavesdropper(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "starttls", "--color", "never"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "-> STARTTLS" in lines
    assert "<- 220 Ready to start TLS" in lines or any(
        line.startswith("<- 220 ") and "TLS" in line for line in lines
    )
    assert "~> EHLO client.test" in lines  # re-EHLO, inside TLS
    assert any(line.startswith("~> MAIL FROM:") for line in lines)
    assert any("wire | ---- plaintext ends" in line for line in lines)
    assert any("ClientHello SNI=sandbox.test" in line for line in lines)
    wire_lines = [line for line in lines if line.startswith("    wire | ")]
    assert not any("MAIL FROM" in line for line in wire_lines)
    assert "\x1b[" not in out  # --color never


def test_demo_plaintext_shows_the_envelope_on_the_wire(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "plaintext", "--color", "always"]) == 0
    out = capsys.readouterr().out
    assert "wire | C>S MAIL FROM:<learner@sandbox.test>" in out
    assert "wire | C>S AUTH PLAIN " in out
    assert "\x1b[" in out


def test_demo_json_prints_one_object_per_event(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "implicit-tls", "--json"]) == 0
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    types = {o["type"] for o in objects}
    assert {"SessionStarted", "WireChunk", "WireRecord", "TlsEstablished"} <= types
    assert {"MessageDelivered", "ConversationLine", "SessionClosed"} <= types
    tls = next(o for o in objects if o["type"] == "TlsEstablished")
    assert tls["verified"] is True and tls["peer_cert"]["san"]
    chunk = next(o for o in objects if o["type"] == "WireChunk")
    assert chunk["sender"] == "client" and chunk["data"].startswith("16")  # a TLS handshake


def test_demo_list_and_unknown_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--list"]) == 0
    assert re.search(r"^starttls\s+The session starts in plaintext", capsys.readouterr().out, re.M)
    assert main(["demo", "no-such-lab"]) == 2
    assert "unknown scenario" in capsys.readouterr().err


def test_parse_hostport() -> None:
    assert parse_hostport("127.0.0.1:25") == ("127.0.0.1", 25)
    assert parse_hostport("[::1]:587") == ("::1", 587)
    for bad in ("127.0.0.1", ":25", "host:0", "host:x"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            parse_hostport(bad)


async def test_demo_server_option_probes_a_named_server(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    certs = ensure_certs()
    server = SandboxServer(ServerPolicy(tls_level="may"), certs=certs)
    await server.start()
    try:
        printer = Printer(sys.stdout, color=False, as_json=False)
        rc = await run_demo(
            "starttls", printer, upstream=(server.host, server.port), ca_file=certs.ca_cert
        )
    finally:
        await server.stop()
    out = capsys.readouterr().out
    assert rc == 0
    assert "~> EHLO client.test" in out and "~> QUIT" in out
    assert "MAIL FROM" not in out
    assert server.mailbox.delivered == 0


def _read_until(proc: subprocess.Popen[str], pattern: str, timeout: float = 20) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    seen = []
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"{pattern!r} not printed; got {''.join(seen)!r}")


def test_sandbox_command_serves_real_clients_and_stops_cleanly(data_dir: Path) -> None:
    env = dict(os.environ, PYTHONASYNCIODEBUG="1", PYTHONWARNINGS="error::ResourceWarning")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor.cli.main", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        port = int(_read_until(proc, r"on 127\.0\.0\.1:(\d+)").group(1))
        account = _read_until(proc, r"Demo account: (\S+) / (\S+)")
        ca = Path(_read_until(proc, r"CA to trust:\s+(\S+)").group(1))
        ctx = tlsconfig.client_context(ca)
        with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=10) as smtp:
            smtp.starttls(context=ctx)
            smtp.login(account.group(1), account.group(2))
            smtp.sendmail(
                "learner@sandbox.test", ["friend@sandbox.test"], b"Subject: hi\r\n\r\nhello\r\n"
            )
        _read_until(proc, r"Sandbox mailbox got a message .* over TLS")
        saved = Path(_read_until(proc, r"saved as (\S+)").group(1))
        assert saved.read_bytes().endswith(b"hello\r\n")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Stopped. 1 message(s) received." in out
    assert "Traceback" not in err and "was destroyed" not in err and "unclosed" not in err
