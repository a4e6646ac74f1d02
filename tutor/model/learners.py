"""Who is learning: a learner's name, checked, and the data folder it maps to (properties.md R1).

`smtp-tutor serve` runs one tutor per browser tab for a whole room, so progress cannot live in
the one shared data dir: each learner gets `<data dir>/learners/<key>/`, where the key is the
name made comparable (NFKC, so full-width `ａｌｉｃｅ` is `alice`; casefolded, so `Alice` and
`alice` are one learner). Only letters, digits, `-`, `_` and `.` are allowed, never a leading
dot: a key can never be `..`, hold a separator or a NUL, or name a hidden file, so a name cannot
reach outside `learners/` (R1). A name is a label for a classroom, not a password: anyone who
types another's name sees their progress (docs/properties.md R2 says so).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from sandbox.safety.files import UnsafeDataDirError, data_dir, ensure_private_dir

LEARNER_ENV = "SMTP_TUTOR_LEARNER"  # set by whoever starts a tutor for a learner (serve, a script)
FOLDER = "learners"
MAX_LEN = 32
_PUNCT = frozenset("-_.")


class LearnerNameError(ValueError):
    """A name that cannot be a learner's; the message is one line for the learner."""


def learner_key(name: str) -> str:
    """The name as a folder name: NFKC, casefolded, checked; raises `LearnerNameError`."""
    if len(name) > 4 * MAX_LEN:  # before normalising: NFKC of a huge string is work for nothing
        raise LearnerNameError(f"a learner's name is at most {MAX_LEN} characters")
    key = unicodedata.normalize("NFKC", name.strip()).casefold()
    if not key:
        raise LearnerNameError("a learner's name cannot be empty")
    if len(key) > MAX_LEN:
        raise LearnerNameError(f"a learner's name is at most {MAX_LEN} characters")
    if key.startswith("."):
        raise LearnerNameError("a learner's name cannot start with a dot")
    bad = next((ch for ch in key if not (ch.isalnum() or ch in _PUNCT)), None)
    if bad is not None:
        raise LearnerNameError(
            f"a learner's name has letters, digits, '-', '_' and '.' only, not {bad!a}"
        )
    return key


def learner_dir(name: str, base: Path | None = None) -> Path:
    """The learner's own folder under the data dir, created 0700 (J1). `learners/` and the
    learner's folder are never links (one learner's folder must not lead into another's, or out
    of the data dir): `UnsafeDataDirError` (one line) for a link, a file or a FIFO there."""
    key = learner_key(name)
    root = base or data_dir()
    for path in (root / FOLDER, root / FOLDER / key):
        if path.is_symlink():
            raise UnsafeDataDirError(
                f"{path} is a symbolic link; a learner's folder is never reached through one:"
                " remove it (smtp-tutor makes the folder again)"
            )
    return ensure_private_dir(root / FOLDER / key)


def learner_progress_path(name: str, base: Path | None = None) -> Path:
    """Where the learner's progress lives (the progress model itself is tutor/model/progress.py)."""
    return learner_dir(name, base) / "progress.json"
