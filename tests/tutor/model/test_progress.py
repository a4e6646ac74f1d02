"""The progress store: keyed by lesson id and step, atomic (J3), recovers from corruption (J4)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.model import progress as pg


@pytest.fixture(autouse=True)
def data_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(d))
    return d


def test_missing_file_is_a_fresh_start() -> None:
    result = pg.load()
    assert result.set_aside is None
    assert result.progress == pg.Progress()


def test_round_trip_keeps_steps_position_language_and_theme(data_path: Path) -> None:
    p = pg.Progress(language="ja", theme="textual-light")
    assert p.mark_done("starttls", 1)
    assert p.mark_done("starttls", 3)
    assert not p.mark_done("starttls", 3)  # already done: nothing new to save
    p.set_position("starttls", 4)
    p.set_position("what-is-smtp", 2)
    pg.save(p)
    assert (data_path / "progress.json").exists()
    again = pg.load().progress
    assert again == p
    assert again.last_lesson == "what-is-smtp"
    assert again.position("starttls") == 4
    assert again.position("never-opened") == 1


def test_file_is_private_and_human_readable(data_path: Path) -> None:
    p = pg.Progress(language="ja")
    p.mark_done("what-is-smtp", 2)
    pg.save(p)
    path = data_path / "progress.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_path.stat().st_mode) == 0o700
    data = json.loads(path.read_text("utf-8"))
    assert data["packs"]["smtp-tutor"]["lessons"]["what-is-smtp"]["done"] == [2]
    assert data["language"] == "ja"


def test_status_and_done_count_by_lesson_id_not_position() -> None:
    p = pg.Progress()
    assert p.status("a", 3) is pg.Status.NOT_STARTED
    p.set_position("a", 1)  # opened, nothing done yet
    assert p.status("a", 3) is pg.Status.IN_PROGRESS
    p.set_position("a", 2)
    assert p.status("a", 3) is pg.Status.IN_PROGRESS
    p.mark_done("a", 1)
    p.mark_done("a", 2)
    assert p.done_count("a", 3) == 2
    assert p.status("a", 3) is pg.Status.IN_PROGRESS
    p.mark_done("a", 3)
    assert p.status("a", 3) is pg.Status.DONE
    # a lesson that lost a step since: steps beyond the end do not count
    p.mark_done("b", 7)
    assert p.done_count("b", 3) == 0


def test_reset_lesson_and_reset_all_keep_the_language() -> None:
    p = pg.Progress(language="ja")
    p.mark_done("a", 1)
    p.mark_done("b", 1)
    p.set_position("a", 2)
    p.reset_lesson("a")
    assert p.status("a", 2) is pg.Status.NOT_STARTED
    assert p.last_lesson is None
    assert p.is_done("b", 1)
    p.reset_all()
    assert p.lessons == {}
    assert p.language == "ja"


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe garbage",
        b"[]",
        b'{"version": 99}',
        b'{"version": 1, "lessons": {"a": {"done": ["x"]}}}',
        b'{"version": 1, "lessons": {"a": {"done": [true]}}}',
        b'{"version": 1, "lessons": {"a": {"current": 0}}}',
        b'{"version": 1, "language": 5}',
        b"[" * 100_000,
        b"",
    ],
)
def test_j4_corrupt_progress_file_is_set_aside(data_path: Path, content: bytes) -> None:
    data_path.mkdir(parents=True, exist_ok=True)
    path = data_path / "progress.json"
    path.write_bytes(content)
    result = pg.load()
    assert result.progress == pg.Progress()
    assert result.set_aside is not None
    assert result.set_aside.name.startswith("progress.json.corrupt-")
    assert result.set_aside.read_bytes() == content  # nothing else is lost
    assert not path.exists()
    # the next start is clean and says nothing: the notice comes once
    assert pg.load().set_aside is None


def test_j4_two_corrupt_files_in_one_second_are_both_kept(data_path: Path) -> None:
    data_path.mkdir(parents=True, exist_ok=True)
    path = data_path / "progress.json"
    path.write_bytes(b"one")
    first = pg.load().set_aside
    path.write_bytes(b"two")
    second = pg.load().set_aside
    assert first is not None
    assert second is not None
    assert first != second
    assert first.read_bytes() == b"one"
    assert second.read_bytes() == b"two"


def test_j3_crash_mid_write_leaves_the_old_file(
    data_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = pg.Progress()
    old.mark_done("a", 1)
    pg.save(old)
    before = (data_path / "progress.json").read_bytes()

    def power_cut(fd: int) -> None:
        raise OSError("simulated crash before the data reached the disk")

    monkeypatch.setattr(os, "fsync", power_cut)
    new = pg.Progress()
    new.mark_done("a", 2)
    with pytest.raises(OSError, match="simulated"):
        pg.save(new)
    monkeypatch.undo()
    assert (data_path / "progress.json").read_bytes() == before
    # no temp file left; the lock file (J6) stays, empty, for the next save
    assert sorted(p.name for p in data_path.iterdir()) == [".progress.json.lock", "progress.json"]
    assert (data_path / ".progress.json.lock").stat().st_size == 0


def test_j3_killed_writer_never_leaves_a_torn_file(data_path: Path) -> None:
    """A process killed while saving in a loop leaves a file that always loads."""
    code = (
        "from tutor.model import progress as pg\n"
        "p = pg.Progress()\n"
        "i = 0\n"
        "while True:\n"
        "    i += 1\n"
        "    p.mark_done('lesson-' + str(i % 50), i)\n"
        "    pg.save(p)\n"
        "    if i == 20: print('ready', flush=True)\n"
    )
    env = {**os.environ, "SMTP_TUTOR_DATA_DIR": str(data_path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        cwd=Path(pg.__file__).parents[2],
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    proc.kill()
    proc.wait()
    result = pg.load()
    assert result.set_aside is None
    assert sum(len(e.done) for e in result.progress.lessons.values()) >= 20


def test_progress_and_ui_words_do_not_import_textual() -> None:
    pure = (
        "tutor.model.progress, tutor.model.settings, tutor.ui.words, tutor.ui.help_text, "
        "tutor.model.cjk, tutor.ui.lab_link"
    )
    code = f"import sys, {pure}; assert 'textual' not in sys.modules, 'textual imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(pg.__file__).parents[2])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LANGUAGE": "ja:en", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LC_ALL": "C.UTF-8", "LANG": "ja_JP.UTF-8"}, "ja"),
        ({}, "en"),
    ],
)
def test_language_defaults_from_the_locale(env: dict[str, str], expected: str) -> None:
    from tutor.model.settings import choose_language, locale_language

    assert locale_language(env) == expected
    assert choose_language(None, None, env) == expected
    assert choose_language("en", "ja", env) == "en"  # --lang wins
    assert choose_language(None, "ja", {"LANG": "en_US.UTF-8"}) == "ja"  # then the saved choice
    assert choose_language(None, "xx", env) == expected  # a bad saved value is ignored


def test_an_unreadable_progress_path_is_reported_not_renamed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = pg.load(blocker / "progress.json")
    assert result.progress == pg.Progress()
    assert result.set_aside is None
    assert result.error is not None
    assert blocker.read_text() == "x"
