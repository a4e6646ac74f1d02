"""`smtp-tutor lessons new DIR` and `lessons check DIR` with a pack (properties.md T3, T8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli.main import main
from tutor.model.course import load_course
from tutor.model.glossary import read_glossary
from tutor.model.scaffold import pack_id_for


def test_t8_a_new_pack_passes_check_and_loads_with_lessons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "Class 7B"
    assert main(["lessons", "new", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"created {root / 'pack.toml'}" in out
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == [
        "en/01-first-lesson.md",
        "glossary/en.toml",
        "glossary/ja.toml",
        "ja/01-first-lesson.md",
        "pack.toml",
    ]
    assert main(["lessons", "check", str(root)]) == 0
    assert capsys.readouterr().out == "1 lesson in 2 languages: OK\n"
    for lang in ("en", "ja"):
        course = load_course(root, lang)
        assert course.problems == ()
        assert (course.pack_id, course.pack_version) == ("class-7b", "0.1")
        assert course.ids == ("first-lesson",)
        lesson = course.lessons[0]
        kinds = {type(b).__name__ for s in lesson.steps for b in s.blocks}
        assert {"QA", "Quiz", "Transcript", "Lab"} <= kinds
        glossary = read_glossary(root, lang)
        assert glossary.errors == () and [e.id for e in glossary.glossary.entries] == ["banner"]
        assert glossary.glossary.terms_in_lesson(lesson)  # the stub term is in the stub lesson


def test_t8_the_tutor_accepts_the_new_pack(tmp_path: Path) -> None:
    root = tmp_path / "pack"
    assert main(["lessons", "new", str(root), "--id", "my.pack", "--title", 'A "quoted" one']) == 0
    assert load_course(root, "en").pack is not None
    course = load_course(root, "en")
    assert course.pack is not None and course.pack.title == 'A "quoted" one'
    assert course.pack_id == "my.pack"
    # the check the TUI's --lessons runs before it starts (the Pilot test opens it for real)
    from tutor.cli.main import _check_lessons_dir

    assert _check_lessons_dir(str(root)) is None


def test_t8_new_never_overwrites_and_says_why_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["lessons", "new", str(root)]) == 1
    assert (
        capsys.readouterr().err == f"smtp-tutor: {root} is not empty; give a new or empty folder\n"
    )
    assert (root / "notes.txt").read_text(encoding="utf-8") == "mine"
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")
    assert main(["lessons", "new", str(link)]) == 1
    assert "is a symbolic link" in capsys.readouterr().err
    assert not (tmp_path / "elsewhere").exists()
    assert main(["lessons", "new", str(tmp_path / "q"), "--id", "Bad Id"]) == 1
    assert capsys.readouterr().err == (
        "smtp-tutor: pack id 'Bad Id': lowercase letters, digits, '.', '_' or '-'\n"
    )
    assert not (tmp_path / "q").exists()
    assert pack_id_for("Class 7B (2026)") == "class-7b-2026"
    assert pack_id_for("日本語") == "my-pack"


def test_t3_the_tutor_refuses_a_pack_for_a_newer_tutor_in_one_line(tmp_path: Path) -> None:
    root = tmp_path / "pack"
    assert main(["lessons", "new", str(root)]) == 0
    manifest = root / "pack.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('requires-tutor = "0.1"', 'requires-tutor = "7.2"'), "utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "tutor", "--lessons", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr == (
        f"smtp-tutor: --lessons {root}: {root}/pack.toml:7: this pack needs smtp-tutor 7.2 or"
        " newer; this is 0.1.0: upgrade smtp-tutor to use it\n"
    )
    check = subprocess.run(
        [sys.executable, "-m", "tutor", "lessons", "check", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 1
    assert "pack.toml:7: this pack needs smtp-tutor 7.2 or newer" in check.stdout
