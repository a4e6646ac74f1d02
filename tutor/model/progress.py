"""Per-user progress: which steps of which lessons are done, where the learner left off, and the
answers given in each step (so a step revisited shows them).

Pure model (no Textual). Progress is keyed by lesson id and step number (1-based, as shown to the
learner), never by file position, so renaming or reordering lesson files loses nothing. The file is
written atomically (properties.md J3); a file that cannot be read is renamed aside and a fresh start
is made, with a notice for the UI to show once (J4).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from sandbox.safety.files import atomic_write, data_dir

FILE_NAME = "progress.json"
FORMAT_VERSION = 1  # "answers" came later within 1: old files lack it, old code skips it

Answer = str | int
"""One answer as the learner gave it: a choice number, or the text typed."""


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


# --- the file ------------------------------------------------------------------------------------


def default_path() -> Path:
    return data_dir() / FILE_NAME


@dataclass(frozen=True)
class LoadResult:
    progress: Progress
    set_aside: Path | None = None  # where a corrupt file was moved, to tell the learner once
    error: str | None = None  # the file exists but could not be read (permissions, not a dir)


def _aside_path(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while candidate.exists():  # two corrupt files within a second: keep both
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    return candidate


def load(path: Path | None = None) -> LoadResult:
    """Read progress; a missing file is a fresh start, a corrupt one is set aside (J4)."""
    path = path or default_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadResult(Progress())
    except OSError as exc:  # not corrupt, just unreadable now: leave it alone
        return LoadResult(Progress(), error=str(exc))
    try:
        return LoadResult(from_json(json.loads(raw.decode("utf-8"))))
    except (ValueError, UnicodeDecodeError, RecursionError):
        # json.JSONDecodeError and ProgressFormatError are ValueErrors
        aside = _aside_path(path)
        path.replace(aside)
        return LoadResult(Progress(), set_aside=aside)


def save(progress: Progress, path: Path | None = None) -> None:
    """Write progress atomically (J3): a crash mid-write leaves the previous file intact."""
    path = path or default_path()
    data = json.dumps(to_json(progress), ensure_ascii=False, indent=1).encode("utf-8")
    atomic_write(path, data + b"\n")
