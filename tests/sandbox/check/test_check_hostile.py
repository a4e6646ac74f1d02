"""`smtp-tutor check` against hostile servers on loopback (properties.md X1).

Every case is the real command in its own process against a real socket server
(tests/sandbox/check/hostile_servers.py) that floods, trickles, lies, resets or sends huge or
poisoned certificates. Whatever the server does, the command ends with a report or one line on
stderr, never a traceback, and nothing the server sent reaches the terminal as a control
character, C1 control or bidi override. The process timeout is only a guard against a hang (a
trickling server held it for hours), not a measure of speed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import hostile_servers as hs
import pytest

from tutor.cli.check import NO_VERDICT

HANG_GUARD = 240.0  # seconds; the bounded check ends far sooner, even on a busy machine
# what a terminal would act on: C0 but newline, DEL, C1, bidi controls and isolates
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

Factory = Callable[[Path], hs.Handler]
CASES: dict[str, tuple[Factory, str]] = {
    # name: (the server, what check must end with: "line" for one stderr line, "report", or
    # "either": the handshake's own timeout (a report) or, on a very busy machine, the whole
    # check's deadline (a line) may come first
    "10 MB greeting in one line": (lambda _: hs.huge_greeting_line, "line"),
    "10 MB greeting in 100-byte lines": (lambda _: hs.huge_greeting_lines, "line"),
    "endless multiline EHLO reply": (lambda _: hs.endless_ehlo, "line"),
    "greeting trickled a byte at a time": (lambda _: hs.trickler(0.25), "line"),
    "greeting lines trickled one at a time": (lambda _: hs.trickle_lines(0.25), "line"),
    "TLS handshake trickled a byte at a time": (lambda _: hs.trickle_handshake(0.25), "either"),
    "every command answered 220": (lambda _: hs.always_220, "report"),
    "accepts then resets": (lambda _: hs.reset, "line"),
    "greets then resets": (lambda _: hs.greet_then_reset, "line"),
    "resets at STARTTLS": (lambda _: hs.reset_at_starttls, "report"),
    "garbage instead of TLS": (lambda _: hs.garbage_after_starttls, "report"),
    "escapes and invalid UTF-8 in every reply": (lambda _: hs.poisoned_replies, "report"),
    "escapes in the certificate's names": (hs.poisoned_names, "report"),
    "a 1 MB certificate": (hs.megabyte_certificate, "report"),
    "a 10,000-certificate chain": (lambda folder: hs.long_chain(folder, 10_000), "report"),
    "a 150-certificate chain": (lambda folder: hs.long_chain(folder, 150), "report"),
}


def _run(port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "default::ResourceWarning"}
    argv = [sys.executable, "-m", "tutor.cli.main", "check", f"127.0.0.1:{port}", "--timeout", "1"]
    return subprocess.run(
        [*argv, *extra], capture_output=True, text=True, timeout=HANG_GUARD, env=env, check=False
    )


def _assert_safe(text: str) -> None:
    assert "Traceback" not in text and "Exception ignored" not in text, text[-3000:]
    bad = UNSAFE.search(text)
    assert bad is None, f"{bad.group()!r} reached the terminal in {text[:2000]!r}"


@pytest.mark.parametrize("name", list(CASES))
def test_x1_a_hostile_server_gets_a_report_or_one_line(name: str, tmp_path: Path) -> None:
    factory, expected = CASES[name]
    with hs.hostile(factory(tmp_path)) as port:
        done = _run(port)
        if expected == "either":
            expected = "line" if done.stderr else "report"
        shown = _run(port, "--json") if expected == "report" else None
    _assert_safe(done.stdout + done.stderr)
    if expected == "line":
        assert done.returncode == NO_VERDICT and done.stdout == ""
        assert done.stderr.count("\n") == 1 and done.stderr.startswith(
            "smtp-tutor check: 127.0.0.1:"
        )
        assert len(done.stderr) < 300
    else:
        assert done.stderr == "" and done.returncode in (0, 1, 2), done.stderr
        assert done.stdout.startswith("smtp-tutor check 127.0.0.1:")
        assert shown is not None and shown.stderr == ""
        _assert_safe(shown.stdout)
        assert json.loads(shown.stdout)["target"] == f"127.0.0.1:{port}"


def test_x1_a_certificate_too_big_to_read_is_not_a_refused_version(tmp_path: Path) -> None:
    """The server chose TLS 1.2 and 1.3 and then sent 1 MB of certificate: the handshake failure
    is the problem; the versions are 'answered but not read here', never 'refused'."""
    with hs.hostile(hs.megabyte_certificate(tmp_path)) as port:
        shown = _run(port, "--json")
        done = _run(port)
    states = {f["key"]: f["state"] for f in json.loads(shown.stdout)["findings"]}
    assert states["handshake"] == "failed"
    assert states["tls1.2"] == states["tls1.3"] == "unread"
    assert "TLS 1.2 is refused" not in done.stdout
    assert "TLS 1.2: the server answered it, but its handshake could not be read here" in (
        done.stdout
    )
    # a note with nothing to do names no setting to change
    note = done.stdout.split("TLS 1.2: the server answered it")[1].split("[")[0]
    assert "Postfix:" not in note and "Nothing to do." in note


def test_x1_a_hostile_target_name_is_shown_escaped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A target from a script's DNS answers: its escapes are shown, never acted on. (No DNS
    here, loopback only: the resolver's answer is given by the test.)"""
    import socket

    from tutor.cli.main import main

    def no_such_name(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    assert main(["check", f"{hs.POISON}.test:25"]) == NO_VERDICT
    out, err = capsys.readouterr()
    _assert_safe(out + err)
    assert out == "" and err.count("\n") == 1
    assert err.startswith("smtp-tutor check: \\x1b]0;pwned\\x07")
