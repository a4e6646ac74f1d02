"""The progress file's JSON: writing it, reading it (every value checked), moving a format-1 file
to format 2, and the three-way merge two tutors' saves go through (properties.md J6).

Format 2 (this version): `{"version": 2, "language", "theme", "packs": {PACK_ID: {"last_lesson",
"lessons": {LESSON_ID: {"done", "current", "answers", "score", "passed"}}, "seconds":
{LESSON_ID: N}}}}`.
Format 1 had one course's `last_lesson` and `lessons` at the top; they are read as the first
pack's the tutor opens (`migrate`), so a learner's progress survives the upgrade.

Pure: no Textual, no I/O.
"""

from __future__ import annotations

from typing import Any

from tutor.model.progress_records import (
    LEGACY_PACK,
    Answer,
    LessonProgress,
    PackProgress,
    Progress,
)

FORMAT_VERSION = 2
OLD_VERSIONS = (1,)  # read and migrated


class ProgressFormatError(ValueError):
    """The progress file is not what this version writes."""


def _lesson_json(entry: LessonProgress) -> dict[str, Any]:
    data: dict[str, Any] = {"done": sorted(entry.done), "current": entry.current}
    if entry.answers:
        data["answers"] = {
            str(step): {str(block): list(given) for block, given in sorted(blocks.items())}
            for step, blocks in sorted(entry.answers.items())
        }
    if entry.score is not None:
        data["score"] = entry.score
    if entry.passed is not None:
        data["passed"] = entry.passed
    return data


def _pack_json(pack: PackProgress) -> dict[str, Any]:
    data: dict[str, Any] = {
        "last_lesson": pack.last_lesson,
        "lessons": {lid: _lesson_json(entry) for lid, entry in sorted(pack.lessons.items())},
    }
    if pack.seconds:
        data["seconds"] = dict(sorted(pack.seconds.items()))
    return data


def to_json(progress: Progress) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "language": progress.language,
        "theme": progress.theme,
        "packs": {
            pack_id: _pack_json(pack)
            for pack_id, pack in sorted(progress.packs.items())
            if not pack.empty
        },
    }


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """A format-1 file as format 2: its lessons wait as `LEGACY_PACK` for the first pack the
    tutor opens (the course the learner had). Anything else in it is checked by `from_json`."""
    if data.get("version") != 1:
        return data
    out = {k: v for k, v in data.items() if k not in ("lessons", "last_lesson")}
    out["version"] = FORMAT_VERSION
    pack = {"last_lesson": data.get("last_lesson"), "lessons": data.get("lessons", {})}
    out["packs"] = {LEGACY_PACK: pack}
    return out


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ProgressFormatError(f"{key!r} is not a string")


def _whole(value: object, lowest: int, what: str) -> int:
    # bool is an int subclass; true/false in the file is corruption, not step 1/0
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise ProgressFormatError(f"bad {what} {value!r}")
    return value


def _step_number(value: object) -> int:
    return _whole(value, 1, "step number")


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


def _lesson(lesson_id: str, entry: object) -> LessonProgress:
    if not isinstance(entry, dict) or not isinstance(entry.get("done", []), list):
        raise ProgressFormatError(f"bad entry for lesson {lesson_id!r}")
    score = entry.get("score")
    passed = entry.get("passed")
    if passed is not None and not isinstance(passed, bool):
        raise ProgressFormatError(f"bad 'passed' for lesson {lesson_id!r}")
    return LessonProgress(
        done={_step_number(s) for s in entry.get("done", [])},
        current=_step_number(entry.get("current", 1)),
        answers=_answers(entry.get("answers", {})),
        score=None if score is None else min(_whole(score, 0, "score"), 100),
        passed=passed,
    )


def _pack(pack_id: object, data: object) -> PackProgress:
    if not isinstance(pack_id, str) or not pack_id or not isinstance(data, dict):
        raise ProgressFormatError(f"bad entry for pack {pack_id!r}")
    lessons = data.get("lessons", {})
    if not isinstance(lessons, dict):
        raise ProgressFormatError(f"'lessons' of pack {pack_id!r} is not an object")
    seconds = data.get("seconds", {})
    if not isinstance(seconds, dict):
        raise ProgressFormatError(f"'seconds' of pack {pack_id!r} is not an object")
    return PackProgress(
        lessons={lid: _lesson(lid, entry) for lid, entry in lessons.items()},
        last_lesson=_opt_str(data, "last_lesson"),
        seconds={lid: _whole(n, 0, "seconds") for lid, n in seconds.items()},
    )


def from_json(data: object) -> Progress:
    """Build `Progress` from parsed JSON (format 2, or 1 migrated); raises `ProgressFormatError`
    on anything unexpected."""
    if not isinstance(data, dict):
        raise ProgressFormatError("not a JSON object")
    version = data.get("version")
    if version != FORMAT_VERSION and version not in OLD_VERSIONS:
        raise ProgressFormatError(f"unknown version {version!r}")
    data = migrate(data)
    packs = data.get("packs", {})
    if not isinstance(packs, dict):
        raise ProgressFormatError("'packs' is not an object")
    return Progress(
        packs={pack_id: _pack(pack_id, entry) for pack_id, entry in packs.items()},
        language=_opt_str(data, "language"),
        theme=_opt_str(data, "theme"),
    )


# --- merging two tutors' work (J6) --------------------------------------------------------------

_ABSENT: Any = object()
_SET_KEYS = frozenset({"done"})  # lists that are sets (of step numbers): merged as sets
_SUM_KEYS = frozenset({"seconds"})  # {lesson: counter}: both tutors' time is time spent


def merge(base: dict[str, Any], mine: dict[str, Any], disk: dict[str, Any]) -> dict[str, Any]:
    """Three-way merge of progress files (as `to_json` writes them): what this tutor changed
    since `base` (its last read or save) applied to what is on `disk` now (another tutor's work).

    Steps done are a union less the ones this tutor reset; time spent adds up; a value this tutor
    changed (the position, the language) is the latest and wins, one it did not change is the
    disk's; a lesson this tutor reset is gone, one the other tutor began is kept. Generic over the
    JSON, so data added to a lesson's entry later is merged key by key without code here.
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
        inner = key if key in _SUM_KEYS else ""  # a counter's children are counters
        for k in sorted(d.keys() | mine.keys() | b.keys()):
            v = _merge(b.get(k, _ABSENT), mine.get(k, _ABSENT), d.get(k, _ABSENT), inner or k)
            if v is not _ABSENT:
                out[k] = v
        return out
    if key in _SET_KEYS and isinstance(mine, list):
        b_set = set(base) if isinstance(base, list) else set()
        d_set = set(disk) if isinstance(disk, list) else set()
        m_set = set(mine)
        return sorted((d_set - (b_set - m_set)) | (m_set - b_set))
    if key in _SUM_KEYS and _is_count(mine):
        added = mine - (base if _is_count(base) else 0)
        return max((disk if _is_count(disk) else 0) + added, 0)
    return mine


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
