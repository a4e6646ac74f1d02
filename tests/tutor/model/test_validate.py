"""The lesson checker: the shipped course passes, packs made on the fly fail precisely, and the
`smtp-tutor lessons check` command prints and exits as documented."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tutor.cli.main import main
from tutor.model.course import packaged_lessons_dir
from tutor.model.validate import validate

ROOT = Path(__file__).parents[3]
COURSE = ROOT / "tests" / "fixtures" / "course"

GOOD = """---
id: {id}
title: T
summary: S
minutes: 1
scenario: none
---

## Step

{body}
"""


def write(root: Path, name: str, id_: str, body: str = "Text.") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(GOOD.format(id=id_, body=body), encoding="utf-8")
    return path


def lines(root: Path) -> list[str]:
    return [str(e) for e in validate(root, shown_root="pack").errors]


def test_shipped_lessons_pass() -> None:
    report = validate(ROOT / "lessons", shown_root="lessons")
    assert [str(e) for e in report.errors] == []
    assert report.summary().endswith(": OK")


def test_fixture_course_passes() -> None:
    report = validate(COURSE)
    assert report.ok and report.summary() == "2 lessons in 2 languages: OK"


def test_empty_languages_are_fine_until_one_has_lessons(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "ja").mkdir()
    assert validate(tmp_path).summary() == "0 lessons in 2 languages: OK"
    write(tmp_path, "en/01-a.md", "a")
    assert lines(tmp_path) == ["pack/ja: no lessons, but en has 1"]
    write(tmp_path, "ja/01-a.md", "a")
    assert validate(tmp_path).summary() == "1 lesson in 2 languages: OK"


def test_a_pack_in_one_language_is_fine(tmp_path: Path) -> None:
    write(tmp_path, "ja/01-a.md", "a")
    write(tmp_path, "ja/02-b.md", "b")
    assert validate(tmp_path).summary() == "2 lessons in 1 language: OK"


def test_missing_folder_and_folder_without_languages(tmp_path: Path) -> None:
    assert [str(e) for e in validate(tmp_path / "nope", shown_root="nope").errors] == [
        "nope: no such lessons folder"
    ]
    assert lines(tmp_path) == ["pack: no lesson folders (en/ or ja/)"]


def test_links_resolve_inside_the_folder(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a b.png").write_bytes(b"png")
    body = (
        "[next](02-b.md#step-1) [readme](../README.md) ![pic](../img/a%20b.png) "
        "[web](https://example.com) [here](#top) [mail](mailto:a@b.test)"
    )
    (tmp_path / "README.md").write_text("pack\n", encoding="utf-8")
    write(tmp_path, "en/01-a.md", "a", body)
    write(tmp_path, "en/02-b.md", "b", "[gone](03-c.md) [out](../../x.md)")
    assert lines(tmp_path) == [
        "pack/en/02-b.md:11: link '../../x.md' leaves the lessons folder",
        "pack/en/02-b.md:11: link '03-c.md': no such file",
    ]


def test_duplicate_ids_and_numbers_and_bad_names(tmp_path: Path) -> None:
    write(tmp_path, "en/01-a.md", "a")
    write(tmp_path, "en/01-b.md", "b")
    write(tmp_path, "en/02-c.md", "a")
    write(tmp_path, "en/intro.md", "d")
    (tmp_path / "en" / "notes.txt").write_text("not a lesson, ignored\n", encoding="utf-8")
    assert lines(tmp_path) == [
        "pack/en/01-b.md: number 01 is already used by pack/en/01-a.md",
        "pack/en/02-c.md:2: id 'a' is already used by pack/en/01-a.md:2",
        "pack/en/intro.md: a lesson file is named NN-slug.md, e.g. 03-starttls.md",
    ]


def test_translations_must_match_the_reference_language(tmp_path: Path) -> None:
    shutil.copytree(COURSE, tmp_path, dirs_exist_ok=True)
    ja = tmp_path / "ja" / "01-first-words.md"
    ja.write_text(
        ja.read_text(encoding="utf-8").replace("answer: 2", "answer: 1"), encoding="utf-8"
    )
    assert lines(tmp_path) == [
        "pack/ja/01-first-words.md:51: quiz: 'answer' is 1, but pack/en/01-first-words.md:51 says 2"
    ]


def test_cli_check_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lessons", "check", str(COURSE)]) == 0
    assert capsys.readouterr().out == "2 lessons in 2 languages: OK\n"


def test_cli_check_prints_every_problem_and_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "tests" / "fixtures" / "broken")
    assert main(["lessons", "check", "langs/"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "langs/en/03-only-en.md:2: id 'only-en' has no lesson in langs/ja"
    assert len(out) == 11 and out[-1] == "10 problems found"


def test_cli_check_defaults_to_the_packaged_course(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    assert packaged_lessons_dir() == ROOT / "lessons"
    rc = main(["lessons", "check"])
    out = capsys.readouterr().out
    assert out.endswith(f"{validate(ROOT / 'lessons').summary()}\n")
    assert rc == (0 if out.endswith(": OK\n") else 1)


def test_cli_lessons_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["lessons"])
    assert exc.value.code == 2
    assert "check" in capsys.readouterr().err
