"""The README's table of keys names every key the course, lesson and lab screens bind
(issue 10, item 26): a key added to a screen and not to the table fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding

from tutor.ui.screens.course import CourseScreen
from tutor.ui.screens.lab import LabScreen
from tutor.ui.screens.lesson import LessonScreen

README = Path(__file__).resolve().parents[3] / "README.md"
NAMES = {"escape": "Esc", "f1": "F1"}


def table() -> dict[str, set[str]]:
    """where -> the keys the README's "Keys" table lists there."""
    text = README.read_text(encoding="utf-8").split("## Keys", 1)[1].split("\n## ", 1)[0]
    keys: dict[str, set[str]] = {}
    where = ""
    for row in text.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[1] in ("key", "---"):
            continue
        where = cells[0] or where
        keys.setdefault(where, set()).update(re.findall(r"`([^`]+)`", cells[1]))
    return keys


@pytest.mark.parametrize(
    ("where", "screen"), [("course", CourseScreen), ("lesson", LessonScreen), ("lab", LabScreen)]
)
def test_readme_keys_table_lists_every_shown_key(where: str, screen: type) -> None:
    listed = table()[where] | table()["everywhere"]
    bound = {
        NAMES.get(key, key)
        for b in screen.BINDINGS
        if isinstance(b, Binding) and b.show
        for key in b.key.split(",")
    }
    assert bound - listed == set(), f"README's Keys table misses {bound - listed} on the {where}"
