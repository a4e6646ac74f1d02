"""Per-user progress: which steps of which lessons are done, where the learner left off, and the
answers given in each step (so a step revisited shows them).

Pure model (no Textual). Progress is keyed by lesson id and step number (1-based, as shown to the
learner), never by file position, so renaming or reordering lesson files loses nothing. The file is
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
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Any

from sandbox.safety.files import (
    UnsafeFileError,
    atomic_write,
    data_dir,
    locked,
    make_private_dirs,
    read_user_file,
)

FILE_NAME = "progress.json"
FORMAT_VERSION = 1  # "answers" came later within 1: old files lack it, old code skips it

Answer = str | int
"""One answer as the learner gave it: a choice number, or the text typed."""
MAX_BYTES = 4 * 1024 * 1024  # a whole course done is a few KiB; anything this big is not ours
LOCK_TIMEOUT = 10.0  # seconds a save waits for another tutor's save before it reports a failure


class Status(Enum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    DONE = "done"


@dataclass
class LessonProgress:
    """One lesson: the steps completed, and the step the learner was last on."""

    done: set[int] = field(default_factory=set)
    current: int = 1
    # step -> block index in the step -> the answers given there, in order
    answers: dict[int, dict[int, list[Answer]]] = field(default_factory=dict)


@dataclass
class Progress:
    """Everything remembered for one user."""

    lessons: dict[str, LessonProgress] = field(default_factory=dict)
    last_lesson: str | None = None
    language: str | None = None
    theme: str | None = None
    # The file as this object last read or wrote it: a save applies the changes since (J6).
    _base: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    def lesson(self, lesson_id: str) -> LessonProgress:
        return self.lessons.setdefault(lesson_id, LessonProgress())

    def is_done(self, lesson_id: str, step: int) -> bool:
        entry = self.lessons.get(lesson_id)
        return entry is not None and step in entry.done

    def mark_done(self, lesson_id: str, step: int) -> bool:
        """Record `step` as done; returns False when it already was (nothing to save)."""
        entry = self.lesson(lesson_id)
        if step in entry.done:
            return False
        entry.done.add(step)
        return True

    def record_answer(self, lesson_id: str, step: int, block: int, answer: Answer) -> None:
        blocks = self.lesson(lesson_id).answers.setdefault(step, {})
        blocks.setdefault(block, []).append(answer)

    def answers(self, lesson_id: str, step: int, block: int) -> list[Answer]:
        """The answers given to the `block`th block of `step`, oldest first."""
        entry = self.lessons.get(lesson_id)
        if entry is None:
            return []
        return list(entry.answers.get(step, {}).get(block, []))

    def set_position(self, lesson_id: str, step: int) -> None:
        self.lesson(lesson_id).current = step
        self.last_lesson = lesson_id

    def position(self, lesson_id: str) -> int:
        entry = self.lessons.get(lesson_id)
        return entry.current if entry else 1

    def done_count(self, lesson_id: str, total_steps: int) -> int:
        entry = self.lessons.get(lesson_id)
        if entry is None:
            return 0
        return sum(1 for s in entry.done if 1 <= s <= total_steps)

    def status(self, lesson_id: str, total_steps: int) -> Status:
        done = self.done_count(lesson_id, total_steps)
        if done == 0:  # opened (it has an entry) but nothing done yet still counts as begun
            return Status.IN_PROGRESS if lesson_id in self.lessons else Status.NOT_STARTED
        return Status.DONE if done >= total_steps else Status.IN_PROGRESS

    def reset_lesson(self, lesson_id: str) -> None:
        self.lessons.pop(lesson_id, None)
        if self.last_lesson == lesson_id:
            self.last_lesson = None

    def reset_all(self) -> None:
        """Forget every lesson's progress; the language and theme choices stay."""
        self.lessons.clear()
        self.last_lesson = None


# --- serialisation -------------------------------------------------------------------------------


class ProgressFormatError(ValueError):
    """The progress file is not what this version writes."""


def _lesson_json(entry: LessonProgress) -> dict[str, Any]:
    data: dict[str, Any] = {"done": sorted(entry.done), "current": entry.current}
    if entry.answers:
        data["answers"] = {
            str(step): {str(block): list(given) for block, given in sorted(blocks.items())}
            for step, blocks in sorted(entry.answers.items())
        }
    return data


def to_json(progress: Progress) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "language": progress.language,
        "theme": progress.theme,
        "last_lesson": progress.last_lesson,
        "lessons": {
            lesson_id: _lesson_json(entry) for lesson_id, entry in sorted(progress.lessons.items())
        },
    }


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ProgressFormatError(f"{key!r} is not a string")


def _step_number(value: object) -> int:
    # bool is an int subclass; true/false in the file is corruption, not step 1/0
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ProgressFormatError(f"bad step number {value!r}")
    return value


