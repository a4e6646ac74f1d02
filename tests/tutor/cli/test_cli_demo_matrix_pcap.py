"""`demo --matrix` with an option that is about one session's TLS is refused in one line (M38)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "options",
    [
        ["--pcap", "m.pcapng"],
        ["--keylog", "m.keys"],
        ["--decrypt"],
        ["--pcap", "m.pcapng", "--handshake"],
    ],
)
def test_m38_matrix_refuses_the_one_session_options_in_one_line(
    tmp_path: Path, options: list[str]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tutor.cli.main", "demo", "--matrix", *options],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()  # one line, no traceback, no matrix run
    named = " ".join(o for o in options if o.startswith("--"))
    assert line.startswith(f"smtp-tutor demo: {named.replace(' ', ', ')} is for one session")
    assert f"smtp-tutor demo ATTACK --client-policy POLICY {named}" in line
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing written
