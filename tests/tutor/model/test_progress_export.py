"""properties.md S7-S9: a learner's export (JSON, CSV) carries its format version, the pack's id
and version and the graded records; a teacher's class table merges exports; a damaged or hostile
export is one clear line and nothing is lost."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from tutor.model import progress as pg
from tutor.model.course import Course, load_course
from tutor.model.lesson import Lab, Quiz
from tutor.model.progress_export import (
    CSV_COLUMNS,
    EXPORT_VERSION,
    ExportError,
    build_export,
    class_table,
    export_csv,
    export_json,
    read_export,
    summary_from_json,
    table_csv,
    table_text,
)

FIXTURE_COURSE = Path(__file__).resolve().parents[2] / "fixtures" / "course"


def course() -> Course:
    return load_course(FIXTURE_COURSE, "en")


def where(c: Course, lesson_id: str, kind: type) -> tuple[int, int]:
    """(step, block index) of the lesson's first block of `kind`."""
    lesson = c.get(lesson_id)
    assert lesson is not None
    for step in lesson.steps:
        for i, block in enumerate(step.blocks):
            if isinstance(block, kind):
                return step.number, i
    raise AssertionError(f"no {kind.__name__} in {lesson_id}")


def learner_progress(c: Course, *, right: bool) -> pg.Progress:
    p = pg.Progress(pack_id=c.pack_id)
    step, block = where(c, "first-words", Quiz)
    p.record_answer("first-words", step, block, 2 if right else 1)
    step, block = where(c, "first-words", Lab)
    p.record_answer("first-words", step, block, pg.GOAL_MET)
    for n in range(1, 4):
        p.mark_done("first-words", n)
    return p


def export_of(name: str, *, right: bool, when: str = "2026-12-06T00:00:00Z") -> dict:  # type: ignore[type-arg]
    c = course()
    return build_export(learner_progress(c, right=right), c, name, when)


def test_s7_the_json_export_says_what_it_is_and_what_was_done() -> None:
    c = course()
    data = json.loads(export_json(export_of("alice", right=True)))
    assert data["format"] == "smtp-tutor-progress"
    assert data["version"] == EXPORT_VERSION
    assert data["pack"] == {"id": c.pack_id, "version": c.pack_version}
    assert data["learner"] == "alice"
    first = data["lessons"][0]
    assert first["lesson"] == "first-words"
    assert first["done"] is True
    assert (first["steps_done"], first["steps_total"]) == (3, 3)
    assert (first["quizzes_first_try"], first["quizzes"]) == (1, 1)
    assert (first["labs_met"], first["labs"]) == (1, 1)
    assert first["score"] == 100
    assert first["pass_mark"] is None and first["passed"] is None  # not a graded lesson
    second = data["lessons"][1]
    assert second["lesson"] == "upgrade"
    assert second["done"] is False and second["score"] == 0
    # what a teacher's merge reads back from it
    summary = summary_from_json(data, "alice.json")
    assert [(r.lesson, r.score, r.done) for r in summary.lessons] == [
        ("first-words", 100, True),
        ("upgrade", 0, False),
    ]


