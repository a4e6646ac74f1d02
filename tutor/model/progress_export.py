"""A learner's progress as a file to hand in, and a teacher's class table made from many of them.

An export says what it is (`"format": "smtp-tutor-progress"`, its `version`), which pack and pack
version it is about, who and when, and per lesson: steps done, the score, quizzes right at the
first try, lab goals met, challenges passed, time spent, and for a graded lesson its pass mark and
whether it passed (all from `tutor.model.grading`). As JSON it is one object; as CSV one row per
lesson, each row carrying the format version, the pack and the learner.

Reading exports back (`read_export`) trusts nothing: not a link, not a FIFO, not 50 MB, not
non-UTF-8, not JSON, the wrong format or version, wrong types: each is `ExportError` with one
line that names the file. `class_table` merges the good ones; a bad one never loses the others.

Pure: no Textual.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.safety.files import UnsafeFileError, read_user_file
from sandbox.safety.text import escape_text
from tutor.model.course import Course
from tutor.model.grading import LessonGrade, grade_lesson
from tutor.model.progress_records import Progress

EXPORT_FORMAT = "smtp-tutor-progress"
EXPORT_VERSION = 1
MAX_EXPORT_BYTES = 2 * 1024 * 1024  # a 100-lesson pack exports in ~40 KiB
MAX_LESSONS = 1000
MAX_TEXT = 200  # a learner's name, a lesson id or title, a pack id: more is not ours

CSV_COLUMNS = (
    "format",
    "format_version",
    "pack",
    "pack_version",
    "learner",
    "exported",
    "lesson",
    "title",
    "steps_done",
    "steps_total",
    "done",
    "score",
    "quizzes_first_try",
    "quizzes",
    "labs_met",
    "labs",
    "challenges_passed",
    "challenges",
    "seconds",
    "pass_mark",
    "passed",
)


class ExportError(ValueError):
    """An export that cannot be read; the message is one line and names the file."""


def _lesson_row(grade: LessonGrade, title: str, seconds: int) -> dict[str, Any]:
    quizzes, labs, challenges = grade.count("quiz"), grade.count("lab"), grade.count("challenge")
    return {
        "lesson": grade.lesson_id,
        "title": title,
        "steps_done": grade.steps_done,
        "steps_total": grade.steps_total,
        "done": grade.done,
        "score": grade.score,
        "quizzes_first_try": quizzes[0],
        "quizzes": quizzes[1],
        "labs_met": labs[0],
        "labs": labs[1],
        "challenges_passed": challenges[0],
        "challenges": challenges[1],
        "seconds": seconds,
        "pass_mark": grade.pass_mark,
        "passed": grade.passed,
    }


def build_export(progress: Progress, course: Course, learner: str, exported: str) -> dict[str, Any]:
    """The export of `learner`'s progress in `course`'s pack (`exported`: an ISO 8601 time)."""
    pack = progress.packs.get(course.pack_id)
    lessons = pack.lessons if pack else {}
    seconds = pack.seconds if pack else {}
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "pack": {"id": course.pack_id, "version": course.pack_version},
        "learner": learner,
        "exported": exported,
        "lessons": [
            _lesson_row(
                grade_lesson(lesson, lessons.get(lesson.id)),
                lesson.title,
                seconds.get(lesson.id, 0),
            )
            for lesson in course.lessons
        ],
    }


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def export_csv(export: dict[str, Any]) -> str:
    """The export as CSV: a header, then one row per lesson."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    head = {
        "format": export["format"],
        "format_version": export["version"],
        "pack": export["pack"]["id"],
        "pack_version": export["pack"]["version"],
        "learner": export["learner"],
        "exported": export["exported"],
    }
    for row in export["lessons"]:
        values = {**head, **row}
        writer.writerow([_csv_value(values[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def export_json(export: dict[str, Any]) -> str:
    return json.dumps(export, ensure_ascii=False, indent=1) + "\n"


# --- reading exports back ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LessonResult:
    lesson: str
    score: int | None
    done: bool
    passed: bool | None


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What a teacher's table needs of one export."""

    file: str
    learner: str
    pack: str
    pack_version: str
    exported: str
    lessons: tuple[LessonResult, ...]


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise ValueError(f"{what} is not a short text")
    return value


def _opt_int(value: object, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValueError(f"{what} is not a percent")
    return value


def _opt_bool(value: object, what: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{what} is not true or false")
    return value


def summary_from_json(data: object, file: str) -> ExportSummary:
    """Check a parsed export; `ExportError` names the first thing wrong."""
    try:
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            raise ValueError("not a smtp-tutor progress export ('format' is missing or other)")
        version = data.get("version")
        if version != EXPORT_VERSION:
            raise ValueError(
                f"export format version {escape_text(repr(version))[:40]}; this tutor reads "
                f"version {EXPORT_VERSION} (export it again with this tutor's version)"
            )
        pack = data.get("pack")
        if not isinstance(pack, dict):
            raise ValueError("'pack' is missing")
        rows = data.get("lessons")
        if not isinstance(rows, list) or len(rows) > MAX_LESSONS:
            raise ValueError("'lessons' is not a list of lessons")
        lessons: list[LessonResult] = []
        for n, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise ValueError(f"lesson {n} is not an object")
            done = row.get("done")
            if not isinstance(done, bool):
                raise ValueError(f"lesson {n}: 'done' is not true or false")
            lessons.append(
                LessonResult(
                    _text(row.get("lesson"), f"lesson {n}: 'lesson'"),
                    _opt_int(row.get("score"), f"lesson {n}: 'score'"),
                    done,
                    _opt_bool(row.get("passed"), f"lesson {n}: 'passed'"),
                )
            )
        return ExportSummary(
            file,
            _text(data.get("learner"), "'learner'"),
            _text(pack.get("id"), "the pack's 'id'"),
            _text(pack.get("version"), "the pack's 'version'"),
            _text(data.get("exported"), "'exported'"),
            tuple(lessons),
        )
    except ValueError as exc:
        raise ExportError(f"{file}: {exc}") from None


def read_export(path: Path, shown: str | None = None) -> ExportSummary:
    """Read one export file safely (J5: no link, no FIFO, bounded); `ExportError` otherwise."""
    name = escape_text(shown if shown is not None else str(path))
    try:
        raw = read_user_file(path, MAX_EXPORT_BYTES)
    except UnsafeFileError as exc:
        reason = "a link, not followed" if "symbolic link" in str(exc) else None
        if reason is None:
            reason = (
                f"larger than {MAX_EXPORT_BYTES // (1024 * 1024)} MiB: not an export"
                if "larger than" in str(exc)
                else "not a regular file"
            )
        raise ExportError(f"{name}: {reason}") from None
    except FileNotFoundError:
        raise ExportError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ExportError(f"{name}: a folder, not an export") from None
    except OSError as exc:
        raise ExportError(f"{name}: cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError(f"{name}: not UTF-8 text, so not an export") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        hint = " (a CSV export? merge the JSON exports)" if text.startswith("format,") else ""
        raise ExportError(f"{name}: not JSON{hint}") from None
    return summary_from_json(data, name)


# --- the class table ---------------------------------------------------------------------------

TABLE_COLUMNS = ("learner", "lesson", "score", "done")


@dataclass(frozen=True, slots=True)
class ClassTable:
    rows: tuple[tuple[str, str, str, str], ...]
    notes: tuple[str, ...]  # what was left out or replaced, one line each


def class_table(summaries: Iterable[ExportSummary]) -> ClassTable:
    """One row per learner and lesson. The same learner's pack exported twice: the later export
    stands (said in a note). Lessons are `pack:lesson` when the exports cover several packs."""
    latest: dict[tuple[str, str], ExportSummary] = {}
    notes: list[str] = []
    for s in summaries:
        key = (s.learner, s.pack)
        kept = latest.get(key)
        if kept is not None:
            newer, older = (s, kept) if s.exported >= kept.exported else (kept, s)
            notes.append(
                f"{older.file}: {escape_text(s.learner)} exported again later ({newer.file}): "
                "the later one is used"
            )
            s = newer
        latest[key] = s
    several = len({s.pack for s in latest.values()}) > 1
    rows: list[tuple[str, str, str, str]] = []
    for (learner, pack), s in sorted(latest.items()):
        for r in s.lessons:
            lesson = f"{pack}:{r.lesson}" if several else r.lesson
            score = "" if r.score is None else f"{r.score}%"
            if r.passed is not None:
                score += " pass" if r.passed else " fail"
            done = "yes" if r.done else "no"
            rows.append((escape_text(learner), escape_text(lesson), score, done))
    return ClassTable(tuple(rows), tuple(notes))


def table_csv(table: ClassTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    writer.writerows(table.rows)
    return out.getvalue()


def table_text(table: ClassTable) -> str:
    """Aligned columns for a terminal."""
    rows: Sequence[Sequence[str]] = [TABLE_COLUMNS, *table.rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(TABLE_COLUMNS))]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in rows
    )
