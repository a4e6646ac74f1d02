"""properties.md J4 and J5 in the app: whatever bad kind of file sits at progress.json, the tutor
starts on its course screen, sets the file aside and says so once (Pilot); and the real command
starts and exits cleanly over a progress file linked to /dev/zero (a child process with 1 GiB of
memory, so a regression fails instead of exhausting the machine)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from tutor_ui_fakes import FIXTURE_COURSE, make_app

from tutor.model import progress as pg
from tutor.ui.screens.course import CourseScreen

ROOT = Path(__file__).resolve().parents[3]


def _fifo(path: Path) -> None:
    os.mkfifo(path, 0o600)


def _link(path: Path) -> None:
    target = path.parent / "someone-elses.json"
    target.write_bytes(b'{"version": 1, "lessons": {"first-words": {"done": [1, 2, 3]}}}')
    path.symlink_to(target)


def _huge(path: Path) -> None:
    path.write_bytes(b'{"version": 1' + b" " * (pg.MAX_BYTES + 1) + b"}")


BAD: dict[str, Callable[[Path], None]] = {
    "fifo": _fifo,
    "link": _link,
    "huge": _huge,
    "folder": lambda p: p.mkdir(),
    "not-utf8": lambda p: p.write_bytes(b"\xff\xfe{}"),
    "wrong-json": lambda p: p.write_bytes(b'{"version": 1, "lessons": []}'),
}


def set_aside(data: Path) -> list[Path]:
    return list(data.glob("progress.json.corrupt-*"))


@pytest.mark.parametrize("kind", BAD)
async def test_j4_j5_the_app_starts_over_each_bad_kind_and_says_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    BAD[kind](tmp_path / "progress.json")
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        said = [n for n in app.notices if "could not be read" in n]
        assert len(said) == 1
        assert app.progress.lessons == {}  # a linked file's steps were never taken in
    assert len(set_aside(tmp_path)) == 1
    again = make_app(tmp_path)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not [n for n in again.notices if "could not be read" in n]


def _small() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_j4_j5_the_command_starts_over_a_progress_file_linked_to_dev_zero(tmp_path: Path) -> None:
    (tmp_path / "progress.json").symlink_to("/dev/zero")
    env = {**os.environ, "SMTP_TUTOR_DATA_DIR": str(tmp_path), "SMTP_TUTOR_EXIT_WHEN_READY": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tutor.cli.main", "--lang", "en", "--lessons", str(FIXTURE_COURSE)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=50,
        preexec_fn=_small,
    )
    screen = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, screen[-2000:]
    assert "Traceback" not in screen and "MemoryError" not in screen
    aside = set_aside(tmp_path)
    assert len(aside) == 1 and aside[0].is_symlink()  # the link itself, set aside
