"""properties.md S1-S3: progress is kept per pack and lesson, old files still load, and the time
spent in a lesson is kept and added up across two tutors (the J6 merge)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tutor.model import progress as pg
from tutor.model.course import load_course
from tutor.model.progress_records import IDLE_CAP
from tutor.ui.state import CourseState

FIXTURE_COURSE = Path(__file__).resolve().parents[2] / "fixtures" / "course"


@pytest.fixture(autouse=True)
def data_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(d))
    return d


def on_disk(data_path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((data_path / "progress.json").read_text("utf-8"))  # type: ignore[no-any-return]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_s1_two_packs_with_the_same_lesson_id_never_mix(data_path: Path) -> None:
    p = pg.Progress()
    p.mark_done("intro", 1)
    p.use_pack("teacher-pack")
    assert not p.is_done("intro", 1)  # the same id in another pack is another lesson
    p.mark_done("intro", 2)
    p.set_position("intro", 3)
    pg.save(p)
    saved = on_disk(data_path)
    assert saved["version"] == 2
    assert saved["packs"]["smtp-tutor"]["lessons"]["intro"]["done"] == [1]
    assert saved["packs"]["teacher-pack"]["lessons"]["intro"]["done"] == [2]
    assert saved["packs"]["teacher-pack"]["last_lesson"] == "intro"
    assert saved["packs"]["smtp-tutor"]["last_lesson"] is None
    again = pg.load().progress
    assert again.is_done("intro", 1) and not again.is_done("intro", 2)
    again.use_pack("teacher-pack")
    assert again.is_done("intro", 2) and not again.is_done("intro", 1)
    again.reset_all()  # resets this pack only
    assert again.lessons == {}
    again.use_pack("smtp-tutor")
    assert again.is_done("intro", 1)


def test_s1_the_course_state_picks_the_courses_pack() -> None:
    course = load_course(FIXTURE_COURSE, "en")
    assert course.pack_id != pg.BUILTIN_PACK  # a folder without a manifest has an id of its own
    progress = pg.Progress()
    progress.mark_done("first-words", 1)  # the built-in course's "first-words", say
    state = CourseState(course, progress)
    assert state.progress.pack_id == course.pack_id
    assert not state.progress.is_done("first-words", 1)


def test_s1_two_tutors_in_two_packs_merge_without_loss(data_path: Path) -> None:
    first = pg.load().progress
    second = pg.load().progress
    second.use_pack("teacher-pack")
    first.mark_done("a", 1)
    pg.save(first)
    second.mark_done("a", 2)
    pg.save(second)
    saved = pg.load().progress
    assert saved.lessons["a"].done == {1}
    saved.use_pack("teacher-pack")
    assert saved.lessons["a"].done == {2}


V1 = (
    b'{"version": 1, "language": "ja", "theme": null, "last_lesson": "starttls",'
    b' "lessons": {"starttls": {"done": [1, 2], "current": 3,'
    b' "answers": {"2": {"1": [2]}}}, "certificates": {"done": [1]}}}'
)


def test_s2_a_format_1_file_loads_into_the_course_the_learner_opens(data_path: Path) -> None:
    data_path.mkdir(parents=True)
    (data_path / "progress.json").write_bytes(V1)
    loaded = pg.load()
    assert loaded.set_aside is None  # migrated, not set aside as corrupt
    p = loaded.progress
    assert p.language == "ja"
    assert p.last_lesson == "starttls"
    assert p.lessons["starttls"].done == {1, 2}
    assert p.position("starttls") == 3
    assert p.answers("starttls", 2, 1) == [2]
    p.mark_done("certificates", 2)
    pg.save(p)
    saved = on_disk(data_path)
    assert saved["version"] == 2
    assert "lessons" not in saved  # the old layout is gone from the file
    assert saved["packs"]["smtp-tutor"]["lessons"]["certificates"]["done"] == [1, 2]
    assert list(saved["packs"]) == ["smtp-tutor"]


def test_s2_a_format_1_file_goes_to_a_teachers_pack_when_that_is_what_opens(
    data_path: Path,
) -> None:
    data_path.mkdir(parents=True)
    (data_path / "progress.json").write_bytes(V1)
    p = pg.load().progress
    p.use_pack("local:course")  # `--lessons DIR`: the course this learner had in format 1
    assert p.is_done("starttls", 2)
    pg.save(p)
    assert list(on_disk(data_path)["packs"]) == ["local:course"]


@pytest.mark.parametrize(
    "content",
    [
        b'{"version": 2, "packs": []}',
        b'{"version": 2, "packs": {"": {}}}',
        b'{"version": 2, "packs": {"p": {"lessons": []}}}',
        b'{"version": 2, "packs": {"p": {"seconds": {"a": -1}}}}',
        b'{"version": 2, "packs": {"p": {"seconds": {"a": true}}}}',
        b'{"version": 2, "packs": {"p": {"lessons": {"a": {"score": "90"}}}}}',
        b'{"version": 2, "packs": {"p": {"lessons": {"a": {"passed": 1}}}}}',
        b'{"version": 1, "lessons": {"a": {"done": [0]}}}',
        b'{"version": 3}',
    ],
)
def test_s2_a_damaged_file_of_either_format_is_set_aside(data_path: Path, content: bytes) -> None:
    data_path.mkdir(parents=True)
    (data_path / "progress.json").write_bytes(content)
    result = pg.load()
    assert result.set_aside is not None
    assert result.set_aside.read_bytes() == content


def test_s3_time_spent_counts_pauses_up_to_a_cap(data_path: Path) -> None:
    clock = Clock()
    p = pg.Progress(clock=clock)
    p.set_position("starttls", 1)
    clock.now += 40
    p.record_answer("starttls", 1, 0, 2)
    clock.now += 3600  # an hour away from the keyboard counts as IDLE_CAP
    p.mark_done("starttls", 1)
    assert p.seconds("starttls") == 40 + IDLE_CAP
    clock.now += 10
    p.set_position("other", 1)  # time runs in the lesson the learner is in
    clock.now += 10
    p.set_position("other", 2)
    assert p.seconds("other") == 10
    assert p.seconds("starttls") == 340
    pg.save(p)
    assert on_disk(data_path)["packs"]["smtp-tutor"]["seconds"] == {"other": 10, "starttls": 340}
    # the lessons' own entries are as before: time is kept beside them
    assert set(on_disk(data_path)["packs"]["smtp-tutor"]["lessons"]["starttls"]) == {
        "done",
        "current",
        "answers",
    }
    p.reset_lesson("starttls")
    assert p.seconds("starttls") == 0


def test_s3_two_tutors_time_adds_up(data_path: Path) -> None:
    clock = Clock()
    first = pg.load().progress
    first.clock = clock
    second = pg.load().progress
    second.clock = clock
    first.set_position("a", 1)
    second.set_position("a", 1)
    clock.now += 30
    first.set_position("a", 2)
    second.set_position("a", 2)
    pg.save(first)
    pg.save(second)
    assert pg.load().progress.seconds("a") == 60
    clock.now += 5
    second.set_position("a", 3)
    pg.save(second)  # only its 5 new seconds are added, not its 30 again
    assert pg.load().progress.seconds("a") == 65
