"""Bad invocations (issue 10, items 19-23): exit 2 for a usage error, 1 for a failure, each with one
clear line on stderr and never a traceback; the command's own ways in (`--version`, `python -m
tutor`) and a closed pipe (`| head`) end quietly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.cli.main import main
from tutor.cli.sandbox import reachable_address

USAGE, FAILED = 2, 1

# (argv, exit status, a piece of the one line that says what is wrong)
TABLE: list[tuple[list[str], int, str]] = [
    (["--lang", "fr"], USAGE, "invalid choice: 'fr'"),
    (["--nope"], USAGE, "unrecognized arguments: --nope"),
    (["one", "two"], USAGE, "unrecognized arguments: two"),
    (["--lessons"], USAGE, "--lessons: expected one argument"),
    (["--lessons", "/nonexistent"], FAILED, "--lessons /nonexistent: no such directory"),
    (["--lessons", "{empty}"], FAILED, "no lessons in it"),
    (["demo"], USAGE, "name a scenario (smtp-tutor demo --list shows them)"),
    (["demo", "no-such-lab"], USAGE, "no-such-lab"),
    (["demo", "starttls", "extra"], USAGE, "unrecognized arguments: extra"),
    (["demo", "--frobnicate"], USAGE, "unrecognized arguments: --frobnicate"),
    (["demo", "starttls", "--client-policy", "bogus"], USAGE, "invalid choice: 'bogus'"),
    (["demo", "starttls", "--color", "rainbow"], USAGE, "invalid choice: 'rainbow'"),
    (["demo", "starttls", "--server-policy", "bogus"], USAGE, "invalid choice: 'bogus'"),
    (["demo", "starttls", "--server-auth-only", "maybe"], USAGE, "invalid choice: 'maybe'"),
    (["demo", "starttls", "--server-min-tls", "9"], USAGE, "invalid choice: '9'"),
    (["demo", "starttls", "--server", "nohostport"], USAGE, "--server wants HOST:PORT"),
    (["demo", "starttls", "--server", "127.0.0.1:0"], USAGE, "--server wants HOST:PORT"),
    (["demo", "starttls", "--server", "127.0.0.1:99999"], USAGE, "--server wants HOST:PORT"),
    (["demo", "starttls", "--server", ":25"], USAGE, "--server wants HOST:PORT"),
    (["demo", "starttls", "--server"], USAGE, "--server: expected one argument"),
    (["demo", "--ca-file"], USAGE, "--ca-file: expected one argument"),
    (["demo", "--matrix", "starttls"], USAGE, "--matrix runs every attack; name no scenario"),
    (["demo", "starttls", "--server", "127.0.0.1:{closed}"], FAILED, "smtp-tutor demo: "),
    (["sandbox", "--port", "99999"], USAGE, "a port is 0 to 65535, not 99999"),
    (["sandbox", "--port", "-5"], USAGE, "a port is 0 to 65535, not -5"),
    (["sandbox", "--port", "abc"], USAGE, "not a port number: 'abc'"),
    (["sandbox", "--port"], USAGE, "--port: expected one argument"),
    (["sandbox", "--tls", "bogus"], USAGE, "invalid choice: 'bogus'"),
    (["sandbox", "--listen"], USAGE, "--listen: expected one argument"),
    (["sandbox", "extra"], USAGE, "unrecognized arguments: extra"),
    (["sandbox", "--listen", "0.0.0.0", "--port", "0"], FAILED, "add --allow-non-loopback"),
    (["sandbox", "--listen", "192.0.2.1", "--port", "0"], FAILED, "add --allow-non-loopback"),
    (["sandbox", "--port", "{taken}"], FAILED, "--port 0 picks any free port"),
    (["sandbox", "--port", "0", "--export-ca", "/nonexistent/ca.pem"], FAILED, "--export-ca"),
    (["lessons"], USAGE, "the following arguments are required: {{check,show,new}}"),
    (["lessons", "bogus"], USAGE, "invalid choice: 'bogus'"),
]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_the_table_is_big_enough() -> None:
    assert len(TABLE) >= 30


@pytest.mark.parametrize(("argv", "status", "says"), TABLE, ids=[" ".join(t[0]) for t in TABLE])
def test_a_bad_invocation_says_one_clear_line(
    argv: list[str],
    status: int,
    says: str,
    tmp_path: Path,
    taken_port: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "empty").mkdir()
    with socket.socket() as unused:  # a port nothing listens on: a connection is refused
        unused.bind(("127.0.0.1", 0))
        closed = unused.getsockname()[1]
    fill = {"empty": str(tmp_path / "empty"), "taken": str(taken_port), "closed": str(closed)}
    argv = [a.format(**fill) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == status, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if not ln.startswith(("usage:", " "))]
    assert len(lines) == 1, err
    assert says.format(**fill) in lines[0]
    assert lines[0].startswith("smtp-tutor")


def test_non_loopback_try_line_names_an_address_a_client_can_reach() -> None:
    """With --allow-non-loopback on 0.0.0.0 the Try line says 127.0.0.1, not the wildcard."""
    assert reachable_address("0.0.0.0", 2525) == "127.0.0.1:2525"
    assert reachable_address("::", 2525) == "[::1]:2525"
    assert reachable_address("192.0.2.7", 25) == "192.0.2.7:25"
    assert reachable_address("::1", 25) == "[::1]:25"


def _run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, *args], input=stdin, capture_output=True, timeout=60, check=False
    )


def test_version_and_python_m_tutor() -> None:
    from importlib.metadata import version

    out = _run("-m", "tutor", "--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().strip() == f"smtp-tutor {version('smtp-tutor')}"
    helped = _run("-m", "tutor", "--help")
    assert helped.returncode == 0 and b"usage: smtp-tutor" in helped.stdout


@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["text", "json"])
def test_a_closed_pipe_ends_quietly(extra: list[str], data_dir: Path) -> None:
    """`smtp-tutor demo starttls | head -1`: the reader went away; no BrokenPipeError."""
    read, write = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor", "demo", "starttls", *extra],
        stdout=write,
        stderr=subprocess.PIPE,
        env=dict(os.environ, SMTP_TUTOR_DATA_DIR=str(data_dir)),
    )
    os.close(write)
    with os.fdopen(read, "rb") as reader:
        assert reader.readline()  # what `head -1` reads; then it closes the pipe
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err == b""


def test_step_at_end_of_input_says_why(data_dir: Path) -> None:
    out = _run("-m", "tutor", "demo", "starttls", "--step", stdin=b"\n")
    assert out.returncode == FAILED
    [line] = out.stderr.decode().splitlines()
    assert line == "smtp-tutor demo: input ended before the lab did (--step waits for Enter)"


def test_demo_server_names_the_learners_server_not_the_sandbox(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sandbox.events import SessionStarted
    from tutor.cli.eventformat import conversation

    started = SessionStarted(scenario="starttls", server="localhost:2525", via_tap="127.0.0.1:1")
    mine = conversation(started, probed=True)
    ours = conversation(started)
    assert mine is not None and ours is not None
    assert "the server you named on localhost:2525" in mine.text
    assert "sandbox server" not in mine.text
    assert "sandbox server on localhost:2525" in ours.text
