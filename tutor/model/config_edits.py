"""The learner's edits of config labs, kept in their data folder until they reset them.

One folder per lab (`config-labs/NAME/`), one file per edited configuration file, written
atomically and 0600 like the progress file (properties.md J3, J5); a file that cannot be read
safely (a link, a FIFO, too big, not UTF-8) is as good as no edit: the lab starts from the
lesson's text. The lab keys every config lab names (`server.key`, `chain.pem`...) are made once
in `config-labs/keys/`.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from sandbox.safety.files import (
    UnsafeFileError,
    atomic_write,
    data_dir,
    make_private_dirs,
    read_user_file,
)

FOLDER = "config-labs"
MAX_EDIT = 1_000_000  # bytes: a configuration file the learner types is a few kilobytes
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def labs_dir(base: Path | None = None) -> Path:
    return (base or data_dir()) / FOLDER


def keys_dir(base: Path | None = None) -> Path:
    """Where the config labs' keys and certificates are made (`sandbox.pki.labkeys`)."""
    return labs_dir(base) / "keys"


def _path(lab: str, file: str, base: Path | None) -> Path:
    for part in (lab, file):
        if not _PLAIN.fullmatch(part) or part == "keys":
            raise ValueError(f"not a plain name for a config lab file: {part!r}")
    root = labs_dir(base)
    for folder in (root, root / lab):  # J5: an edit is never read or written through a link
        if folder.is_symlink():
            raise UnsafeFileError(
                f"{folder} is a symbolic link; config lab edits never go through one"
            )
    return root / lab / file


def load_edit(lab: str, file: str, base: Path | None = None) -> str | None:
    """The learner's saved text of `file` in lab `lab`, or None (never saved, or unreadable)."""
    try:
        data = read_user_file(_path(lab, file, base), MAX_EDIT)
        return data.decode("utf-8")
    except (OSError, UnsafeFileError, UnicodeDecodeError, ValueError):
        return None


def save_edit(lab: str, file: str, text: str, base: Path | None = None) -> Path:
    """Keep `text` as the learner's `file` of lab `lab` (atomic, 0600)."""
    path = _path(lab, file, base)
    make_private_dirs(path.parent)
    atomic_write(path, text.encode("utf-8"))
    return path


def reset_edits(lab: str, files: tuple[str, ...], base: Path | None = None) -> None:
    """Forget the learner's edits of lab `lab`: its files start from the lesson's text again."""
    for file in files:
        # a lab folder that is a file, a FIFO or a link holds no edit: nothing to forget there
        with contextlib.suppress(FileNotFoundError, NotADirectoryError, UnsafeFileError):
            _path(lab, file, base).unlink()
