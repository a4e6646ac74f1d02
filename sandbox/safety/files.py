"""Where the sandbox and the tutor keep files, and how they read and write them safely (J1-J6).

The data dir may sit where others can reach it (a classroom's shared disk), so every user file is
read with `read_user_file` (no links followed, regular files only, a bound on the size), the data
dir must be the user's own and closed to others, and lock files are never opened through a link.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from sandbox.safety.errors import (
    NotAFolderError,
    NotPrivateError,
    UnsafeDataDirError,
    UnsafeFileError,
)

__all__ = [
    "NotAFolderError",
    "NotPrivateError",
    "UnsafeDataDirError",
    "UnsafeFileError",
    "atomic_write",
    "create_private",
    "data_dir",
    "ensure_private_dir",
    "is_private",
    "locked",
    "make_private_dirs",
    "read_user_file",
]

APP_NAME = "smtp-tutor"
_CHUNK = 64 * 1024


def data_dir() -> Path:
    """The per-user data dir, created 0700 (J1) and checked to be the user's own (J5).

    `SMTP_TUTOR_DATA_DIR` overrides it (tests, classrooms); otherwise platformdirs, which honours
    `XDG_DATA_HOME`. Raises `UnsafeDataDirError` for a dir owned by another user or writable by
    group or others: files planted there (a linked progress file, an attacker's demo password)
    must never be used.
    """
    override = os.environ.get("SMTP_TUTOR_DATA_DIR")
    default = platformdirs.user_data_dir(APP_NAME, appauthor=False)
    path = Path(override or default)
    make_private_dirs(path)
    st = os.stat(path)
    _check_owner(path, st)
    if st.st_mode & 0o022:
        raise UnsafeDataDirError(
            f"the data folder {path} can be written by others"
            f" (mode {stat.S_IMODE(st.st_mode):04o}); smtp-tutor keeps nothing there:"
            f" run 'chmod 700 {path}' or set SMTP_TUTOR_DATA_DIR to a folder of your own"
        )
    return _close(path, st)


def ensure_private_dir(path: Path) -> Path:
    """`path` and any missing parent created 0700 whatever the umask (J1); a dir of ours that
    others can open is closed. A dir owned by another user is refused (`UnsafeDataDirError`)."""
    make_private_dirs(path)
    st = os.stat(path)
    _check_owner(path, st)
    return _close(path, st)


def make_private_dirs(path: Path) -> None:
    """Create `path` and its missing parents, each 0700 whatever the umask (J1); what exists
    is left as it is. (mkdir(parents=True) gives the parents the umask's mode, not 0700.)"""
    missing: list[Path] = []
    at = path
    while not at.exists():
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it first
            d.mkdir(mode=0o700)
            d.chmod(0o700)  # mkdir's mode is masked by the umask; this is not
    if not path.is_dir():  # a file, a FIFO, /dev/null or a link to one: one line (J5), no traceback
        raise NotAFolderError(
            f"{path} is not a folder; smtp-tutor keeps nothing there: move it away or set"
            " SMTP_TUTOR_DATA_DIR to a folder of your own"
        )


def _check_owner(path: Path, st: os.stat_result) -> None:
    if st.st_uid != os.geteuid():
        raise UnsafeDataDirError(
            f"the folder {path} belongs to user id {st.st_uid}, not to you"
            f" (user id {os.geteuid()}); smtp-tutor keeps nothing there: set SMTP_TUTOR_DATA_DIR"
            " to a folder of your own"
        )


def _close(path: Path, st: os.stat_result) -> Path:
    if st.st_mode & 0o077:
        path.chmod(0o700)
    return path


def read_user_file(
    path: Path, max_bytes: int, *, follow_links: bool = False, private: bool = False
) -> bytes:
    """The bytes of a user file, read safely (J5), or `UnsafeFileError`.

    Not through a symbolic link (unless `follow_links`: a teacher's lesson pack may use them),
    only a regular file (a FIFO would block the read forever, `/dev/zero` would never end), at
    most `max_bytes` (each kind of file has its bound), and with `private` only a file of the
    user's own that nobody else can read (J2). `FileNotFoundError` is left as it is.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC  # O_NONBLOCK: opening a FIFO never waits
    if not follow_links:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFileError(f"{path} is a symbolic link; it is not followed") from None
        raise
    try:
        st = os.fstat(fd)  # of what was opened, not of what the name points to now
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(f"{path} is not a regular file")
        if private and (st.st_uid != os.geteuid() or st.st_mode & 0o077):
            raise NotPrivateError(f"{path} is not private to you; refusing to use it")
        if st.st_size > max_bytes:
            raise UnsafeFileError(f"{path} is larger than {max_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, min(_CHUNK, max_bytes + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:  # it grew after fstat
                raise UnsafeFileError(f"{path} is larger than {max_bytes} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def create_private(path: Path, data: bytes) -> None:
    """Create `path` 0600 from its first byte, whatever the umask (J2); fails if it exists
    (a link included: O_EXCL never follows one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
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
    """Replace `path` with `data` so that a crash leaves either the old or the new file (J3).

    The rename replaces a link at `path` itself, never the file it points to."""
    make_private_dirs(path.parent)
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
def locked(directory: Path, name: str = ".lock", *, timeout: float | None = None) -> Iterator[None]:
    """Hold `directory/name` exclusively: two processes starting together (the TUI and
    `smtp-tutor sandbox`, say) must not both write keys, two tutors must not both save progress.

    The lock file is never opened through a link or as anything but our own regular file (J5):
    anything else in its place is removed and made again. With `timeout`, a lock still held after
    that many seconds raises `TimeoutError` instead of waiting on.
    """
    fd = _open_lock_file(directory / name)
    try:
        if timeout is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise TimeoutError(
                            f"{directory / name} is held by another smtp-tutor"
                        ) from None
                    time.sleep(0.02)
        yield
    finally:
        os.close(fd)


def _open_lock_file(path: Path) -> int:
    # O_NONBLOCK: a FIFO in the lock's place fails (ENXIO) instead of waiting for a reader.
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    for _ in range(3):
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
                raise
        else:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
                return fd
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # a link, a FIFO or someone else's file: ours is made in its place
    raise UnsafeFileError(f"{path} cannot be made a lock file")
