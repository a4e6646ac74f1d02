"""A real `smtp-tutor serve` for the tests: its own process on 127.0.0.1, any free port, its own
data dir; stopped with Ctrl-C (SIGINT to its own process id) after the test."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def external_tool(name: str) -> str:
    """tests/sandbox/conftest.py's `external_tool`: skip here without `name`, fail in CI."""
    spec = importlib.util.spec_from_file_location(
        "sandbox_conftest", ROOT / "tests" / "sandbox" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    find: Callable[[str], str] = module.external_tool
    return find(name)


@dataclass
class Served:
    url: str  # http://127.0.0.1:PORT/
    process: subprocess.Popen[str]
    data_dir: Path


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


@contextmanager
def served(data_dir: Path, *args: str, learner_env: str | None = None) -> Iterator[Served]:
    env = {**os.environ, "SMTP_TUTOR_DATA_DIR": str(private_dir(data_dir))}
    env.pop("SMTP_TUTOR_LEARNER", None)
    if learner_env is not None:
        env["SMTP_TUTOR_LEARNER"] = learner_env
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", "0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Serving smtp-tutor on http://"), first + (
            process.stderr.read() if process.stderr else ""
        )
        yield Served(first.split()[-1], process, data_dir)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
