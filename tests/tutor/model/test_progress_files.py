"""properties.md J4 and J5 for the progress file: whatever sits at `progress.json` (a FIFO, a link
to /dev/zero or to someone's file, a huge file, a folder, bytes that are not UTF-8, JSON of the
wrong shape), loading it neither hangs nor exhausts memory: it is set aside (the link itself, never
its target), a fresh start is made, and the next start says nothing.

Each load runs in a child process with a time limit and 1 GiB of memory, so that a regression
fails the test instead of hanging it or exhausting the machine.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tutor.model import progress as pg

ROOT = Path(pg.__file__).parents[2]

LOAD = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from tutor.model import progress as pg
result = pg.load(Path(sys.argv[1]))
print(json.dumps({
    "set_aside": str(result.set_aside) if result.set_aside else None,
    "error": result.error,
    "fresh": result.progress == pg.Progress(),
}))
"""


def load_in_a_child(path: Path) -> dict:  # type: ignore[type-arg]
    try:
        out = subprocess.run(
            [sys.executable, "-c", LOAD, str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=40,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("loading the progress file hung")
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)  # type: ignore[no-any-return]


GOOD = b'{"version": 1, "lessons": {"a": {"done": [1], "current": 2}}}'


def fifo(path: Path) -> None:
    os.mkfifo(path, 0o600)


def link_to_dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def link_to_a_good_file(path: Path) -> None:
    target = path.parent.parent / "elsewhere.json"  # someone else's file, outside the data dir
    target.write_bytes(GOOD)
    path.symlink_to(target)


def huge(path: Path) -> None:
    # valid JSON, but far past the bound: nothing the tutor writes is this big
    path.write_bytes(GOOD[:-1] + b" " * (pg.MAX_BYTES + 1) + b"}")


def folder(path: Path) -> None:
    path.mkdir()


def not_utf8(path: Path) -> None:
    path.write_bytes(b'{"version": 1, "language": "\xff\xfe"}')


def wrong_json(path: Path) -> None:
    path.write_bytes(b'{"version": 1, "lessons": {"a": {"done": "all"}}}')


BAD_KINDS: dict[str, Callable[[Path], None]] = {
    "fifo": fifo,
    "link-to-dev-zero": link_to_dev_zero,
    "link-to-a-good-file": link_to_a_good_file,
    "huge": huge,
    "folder": folder,
    "not-utf8": not_utf8,
    "wrong-json": wrong_json,
}


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_j4_j5_each_bad_kind_of_progress_file_is_set_aside(tmp_path: Path, kind: str) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    path = data / "progress.json"
    BAD_KINDS[kind](path)
    before = path.lstat()
    result = load_in_a_child(path)
    assert result["fresh"]
    assert result["error"] is None
    assert result["set_aside"] is not None
    aside = Path(result["set_aside"])
    assert aside.name.startswith("progress.json.corrupt-")
    assert (aside.lstat().st_ino, stat.S_IFMT(aside.lstat().st_mode)) == (
        before.st_ino,
        stat.S_IFMT(before.st_mode),
    )  # the very entry that was there, moved, not copied or followed
    assert not os.path.lexists(path)
    if kind == "link-to-a-good-file":
        assert (tmp_path / "elsewhere.json").read_bytes() == GOOD  # the target is untouched
    again = load_in_a_child(path)
    assert again == {"set_aside": None, "error": None, "fresh": True}  # said once


def test_j5_a_save_over_a_link_replaces_the_link_not_its_target(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    path = data / "progress.json"
    link_to_a_good_file(path)
    p = pg.Progress()
    p.mark_done("b", 1)
    pg.save(p, path)
    assert (tmp_path / "elsewhere.json").read_bytes() == GOOD
    assert not path.is_symlink()
    saved = pg.load(path).progress
    assert saved.is_done("b", 1)
    assert not saved.is_done("a", 1)  # the linked file's content was never taken in
    assert list(data.glob("progress.json.corrupt-*"))  # the link was set aside, as load does
