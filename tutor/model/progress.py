"""Per-user progress in its file: which steps of which lessons are done, where the learner left
off, the answers given in each step (so a step revisited shows them), the time spent, a graded
lesson's score (the records: `tutor.model.progress_records`; the JSON: `progress_json`).

Pure model (no Textual). Progress is keyed by pack id, lesson id and step number (1-based, as
shown to the learner), never by file position, so renaming or reordering lesson files loses
nothing and two packs never mix; a format-1 file is read as the built-in pack's. The file is
written atomically (properties.md J3); a file that cannot be read is renamed aside and a fresh start
is made, with a notice for the UI to show once (J4). It is read without following links, only as a
regular file of bounded size (J5). Two tutors open at once both keep their work: a save merges,
under a lock, what this tutor changed since it last read the file into what is on disk now (J6).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, fields
from pathlib import Path

from sandbox.safety.files import (
    UnsafeFileError,
    atomic_write,
    data_dir,
    locked,
    make_private_dirs,
    read_user_file,
)
from tutor.model.progress_json import (
    FORMAT_VERSION,
    ProgressFormatError,
    from_json,
    merge,
    migrate,
    to_json,
)
from tutor.model.progress_records import (
    BUILTIN_PACK,
    GOAL_MET,
    Answer,
    LessonProgress,
    PackProgress,
    Progress,
    Status,
)

__all__ = [
    "BUILTIN_PACK",
    "FORMAT_VERSION",
    "GOAL_MET",
    "Answer",
    "LessonProgress",
    "LoadResult",
    "PackProgress",
    "Progress",
    "ProgressFormatError",
    "Status",
    "default_path",
    "from_json",
    "load",
    "merge",
    "migrate",
    "read",
    "save",
    "to_json",
]

FILE_NAME = "progress.json"
MAX_BYTES = 4 * 1024 * 1024  # a whole course done is a few KiB; anything this big is not ours
LOCK_TIMEOUT = 10.0  # seconds a save waits for another tutor's save before it reports a failure


def _adopt(progress: Progress, merged: Progress) -> None:
    """Make `progress` what was saved, in place: the app's screens hold this very object (and
    may hold a lesson's entry)."""
    for pack_id, pack in merged.packs.items():
        mine = progress.packs.setdefault(pack_id, PackProgress())
        for lesson_id, entry in pack.lessons.items():
            kept = mine.lessons.get(lesson_id)
            if kept is None:
                mine.lessons[lesson_id] = entry
            else:
                for f in fields(LessonProgress):
                    setattr(kept, f.name, getattr(entry, f.name))
        for gone in mine.lessons.keys() - pack.lessons.keys():
            del mine.lessons[gone]
        mine.last_lesson = pack.last_lesson
        mine.seconds = dict(pack.seconds)
    for pack_id in progress.packs.keys() - merged.packs.keys():
        progress.packs[pack_id] = PackProgress()  # emptied by a reset here or there
    progress.language, progress.theme = merged.language, merged.theme
    progress._base = to_json(merged)


# --- the file ------------------------------------------------------------------------------------


def default_path() -> Path:
    return data_dir() / FILE_NAME


@dataclass(frozen=True)
class LoadResult:
    progress: Progress
    set_aside: Path | None = None  # where a corrupt file was moved, to tell the learner once
    error: str | None = None  # the file exists but could not be read (permissions, not a dir)


class _Corrupt(Exception):
    """The file is there but is no progress file: set it aside."""


def _aside_path(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while os.path.lexists(candidate):  # two corrupt files within a second: keep both
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    return candidate


def _read(path: Path) -> Progress:
    """The progress on disk; FileNotFoundError, OSError (unreadable now) or `_Corrupt`."""
    try:
        raw = read_user_file(path, MAX_BYTES)  # J5: no link, no FIFO, no /dev/zero
    except UnsafeFileError as exc:
        raise _Corrupt(str(exc)) from exc
    try:
        progress = from_json(json.loads(raw.decode("utf-8")))
    except (ValueError, RecursionError) as exc:
        # json.JSONDecodeError, UnicodeDecodeError and ProgressFormatError are ValueErrors
        raise _Corrupt(str(exc)) from exc
    progress._base = to_json(progress)
    return progress


def _lock(path: Path) -> contextlib.AbstractContextManager[None]:
    return locked(path.parent, f".{path.name}.lock", timeout=LOCK_TIMEOUT)


def _set_aside(path: Path) -> Path:
    aside = _aside_path(path)
    path.replace(aside)  # renames a link itself, never what it points to
    return aside


def load(path: Path | None = None) -> LoadResult:
    """Read progress; a missing file is a fresh start, a corrupt one is set aside (J4)."""
    path = path or default_path()
    try:
        return LoadResult(_read(path))
    except FileNotFoundError:
        return LoadResult(Progress())
    except OSError as exc:  # not corrupt, just unreadable now: leave it alone
        return LoadResult(Progress(), error=str(exc))
    except _Corrupt:
        pass
    try:
        with _lock(path):  # another tutor may have just replaced it with a good one
            try:
                return LoadResult(_read(path))
            except FileNotFoundError:
                return LoadResult(Progress())
            except _Corrupt:
                return LoadResult(Progress(), set_aside=_set_aside(path))
    except OSError as exc:
        return LoadResult(Progress(), error=str(exc))


def read(path: Path) -> Progress:
    """The progress at `path`, for reading only (an export): nothing is set aside or written.
    FileNotFoundError, OSError, or ProgressFormatError for a file that is no progress file."""
    try:
        return _read(path)
    except _Corrupt as exc:
        raise ProgressFormatError(f"{path} is not a progress file ({exc})") from None


def save(progress: Progress, path: Path | None = None) -> None:
    """Merge this tutor's changes into the file under a lock (J6) and write it atomically (J3):
    a crash mid-write leaves the previous file intact. `progress` becomes what was written.

    A corrupt file met here is set aside as `load` does; a lock another tutor holds past
    LOCK_TIMEOUT raises `TimeoutError` (an OSError, reported like a full disk).
    """
    path = path or default_path()
    make_private_dirs(path.parent)
    with _lock(path):
        try:
            disk = to_json(_read(path))
        except FileNotFoundError:
            disk = to_json(Progress())
        except _Corrupt:
            _set_aside(path)
            disk = to_json(Progress())
        base = progress._base if progress._base is not None else to_json(Progress())
        merged = from_json(merge(base, to_json(progress), disk))
        data = json.dumps(to_json(merged), ensure_ascii=False, indent=1).encode("utf-8")
        atomic_write(path, data + b"\n")
    _adopt(progress, merged)
