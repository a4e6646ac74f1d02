"""Where the sandbox and the tutor keep files, and how they write them safely (J1-J3)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import platformdirs

APP_NAME = "smtp-tutor"


def data_dir() -> Path:
    """The per-user data dir, created 0700 (J1).

    `SMTP_TUTOR_DATA_DIR` overrides it (tests, classrooms); otherwise platformdirs, which honours
    `XDG_DATA_HOME`.
    """
    override = os.environ.get("SMTP_TUTOR_DATA_DIR")
    if override:
        return ensure_private_dir(Path(override))
    return ensure_private_dir(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def ensure_private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def create_private(path: Path, data: bytes) -> None:
    """Create `path` 0600 from its first byte, whatever the umask (J2); fails if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is masked by the umask; this is not
        with os.fdopen(fd, "wb", closefd=False) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    finally:
        os.close(fd)


def is_private(path: Path) -> bool:
    """True when only the owner can read or write `path`."""
    return path.stat().st_mode & 0o077 == 0


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file (J3)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    # fsync the directory so the rename itself survives a power cut
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold `directory/.lock` exclusively: two processes starting together (the TUI and
    `smtp-tutor sandbox`, say) must not both write keys; one writes, the other waits."""
    fd = os.open(directory / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
