"""V3: `smtp-tutor sandbox` and `sandbox --learners` start the same way (sandbox_start.py):
under --json the first line on stdout says where the server is and who may use it, in the same
shape; the intro goes to stderr; Ctrl-C stops with the count of messages. Run for real."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("more", "names"), [([], ["learner"]), (["--learners", "2"], ["learner01", "learner02"])]
)
def test_v3_both_sandboxes_say_where_they_listen_in_one_shape_and_stop_with_the_count(
    more: list[str], names: list[str], tmp_path: Path
) -> None:
    env = dict(os.environ, SMTP_TUTOR_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor.cli.main", "sandbox", "--port", "0", "--json", *more],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert set(first) == {"type", "address", "port", "hostname", "ca", "learners"}
    assert first["type"] == "SandboxListening" and first["hostname"] is None
    assert first["address"] == f"127.0.0.1:{first['port']}" and first["port"] > 0
    assert Path(first["ca"]).is_file()
    assert [learner["name"] for learner in first["learners"]] == names
    assert all(len(learner["password"]) >= 12 for learner in first["learners"])
    assert "STARTTLS may" in err and "Ctrl-C stops." in err  # the intro: on stderr
    assert err.rstrip().endswith("Stopped. 0 message(s) received.")
    assert "Stopped." not in out and "Traceback" not in err
