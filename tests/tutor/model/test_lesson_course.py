"""Loading a course: order, languages, problems kept out, and finding the built-in lessons from a
source checkout and from an installed wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tutor.model.course import available_languages, lessons_dir, load_course, packaged_lessons_dir
from tutor.model.lessons import QA, Lab, Prose, Quiz, Transcript, block_kind

ROOT = Path(__file__).parents[3]
COURSE = ROOT / "tests" / "fixtures" / "course"
BROKEN_FILES = ROOT / "tests" / "fixtures" / "broken" / "files"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_fixture_course_loads_in_order_in_both_languages(lang: str) -> None:
    course = load_course(COURSE, lang)
    assert course.problems == ()
    assert course.lang == lang and course.root == COURSE
    assert course.ids == ("first-words", "upgrade")
    first, second = course.lessons
    assert (first.number, first.lang, first.scenario) == (1, lang, "plaintext")
    assert first.file.endswith(f"{lang}/01-first-words.md")
    assert [block_kind(b) for b in first.intro] == ["prose", "qa"]
    assert [[block_kind(b) for b in s.blocks] for s in first.steps] == [
        ["qa", "qa"],  # the table and the code sample belong to the answers
        ["transcript", "quiz"],
        ["lab"],
    ]
    assert isinstance(first.steps[1].blocks[0], Transcript)
    lab = first.steps[2].blocks[0]
    assert isinstance(lab, Lab) and (lab.scenario, lab.mode, lab.goal) == (
        "plaintext",
        "step",
        "session-complete",
    )
    quiz = second.steps[0].blocks[1]
    assert isinstance(quiz, Quiz) and quiz.is_right("starttls")
    assert isinstance(second.steps[0].blocks[0], QA) and isinstance(
        second.steps[2].blocks[0], Prose
    )
    assert second.labs[0].client_policy == "verify" and second.labs[0].scenario == "implicit-tls"


def test_step_keys_are_the_same_in_every_language() -> None:
    keys = {
        lang: [
            lesson.step_key(s.number)
            for lesson in load_course(COURSE, lang).lessons
            for s in lesson.steps
        ]
        for lang in ("en", "ja")
    }
    assert keys["en"] == keys["ja"]
    assert keys["en"][:2] == [("first-words", 1), ("first-words", 2)]


def test_course_lookups() -> None:
    course = load_course(COURSE, "en")
    upgrade = course.get("upgrade")
    assert upgrade is not None and upgrade.title == "Upgrading to TLS"
    assert course.get("nope") is None
    assert course.index("upgrade") == 1
    assert course.next_lesson("first-words") is upgrade and course.next_lesson("upgrade") is None
    with pytest.raises(ValueError, match="not in tuple"):
        course.index("nope")


def test_broken_lessons_are_left_out_and_reported() -> None:
    course = load_course(BROKEN_FILES, "en")
    # Dead links do not keep a lesson out (only `lessons check` looks at them); of a duplicated
    # number or id, the first file is kept.
    names = [lesson.file.rsplit("/", 1)[1] for lesson in course.lessons]
    assert names == ["48-link-missing.md", "49-link-outside.md", "50-dup-number.md", "51-dup-id.md"]
    assert len(course.problems) == 52
    assert all(BROKEN_FILES in Path(p.file).resolve().parents for p in course.problems)
    assert not any(p.message.startswith("link ") for p in course.problems)


def test_missing_language_or_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    course = load_course(COURSE / "..", "fr")
    assert course.lessons == () and [p.message for p in course.problems] == [
        "no lessons in language 'fr'"
    ]
    gone = load_course(tmp_path / "gone", "en")
    assert gone.lessons == () and [p.message for p in gone.problems] == ["no such lessons folder"]


def test_available_languages(tmp_path: Path) -> None:
    assert available_languages(COURSE) == ("en", "ja")
    (tmp_path / "en").mkdir()
    (tmp_path / "ja").mkdir()
    (tmp_path / "ja" / "01-a.md").write_text("x", encoding="utf-8")
    assert available_languages(tmp_path) == ("ja",)


def test_lessons_override_and_default() -> None:
    assert lessons_dir(None) == packaged_lessons_dir() == ROOT / "lessons"
    assert lessons_dir("~/pack") == Path.home() / "pack"
    assert lessons_dir(COURSE) == COURSE


def test_pyproject_ships_the_lessons_where_the_loader_looks() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    force = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["lessons"] == "tutor/_lessons"


def install_like_a_wheel(site: Path, tmp_path: Path) -> None:
    """Build the real wheel (hatchling is a test dependency) and unpack it as site-packages."""
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run(
        [*cmd, "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=120
    )
    (wheel,) = tmp_path.glob("smtp_tutor-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        z.extractall(site)
    # Everything the app reads at run time travels in the wheel: styles and lessons.
    tcss = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tutor").rglob("*.tcss")}
    assert tcss, "the UI has style sheets"
    assert tcss <= names, tcss - names
    assert any(n.startswith("tutor/_lessons/ja/") for n in names)
    # The MIT licence travels with the code, and the metadata says what it is (issue 10 item 24).
    (license_,) = [n for n in names if ".dist-info/" in n and n.endswith("/LICENSE")]
    assert b"MIT License" in (site / license_).read_bytes()
    (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    meta = (site / metadata).read_text(encoding="utf-8")
    assert "Classifier: Topic :: Communications :: Email" in meta
    (keywords,) = [ln for ln in meta.splitlines() if ln.startswith("Keywords: ")]
    assert {"smtp", "starttls", "tls"} <= set(keywords.removeprefix("Keywords: ").split(","))


def test_installed_wheel_finds_its_packaged_lessons(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_like_a_wheel(site, tmp_path)
    code = (
        "import tutor, tutor.model.course as c, sys\n"
        "print(tutor.__file__)\n"
        "print(c.packaged_lessons_dir())\n"
        "print(len(c.load_course(None, 'en').lessons), len(c.load_course(None, 'ja').lessons))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert out[0].startswith(str(site))
    assert out[1] == str(site / "tutor" / "_lessons")
    shipped = (
        len(list((ROOT / "lessons" / "en").glob("*.md"))),
        len(list((ROOT / "lessons" / "ja").glob("*.md"))),
    )
    assert tuple(int(n) for n in out[2].split()) == shipped
