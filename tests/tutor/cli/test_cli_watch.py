"""`smtp-tutor watch`: outside clients (swaks, openssl s_client) seen live, on real sockets
(properties.md Q2). The tools come from `external_tool` (tests/sandbox/conftest.py): a skip on a
learner's machine without them, a failure in CI."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "sandbox_tests_conftest", Path(__file__).parents[2] / "sandbox" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
external_tool: Callable[[str], str] = _conftest.external_tool

WAIT = 60.0


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


@dataclass
class Watch:
    """A running `smtp-tutor watch`, its output gathered by a thread as it comes."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    grew: threading.Condition = field(default_factory=threading.Condition)
    intro: dict[str, str] = field(default_factory=dict)

    def read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.grew:
                self.lines.append(line.rstrip("\n"))
                self.grew.notify_all()

    def wait_for(self, pattern: str) -> re.Match[str]:
        with self.grew:
            found: list[re.Match[str]] = []

            def seen() -> bool:
                found[:] = [m for line in self.lines if (m := re.search(pattern, line))]
                return bool(found) or self.proc.poll() is not None

            self.grew.wait_for(seen, timeout=WAIT)
            assert found, f"{pattern!r} not printed; got {self.lines!r}"
            return found[0]


def _watch(*extra: str) -> Iterator[Watch]:
    env = dict(os.environ, PYTHONASYNCIODEBUG="1", PYTHONWARNINGS="error::ResourceWarning")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor.cli.main", "watch", "--port", "0", "--tls-port", "0",
         "--color", "never", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    watch = Watch(proc)
    reader = threading.Thread(target=watch.read, daemon=True)
    reader.start()
    try:
        src = "stderr" if "--json" in extra else "stdout"
        if src == "stdout":
            watch.intro["sub"] = watch.wait_for(r"^  (127\.0\.0\.1:\d+)  submission").group(1)
            watch.intro["tls"] = watch.wait_for(r"^  (127\.0\.0\.1:\d+)  implicit TLS").group(1)
            account = watch.wait_for(r"Demo account: (\S+) / (\S+)")
            watch.intro["user"], watch.intro["password"] = account.group(1), account.group(2)
            watch.intro["ca"] = watch.wait_for(r"CA to trust:\s+(\S+)").group(1)
            watch.wait_for(r"Ctrl-C stops")
        yield watch
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=WAIT)
        reader.join(WAIT)
        assert proc.returncode == 0, err
        assert "Traceback" not in err and "unclosed" not in err and "was destroyed" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.fixture
def watch() -> Iterator[Watch]:
    yield from _watch()


@pytest.fixture
def watch_decrypt() -> Iterator[Watch]:
    yield from _watch("--decrypt")


def _swaks(watch: Watch, where: str, *tls: str) -> subprocess.CompletedProcess[str]:
    swaks = external_tool("swaks")
    i = watch.intro
    return subprocess.run(
        [swaks, "--server", where, *tls, "--tls-verify", "--tls-ca-path", i["ca"],
         "--tls-sni", "sandbox.test", "--auth-user", i["user"], "--auth-password", i["password"],
         "--from", "learner@sandbox.test", "--to", "friend@sandbox.test",
         "--header", "Subject: watched"],
        capture_output=True, text=True, timeout=WAIT, check=False,
    )  # fmt: skip


def test_q2_swaks_with_starttls_on_the_submission_port_is_seen_live(watch: Watch) -> None:
    done = _swaks(watch, watch.intro["sub"], "--tls")
    assert done.returncode == 0, done.stdout + done.stderr
    watch.wait_for(r"Sandbox mailbox got a message .* over TLS, sender authenticated as learner")
    text = "\n".join(watch.lines)
    assert f"sandbox server on {watch.intro['sub']}" in text
    assert "    wire | C>S STARTTLS" in text and "    wire | S>C 220 Ready to start TLS" in text
    assert "wire | ---- plaintext ends" in text
    assert re.search(r"wire \| C>S TLS record +\d+ bytes: ClientHello SNI=sandbox\.test", text)
    # what an eavesdropper sees: no MAIL FROM and no AUTH in the clear
    assert not re.search(r"wire \| C>S (MAIL FROM|AUTH)", text)
    assert "open |" not in text  # without --decrypt, the records stay shut
    lines = text.splitlines()
    assert "-> STARTTLS" in lines and "<- 220 Ready to start TLS" in lines  # the conversation
    assert not any(line.startswith("~>") for line in lines)  # inside TLS: not without --decrypt


