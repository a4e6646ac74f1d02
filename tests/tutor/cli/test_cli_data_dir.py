"""properties.md J5 on the command line: a data dir of another user, or one others can write,
stops every command with one clear line and no traceback, and nothing is written there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FIXTURE_COURSE = ROOT / "tests" / "fixtures" / "course"
OTHER_UID = 54321

COMMANDS = {
    "tui": ["--lang", "en", "--lessons", str(FIXTURE_COURSE)],
    "demo": ["demo", "starttls", "--color", "never"],
    "sandbox": ["sandbox", "--port", "0"],
}


def unsafe_dir(tmp_path: Path, how: str) -> Path:
    d = tmp_path / "shared"
    d.mkdir()
    if how == "others-write":
        d.chmod(0o777)
    else:
        d.chmod(0o700)
        os.chown(d, OTHER_UID, OTHER_UID)
    return d


@pytest.mark.parametrize("how", ["others-write", "another-owner"])
@pytest.mark.parametrize("command", COMMANDS)
def test_j5_an_unsafe_data_dir_stops_every_command_with_one_line(
    tmp_path: Path, command: str, how: str
) -> None:
    d = unsafe_dir(tmp_path, how)
    env = {**os.environ, "SMTP_TUTOR_DATA_DIR": str(d), "SMTP_TUTOR_EXIT_WHEN_READY": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tutor.cli.main", *COMMANDS[command]],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith("smtp-tutor")
    assert str(d) in lines[0]
    assert ("can be written by others" if how == "others-write" else "not to you") in lines[0]
    assert "SMTP_TUTOR_DATA_DIR" in lines[0]  # how to get out of it
    assert list(d.iterdir()) == []  # nothing kept there