def _index(key: str, lowest: int) -> int:
    if not key.isdigit() or int(key) < lowest:
        raise ProgressFormatError(f"bad step or block number {key!r}")
    return int(key)


def _answers(data: object) -> dict[int, dict[int, list[Answer]]]:
    """`{"2": {"0": ["ehlo", "250"], "1": [2]}}`: step -> block -> answers."""
    if not isinstance(data, dict):
        raise ProgressFormatError("'answers' is not an object")
    out: dict[int, dict[int, list[Answer]]] = {}
    for step, blocks in data.items():
        if not isinstance(blocks, dict):
            raise ProgressFormatError(f"bad answers for step {step!r}")
        out[_index(step, 1)] = per_block = {}
        for block, given in blocks.items():
            ok = isinstance(given, list) and all(
                isinstance(a, str) or (isinstance(a, int) and not isinstance(a, bool))
                for a in given
            )
            if not ok:
                raise ProgressFormatError(f"bad answers for step {step} block {block!r}")
            per_block[_index(block, 0)] = list(given)
    return out


def from_json(data: object) -> Progress:
    """Build `Progress` from parsed JSON; raises `ProgressFormatError` on anything unexpected."""
    if not isinstance(data, dict):
        raise ProgressFormatError("not a JSON object")
    if data.get("version") != FORMAT_VERSION:
        raise ProgressFormatError(f"unknown version {data.get('version')!r}")
    lessons_data = data.get("lessons", {})
    if not isinstance(lessons_data, dict):
        raise ProgressFormatError("'lessons' is not an object")
    lessons: dict[str, LessonProgress] = {}
    for lesson_id, entry in lessons_data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("done", []), list):
            raise ProgressFormatError(f"bad entry for lesson {lesson_id!r}")
        done = {_step_number(s) for s in entry.get("done", [])}
        lessons[lesson_id] = LessonProgress(
            done=done,
            current=_step_number(entry.get("current", 1)),
            answers=_answers(entry.get("answers", {})),
        )
    return Progress(
        lessons=lessons,
        last_lesson=_opt_str(data, "last_lesson"),
        language=_opt_str(data, "language"),
        theme=_opt_str(data, "theme"),
    )


# --- merging two tutors' work (J6) --------------------------------------------------------------

_ABSENT: Any = object()
_SET_KEYS = frozenset({"done"})  # lists that are sets (of step numbers): merged as sets


def merge(base: dict[str, Any], mine: dict[str, Any], disk: dict[str, Any]) -> dict[str, Any]:
    """Three-way merge of progress files (as `to_json` writes them): what this tutor changed
    since `base` (its last read or save) applied to what is on `disk` now (another tutor's work).

    Steps done are a union less the ones this tutor reset; a value this tutor changed (the position,
    the language) is the latest and wins, one it did not change is the disk's; a lesson this tutor
    reset is gone, one the other tutor began is kept. Generic over the JSON, so data added to a
    lesson's entry later (a dict keyed by step, say) is merged key by key without code here.
    """
    merged = _merge(base, mine, disk, "")
    out = merged if isinstance(merged, dict) else {}
    out["version"] = FORMAT_VERSION
    return out


def _merge(base: Any, mine: Any, disk: Any, key: str) -> Any:
    if mine == base:
        return disk  # not changed here: what is on disk stands (or stays absent)
    if mine is _ABSENT:
        return _ABSENT  # removed here (a reset): the learner asked for it
    if isinstance(mine, dict):
        b = base if isinstance(base, dict) else {}
        d = disk if isinstance(disk, dict) else {}
        out = {}
        for k in sorted(d.keys() | mine.keys() | b.keys()):
            v = _merge(b.get(k, _ABSENT), mine.get(k, _ABSENT), d.get(k, _ABSENT), k)
            if v is not _ABSENT:
                out[k] = v
        return out
    if key in _SET_KEYS and isinstance(mine, list):
        b_set = set(base) if isinstance(base, list) else set()
        d_set = set(disk) if isinstance(disk, list) else set()
        m_set = set(mine)
        return sorted((d_set - (b_set - m_set)) | (m_set - b_set))
    return mine


def _adopt(progress: Progress, merged: Progress) -> None:
    """Make `progress` what was saved, in place: the app's screens hold this very object."""
    for lesson_id, entry in merged.lessons.items():
        mine = progress.lessons.get(lesson_id)
        if mine is None:
            progress.lessons[lesson_id] = entry
        else:
            for f in fields(LessonProgress):
                setattr(mine, f.name, getattr(entry, f.name))
    for gone in progress.lessons.keys() - merged.lessons.keys():
        del progress.lessons[gone]
    for f in fields(Progress):
        if f.name not in ("lessons", "_base"):
            setattr(progress, f.name, getattr(merged, f.name))
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