def test_q2_swaks_with_implicit_tls_is_seen_from_the_first_byte(watch: Watch) -> None:
    done = _swaks(watch, watch.intro["tls"], "--tls-on-connect")
    assert done.returncode == 0, done.stdout + done.stderr
    watch.wait_for(r"Sandbox mailbox got a message .* over TLS")
    text = "\n".join(watch.lines)
    assert f"sandbox server on {watch.intro['tls']}" in text
    tapped = text.split(f"sandbox server on {watch.intro['tls']}", 1)[1]
    wire = [line for line in tapped.splitlines() if "wire |" in line]
    assert "    wire | ---- plaintext ends: from client byte 0 on, only TLS records ----" in wire
    first = next(line for line in wire if "C>S" in line)
    assert "C>S TLS record" in first and "ClientHello" in first  # no plaintext at all
    assert "C>S EHLO" not in tapped


def test_q2_openssl_s_client_with_crlf_and_quiet_is_seen_and_opened(
    watch_decrypt: Watch,
) -> None:
    openssl = external_tool("openssl")
    watch = watch_decrypt
    host, port = watch.intro["sub"].rsplit(":", 1)
    commands = "EHLO pc.test\nNOOP\nQUIT\n"
    done = subprocess.run(
        [openssl, "s_client", "-starttls", "smtp", "-crlf", "-quiet", "-connect", f"{host}:{port}",
         "-servername", "sandbox.test", "-CAfile", watch.intro["ca"], "-verify_return_error"],
        input=commands, capture_output=True, text=True, timeout=WAIT, check=False,
    )  # fmt: skip
    assert "250 2.0.0 Ok" in done.stdout or "250 " in done.stdout, done.stderr
    assert "221" in done.stdout, done.stdout + done.stderr
    watch.wait_for(r"open \| <~ 221 ")
    text = "\n".join(watch.lines)
    assert "    wire | C>S STARTTLS" in text
    assert "    open | ~> NOOP" in text  # opened with the server's own secrets
    assert "    open | ~> QUIT" in text
    lines = text.splitlines()
    assert "-> STARTTLS" in lines and "~> NOOP" in lines and "~> QUIT" in lines  # Q9
    assert any(line.startswith("<~ 221 ") for line in lines)
    assert not re.search(r"wire \| C>S NOOP", text)


def test_q2_watch_json_streams_an_outside_session(data_dir: Path) -> None:
    for watch in _watch("--json"):
        ready = json.loads(watch.wait_for(r'^\{"type": "WatchListening"').string)
        account = json.loads((data_dir / "demo-account.json").read_text())
        ca = str(data_dir / "certs" / "ca.pem")
        watch.intro.update(user=account["username"], password=account["password"], ca=ca)
        done = _swaks(watch, ready["submission"], "--tls")
        assert done.returncode == 0, done.stdout + done.stderr
        watch.wait_for(r'"type": "MessageDelivered"')
        objects = [json.loads(line) for line in watch.lines]
        types = {o["type"] for o in objects}
        assert {"SessionStarted", "WireChunk", "WireLine", "WireSwitch", "WireRecord"} <= types
        started = next(o for o in objects if o["type"] == "SessionStarted")
        # the eavesdropper watches the server's own socket: no relay in between (issue 15)
        assert started["server"] == ready["submission"] and started["via_tap"] is None


def test_q2_a_taken_port_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from tutor.cli.main import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["watch", "--port", str(port), "--tls-port", "0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        f"smtp-tutor watch: cannot listen on 127.0.0.1:{port}"
    )
    assert "--port 0 --tls-port 0 pick free ports" in err
