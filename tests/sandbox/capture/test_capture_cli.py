"""`smtp-tutor sandbox --keylog FILE` and `smtp-tutor demo SCENARIO --pcap FILE --keylog FILE`,
run for real: the files are 0600, hold the secrets of the sessions, and the commands the sandbox
announces decrypt a capture of an outside client with tshark, as printed."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import smtplib
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest
from capture_reader import read_blocks, read_segments

from sandbox.capture.pcapng import DSB_TYPE, IDB_TYPE, SHB_TYPE
from sandbox.capture.write import write_capture
from sandbox.events import SandboxEvent
from sandbox.pki import tlsconfig
from sandbox.tlsview.keylog import CLIENT_TRAFFIC_SECRET_0, KeyLog
from sandbox.wire.tap import WireTap

# a sandbox process, a client and tshark each start: slow on a busy machine, not hung
pytestmark = [pytest.mark.interop, pytest.mark.timeout(240)]


def read_line(
    stream: IO[str] | None, pattern: str, seen: list[str], timeout: float = 30
) -> re.Match[str]:
    assert stream is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"{pattern!r} not printed; got {''.join(seen)!r}")


def send_through_tap(
    port: int, ca: Path, account: tuple[str, str], implicit: bool
) -> list[SandboxEvent]:
    """smtplib to the sandbox through a wire tap in this process: the test's own 'tcpdump'."""
    events: list[SandboxEvent] = []

    async def run() -> None:
        tap = WireTap("127.0.0.1", port, emit=events.append)
        await tap.start()
        try:
            await asyncio.to_thread(_send, tap.port, ca, account, implicit)
            await asyncio.sleep(0.2)  # the tap's last chunks and close
        finally:
            await tap.stop()

    asyncio.run(run())
    return events


def _send(port: int, ca: Path, account: tuple[str, str], implicit: bool) -> None:
    ctx = tlsconfig.client_context(ca)
    if implicit:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            "127.0.0.1", port, local_hostname="client.test", context=ctx, timeout=20
        )
    else:
        smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=20)
    with smtp:
        if not implicit:
            smtp.starttls(context=ctx)
        smtp.login(*account)
        smtp.sendmail(
            "learner@sandbox.test", ["friend@sandbox.test"], b"Subject: keylog\r\n\r\nseen\r\n"
        )


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit-tls"])
def test_m31_sandbox_keylog_decrypts_an_outside_clients_capture(
    implicit: bool, tmp_path: Path, tool: Callable[[str], str]
) -> None:
    tshark = tool("tshark")
    keylog = tmp_path / "server.keys"
    args = [sys.executable, "-m", "tutor.cli.main", "sandbox", "--port", "0"]
    args += ["--keylog", str(keylog)] + (["--implicit-tls"] if implicit else [])
    old = os.umask(0o022)
    try:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        os.umask(old)
    out: list[str] = []
    err: list[str] = []
    try:
        port = int(read_line(proc.stdout, r"on 127\.0\.0\.1:(\d+)", out).group(1))
        user, password = read_line(proc.stdout, r"Demo account: (\S+) / (\S+)", out).groups()
        ca = Path(read_line(proc.stdout, r"CA to trust:\s+(\S+)", out).group(1))
        read_line(proc.stderr, r"--keylog: the TLS secrets of every session go to", err)
        read_line(proc.stderr, r"passwords", err)
        read_command = read_line(proc.stderr, r"Read:\s+(tshark .*)$", err).group(1)
        events = send_through_tap(port, ca, (user, password), implicit)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert stat.S_IMODE(keylog.stat().st_mode) == 0o600  # under a umask that allows 0644
    (client_random,) = KeyLog.read(keylog, private=True)  # the one session, TLS 1.3's secrets
    assert CLIENT_TRAFFIC_SECRET_0 in KeyLog.read(keylog).session(client_random)
    # the capture a tcpdump on lo would have made, without secrets in it, at the server's port
    capture = tmp_path / "sandbox.pcap"
    write_capture(capture, events, port=port)
    argv = shlex.split(read_command)
    assert argv[:3] == ["tshark", "-r", "sandbox.pcap"]
    argv = [tshark, "-n", "-r", str(capture), *argv[3:], "-T", "fields", "-e", "smtp.req.command"]
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        argv, capture_output=True, text=True, env={**os.environ, "HOME": str(home)}, timeout=120
    )
    assert done.returncode == 0, done.stderr
    verbs = done.stdout.upper().split()  # smtplib says "mail", "rcpt"
    for verb in ("AUTH", "MAIL", "RCPT", "DATA", "QUIT"):  # all inside TLS, on both legs
        assert verbs.count(verb) == 2, done.stdout
    assert verbs.count("EHLO") == (2 if implicit else 4)  # STARTTLS: before and after