def test_s7_the_csv_export_has_a_row_per_lesson_with_version_and_pack() -> None:
    c = course()
    rows = list(csv.DictReader(io.StringIO(export_csv(export_of("bob", right=False)))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [r["lesson"] for r in rows] == ["first-words", "upgrade"]
    for r in rows:
        assert r["format_version"] == str(EXPORT_VERSION)
        assert (r["pack"], r["pack_version"]) == (c.pack_id, c.pack_version)
        assert r["learner"] == "bob"
    assert rows[0]["score"] == "50"  # the quiz wrong at the first try, the lab met
    assert rows[0]["done"] == "yes" and rows[1]["done"] == "no"
    assert rows[0]["passed"] == ""


def test_s7_time_spent_is_exported() -> None:
    c = course()
    now = [0.0]
    p = pg.Progress(pack_id=c.pack_id, clock=lambda: now[0])
    p.set_position("upgrade", 1)
    now[0] = 95.0
    p.set_position("upgrade", 2)
    data = build_export(p, c, "carol", "2026-12-06T00:00:00Z")
    assert [r["seconds"] for r in data["lessons"]] == [0, 95]


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_s8_the_class_table_has_a_row_per_learner_and_lesson(tmp_path: Path) -> None:
    files = [
        write(tmp_path, "bob.json", export_of("bob", right=False)),
        write(tmp_path, "alice.json", export_of("alice", right=True)),
    ]
    table = class_table(read_export(f, f.name) for f in files)
    assert table.rows == (
        ("alice", "first-words", "100%", "yes"),
        ("alice", "upgrade", "0%", "no"),
        ("bob", "first-words", "50%", "yes"),
        ("bob", "upgrade", "0%", "no"),
    )
    assert table.notes == ()
    assert table_csv(table).splitlines()[0] == "learner,lesson,score,done"
    text = table_text(table).splitlines()
    assert text[0].split() == ["learner", "lesson", "score", "done"]
    assert text[1].split() == ["alice", "first-words", "100%", "yes"]


def test_s8_a_learner_exported_twice_counts_once_the_later_one(tmp_path: Path) -> None:
    old = write(tmp_path, "a1.json", export_of("alice", right=False, when="2026-12-01T10:00:00Z"))
    new = write(tmp_path, "a2.json", export_of("alice", right=True, when="2026-12-02T10:00:00Z"))
    for order in ([new, old], [old, new]):
        table = class_table(read_export(f, f.name) for f in order)
        assert table.rows[0] == ("alice", "first-words", "100%", "yes")
        assert len(table.rows) == 2
        assert table.notes == (
            "a1.json: alice exported again later (a2.json): the later one is used",
        )


def test_s8_two_packs_are_told_apart(tmp_path: Path) -> None:
    other = export_of("alice", right=True)
    other["pack"] = {"id": "teacher-pack", "version": "2"}
    files = [
        write(tmp_path, "a.json", export_of("alice", right=True)),
        write(tmp_path, "b.json", other),
    ]
    table = class_table(read_export(f, f.name) for f in files)
    lessons = {row[1] for row in table.rows}
    assert "teacher-pack:first-words" in lessons
    assert f"{course().pack_id}:first-words" in lessons


def test_s8_a_graded_lessons_pass_is_in_the_table(tmp_path: Path) -> None:
    data = export_of("dan", right=True)
    data["lessons"][0].update(score=72, pass_mark=70, passed=True)
    data["lessons"][1].update(score=40, pass_mark=70, passed=False)
    table = class_table([read_export(write(tmp_path, "d.json", data), "d.json")])
    assert [row[2] for row in table.rows] == ["72% pass", "40% fail"]


def hostile(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = export_of("eve", right=True)
    cases: dict[str, tuple[Path, str]] = {}

    def case(name: str, path: Path, said: str) -> None:
        cases[name] = (path, said)

    wrong = dict(good, version=7)
    case(
        "wrong-version",
        write(tmp_path, "v7.json", wrong),
        "export format version 7; this tutor reads version 1",
    )
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # 50 MB, sparse: the size alone refuses it
    case("50-mb", big, "larger than 2 MiB: not an export")
    case("not-json", write(tmp_path, "notes.json", "learner: eve\n"), "not JSON")
    csv_file = write(tmp_path, "eve.csv", export_csv(good))
    case("a-csv-export", csv_file, "not JSON (a CSV export? merge the JSON exports)")
    raw = tmp_path / "latin1.json"
    raw.write_bytes(b'{"learner": "\xe9ve"}')
    case("not-utf8", raw, "not UTF-8 text, so not an export")
    case(
        "not-an-export",
        write(tmp_path, "other.json", {"version": 1}),
        "not a smtp-tutor progress export",
    )
    bad_score = json.loads(json.dumps(good))
    bad_score["lessons"][0]["score"] = "100"
    case(
        "wrong-type", write(tmp_path, "score.json", bad_score), "lesson 1: 'score' is not a percent"
    )
    no_learner = dict(good, learner="")
    case("no-learner", write(tmp_path, "anon.json", no_learner), "'learner' is not a short text")
    deep = write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    case("deep", deep, "not JSON")
    link = tmp_path / "link.json"
    link.symlink_to(write(tmp_path, "target.json", good))
    case("link", link, "a link, not followed")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    case("fifo", fifo, "not a regular file")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    case("folder", folder, "not a regular file")
    case("missing", tmp_path / "missing.json", "no such file")
    return cases


def test_s9_a_damaged_or_hostile_export_is_one_clear_line(tmp_path: Path) -> None:
    for name, (path, said) in hostile(tmp_path).items():
        before = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        with pytest.raises(ExportError) as caught:
            read_export(path, path.name)
        message = str(caught.value)
        assert message == f"{path.name}: {said}" or message.startswith(f"{path.name}: {said}"), (
            name,
            message,
        )
        assert "\n" not in message
        if before is not None:
            assert path.read_bytes() == before  # nothing written to what was read


def test_s9_a_learners_name_cannot_reach_the_terminal(tmp_path: Path) -> None:
    data = export_of("\x1b]0;owned\x07mallory", right=True)
    table = class_table([read_export(write(tmp_path, "m.json", data), "m.json")])
    assert table.rows[0][0] == "\\x1b]0;owned\\x07mallory"
    assert "\x1b" not in table_text(table)
