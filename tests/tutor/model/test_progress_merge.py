"""properties.md J6: two tutors open at once both keep their work.

Each save merges, under a lock, what its tutor changed since it last read the file into what is on
disk now. Shown with two Progress objects in one process and with two real processes saving at the
same time; J3 (atomic replace) still holds underneath.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.model import progress as pg

ROOT = Path(pg.__file__).parents[2]


@pytest.fixture(autouse=True)
def data_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(d))
    return d


def on_disk(data_path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((data_path / "progress.json").read_text("utf-8"))  # type: ignore[no-any-return]


def test_j6_two_tutors_in_one_process_keep_each_others_steps(data_path: Path) -> None:
    first = pg.load().progress
    second = pg.load().progress  # opened before the first one saved anything
    first.mark_done("starttls", 1)
    first.mark_done("shared", 1)
    pg.save(first)
    second.mark_done("certificates", 2)
    second.mark_done("shared", 2)
    pg.save(second)
    saved = pg.load().progress
    assert saved.lessons["starttls"].done == {1}
    assert saved.lessons["certificates"].done == {2}
    assert saved.lessons["shared"].done == {1, 2}  # one lesson, steps from both: a union
    # the second tutor now shows the first one's work too (it holds what it wrote)
    assert second.is_done("starttls", 1)
    # and the first one's next save keeps the second one's steps
    first.mark_done("starttls", 2)
    pg.save(first)
    assert on_disk(data_path)["packs"]["smtp-tutor"]["lessons"]["certificates"]["done"] == [2]
    assert on_disk(data_path)["packs"]["smtp-tutor"]["lessons"]["starttls"]["done"] == [1, 2]


def test_j6_the_latest_position_wins_and_what_a_tutor_did_not_touch_stays(
    data_path: Path,
) -> None:
    first = pg.load().progress
    second = pg.load().progress
    first.set_position("starttls", 3)
    first.language = "ja"
    pg.save(first)
    second.set_position("starttls", 5)  # moved later: the latest position
    second.theme = "textual-light"
    pg.save(second)
    saved = pg.load().progress
    assert saved.position("starttls") == 5
    assert saved.last_lesson == "starttls"
    assert saved.language == "ja"  # the second tutor never chose a language: the first's stays
    assert saved.theme == "textual-light"
    # the first tutor moves again, elsewhere: its move is now the latest
    first.set_position("certificates", 2)
    pg.save(first)
    saved = pg.load().progress
    assert (saved.last_lesson, saved.position("certificates")) == ("certificates", 2)
    assert saved.position("starttls") == 5  # the first tutor did not move there again
    assert saved.theme == "textual-light"


def test_j6_a_reset_is_kept_and_work_begun_elsewhere_is_not_lost(data_path: Path) -> None:
    start = pg.Progress()
    start.mark_done("a", 1)
    start.mark_done("b", 1)
    pg.save(start)
    first = pg.load().progress
    second = pg.load().progress
    first.reset_lesson("a")  # the learner asked: gone, even though the other tutor still has it
    pg.save(first)
    second.mark_done("b", 2)
    pg.save(second)
    saved = pg.load().progress
    assert "a" not in saved.lessons
    assert saved.lessons["b"].done == {1, 2}
    # reset all in one tutor while the other begins a new lesson
    second.mark_done("c", 1)
    first.reset_all()
    pg.save(first)
    pg.save(second)
    saved = pg.load().progress
    assert set(saved.lessons) == {"c"}  # a and b reset; c was begun after the first one's view


def test_j6_a_step_unmarked_here_is_unmarked_there(data_path: Path) -> None:
    first = pg.load().progress
    first.mark_done("a", 1)
    first.mark_done("a", 2)
    pg.save(first)
    second = pg.load().progress
    second.lessons["a"].done.discard(2)
    pg.save(second)
    first.mark_done("a", 3)
    pg.save(first)
    assert pg.load().progress.lessons["a"].done == {1, 3}


def test_j6_a_lock_held_too_long_is_reported_not_waited_for(
    data_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg.save(pg.Progress())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_WRONLY)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n",
            str(data_path / ".progress.json.lock"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"held\n"
        monkeypatch.setattr(pg, "LOCK_TIMEOUT", 0.3)
        p = pg.Progress()
        p.mark_done("a", 1)
        with pytest.raises(TimeoutError, match="held by another smtp-tutor"):
            pg.save(p)
        assert pg.load().progress.lessons == {}  # nothing written behind the other tutor's back
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    pg.save(p)  # the lock is free again: the save goes through
    assert pg.load().progress.is_done("a", 1)


WRITER = """
import sys, time
from pathlib import Path
from tutor.model import progress as pg
me, go, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
p = pg.load().progress
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
for i in range(1, n + 1):
    p.mark_done("lesson-" + me, i)
    p.mark_done("shared", 2 * i + (me == "b"))  # a does the even steps, b the odd ones
    p.set_position("lesson-" + me, i)
    pg.save(p)
"""


def test_j6_two_processes_saving_at_once_lose_nothing(data_path: Path, tmp_path: Path) -> None:
    n = 25
    go = tmp_path / "go"
    env = {**os.environ, "SMTP_TUTOR_DATA_DIR": str(data_path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, me, str(go), str(n)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        for me in ("a", "b")
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"  # both have read the (empty) file
    go.touch()
    for proc in procs:
        assert proc.wait(timeout=50) == 0
    result = pg.load()
    assert result.set_aside is None  # never torn (J3)
    saved = result.progress
    assert saved.lessons["lesson-a"].done == set(range(1, n + 1))
    assert saved.lessons["lesson-b"].done == set(range(1, n + 1))
    assert saved.lessons["shared"].done == set(range(2, 2 * n + 2))
    assert saved.position("lesson-a") == n
    assert saved.position("lesson-b") == n
