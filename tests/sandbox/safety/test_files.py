"""properties.md J1 and J5: private folders whatever the umask; user files read without following
links, only when regular, and bounded; the data dir must be the user's own; lock files never opened
through a link. Real files, FIFOs, links and ownership (CI runs as root: os.chown can give a folder
to another user)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sandbox.safety.files import (
    NotPrivateError,
    UnsafeDataDirError,
    UnsafeFileError,
    data_dir,
    ensure_private_dir,
    locked,
    read_user_file,
)

ROOT = Path(__file__).resolve().parents[3]
OTHER_UID = 54321  # nobody on a test machine: a folder given to it is someone else's


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_j1_missing_parents_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        ensure_private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    for d in ("a", "a/b", "a/b/c"):
        assert mode(tmp_path / d) == 0o700, d


def test_j1_a_umask_that_takes_the_owners_bits_still_gives_0700(tmp_path: Path) -> None:
    old = os.umask(0o277)
    try:
        ensure_private_dir(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700


def test_j5_the_data_dir_of_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, OTHER_UID, OTHER_UID)
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(theirs))
    with pytest.raises(UnsafeDataDirError, match=f"belongs to user id {OTHER_UID}, not to you"):
        data_dir()
    with pytest.raises(UnsafeDataDirError):
        ensure_private_dir(theirs)  # a certs or Maildir folder of another user, too
    assert list(theirs.iterdir()) == []


@pytest.mark.parametrize("loose", [0o770, 0o707, 0o777, 0o720], ids=oct)
def test_j5_a_data_dir_others_can_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose: int
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(loose)
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(shared))
    with pytest.raises(UnsafeDataDirError, match="can be written by others") as caught:
        data_dir()
    assert f"chmod 700 {shared}" in str(caught.value)
    assert "\n" not in str(caught.value)  # one line
    assert mode(shared) == loose  # left as it is: the user decides


def test_j1_a_data_dir_others_can_only_read_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    mine.chmod(0o755)
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(mine))
    assert data_dir() == mine
    assert mode(mine) == 0o700


def test_j5_a_regular_file_is_read_whole_up_to_its_bound(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1000)
    assert read_user_file(path, 1000) == b"x" * 1000
    with pytest.raises(UnsafeFileError, match="larger than 999 bytes"):
        read_user_file(path, 999)
    with pytest.raises(FileNotFoundError):
        read_user_file(tmp_path / "missing", 10)


def test_j5_a_link_is_not_followed_unless_asked(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"planted")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        read_user_file(link, 100)
    assert read_user_file(link, 100, follow_links=True) == b"planted"


def test_j5_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_user_file(fifo, 100)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():  # unblock the stuck open so the thread ends, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a FIFO blocked")
    assert len(outcome) == 1
    assert isinstance(outcome[0], UnsafeFileError)
    assert "not a regular file" in str(outcome[0])


def read_in_a_small_process(path: Path, max_bytes: int, follow_links: bool = False) -> str:
    """`read_user_file` in a child limited to 1 GiB of memory: a regression that reads /dev/zero
    or a sparse terabyte fails there with MemoryError, not by exhausting the machine."""
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from sandbox.safety.files import UnsafeFileError, read_user_file\n"
        "path, bound, follow = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == '1'\n"
        "try:\n"
        "    data = read_user_file(path, bound, follow_links=follow)\n"
        "except UnsafeFileError as exc:\n"
        "    print('refused:', exc)\n"
        "else:\n"
        "    print('read', len(data))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), str(max_bytes), "1" if follow_links else "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_j5_devices_and_folders_are_refused(tmp_path: Path) -> None:
    assert "not a regular file" in read_in_a_small_process(Path("/dev/zero"), 100)
    assert "not a regular file" in read_in_a_small_process(tmp_path, 100)
    link = tmp_path / "zero"
    link.symlink_to("/dev/zero")
    assert "not a regular file" in read_in_a_small_process(link, 100, follow_links=True)


def test_j5_a_huge_file_is_not_read(tmp_path: Path) -> None:
    """A sparse 1 TiB file: refused from its size, without reading (or allocating) anything."""
    huge = tmp_path / "huge"
    with huge.open("wb") as f:
        f.truncate(1 << 40)
    said = read_in_a_small_process(huge, 1 << 20)
    assert "refused:" in said and "larger than 1048576 bytes" in said


def test_j5_private_files_must_be_private_and_ours(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_bytes(b"k")
    path.chmod(0o600)
    assert read_user_file(path, 10, private=True) == b"k"
    path.chmod(0o640)
    with pytest.raises(NotPrivateError):
        read_user_file(path, 10, private=True)
    path.chmod(0o600)
    os.chown(path, OTHER_UID, OTHER_UID)
    with pytest.raises(PermissionError, match="not private to you"):
        read_user_file(path, 10, private=True)


def test_j5_a_lock_file_is_never_opened_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim"  # where a planted link would make us create a file
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / ".lock").symlink_to(victim)
    with locked(tmp_path / "d"):
        pass
    assert not victim.exists()
    lock = tmp_path / "d" / ".lock"
    assert stat.S_ISREG(lock.lstat().st_mode)
    assert mode(lock) == 0o600


def test_j5_a_fifo_in_the_lock_files_place_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".lock")
    done = threading.Event()

    def take() -> None:
        with locked(tmp_path, timeout=5):
            done.set()

    t = threading.Thread(target=take, daemon=True)
    t.start()
    t.join(timeout=20)
    if t.is_alive():
        os.close(os.open(tmp_path / ".lock", os.O_RDONLY | os.O_NONBLOCK))
        pytest.fail("a FIFO lock file blocked")
    assert done.is_set()
    assert stat.S_ISREG((tmp_path / ".lock").lstat().st_mode)
