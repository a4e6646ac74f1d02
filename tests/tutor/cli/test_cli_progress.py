"""properties.md S10: `smtp-tutor progress export` and `progress merge`, run as the learner and
the teacher would: the learner's own progress (theirs with --learner), JSON and CSV, --out 0600;
the teacher's table from the files handed in, a bad file named and the others kept."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

import pytest

from tutor.cli.main import main
from tutor.model import progress as pg
from tutor.model.course import load_course
from tutor.model.learners import learner_progress_path

FIXTURE_COURSE = Path(__file__).resolve().parents[2] / "fixtures" / "course"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    monkeypatch.delenv("SMTP_TUTOR_LEARNER", raising=False)
    return path


def save_progress(path: Path, *, quiz_answer: int) -> None:
    """first-words of the fixture course: steps 1-3 done, the quiz answered, the lab met."""
    pack = load_course(FIXTURE_COURSE, "en").pack_id
    p = pg.Progress(pack_id=pack)
    p.record_answer("first-words", 2, 1, quiz_answer)  # step 2: a walk-through, then the quiz
    p.record_answer("first-words", 3, 0, pg.GOAL_MET)
    for n in (1, 2, 3):
        p.mark_done("first-words", n)
    pg.save(p, path)


def test_s10_export_json_to_stdout(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_progress(data_dir / "progress.json", quiz_answer=2)
    assert main(["progress", "export", "--lessons", str(FIXTURE_COURSE)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "smtp-tutor-progress" and data["version"] == 1
    assert data["pack"]["id"] == load_course(FIXTURE_COURSE, "en").pack_id
    assert data["learner"]  # this computer's user
    first = data["lessons"][0]
    assert (first["lesson"], first["score"], first["done"]) == ("first-words", 100, True)


def test_s10_a_learners_export_to_a_private_file_and_the_class_table(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_progress(learner_progress_path("alice"), quiz_answer=2)
    save_progress(learner_progress_path("bob"), quiz_answer=1)
    handed_in = tmp_path / "class"
    for name in ("alice", "bob"):
        out = handed_in / f"{name}.json"
        args = ["progress", "export", "--learner", name, "--lessons", str(FIXTURE_COURSE)]
        assert main([*args, "--out", str(out)]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert f"written to {out}" in capsys.readouterr().err
    files = sorted(str(f) for f in handed_in.iterdir())
    assert main(["progress", "merge", *files]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        ["learner", "lesson", "score", "done"],
        ["alice", "first-words", "100%", "yes"],
        ["alice", "upgrade", "0%", "no"],
        ["bob", "first-words", "50%", "yes"],
        ["bob", "upgrade", "0%", "no"],
    ]
    assert main(["progress", "merge", "--csv", *files]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["learner", "lesson", "score", "done"] and len(rows) == 5


def test_s10_export_csv(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_progress(data_dir / "progress.json", quiz_answer=1)
    args = ["progress", "export", "--format", "csv", "--learner", "", "--lessons"]
    assert main([*args, str(FIXTURE_COURSE)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["lesson"], r["score"], r["format_version"]) for r in rows] == [
        ("first-words", "50", "1"),
        ("upgrade", "0", "1"),
    ]


def test_s10_merge_names_a_bad_file_and_keeps_the_others(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_progress(data_dir / "progress.json", quiz_answer=2)
    good = tmp_path / "good.json"
    assert main(["progress", "export", "--lessons", str(FIXTURE_COURSE), "--out", str(good)]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    capsys.readouterr()
    assert main(["progress", "merge", str(bad), str(good)]) == 1
    out, err = capsys.readouterr()
    assert f"smtp-tutor progress: {bad}: not JSON\n" in err
    assert "1 of 2 files left out" in err
    assert "Traceback" not in err
    assert len(out.splitlines()) == 3  # the header and the good file's two lessons
    assert bad.read_text() == "{not json"  # nothing lost


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--learner", "a/../etc"], "a learner's name has letters, digits"),
        (["--learner", "nobody-yet"], "no progress to export yet"),
    ],
)
def test_s10_export_refuses_in_one_line(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["progress", "export", *args]) == 1
    err = capsys.readouterr().err
    assert said in err and len(err.splitlines()) == 1


def test_s10_a_damaged_progress_file_is_not_touched_by_export(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "progress.json").write_text('{"version": 2, "packs": []}')
    assert main(["progress", "export"]) == 1
    assert "cannot read your progress" in capsys.readouterr().err
    assert (data_dir / "progress.json").read_text() == '{"version": 2, "packs": []}'
    assert not list(data_dir.glob("progress.json.corrupt-*"))  # the tutor sets it aside, not this