def test_m31_sandbox_keylog_refuses_a_link(tmp_path: Path) -> None:
    (tmp_path / "target").write_text("someone's file\n")
    (tmp_path / "keys").symlink_to(tmp_path / "target")
    done = subprocess.run(
        [sys.executable, "-m", "tutor.cli.main", "sandbox", "--port", "0", "--keylog",
         str(tmp_path / "keys")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("smtp-tutor sandbox: cannot use --keylog")
    assert "symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "target").read_text() == "someone's file\n"


def test_m31_without_keylog_the_server_logs_nothing(tmp_path: Path) -> None:
    """SSLKEYLOGFILE in the environment stays ignored by the server too (G5)."""
    from sandbox.pki.certs import ensure_certs

    certs = ensure_certs(tmp_path / "pki")
    os.environ["SSLKEYLOGFILE"] = str(tmp_path / "env.keys")
    try:
        ctx = tlsconfig.server_context(certs.server_cert, certs.server_key)
    finally:
        del os.environ["SSLKEYLOGFILE"]
    assert ctx.keylog_filename is None
    assert not (tmp_path / "env.keys").exists()


def demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tutor.cli.main", "demo", *args],
        capture_output=True, text=True, timeout=180, cwd=cwd,
    )  # fmt: skip


def test_m32_demo_pcap_and_keylog(tmp_path: Path, tool: Callable[[str], str]) -> None:
    """Both files 0600, the key log the session's own TLS 1.3 secrets, the capture decrypted by
    tshark with no setting, stdout still the demo's JSON lines, the steps said on stderr."""
    tshark = tool("tshark")
    done = demo(tmp_path, "implicit-tls", "--pcap", "s.pcapng", "--keylog", "s.keys", "--json")
    assert done.returncode == 0, done.stderr
    assert all(line.startswith("{") for line in done.stdout.splitlines())
    assert "tshark -r s.pcapng -Y smtp" in done.stderr and "Traceback" not in done.stderr
    for name in ("s.pcapng", "s.keys"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    (client_random,) = keys = KeyLog.read(tmp_path / "s.keys", private=True)
    assert keys.skipped == 0 and CLIENT_TRAFFIC_SECRET_0 in keys.session(client_random)
    home = tmp_path / "home"
    home.mkdir()
    shown = subprocess.run(
        [tshark, "-n", "-r", "s.pcapng", "-Y", "smtp.req && ip.src == 127.0.0.1",
         "-T", "fields", "-e", "smtp.req.command"],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "HOME": str(home)},
        timeout=120,
    )  # fmt: skip
    assert shown.stdout.split() == ["EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"]


def test_m32_demo_without_the_options_keeps_no_secrets(tmp_path: Path) -> None:
    done = demo(tmp_path, "starttls", "--json")
    assert done.returncode == 0, done.stderr
    assert "Capture written" not in done.stderr and "TLS secrets" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing written here


def test_m32_demo_pcap_that_cannot_be_written_says_one_line(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    done = demo(tmp_path, "plaintext", "--pcap", str(tmp_path / "afile" / "s.pcapng"))
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith(f"smtp-tutor demo: cannot write {tmp_path / 'afile' / 's.pcapng'}: ")


def test_m34_an_attack_labs_capture_is_the_clients_leg(tmp_path: Path) -> None:
    """strip: the tap deleted STARTTLS from the server's EHLO reply; the capture shows what the
    client's leg carried (no STARTTLS offered) and no server's leg claiming the server said so."""
    done = demo(tmp_path, "strip", "--pcap", "s.pcapng")
    assert done.returncode in (0, 1), done.stderr  # the client may refuse to go on: still saved
    segments = read_segments((tmp_path / "s.pcapng").read_bytes())
    assert segments and {s.dst[0] for s in segments} == {"127.0.0.1", "127.0.0.2"}
    payload = b"".join(s.payload for s in segments)
    assert b"EHLO client.test" in payload and b"STARTTLS" not in payload


def test_m32_a_capture_without_secrets_says_so(tmp_path: Path) -> None:
    """plaintext: no TLS, no secrets block, and the notice does not promise a decryption."""
    done = demo(tmp_path, "plaintext", "--pcap", "p.pcapng")
    assert done.returncode == 0, done.stderr
    assert (
        "no TLS secrets were logged" in done.stderr and "holds the TLS secrets" not in done.stderr
    )
    kinds = [b.type for b in read_blocks((tmp_path / "p.pcapng").read_bytes())]
    assert kinds[:2] == [SHB_TYPE, IDB_TYPE] and DSB_TYPE not in kinds
    payload = b"".join(s.payload for s in read_segments((tmp_path / "p.pcapng").read_bytes()))
    assert b"AUTH PLAIN " in payload  # the password in the clear, as the plaintext lab shows
