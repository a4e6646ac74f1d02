"""The lesson pack manifest, pack.toml (properties.md T1-T4)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tutor.model.course import load_course, packaged_lessons_dir
from tutor.model.pack import (
    BUILTIN_PACK_ID,
    MANIFEST_MAX_BYTES,
    needs_newer_tutor,
    parse_manifest,
    read_pack,
)
from tutor.model.validate import validate

GOOD = """id = "class-7b"
title = "Mail for 7B"
version = "1.2"
languages = ["en"]
requires-tutor = "0.1"
"""

LESSON = """---
id: hello
title: Hello
summary: A first lesson.
minutes: 5
scenario: none
---

## First

Plain text.
"""


def said(text: str) -> list[str]:
    return [str(e) for e in parse_manifest(text, "p/pack.toml").errors]


def a_pack(tmp_path: Path, manifest: str | None = GOOD, langs: tuple[str, ...] = ("en",)) -> Path:
    root = tmp_path / "pack"
    for lang in langs:
        (root / lang).mkdir(parents=True)
        (root / lang / "01-hello.md").write_text(LESSON, encoding="utf-8")
    if manifest is not None:
        (root / "pack.toml").write_text(manifest, encoding="utf-8")
    return root


def test_t1_the_built_in_course_is_the_smtp_tutor_pack() -> None:
    got = read_pack(packaged_lessons_dir())
    assert got.errors == ()
    assert got.pack is not None
    assert got.pack.id == BUILTIN_PACK_ID
    assert got.pack.languages == ("en", "ja")
    assert got.pack.title_in("ja") != got.pack.title_in("en")
    for lang in ("en", "ja"):
        course = load_course(None, lang)
        assert (course.pack_id, course.pack_version) == (BUILTIN_PACK_ID, got.pack.version)
        assert course.lessons


def test_t1_a_pack_and_a_folder_without_a_manifest_have_their_own_ids(tmp_path: Path) -> None:
    course = load_course(a_pack(tmp_path), "en")
    assert (course.pack_id, course.pack_version) == ("class-7b", "1.2")
    assert course.ids == ("hello",)
    bare = a_pack(tmp_path / "b", manifest=None)
    course = load_course(bare, "en")
    assert course.pack_id == "local:pack"
    assert course.pack_id != BUILTIN_PACK_ID
    assert course.ids == ("hello",)
    assert validate(bare).ok  # a folder from before packs is still a course


def test_t2_bad_toml_is_one_line_at_its_line() -> None:
    assert said('id = "x"\ntitle = \n') == ["p/pack.toml:2: not TOML: Invalid value"]
    assert said('id = "x"\n\0\n')[0].startswith("p/pack.toml:2: not TOML:")


def test_t2_wrong_types_and_values_are_named_at_their_line() -> None:
    text = GOOD.replace('"1.2"', "1.2").replace('["en"]', '"en"').replace('"class-7b"', '"Class 7"')
    assert said(text + "colour = 3\n") == [
        "p/pack.toml:1: 'id' 'Class 7': lowercase letters, digits, '.', '_' or '-'",
        "p/pack.toml:3: 'version' is a float, not a string in quotes",
        "p/pack.toml:4: 'languages' is a list of language codes, e.g. ['en', 'ja']",
        "p/pack.toml:6: unknown key 'colour' (known: id, title, version, languages,"
        " requires-tutor)",
    ]
    assert said(GOOD.replace('["en"]', '["en", "fr", "en"]')) == [
        "p/pack.toml:4: 'languages' has 'fr'; known: en, ja"
    ]
    assert said(GOOD.replace('["en"]', '["en", "en"]')) == [
        "p/pack.toml:4: 'languages' lists 'en' twice"
    ]
    assert said(GOOD.replace('"Mail for 7B"', '{ en = "A", de = "B" }')) == [
        "p/pack.toml:2: 'title' names language 'de'; known: en, ja"
    ]
    assert said('title = "x"\n') == [
        "p/pack.toml: 'id' is missing",
        "p/pack.toml: 'languages' is missing",
        "p/pack.toml: 'version' is missing",
    ]


@given(st.text(max_size=300))
def test_t2_any_text_is_a_pack_or_problems_never_an_exception(text: str) -> None:
    got = parse_manifest(text, "pack.toml")
    assert (got.pack is None) == bool(got.errors)
    assert all(str(e).startswith("pack.toml") for e in got.errors)


def test_t2_hostile_manifest_files_are_one_clear_line(tmp_path: Path) -> None:
    root = a_pack(tmp_path, manifest=None)
    manifest = root / "pack.toml"

    def problems() -> list[str]:
        return [str(e) for e in read_pack(root, "pack").errors]

    manifest.write_bytes(b"x" * (10 * 1024 * 1024))
    assert problems() == [f"pack/pack.toml: cannot read: is larger than {MANIFEST_MAX_BYTES} bytes"]
    manifest.write_bytes(b'id = "\xff\xfe"\n')
    assert problems() == ["pack/pack.toml: not UTF-8 text (invalid start byte at byte 6)"]
    manifest.unlink()
    (tmp_path / "real.toml").write_text(GOOD, encoding="utf-8")
    manifest.symlink_to(tmp_path / "real.toml")
    assert problems() == ["pack/pack.toml: cannot read: is a symbolic link; it is not followed"]
    manifest.unlink()
    os.mkfifo(manifest)
    assert problems() == ["pack/pack.toml: cannot read: is not a regular file"]
    assert not validate(root, "pack").ok
    assert load_course(root, "en").lessons == ()


def test_t3_a_pack_for_a_newer_tutor_is_refused_clearly(tmp_path: Path) -> None:
    assert needs_newer_tutor("0.2", "0.1.0")
    assert not needs_newer_tutor("0.1", "0.1.0")
    assert not needs_newer_tutor("0.1.0.0", "0.1")
    assert needs_newer_tutor("0.10", "0.9.5")
    root = a_pack(tmp_path, GOOD.replace('"0.1"', '"99.0"'))
    course = load_course(root, "en")
    assert course.lessons == ()
    assert [e.message for e in course.problems] == [
        "this pack needs smtp-tutor 99.0 or newer; this is 0.1.0: upgrade smtp-tutor to use it"
    ]
    assert [str(e) for e in validate(root, "pack").errors] == [
        "pack/pack.toml:5: this pack needs smtp-tutor 99.0 or newer; this is 0.1.0:"
        " upgrade smtp-tutor to use it"
    ]


def test_t4_lessons_check_holds_the_languages_to_the_folders(tmp_path: Path) -> None:
    root = a_pack(tmp_path, GOOD.replace('["en"]', '["en", "ja"]'))
    assert [str(e) for e in validate(root, "pack").errors] == [
        "pack/pack.toml:4: 'languages' lists 'ja', but ja/ has no lessons"
    ]
    shutil.rmtree(root)
    root = a_pack(tmp_path, GOOD, langs=("en", "ja"))
    assert [str(e) for e in validate(root, "pack").errors] == [
        "pack/pack.toml:4: ja/ has lessons, but 'languages' does not list 'ja'"
    ]
    (root / "pack.toml").write_text(GOOD.replace('["en"]', '["en", "ja"]'), encoding="utf-8")
    assert validate(root, "pack").ok
