"""`smtp-tutor sandbox --learners N` and `--json`, and Ctrl-C in every mode, run for real
(properties.md Q1, Q3, Q4, Q7): a subprocess, real sockets, real TLS."""

from __future__ import annotations

import json
import os
import re
import signal
import smtplib
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sandbox.pki import tlsconfig
from tutor.cli.main import main

EXCHANGE = "Set-ReceiveConnector 'Client Frontend EX01' -RequireTLS $true\n"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


def _start(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONASYNCIODEBUG="1", PYTHONWARNINGS="error::ResourceWarning")
    return subprocess.Popen(
        [sys.executable, "-m", "tutor.cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "was destroyed" not in err and "unclosed" not in err
    return out, err


@pytest.mark.parametrize(
    ("args", "first_on"),
    [
        (["sandbox", "--port", "0"], "stdout"),
        (["sandbox", "--port", "0", "--json"], "stderr"),
        (["sandbox", "--port", "0", "--learners", "2"], "stdout"),
        (["sandbox", "--exchange", "{script}"], "stdout"),
        (["watch", "--port", "0", "--tls-port", "0"], "stdout"),
    ],
    ids=["plain", "json", "learners", "exchange", "watch"],
)
def test_q1_ctrl_c_at_once_after_the_first_line_is_a_clean_stop(
    args: list[str], first_on: str, tmp_path: Path
) -> None:
    script = tmp_path / "connectors.ps1"
    script.write_text(EXCHANGE)
    proc = _start(*(a.format(script=script) for a in args))
    try:
        stream = proc.stdout if first_on == "stdout" else proc.stderr
        assert stream is not None
        first = stream.readline()
        assert first, proc.communicate(timeout=30)
        proc.send_signal(signal.SIGINT)  # at once: the handler must be in place already
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and "interrupted" not in err
    assert "Stopped." in out + err


LEARNERS = 30


def test_q4_thirty_learners_at_once_through_the_command(tmp_path: Path, data_dir: Path) -> None:
    """The shared sandbox as a teacher runs it: `--learners 30 --json`, 30 learners' sessions at
    once (STARTTLS, AUTH, a message each), every message in its sender's mailbox; each
    delivery streamed as a JSON line."""
    ca_copy = tmp_path / "room-ca.pem"
    proc = _start(
        "sandbox", "--learners", str(LEARNERS), "--json", "--port", "0",
        "--hostname", "room.example.org", "--export-ca", str(ca_copy),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["type"] == "SandboxListening" and ready["hostname"] == "room.example.org"
        learners = [(row["name"], row["password"]) for row in ready["learners"]]
        assert [n for n, _ in learners] == [f"learner{i:02d}" for i in range(1, LEARNERS + 1)]
        assert ready["ca"] == str(ca_copy) and ca_copy.read_text().startswith("-----BEGIN")
        ctx = tlsconfig.client_context(ca_copy)
        barrier = threading.Barrier(LEARNERS, timeout=60)

        def session(name: str, password: str) -> None:
            with smtplib.SMTP(
                "127.0.0.1", ready["port"], local_hostname="pc.test", timeout=60
            ) as s:
                barrier.wait()  # all 30 connected before any goes on
                s.starttls(context=ctx)  # the room certificate names 127.0.0.1 too
                s.login(name, password)
                body = f"Subject: from {name}\r\n\r\nsent by {name}\r\n".encode()
                s.sendmail(f"{name}@sandbox.test", ["friend@sandbox.test"], body)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=LEARNERS) as pool:
            for future in [pool.submit(session, n, p) for n, p in learners]:
                future.result()
        seconds = time.monotonic() - started
        events = []
        while len([e for e in events if e["type"] == "MessageDelivered"]) < LEARNERS:
            events.append(json.loads(proc.stdout.readline()))
        _, err = _stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "Shared sandbox for 30 learners" in err and "learner30" in err
    assert "openssl s_client -starttls smtp -crlf -quiet -connect room.example.org:" in err
    delivered = [e for e in events if e["type"] == "MessageDelivered"]
    assert sorted(e["authenticated_as"] for e in delivered) == [n for n, _ in learners]
    assert all(e["tls"] for e in delivered)
    for name, _ in learners:
        files = list((data_dir / "room" / "mail" / name / "new").iterdir())
        assert len(files) == 1 and f"sent by {name}".encode() in files[0].read_bytes()
    assert not list((data_dir / "room" / "mail" / "unclaimed" / "new").iterdir())
    print(f"\nQ4 (command): {LEARNERS} learners at once, STARTTLS + AUTH: {seconds:.2f} s")


def test_q3_bad_room_options_are_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--learners", "0"]) == 2
    assert capsys.readouterr().err == "smtp-tutor sandbox: --learners wants 1 to 200, not 0\n"
    assert main(["sandbox", "--learners", "2", "--hostname", "*.example.org"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("smtp-tutor sandbox: --hostname wants a DNS name") and err.count("\n") == 1
    )
    assert main(["sandbox", "--hostname", "a b"]) == 2
    assert "--hostname wants" in capsys.readouterr().err
    assert main(["sandbox", "--json", "--postfix", "main.cf"]) == 2
    assert "--json is for the sandbox's own server" in capsys.readouterr().err
    assert main(["sandbox", "--learners", "2", "--postfix", "main.cf"]) == 2
    assert "--learners runs the sandbox's own server" in capsys.readouterr().err
    assert main(["sandbox", "--learners", "2", "--listen", "192.0.2.1"]) == 1
    err = capsys.readouterr().err
    assert "not a loopback address: add --allow-non-loopback" in err and err.count("\n") == 1


def test_q7_sandbox_json_streams_events_and_keeps_stdout_json(data_dir: Path) -> None:
    proc = _start("sandbox", "--port", "0", "--json")
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["type"] == "SandboxListening"
        ((user, password),) = [(r["name"], r["password"]) for r in ready["learners"]]
        ctx = tlsconfig.client_context(Path(ready["ca"]))
        with smtplib.SMTP("127.0.0.1", ready["port"], local_hostname="pc.test", timeout=30) as s:
            s.starttls(context=ctx)
            s.login(user, password)
            s.sendmail("learner@sandbox.test", ["friend@sandbox.test"], b"Subject: j\r\n\r\nx\r\n")
        event = json.loads(proc.stdout.readline())
        out, err = _stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert event["type"] == "MessageDelivered" and event["tls"] and event["authenticated_as"]
    assert all(json.loads(line) for line in out.splitlines() if line.strip())
    assert re.search(r"Sandbox mail server on 127\.0\.0\.1:\d+", err)
    assert "Stopped. 1 message(s) received." in err
