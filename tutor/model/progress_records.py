"""What is remembered for one learner, as plain dataclasses: per pack, per lesson, the steps done,
the answers given in each step (a quiz's first answer says whether it was right at the first try,
a lab's "goal-met" that its goal was met), the time spent, and a graded lesson's score.

Pure model (no Textual, no I/O): `tutor.model.progress_json` reads and writes it,
`tutor.model.progress` keeps it in a file, `tutor.model.grading` scores it against a lesson.

Progress is keyed by pack id, lesson id and step number (1-based, as shown to the learner), never
by file position: renaming or reordering lesson files loses nothing, and two packs that both have
a lesson `intro` never mix. `Progress.lessons`, `last_lesson` and the methods act on the current
pack (`pack_id`, the built-in course unless `use_pack` chose another).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

BUILTIN_PACK = "smtp-tutor"
"""The pack id of the built-in course (lessons/pack.toml), and of every format-1 file's lessons."""

LEGACY_PACK = "format-1"
"""Where a format-1 file's lessons wait (that format kept no pack): the first pack the tutor acts
on takes them over, the built-in course for nearly everyone (see `Progress.pack`)."""

Answer = str | int
"""One answer as the learner gave it: a choice number, or the text typed."""

GOAL_MET = "goal-met"
"""The answer a lab (or config lab) block records when its goal is met."""

IDLE_CAP = 300.0
"""Seconds: a longer pause between two actions in a lesson counts as this much time spent (the
learner may have gone for lunch with the lesson open)."""

Clock = Callable[[], float]


class Status(Enum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    DONE = "done"


@dataclass
class LessonProgress:
    """One lesson: the steps completed, the step the learner was last on, the answers given, and
    (a graded lesson) the score and pass the learner last reached."""

    done: set[int] = field(default_factory=set)
    current: int = 1
    # step -> block index in the step -> the answers given there, in order
    answers: dict[int, dict[int, list[Answer]]] = field(default_factory=dict)
    score: int | None = None  # percent, 0-100
    passed: bool | None = None


@dataclass
class PackProgress:
    """The lessons of one pack, the one the learner was last in, and the seconds spent in each
    (beside the lessons' entries: a counter merges by adding, J6)."""

    lessons: dict[str, LessonProgress] = field(default_factory=dict)
    last_lesson: str | None = None
    seconds: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.lessons and self.last_lesson is None and not self.seconds


@dataclass
class Progress:
    """Everything remembered for one learner: every pack's lessons, the language and theme."""

    packs: dict[str, PackProgress] = field(default_factory=dict)
    language: str | None = None
    theme: str | None = None
    pack_id: str = field(default=BUILTIN_PACK, compare=False)  # which pack the methods act on
    clock: Clock = field(default=time.monotonic, repr=False, compare=False)
    # The file as this object last read or wrote it: a save applies the changes since (J6).
    _base: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)
    # (pack, lesson, clock) of the learner's last action, for the time spent
    _last_seen: tuple[str, str, float] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __eq__(self, other: object) -> bool:
        # an empty pack entry is the same as none (the current pack always has one)
        if not isinstance(other, Progress):
            return NotImplemented
        mine = {k: v for k, v in self.packs.items() if not v.empty}
        theirs = {k: v for k, v in other.packs.items() if not v.empty}
        return (mine, self.language, self.theme) == (theirs, other.language, other.theme)

    def use_pack(self, pack_id: str) -> None:
        """Act on `pack_id`'s lessons from now on (the course the tutor shows)."""
        self.pack_id = pack_id
        self._last_seen = None

    @property
    def pack(self) -> PackProgress:
        pack = self.packs.get(self.pack_id)
        if pack is None:
            # a format-1 file's lessons go to the first pack used: the course the learner had
            legacy = self.packs.pop(LEGACY_PACK, None)
            pack = self.packs[self.pack_id] = legacy or PackProgress()
        return pack

    @property
    def lessons(self) -> dict[str, LessonProgress]:
        return self.pack.lessons

    @property
    def last_lesson(self) -> str | None:
        return self.pack.last_lesson

    @last_lesson.setter
    def last_lesson(self, value: str | None) -> None:
        self.pack.last_lesson = value

    def lesson(self, lesson_id: str) -> LessonProgress:
        return self.lessons.setdefault(lesson_id, LessonProgress())

    def _tick(self, lesson_id: str) -> LessonProgress:
        """The learner did something in `lesson_id`: the time since their last action there
        (at most IDLE_CAP) is time spent in it."""
        entry = self.lesson(lesson_id)
        now = self.clock()
        last = self._last_seen
        if last is not None and last[:2] == (self.pack_id, lesson_id):
            spent = round(min(max(now - last[2], 0.0), IDLE_CAP))
            if spent:
                seconds = self.pack.seconds
                seconds[lesson_id] = seconds.get(lesson_id, 0) + spent
        self._last_seen = (self.pack_id, lesson_id, now)
        return entry

    def is_done(self, lesson_id: str, step: int) -> bool:
        entry = self.lessons.get(lesson_id)
        return entry is not None and step in entry.done

    def mark_done(self, lesson_id: str, step: int) -> bool:
        """Record `step` as done; returns False when it already was (nothing to save)."""
        entry = self._tick(lesson_id)
        if step in entry.done:
            return False
        entry.done.add(step)
        return True

    def record_answer(self, lesson_id: str, step: int, block: int, answer: Answer) -> None:
        blocks = self._tick(lesson_id).answers.setdefault(step, {})
        blocks.setdefault(block, []).append(answer)

    def answers(self, lesson_id: str, step: int, block: int) -> list[Answer]:
        """The answers given to the `block`th block of `step`, oldest first."""
        entry = self.lessons.get(lesson_id)
        if entry is None:
            return []
        return list(entry.answers.get(step, {}).get(block, []))

    def record_grade(self, lesson_id: str, score: int, passed: bool) -> bool:
        """Keep a graded lesson's result; returns False when it is the one already kept."""
        entry = self._tick(lesson_id)
        if (entry.score, entry.passed) == (score, passed):
            return False
        entry.score, entry.passed = score, passed
        return True

    def set_position(self, lesson_id: str, step: int) -> None:
        self._tick(lesson_id).current = step
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

    def seconds(self, lesson_id: str) -> int:
        """The time spent in `lesson_id`, in whole seconds."""
        return self.pack.seconds.get(lesson_id, 0)

    def reset_lesson(self, lesson_id: str) -> None:
        self.lessons.pop(lesson_id, None)
        self.pack.seconds.pop(lesson_id, None)
        if self.last_lesson == lesson_id:
            self.last_lesson = None
        self._last_seen = None

    def reset_all(self) -> None:
        """Forget every lesson's progress in the current pack; the language and theme choices,
        and other packs' progress, stay."""
        self.lessons.clear()
        self.pack.seconds.clear()
        self.last_lesson = None
        self._last_seen = None
