"""The validator over tests/fixtures/broken: exactly the expected `file:line: message` lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.model.validate import validate

BROKEN = Path(__file__).parents[2] / "fixtures" / "broken"
PACKS = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def expected(pack: str) -> list[str]:
    lines = (BROKEN / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [x for x in lines if x.split("/", 1)[0].split(":", 1)[0] == pack]


def test_every_pack_has_expectations() -> None:
    assert PACKS == ["empty-ja", "files", "langs", "no-langs"]
    assert all(expected(p) for p in PACKS)


@pytest.mark.parametrize("pack", PACKS)
def test_broken_pack_reports_exactly_the_expected_lines(pack: str) -> None:
    report = validate(BROKEN / pack, shown_root=pack)
    assert [str(e) for e in report.errors] == expected(pack)
    assert not report.ok


def test_every_broken_file_is_named_by_a_message() -> None:
    """One deliberate mistake per file: no fixture is dead weight, none has a stray second error."""
    text = (BROKEN / "expected.txt").read_text(encoding="utf-8")
    files = sorted((BROKEN / "files" / "en").iterdir())
    assert len(files) >= 50
    for f in files:
        assert f"files/en/{f.name}" in text, f.name
    first_fields = [
        line.split(":", 1)[0] for line in text.splitlines() if line.startswith("files/")
    ]
    assert len(first_fields) == len(set(first_fields)), "a broken file has more than one problem"
